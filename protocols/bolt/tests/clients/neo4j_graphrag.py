"""The Neo4j Python driver (PyPI `neo4j`, 6.x) driving Orbit's vector indexes and
GraphRAG procedures over Bolt.

Usage: neo4j_graphrag.py HOST PORT
Prints one line per check; protocols/bolt/tests/python_graphrag.rs holds the expected
lines (Neo4j 5's scores: cosine (1 + cos) / 2, euclidean 1 / (1 + d^2)).
"""

import sys

import neo4j
from neo4j.exceptions import DriverError, Neo4jError

host, port = sys.argv[1:3]
driver = neo4j.GraphDatabase.driver(f"bolt://{host}:{port}", auth=("neo4j", "password"))


def line(*parts):
    print(*parts, flush=True)


def failure(session, query, **params):
    try:
        session.run(query, **params).consume()
    except Neo4jError as e:
        return e.code
    except DriverError as e:
        # The driver turns some server failures into its own errors (a write refused by a
        # read-only database becomes WriteServiceUnavailable); the server's code is the cause.
        return f"{type(e).__name__} ({getattr(e.__context__, 'code', None)})"
    return "no error"


with driver.session() as session:
    session.run(
        "CREATE VECTOR INDEX emb IF NOT EXISTS FOR (d:Doc) ON (d.embedding) "
        "OPTIONS {indexConfig: {`vector.dimensions`: 2, `vector.similarity_function`: 'cosine'}}"
    ).consume()
    session.run(
        "UNWIND $docs AS doc CREATE (:Doc {name: doc.name, embedding: doc.v})",
        docs=[{"name": "a", "v": [1.0, 0.0]}, {"name": "b", "v": [0.0, 1.0]}, {"name": "c", "v": [1.0, 1.0]}],
    ).consume()
    rows = session.run(
        "CALL db.index.vector.queryNodes('emb', 3, $q) YIELD node, score RETURN node.name AS name, score",
        q=[2.0, 0.0],
    )
    line("queryNodes", " ".join(f"{r['name']}={r['score']:.6f}" for r in rows))
    kinds = {r["name"]: r["type"] for r in session.run("SHOW VECTOR INDEXES")}
    line("index type", kinds.get("emb"))
    value = session.run("RETURN vector.similarity.euclidean([1, 2, 3], [4, 6, 3]) AS s").single()["s"]
    line("euclidean", f"{value:.6f}")
    line("missing index", failure(session, "CALL db.index.vector.queryNodes('nope', 1, [1.0, 0.0])"))
    line("wrong dimensions", failure(session, "CALL db.index.vector.queryNodes('emb', 1, [1.0, 0.0, 0.0])"))

    session.run("CALL graphrag.create('demo', {embedder: 'hashing:64'})").consume()
    built = session.run(
        "CALL graphrag.build('demo', 'ada', $text) YIELD chunks RETURN chunks",
        text="Ada Lovelace wrote the first program for the Analytical Engine of Charles Babbage.",
    ).single()
    line("build chunks", built["chunks"])
    session.run(
        "CALL orbit.graphrag.build('demo', 'curie', $text)",
        text="Marie Curie was born in Warsaw and worked in Paris.",
    ).consume()
    rows = list(
        session.run(
            "CALL graphrag.retrieve('demo', $q, {mode: 'bm25', k: 1}) YIELD chunkId, docId, rank "
            "RETURN chunkId, docId, rank",
            q="Who wrote the first program?",
        )
    )
    line("retrieve", " ".join(f"{r['rank']}:{r['chunkId']}:{r['docId']}" for r in rows))
    stats = session.run("CALL graphrag.getStats('demo') YIELD documents RETURN documents").single()
    line("documents", stats["documents"])
    line("missing kg", failure(session, "CALL graphrag.getStats('nothing')"))
    line("bad mode", failure(session, "CALL graphrag.retrieve('demo', 'q', {mode: 'psychic'})"))

with driver.session(database="graphrag.demo") as session:
    documents = session.run("MATCH (d:Document) RETURN count(d) AS n").single()["n"]
    line("kg database documents", documents)
    line("kg database write", failure(session, "CREATE (:Document {doc_id: 'x'})"))

with driver.session(default_access_mode=neo4j.READ_ACCESS) as session:
    line("write in read session", failure(session, "CALL graphrag.drop('demo')"))

driver.close()
line("neo4j graphrag session ok")
