"""A psycopg 3 session against Orbit's PostgreSQL listener (run by tests/e2e/postgres.rs).

Usage: python3 psycopg_session.py PORT. Exits non-zero with a message on any mismatch.
"""
import sys

import psycopg

port = int(sys.argv[1])
with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable") as conn:
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE py (id int PRIMARY KEY, name text, score double precision)")
        cur.executemany("INSERT INTO py VALUES (%s, %s, %s)", [(1, "ann", 1.5), (2, "bob", None)])
        conn.commit()
        cur.execute("SELECT id, name, score FROM py WHERE id = %s", (1,))
        assert cur.fetchone() == (1, "ann", 1.5)
        # Server-side prepared statement, then binary results.
        for _ in range(3):
            cur.execute("SELECT id, name, score FROM py ORDER BY id", prepare=True)
            assert cur.fetchall() == [(1, "ann", 1.5), (2, "bob", None)]
        cur.execute("SELECT id FROM py WHERE name = %s", ("bob",), binary=True)
        assert cur.fetchall() == [(2,)]
        # An error maps to psycopg's exception class for its SQLSTATE; rollback
        # (which also DEALLOCATEs psycopg's prepared statements) recovers.
        try:
            cur.execute("INSERT INTO py VALUES (1, 'dup', 0)")
            raise SystemExit("expected a unique violation")
        except psycopg.errors.UniqueViolation:
            conn.rollback()
        cur.execute("SELECT count(*) FROM py")
        assert cur.fetchone() == (2,)
print("psycopg session ok")
