"""A cassandra-driver session against a CQL server, printing what it sees one fact per line.

Usage: cassandra_session.py HOST PORT            the session below
       cassandra_session.py HOST PORT USER PASS  log in (PasswordAuthenticator), print the
                                                 outcome
       cassandra_session.py HOST PORT USER PASS CQL...  log in, run each statement, print
                                                 "ran" or the error's class for each

Default protocol negotiation, schema DDL, prepared statements with positional and named
values, paging with fetch_size 3, a logged batch, and reads back. The Rust test compares
the lines with what Cassandra 4.1 answers for the same statements.
"""

import sys

from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable
from cassandra.query import BatchStatement, SimpleStatement


def login(host: str, port: int, user: str, password: str, statements: list) -> None:
    auth = PlainTextAuthProvider(username=user, password=password)
    cluster = Cluster([host], port=port, connect_timeout=10, auth_provider=auth)
    try:
        session = cluster.connect()
        print("logged in", session.execute("SELECT key FROM system.local").one().key)
        for statement in statements:
            try:
                session.execute(statement)
                print("ran")
            except Exception as e:  # the class names the CQL error code
                print("error", type(e).__name__)
    except NoHostAvailable as e:
        errors = list(e.errors.values())
        print("refused", type(errors[0]).__name__ if errors else "none")
    finally:
        cluster.shutdown()


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) >= 5:
        return login(host, port, sys.argv[3], sys.argv[4], sys.argv[5:])
    cluster = Cluster([host], port=port, connect_timeout=10)
    session = cluster.connect()
    print("protocol_version", cluster.protocol_version)
    row = session.execute("SELECT release_version, cql_version FROM system.local").one()
    print("release_version", row.release_version.split(".")[0])

    session.execute(
        "CREATE KEYSPACE IF NOT EXISTS shop WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.set_keyspace("shop")
    session.execute(
        "CREATE TABLE IF NOT EXISTS items (cat text, id int, name text, price double, "
        "PRIMARY KEY (cat, id)) WITH CLUSTERING ORDER BY (id DESC)"
    )
    insert = session.prepare("INSERT INTO items (cat, id, name, price) VALUES (?, ?, ?, ?)")
    for i in range(1, 8):
        session.execute(insert, ("tea", i, f"tea-{i}", i * 1.5))
    named = session.prepare("INSERT INTO items (cat, id, name) VALUES (:cat, :id, :name)")
    session.execute(named, {"cat": "coffee", "id": 1, "name": "espresso"})

    batch = BatchStatement()
    batch.add(insert, ("cocoa", 1, "dark", 2.0))
    batch.add(insert, ("cocoa", 2, "milk", 1.0))
    session.execute(batch)

    select = SimpleStatement("SELECT id, name FROM items WHERE cat = 'tea'", fetch_size=3)
    result = session.execute(select)
    pages = 0
    ids = []
    while True:
        pages += 1
        ids.extend(r.id for r in result.current_rows)
        if not result.has_more_pages:
            break
        result.fetch_next_page()
    print("tea ids", ids, "pages", pages)

    by_key = session.prepare("SELECT name, price FROM items WHERE cat = ? AND id = ?")
    row = session.execute(by_key, ("coffee", 1)).one()
    print("coffee 1", row.name, row.price)
    rows = session.execute("SELECT id, name FROM items WHERE cat = 'cocoa'")
    print("cocoa", [(r.id, r.name) for r in rows])

    session.execute("DELETE FROM items WHERE cat = 'tea' AND id = 4")
    count = session.execute("SELECT count(*) FROM items WHERE cat = 'tea'").one()[0]
    print("tea count", count)

    session.execute("CREATE TABLE IF NOT EXISTS hits (page text PRIMARY KEY, n counter)")
    bump = session.prepare("UPDATE hits SET n = n + ? WHERE page = ?")
    session.execute(bump, (3, "home"))
    session.execute("UPDATE hits SET n = n - 1 WHERE page = 'home'")
    print("hits", session.execute("SELECT n FROM hits WHERE page = 'home'").one().n)

    first = session.execute("INSERT INTO items (cat, id, name) VALUES ('tea', 1, 'dup') IF NOT EXISTS")
    print("lwt insert", first.was_applied, first.one().name)
    cas = session.prepare("UPDATE items SET name = ? WHERE cat = ? AND id = ? IF name = ?")
    print("lwt update", session.execute(cas, ("tea-one", "tea", 1, "tea-1")).was_applied)

    session.execute("CREATE TYPE IF NOT EXISTS addr (street text, zip int)")
    session.execute(
        "CREATE TABLE IF NOT EXISTS people (id int PRIMARY KEY, tags set<text>, "
        "scores map<text, int>, home frozen<addr>)"
    )
    session.execute("INSERT INTO people (id, tags, scores, home) VALUES (1, {'a'}, {'x': 1}, {street: 'Main', zip: 7})")
    session.execute("UPDATE people SET tags = tags + {'b'}, scores['y'] = 2 WHERE id = 1")
    row = session.execute("SELECT tags, scores, home FROM people WHERE id = 1").one()
    print("people", sorted(row.tags), sorted(row.scores.items()), row.home.street, row.home.zip)
    cluster.shutdown()


if __name__ == "__main__":
    main()
