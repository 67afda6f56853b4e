"""python-arango (8.x) session against Orbit's ArangoDB listener, run by tests/tests/e2e/aql.rs.

Usage: arango_session.py HOST PORT ROOT_PASSWORD JWT_SECRET MODE [N]
  session          the whole application session; prints one line per step
  write N          writes N documents, an index and a graph edge (durability tests)
  check            prints what `write` left: counts, the index, the graph
  wrong-password   prints how a wrong password is refused
Each line says what was observed; the Rust test holds what ArangoDB answers.
"""

import sys
import time

import jwt
from arango import ArangoClient
from arango.exceptions import (
    AQLQueryExecuteError,
    DocumentInsertError,
    DocumentRevisionError,
    JWTAuthError,
    ServerConnectionError,
)


def out(*words):
    print(*words, flush=True)


def superuser_token(secret):
    now = int(time.time())
    claims = {"iat": now, "exp": now + 3600, "iss": "arangodb", "server_id": "orbit-e2e"}
    return jwt.encode(claims, secret, algorithm="HS256")


def session(client, password, secret):
    sys_db = client.db("_system", username="root", password=password, verify=True)
    version = sys_db.version()
    out("version", version.split(".")[0])

    # Databases with users.
    out("create_database", sys_db.create_database(
        "e2e_db", users=[{"username": "alice", "password": "apw", "active": True}]))
    out("has_database", sys_db.has_database("e2e_db"), "_system" in sys_db.databases())
    db = client.db("e2e_db", username="alice", password="apw", verify=True)
    out("alice database", db.name, sys_db.permission("alice", "e2e_db"))
    sys_db.create_user("carol", "cpw")
    sys_db.update_permission("carol", "ro", "e2e_db")
    out("carol", sys_db.has_user("carol"), sys_db.permission("carol", "e2e_db"))

    # Collections.
    people = db.create_collection("people")
    out("collection", people.name, people.properties()["edge"], db.has_collection("people"))
    # Documents, single and in batches, with revisions.
    meta = people.insert({"_key": "ann", "name": "Ann", "age": 31})
    out("insert", meta["_id"], meta["_key"], bool(meta["_rev"]))
    batch = people.insert_many([
        {"_key": "bob", "name": "Bob", "age": 25},
        {"_key": "cy", "name": "Cy", "age": 40},
        {"_key": "ann", "name": "Duplicate"},
        {"_key": "dee", "name": "Dee", "age": 19},
        {"_key": "eve", "name": "Eve", "age": 52},
    ])
    out("insert_many", *[
        f"{type(r).__name__}:{r.error_code}" if isinstance(r, Exception) else r["_key"] for r in batch])
    out("count", people.count())
    ann = people.get("ann")
    out("get", ann["name"], ann["age"], ann["_rev"] == meta["_rev"], people.get("nobody"))
    try:
        people.update({"_key": "ann", "_rev": "_aaaaaaaaaa", "age": 32}, check_rev=True)
        out("stale revision accepted")
    except DocumentRevisionError as e:
        out("stale revision", type(e).__name__, e.http_code, e.error_code)
    updated = people.update({"_key": "ann", "_rev": ann["_rev"], "age": 32}, check_rev=True, return_new=True)
    out("update", updated["new"]["age"], updated["new"]["name"], updated["_rev"] != ann["_rev"])
    replaced = people.replace({"_key": "cy", "nick": "C"}, return_old=True)
    out("replace", replaced["old"]["name"], sorted(k for k in people.get("cy") if not k.startswith("_")))
    many = people.get_many(["bob", "eve", "missing"])
    out("get_many", sorted(d["_key"] for d in many))
    out("delete", people.delete("cy")["_key"], people.has("cy"), people.count())
    people.insert({"_key": "cy", "name": "Cy", "age": 40})

    # Indexes.
    index = people.add_index({"type": "persistent", "fields": ["age"], "name": "by_age"})
    out("index", index["type"], index["fields"], index["name"], index["isNewlyCreated"], index["unique"])
    again = people.add_index({"type": "persistent", "fields": ["age"], "name": "by_age"})
    out("index again", again["isNewlyCreated"], again["id"] == index["id"])
    people.add_index({"type": "persistent", "fields": ["email"], "unique": True, "sparse": True})
    out("indexes", sorted(i["type"] for i in people.indexes()))
    people.insert({"_key": "f1", "email": "f@example.com"})
    try:
        people.insert({"_key": "f2", "email": "f@example.com"})
        out("unique violation accepted")
    except DocumentInsertError as e:
        out("unique violation", e.http_code, e.error_code)
    people.delete("f1")

    # AQL with bind variables and cursor paging.
    cursor = db.aql.execute(
        "FOR p IN people FILTER p.age >= @min SORT p.age RETURN p._key",
        bind_vars={"min": 20}, batch_size=2, count=True)
    first = list(cursor.batch())
    out("cursor first batch", first, cursor.has_more(), cursor.count())
    out("cursor all", list(cursor))
    cursor = db.aql.execute("FOR p IN @@c COLLECT WITH COUNT INTO n RETURN n", bind_vars={"@c": "people"})
    out("collection bind", list(cursor))
    cursor = db.aql.execute("RETURN {sum: SUM([1, 2.5]), up: UPPER(@s), n: LENGTH(@a)}",
                            bind_vars={"s": "orbit", "a": [1, 2, 3]})
    out("expressions", [sorted(row.items()) for row in cursor])
    for query, binds in (("FOR p IN", {}), ("RETURN @missing", {})):
        try:
            db.aql.execute(query, bind_vars=binds)
            out("bad query accepted", query)
        except AQLQueryExecuteError as e:
            out("bad query", e.http_code, e.error_code)

    # Named graphs and traversals.
    graph = db.create_graph("social", edge_definitions=[
        {"edge_collection": "knows", "from_vertex_collections": ["people"], "to_vertex_collections": ["people"]}])
    knows = graph.edge_collection("knows")
    for a, b in (("ann", "bob"), ("ann", "cy"), ("bob", "dee"), ("dee", "eve")):
        knows.insert({"_from": f"people/{a}", "_to": f"people/{b}"})
    out("graph", graph.name, graph.vertex_collections(), [d["edge_collection"] for d in graph.edge_definitions()],
        db.has_graph("social"))
    cursor = db.aql.execute("FOR v IN 1..2 OUTBOUND 'people/ann' GRAPH 'social' SORT v._key RETURN v._key")
    out("traversal", list(cursor))
    cursor = db.aql.execute(
        "FOR v, e, p IN 3..3 OUTBOUND 'people/ann' knows RETURN p.vertices[*]._key")
    out("paths", list(cursor))
    edges = knows.edges("people/ann", direction="out")
    out("edges", sorted(e["_to"] for e in edges["edges"]))
    vertex = graph.vertex_collection("people").get("bob")
    out("vertex", vertex["name"])

    # Stream transactions.
    txn = db.begin_transaction(read=["people"], write=["people"])
    txn.collection("people").insert({"_key": "tx1"})
    out("txn", txn.transaction_status(), people.has("tx1"), txn.collection("people").has("tx1"))
    out("commit", txn.commit_transaction(), people.has("tx1"))
    txn = db.begin_transaction(write="people")
    txn.collection("people").insert({"_key": "tx2"})
    list(txn.aql.execute("INSERT {_key: 'tx3'} INTO people"))
    out("abort", txn.abort_transaction(), people.has("tx2"), people.has("tx3"))

    # JWT: a session token from /_open/auth, and a superuser token signed with the secret.
    jwt_db = client.db("e2e_db", username="alice", password="apw", auth_method="jwt", verify=True)
    out("jwt session", jwt_db.collection("people").count())
    super_db = client.db("_system", superuser_token=superuser_token(secret), verify=True)
    out("superuser token", super_db.has_database("e2e_db"))

    out("drop", db.delete_graph("social", drop_collections=True), sys_db.delete_database("e2e_db"),
        sys_db.has_database("e2e_db"))


