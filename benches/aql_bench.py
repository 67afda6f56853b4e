"""The document workload of benches/aql-bench.sh: the same work through Orbit's ArangoDB
HTTP listener, Orbit's PostgreSQL listener (jsonb rows) and, for the traversal, Orbit's
Bolt listener, on one machine, printing ops/s per workload and the HTTP/PostgreSQL and
HTTP/Bolt ratios.

Workloads, each with CLIENTS concurrent clients (one process each, one connection each,
one request at a time) for SECONDS:
  insert       one document per request (POST /_api/document/c | INSERT ... VALUES)
  insert_batch 1,000 documents per request (POST of an array | one multi-row INSERT)
  get          one document by key (GET /_api/document/c/k | SELECT ... WHERE k = $1)
  filter       documents of one group through a persistent index
               (FOR d IN c FILTER d.grp == @g RETURN d | WHERE grp = $1, indexed)
  collect      COLLECT over every document of the DOCS-document collection, one client
               (COLLECT g = d.grp WITH COUNT INTO n | GROUP BY grp)
  traverse3    3-hop outbound traversal from a random vertex of a random graph
               (FOR v IN 3..3 OUTBOUND s e RETURN v._key | MATCH (a)-[:E*3..3]->(b))
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
    next_key = 10_000_000 + seed * 1_000_000
    batch_key = 100_000_000 + seed * 10_000_000
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
        if workload == "insert":
            d = doc(next_key)
            next_key += 1
            if system == "http":
                c.request("POST", "/_api/document/bench", d)
            else:
                c.execute("INSERT INTO bench (k, grp, doc) VALUES (%s, %s, %s::jsonb)", (d["_key"], d["grp"], json.dumps(d)))
            done += 1
        elif workload == "insert_batch":
            batch = [doc(batch_key + j) for j in range(1000)]
            batch_key += 1000
            if system == "http":
                c.request("POST", "/_api/document/bench", batch)
            else:
                values = ",".join(["(%s, %s, %s::jsonb)"] * len(batch))
                params = [p for d in batch for p in (d["_key"], d["grp"], json.dumps(d))]
                c.execute(f"INSERT INTO bench (k, grp, doc) VALUES {values}", params)
            done += 1000
        elif workload == "get":
            k = f"k{rng.randrange(docs)}"
            if system == "http":
                c.request("GET", f"/_api/document/bench/{k}")
            else:
                c.execute("SELECT doc FROM bench WHERE k = %s", (k,))
            done += 1
        elif workload == "filter":
            g = rng.randrange(GROUPS)
            if system == "http":
                c.query("FOR d IN bench FILTER d.grp == @g LIMIT 100 RETURN d", {"g": g})
            else:
                c.execute("SELECT doc FROM bench WHERE grp = %s LIMIT 100", (g,))
            done += 1
        elif workload == "collect":
            if system == "http":
                c.query("FOR d IN bench COLLECT g = d.grp WITH COUNT INTO n RETURN {g, n}")
            else:
                c.execute("SELECT grp, count(*) FROM bench GROUP BY grp")
            done += 1
        elif workload == "traverse3":
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
    a.request("POST", "/_api/collection", {"name": "verts"})
    a.request("POST", "/_api/collection", {"name": "links", "type": 3})
    p = Postgres(pg_port)
    p.execute("CREATE TABLE bench (k text PRIMARY KEY, grp integer, doc jsonb)")
    p.execute("CREATE INDEX bench_grp ON bench (grp)")
    t = time.monotonic()
    for i in range(0, docs, 1000):
        a.request("POST", "/_api/document/bench", [doc(j) for j in range(i, min(docs, i + 1000))])
    print(f"loaded {docs} documents over HTTP in {time.monotonic() - t:.1f} s", flush=True)
    t = time.monotonic()
    for i in range(0, docs, 1000):
        batch = [doc(j) for j in range(i, min(docs, i + 1000))]
        values = ",".join(["(%s, %s, %s::jsonb)"] * len(batch))
        params = [x for d in batch for x in (d["_key"], d["grp"], json.dumps(d))]
        p.execute(f"INSERT INTO bench (k, grp, doc) VALUES {values}", params)
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
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--bolt-port", type=int, required=True)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--vertices", type=int, default=10_000)
    parser.add_argument("--degree", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    load(args.http_port, args.pg_port, args.bolt_port, args.docs, args.vertices, args.degree)
    rows = []
    for workload, other in [
        ("get", "pg"),
        ("insert", "pg"),
        ("insert_batch", "pg"),
        ("filter", "pg"),
        ("collect", "pg"),
        ("traverse3", "bolt"),
    ]:
        clients = 1 if workload == "collect" else args.clients
        ports = {"http": args.http_port, "pg": args.pg_port, "bolt": args.bolt_port}
        results = {}
        for system in ("http", other):
            try:
                results[system] = measure(system, workload, ports[system], clients, args.seconds, args.docs, args.vertices)
            except Exception as e:  # a failing system is reported, the others still run
                print(f"{workload} on {system}: failed: {e}", flush=True)
                results[system] = None
        h, o = results["http"], results[other]
        ratio = f"{h / o:.2f}" if h and o else "n/a"
        print(f"{workload:13} clients {clients}  http {h or 0:10.1f}/s  {other} {o or 0:10.1f}/s  http/{other} {ratio}", flush=True)
        rows.append((workload, h, other, o, ratio))
    print("\nworkload       ops/s (HTTP)   other        ops/s   ratio")
    for workload, h, other, o, ratio in rows:
        print(f"{workload:13} {h or 0:12.1f}   {other:5} {o or 0:12.1f}   {ratio}")


if __name__ == "__main__":
    main()
