#!/usr/bin/env bash
# Fills in the expected results of sqllogic/suites/*.slt (or the named files) from a
# throwaway real PostgreSQL 15, then checks that every suite passes there.
# Usage: sqllogic/scripts/complete-suites.sh [file.slt ...]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/root/.cache/orbit-target}"
if [ "$#" -eq 0 ]; then
  files=(sqllogic/suites/*.slt)
else
  files=()
  for f in "$@"; do
    if [ -f "$f" ]; then files+=("$f"); else files+=("sqllogic/suites/$f"); fi
  done
fi
cargo build -q -p orbit-sqllogic
bin="$CARGO_TARGET_DIR/debug/orbit-sqllogic"
"$bin" --real-postgres --complete "${files[@]}"
"$bin" --real-postgres --verbose "${files[@]}"