def wrong_password(client, password):
    try:
        client.db("_system", username="root", password=password + "-wrong", verify=True)
        out("basic accepted")
    except ServerConnectionError as e:
        out("basic", type(e).__name__)
    try:
        client.db("_system", username="root", password=password + "-wrong", auth_method="jwt")
        out("jwt accepted")
    except JWTAuthError as e:
        out("jwt", type(e).__name__, e.http_code)


def write(client, password, n):
    db = client.db("_system", username="root", password=password, verify=True)
    if not db.has_collection("durable"):
        col = db.create_collection("durable")
        col.add_index({"type": "persistent", "fields": ["n"], "name": "by_n", "unique": True})
        db.create_graph("chain", edge_definitions=[
            {"edge_collection": "links", "from_vertex_collections": ["durable"],
             "to_vertex_collections": ["durable"]}])
    col = db.collection("durable")
    start = col.count()
    col.insert_many([{"_key": f"d{start + i}", "n": start + i} for i in range(n)])
    links = db.graph("chain").edge_collection("links")
    for i in range(max(start, 1), start + n):
        links.insert({"_from": f"durable/d{i - 1}", "_to": f"durable/d{i}"})
    out("written")


def check(client, password):
    db = client.db("_system", username="root", password=password, verify=True)
    col = db.collection("durable")
    names = sorted(i.get("name", "") for i in col.indexes())
    n = col.count()
    cursor = db.aql.execute(
        "FOR v IN 1..1000 OUTBOUND 'durable/d0' GRAPH 'chain' OPTIONS {bfs: true} COLLECT WITH COUNT INTO c RETURN c")
    out("count", n, "indexes", names, "graph", db.has_graph("chain"), "reachable", list(cursor)[0])


def main():
    host, port, password, secret, mode = sys.argv[1:6]
    client = ArangoClient(hosts=f"http://{host}:{port}", request_timeout=60)
    if mode == "session":
        session(client, password, secret)
    elif mode == "wrong-password":
        wrong_password(client, password)
    elif mode == "write":
        write(client, password, int(sys.argv[6]))
    elif mode == "check":
        check(client, password)
    else:
        sys.exit(f"unknown mode {mode}")
    client.close()


if __name__ == "__main__":
    main()
