"""Loading and the traversal workload of benches/aql-bench.sh (the shell script runs the
document workloads with wrk against the HTTP listener and pgbench against the PostgreSQL
listener).

  --mode load       creates the collections `bench` (DOCS documents {_key: "k<i>", grp, name,
                    score}, a persistent index on grp), `bench_ins` (empty, for the insert
                    workloads), the graph `verts`/`links` (VERTICES vertices, DEGREE random
                    outbound edges each), the same rows in PostgreSQL tables `bench (k text
                    primary key, grp integer, doc jsonb)` indexed on grp and `bench_ins (id
                    bigint primary key, grp integer, doc jsonb)`, and the same graph over Bolt
                    (:V {id} with an index on id, :E relationships)
  --mode traverse   a 3-hop outbound traversal from a random vertex, CLIENTS processes (one
                    connection each, Python clients on both sides) for SECONDS:
                    FOR v IN 3..3 OUTBOUND s links RETURN v._key over HTTP and
                    MATCH (a:V {id: $s})-[:E*3..3]->(b) RETURN b.id over Bolt; prints both
                    rates and the ratio
"""

import argparse
import base64
import http.client
import json
import multiprocessing
import random
import time

GROUPS = 100


class Arango:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.auth = "Basic " + base64.b64encode(b"root:").decode()

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        headers = {"Authorization": self.auth, "Content-Type": "application/json"}
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        payload = resp.read()
        if resp.status >= 400:
            raise RuntimeError(f"{method} {path}: {resp.status} {payload[:200]!r}")
        return json.loads(payload) if payload else None

    def query(self, aql, bind=None):
        return self.request("POST", "/_api/cursor", {"query": aql, "bindVars": bind or {}, "batchSize": 10000})


class Postgres:
    def __init__(self, port):
        import psycopg

        self.conn = psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True)

    def execute(self, sql, params=None):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else None


def doc(i):
    return {"_key": f"k{i}", "grp": i % GROUPS, "name": f"name{i}", "score": i * 7 % 1000}


# ---- one client's loop per workload and system ----


def run_client(args):
    system, workload, port, seconds, seed, docs, vertices = args
    rng = random.Random(seed)
    done = 0
    if system == "http":
        c = Arango(port)
    elif system == "pg":
        c = Postgres(port)
    else:
        import neo4j

        driver = neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=("neo4j", "password"))
        session = driver.session()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        s = rng.randrange(vertices)
        if system == "http":
            c.query("FOR v IN 3..3 OUTBOUND @s links RETURN v._key", {"s": f"verts/v{s}"})
        else:
            session.run("MATCH (a:V {id: $s})-[:E*3..3]->(b) RETURN b.id", s=s).consume()
        done += 1
    return done


def measure(system, workload, port, clients, seconds, docs, vertices):
    jobs = [(system, workload, port, seconds, seed, docs, vertices) for seed in range(clients)]
    start = time.monotonic()
    with multiprocessing.Pool(clients) as pool:
        counts = pool.map(run_client, jobs)
    return sum(counts) / (time.monotonic() - start)


# ---- loading ----


def load(http_port, pg_port, bolt_port, docs, vertices, degree):
    a = Arango(http_port)
    a.request("POST", "/_api/collection", {"name": "bench"})
    a.request("POST", "/_api/index?collection=bench", {"type": "persistent", "fields": ["grp"]})
    a.request("POST", "/_api/collection", {"name": "bench_ins"})
    a.request("POST", "/_api/collection", {"name": "verts"})
    a.request("POST", "/_api/collection", {"name": "links", "type": 3})
    p = Postgres(pg_port)
    p.execute("CREATE TABLE bench (k text PRIMARY KEY, grp integer, doc jsonb)")
    p.execute("CREATE INDEX bench_grp ON bench (grp)")
    p.execute("CREATE TABLE bench_ins (id bigint PRIMARY KEY, grp integer, doc jsonb)")
    t = time.monotonic()
    for i in range(0, docs, 1000):
        a.request("POST", "/_api/document/bench", [doc(j) for j in range(i, min(docs, i + 1000))])
    print(f"loaded {docs} documents over HTTP in {time.monotonic() - t:.1f} s", flush=True)
    t = time.monotonic()
    with p.conn.cursor() as cur:
        with cur.copy("COPY bench (k, grp, doc) FROM STDIN") as copy:
            for j in range(docs):
                d = doc(j)
                copy.write_row((d["_key"], d["grp"], json.dumps(d)))
    print(f"loaded {docs} rows over PostgreSQL in {time.monotonic() - t:.1f} s", flush=True)
    rng = random.Random(7)
    edges = [(i, rng.randrange(vertices)) for i in range(vertices) for _ in range(degree)]
    for i in range(0, vertices, 1000):
        a.request("POST", "/_api/document/verts", [{"_key": f"v{j}"} for j in range(i, min(vertices, i + 1000))])
    for i in range(0, len(edges), 1000):
        chunk = edges[i : i + 1000]
        a.request("POST", "/_api/document/links", [{"_from": f"verts/v{x}", "_to": f"verts/v{y}"} for x, y in chunk])
    import neo4j

    driver = neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{bolt_port}", auth=("neo4j", "password"))
    with driver.session() as s:
        s.run("CREATE INDEX v_id IF NOT EXISTS FOR (v:V) ON (v.id)").consume()
        for i in range(0, vertices, 5000):
            s.run("UNWIND $ids AS i CREATE (:V {id: i})", ids=list(range(i, min(vertices, i + 5000)))).consume()
        for i in range(0, len(edges), 5000):
            batch = [{"a": x, "b": y} for x, y in edges[i : i + 5000]]
            s.run("UNWIND $b AS r MATCH (a:V {id: r.a}), (b:V {id: r.b}) CREATE (a)-[:E]->(b)", b=batch).consume()
    driver.close()
    print(f"loaded a graph of {vertices} vertices, {len(edges)} edges in both", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["load", "traverse"], required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--bolt-port", type=int, required=True)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--vertices", type=int, default=10_000)
    parser.add_argument("--degree", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    if args.mode == "load":
        load(args.http_port, args.pg_port, args.bolt_port, args.docs, args.vertices, args.degree)
        return
    h = measure("http", "traverse3", args.http_port, args.clients, args.seconds, args.docs, args.vertices)
    b = measure("bolt", "traverse3", args.bolt_port, args.clients, args.seconds, args.docs, args.vertices)
    print(f"traverse3 {h:.1f} {b:.1f}")


if __name__ == "__main__":
    main()
