"""The Neo4j Python driver (PyPI `neo4j`, 6.x) against Orbit's Bolt listener.

Usage: neo4j_session.py HOST PORT SCHEME COMMAND [ARG]
  SCHEME   bolt or neo4j (the routing driver, which asks ROUTE first)
  COMMAND  session        the whole client session, one line per check
           write N        creates N :Durable nodes in auto-commit and N more in one
                          explicit transaction, then prints "written"
           count          prints the number of :Durable nodes
           wrong-password connects with a wrong password

Expected output is written down in tests/tests/e2e/cypher.rs from what Neo4j 5 answers.
"""

import datetime
import logging
import sys

import neo4j
import pytz
from neo4j.exceptions import AuthError, CypherSyntaxError
from neo4j.spatial import CartesianPoint, WGS84Point
from neo4j.time import Date, DateTime, Duration, Time

host, port, scheme, command = sys.argv[1:5]
uri = f"{scheme}://{host}:{port}"
auth = ("neo4j", "secret")


def line(*parts):
    print(*parts, flush=True)


class FixedOffset(datetime.tzinfo):
    """A fixed offset that neo4j.time.Time accepts (datetime.timezone wants a datetime)."""

    def __init__(self, hours):
        self.offset = datetime.timedelta(hours=hours)

    def utcoffset(self, _value):
        return self.offset

    def dst(self, _value):
        return datetime.timedelta(0)

    def tzname(self, _value):
        return None


class PullCounter(logging.Handler):
    """Counts the PULL messages the driver sends (its debug log names each one)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.pulls = 0

    def emit(self, record):
        if "C: PULL" in record.getMessage():
            self.pulls += 1


def session(driver):
    driver.verify_connectivity()
    line("agent", driver.get_server_info().agent)

    records, summary, keys = driver.execute_query("RETURN 1 AS one, 'two' AS two, [1, 2.5, null] AS l")
    line("execute_query", keys, [list(r.values()) for r in records], summary.database)

    records, summary, _ = driver.execute_query(
        "CREATE (a:Person {name: $a, run: $run})-[r:KNOWS {since: 2020}]->(b:Person {name: $b, run: $run}) "
        "RETURN a, r, b",
        a="Ann",
        b="Bob",
        run=scheme,
    )
    c = summary.counters
    line("created", c.nodes_created, c.relationships_created, c.properties_set, c.labels_added, c.contains_updates)

    with driver.session() as s:
        rec = s.run(
            "MATCH p = (a:Person {run: $run, name: 'Ann'})-[r:KNOWS]->(b:Person) RETURN a, r, b, p", run=scheme
        ).single()
        a, r, b, p = rec["a"], rec["r"], rec["b"], rec["p"]
        line("node", sorted(a.labels), a["name"], a["run"] == scheme, a.element_id.startswith("4:"))
        line("relationship", r.type, r["since"], r.start_node.element_id == a.element_id,
             r.end_node.element_id == b.element_id)
        line("path", len(p), p.start_node.element_id == a.element_id, p.end_node.element_id == b.element_id,
             p.relationships[0].element_id == r.element_id)
        name = s.run("MATCH (n) WHERE elementId(n) = $id RETURN n.name AS name", id=a.element_id).single()["name"]
        since = s.run("MATCH ()-[x]->() WHERE elementId(x) = $id RETURN x.since AS since",
                      id=r.element_id).single()["since"]
        line("element ids", name, since)

    with driver.session() as s:
        tx = s.begin_transaction()
        tx.run("CREATE (:Temp {run: $run})", run=scheme).consume()
        inside = tx.run("MATCH (t:Temp {run: $run}) RETURN count(t) AS c", run=scheme).single()["c"]
        tx.rollback()
        after = s.run("MATCH (t:Temp {run: $run}) RETURN count(t) AS c", run=scheme).single()["c"]
        line("rollback", inside, after)
        with s.begin_transaction() as tx:
            tx.run("CREATE (:Kept {run: $run})", run=scheme).consume()
            tx.commit()
        kept = s.run("MATCH (k:Kept {run: $run}) RETURN count(k) AS c", run=scheme).single()["c"]
        line("commit", kept, len(s.last_bookmarks().raw_values) > 0)

    try:
        driver.execute_query("RETRUN 1")
        line("syntax", "no error")
    except CypherSyntaxError as e:
        line("syntax", type(e).__name__, e.code, e.gql_status)

    counter = PullCounter()
    log = logging.getLogger("neo4j")
    log.setLevel(logging.DEBUG)
    log.addHandler(counter)
    with driver.session(fetch_size=2) as s:
        values = [rec["i"] for rec in s.run("UNWIND range(1, 7) AS i RETURN i")]
    log.removeHandler(counter)
    line("fetch_size 2", values, counter.pulls)

    # pytz (installed with the driver), not zoneinfo: this machine's Python sometimes gets a
    # zoneinfo datetime's offset wrong and sometimes crashes on it, with any server.
    paris = pytz.timezone("Europe/Paris")
    params = {
        "dt": DateTime(2024, 2, 29, 13, 45, 30, 123456789, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        "zoned": paris.localize(datetime.datetime(2024, 7, 1, 12, 30)),
        "date": Date(2024, 2, 29),
        "local": DateTime(2023, 12, 31, 23, 59, 59),
        "time": Time(8, 15, 0, tzinfo=FixedOffset(-5)),
        "dur": Duration(months=14, days=3, seconds=59, nanoseconds=7),
        "point": CartesianPoint((1.5, -2.0)),
        "geo": WGS84Point((13.4, 52.5, 34.0)),
    }
    rec = driver.execute_query("RETURN " + ", ".join(f"${k} AS {k}" for k in params), params).records[0]
    for key, sent in params.items():
        got = rec[key]
        if key == "zoned":
            same = got.to_native() == sent and got.utcoffset() == sent.utcoffset() and str(got.tzinfo) == "Europe/Paris"
        else:
            same = got == sent
        line("temporal", key, same)
    fields = driver.execute_query(
        "RETURN $date.year AS y, $dt.hour AS h, $zoned.hour AS zh, $zoned.timezone AS tz, $zoned.offset AS o",
        date=params["date"], dt=params["dt"], zoned=params["zoned"],
    ).records[0]
    line("temporal fields", fields["y"], fields["h"], fields["zh"], fields["tz"], fields["o"])


def main():
    if command == "wrong-password":
        try:
            with neo4j.GraphDatabase.driver(uri, auth=("neo4j", "wrong")) as driver:
                driver.verify_connectivity()
            line("wrong password", "accepted")
        except AuthError as e:
            line("wrong password", type(e).__name__, e.code)
        return
    with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:
        if command == "session":
            session(driver)
        elif command == "write":
            n = int(sys.argv[5])
            for i in range(n):
                driver.execute_query("CREATE (:Durable {i: $i, how: 'auto'})", i=i)
            with driver.session() as s, s.begin_transaction() as tx:
                tx.run("UNWIND range(1, $n) AS i CREATE (:Durable {i: i, how: 'tx'})", n=n).consume()
                tx.commit()
            line("written")
        elif command == "count":
            records = driver.execute_query("MATCH (d:Durable) RETURN count(d) AS c").records
            line("count", records[0]["c"])
        else:
            raise SystemExit(f"unknown command {command}")


main()
