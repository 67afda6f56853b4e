"""Side effects as the TCK defines them: the difference between the graph before and after
the query under test, measured by reading the graph, never from the server's counters.

Two snapshot queries, the simplest an engine can answer:
    MATCH (n) RETURN n            MATCH ()-[r]->() RETURN r
From the returned nodes and relationships (element ids, labels, types, properties) the
TCK's four measures follow as in its reference implementation (tck-api SideEffectOps):
  nodes, relationships  the element ids present: +n = ids only after, -n = ids only before
  labels                the distinct label names present in the graph (not per node)
  properties            the multiset of (element, key, value) triples, so a changed value
                        counts once removed and once added
"""

import collections

import convert
import values

NODES_QUERY = "MATCH (n) RETURN n"
RELS_QUERY = "MATCH ()-[r]->() RETURN r"

KEYS = ("+nodes", "-nodes", "+relationships", "-relationships", "+labels", "-labels",
        "+properties", "-properties")


class MeasurementError(Exception):
    pass


class State:
    def __init__(self, nodes, rels, labels, props):
        self.nodes = nodes
        self.rels = rels
        self.labels = labels
        self.props = props


def snapshot(run):
    """The graph's state; run(query) returns the records' raw field lists."""
    from neo4j import graph as ngraph

    nodes, rels, labels, props = set(), set(), set(), collections.Counter()
    for row in run(NODES_QUERY):
        if len(row) != 1 or not isinstance(row[0], ngraph.Node):
            raise MeasurementError(f"{NODES_QUERY!r} returned {row!r}, not one node")
        n = row[0]
        nodes.add(n.element_id)
        labels.update(n.labels)
        for k, v in n.items():
            props[("node", n.element_id, k, values.canonical(convert.from_driver(v)))] += 1
    for row in run(RELS_QUERY):
        if len(row) != 1 or not isinstance(row[0], ngraph.Relationship):
            raise MeasurementError(f"{RELS_QUERY!r} returned {row!r}, not one relationship")
        r = row[0]
        rels.add(r.element_id)
        for k, v in r.items():
            props[("rel", r.element_id, k, values.canonical(convert.from_driver(v)))] += 1
    return State(nodes, rels, labels, props)


def diff(before, after):
    return {
        "+nodes": len(after.nodes - before.nodes),
        "-nodes": len(before.nodes - after.nodes),
        "+relationships": len(after.rels - before.rels),
        "-relationships": len(before.rels - after.rels),
        "+labels": len(after.labels - before.labels),
        "-labels": len(before.labels - after.labels),
        "+properties": sum((after.props - before.props).values()),
        "-properties": sum((before.props - after.props).values()),
    }


def expected(table):
    """The expected counts of a side-effects table (| +nodes | 1 |); unnamed ones are 0."""
    out = dict.fromkeys(KEYS, 0)
    for row in table or []:
        if len(row) != 2 or row[0] not in out:
            raise ValueError(f"bad side-effects row {row!r}")
        out[row[0]] = int(row[1])
    return out


def describe(exp, got):
    wrong = [f"{k} expected {exp[k]} got {got[k]}" for k in KEYS if exp[k] != got[k]]
    return "side effects: " + ", ".join(wrong)
