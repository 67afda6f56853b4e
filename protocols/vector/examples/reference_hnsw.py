#!/usr/bin/env python3
"""Reference HNSW figures on the same seeded data as `vector_bench` (a bench aid, not a test).

Runs faiss's IndexHNSWFlat (and hnswlib's index when that package is installed) with the
same M and efConstruction as orbit-vector, on one thread, over the vectors and queries that
`vector_bench --dump DIR` writes, and prints build time and recall@10 / queries/s per
efSearch, with the ground truth from exact (flat) search.

Usage:
    python3 -m venv ~/.cache/orbit-venv-vectorref
    ~/.cache/orbit-venv-vectorref/bin/pip install faiss-cpu numpy   # hnswlib optional
    cargo run --release -p orbit-vector --example vector_bench -- --data uniform --dump /tmp/vecdata
    ~/.cache/orbit-venv-vectorref/bin/python protocols/vector/examples/reference_hnsw.py \
        /tmp/vecdata/uniform [--m 16] [--ef-construction 200] [--ef 10,20,40,64,100,200,400]
"""

import argparse
import time

import numpy as np

K = 10
EFS = [10, 20, 40, 64, 100, 200, 400]


def read_fvecs(path):
    """Vectors of a .fvecs file: per vector an int32 dimension, then that many float32s."""
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        return np.zeros((0, 0), dtype=np.float32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(np.float32)


def recall(found, truth):
    return sum(len(set(f) & set(t)) for f, t in zip(found.tolist(), truth.tolist())) / (len(truth) * K)


def run_faiss(base, queries, truth, m, ef_construction):
    import faiss

    faiss.omp_set_num_threads(1)
    index = faiss.IndexHNSWFlat(base.shape[1], m)
    index.hnsw.efConstruction = ef_construction
    start, cpu = time.perf_counter(), time.process_time()
    index.add(base)
    print(f"faiss IndexHNSWFlat build: {time.perf_counter() - start:.2f} s wall, "
          f"{time.process_time() - cpu:.2f} s cpu (1 thread)")
    print(f"{'ef':>5} {'recall@10':>11} {'queries/s':>10} {'1-by-1 q/s':>11}")
    for ef in EFS:
        index.hnsw.efSearch = ef
        start = time.perf_counter()
        _, found = index.search(queries, K)
        batch = len(queries) / (time.perf_counter() - start)
        start = time.perf_counter()
        for q in queries:
            index.search(q.reshape(1, -1), K)
        single = len(queries) / (time.perf_counter() - start)
        print(f"{ef:>5} {recall(found, truth):>11.4f} {batch:>10.0f} {single:>11.0f}")


def run_hnswlib(base, queries, truth, m, ef_construction):
    try:
        import hnswlib
    except ImportError:
        print("hnswlib: not installed, skipped")
        return
    index = hnswlib.Index(space="l2", dim=base.shape[1])
    index.init_index(max_elements=len(base), M=m, ef_construction=ef_construction, random_seed=100)
    index.set_num_threads(1)
    start = time.perf_counter()
    index.add_items(base, np.arange(len(base)))
    print(f"hnswlib build: {time.perf_counter() - start:.2f} s (1 thread)")
    print(f"{'ef':>5} {'recall@10':>11} {'queries/s':>10}")
    for ef in EFS:
        index.set_ef(ef)
        start = time.perf_counter()
        found, _ = index.knn_query(queries, k=K)
        qps = len(queries) / (time.perf_counter() - start)
        print(f"{ef:>5} {recall(found, truth):>11.4f} {qps:>10.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", help="path prefix of <prefix>_base.fvecs and <prefix>_query.fvecs")
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument("--ef", default=",".join(map(str, EFS)), help="comma-separated efSearch values")
    args = parser.parse_args()
    EFS[:] = [int(ef) for ef in args.ef.split(",")]
    base = read_fvecs(f"{args.prefix}_base.fvecs")
    queries = read_fvecs(f"{args.prefix}_query.fvecs")
    print(f"== {args.prefix}: {base.shape[0]} x {base.shape[1]} f32, {len(queries)} queries, k = {K}, L2, "
          f"M {args.m}, efConstruction {args.ef_construction}")

    import faiss

    faiss.omp_set_num_threads(1)
    flat = faiss.IndexFlatL2(base.shape[1])
    flat.add(base)
    _, truth = flat.search(queries, K)
    run_faiss(base, queries, truth, args.m, args.ef_construction)
    run_hnswlib(base, queries, truth, args.m, args.ef_construction)


if __name__ == "__main__":
    main()
