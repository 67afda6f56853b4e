"""The server's answers, as the Neo4j Python driver hands them over, in the TCK's value
form (values.Node/Rel/Path, plain Python values, temporal values as their strings).

install_raw_structures() makes the driver keep temporal and spatial Bolt structures as
they came (BoltStruct: tag and fields) instead of its own Python types, so that temporal.py
renders them exactly; it hooks the one method through which driver 6.x hydrates every
structure (HydrationScopeBolt._hydrate_structure) and fails loudly if that is missing.
Nodes, relationships and paths stay the driver's; their element ids are not part of the
TCK form (values.Node compares by labels and properties), but the side-effect snapshots
use them (node_identity / rel_identity).
"""

import dataclasses

import temporal
import values

POINT_TAGS = frozenset("XY")


@dataclasses.dataclass(frozen=True)
class BoltStruct:
    tag: str
    fields: tuple


def install_raw_structures():
    from neo4j._codec.hydration.bolt import _common as bolt_common

    scope = bolt_common.HydrationScopeBolt
    original = getattr(scope, "_hydrate_structure", None)
    if original is None:
        raise RuntimeError("neo4j driver without HydrationScopeBolt._hydrate_structure; pin neo4j 6.x")
    if getattr(original, "_orbit_tck", False):
        return

    def hydrate(self, value):
        tag = value.tag.decode("latin-1") if isinstance(value.tag, bytes) else str(value.tag)
        if tag in temporal.TEMPORAL_TAGS or tag in POINT_TAGS:
            return BoltStruct(tag, tuple(value.fields))
        return original(self, value)

    hydrate._orbit_tck = True
    scope._hydrate_structure = hydrate


def from_driver(v):
    """One driver value (a record field) in the TCK value form."""
    from neo4j import graph as ngraph
    from neo4j._codec.hydration import BrokenHydrationObject

    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, list):
        return [from_driver(x) for x in v]
    if isinstance(v, dict):
        return {k: from_driver(x) for k, x in v.items()}
    if isinstance(v, BoltStruct):
        if v.tag in temporal.TEMPORAL_TAGS:
            try:
                return temporal.render(v.tag, v.fields)
            except Exception as e:  # an unknown zone or a malformed structure
                return values.Other("temporal", f"{v.tag}{list(v.fields)!r}: {e}")
        return values.Other("point", f"{v.tag}{list(v.fields)!r}")
    if isinstance(v, ngraph.Node):
        return node_value(v)
    if isinstance(v, ngraph.Relationship):
        return rel_value(v)
    if isinstance(v, ngraph.Path):
        return path_value(v)
    if isinstance(v, BrokenHydrationObject):
        return values.Other("undecodable", f"{v.raw_data!r}: {v.error}")
    if isinstance(v, (bytes, bytearray)):
        return values.Other("bytes", bytes(v).hex())
    return values.Other(type(v).__name__, repr(v))


def node_value(n):
    return values.Node(frozenset(n.labels), {k: from_driver(x) for k, x in n.items()})


def rel_value(r):
    return values.Rel(r.type, {k: from_driver(x) for k, x in r.items()})


def path_value(p):
    nodes = list(p.nodes)
    rels = list(p.relationships)
    links = []
    for i, r in enumerate(rels):
        a, b = nodes[i], nodes[i + 1] if i + 1 < len(nodes) else None
        if b is None or r.start_node is None or r.end_node is None:
            return values.Other("path", repr(p))
        if r.start_node.element_id == a.element_id and r.end_node.element_id == b.element_id:
            forward = True
        elif r.start_node.element_id == b.element_id and r.end_node.element_id == a.element_id:
            forward = False
        else:
            return values.Other("path", f"relationship {r.element_id} does not join its path neighbours")
        links.append((forward, rel_value(r), node_value(b)))
    return values.Path(node_value(nodes[0]), tuple(links))


def record_values(record):
    """The fields of one driver Record, without the driver's BrokenRecordError on fields it
    could not decode (those become values.Other)."""
    return [from_driver(tuple.__getitem__(record, i)) for i in range(len(record))]
