#!/usr/bin/env bash
# Runs the whole test suite: installs missing system packages, builds the server binary
# (the end-to-end tests start it), then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
ensure_packages
cargo build --locked -p orbit-server
cargo test --locked --workspace --exclude orbit-benches "$@"
