//! Walks longer than one relationship: variable-length hops (`*min..max`, every walk
//! that does not reuse a relationship) and shortestPath / allShortestPaths (breadth-first
//! from the start node towards a bound end node).

use super::context::{Cx, Row};
use super::pattern::{direction_of, props_match, Hop, Walk};
use super::pattern_plan::RelSpec;
use crate::ast::RelDirection;
use crate::error::{CypherError, CypherResult};
use crate::value::Value;
use orbit_graph::{Adjacent, Direction, NodeId, RelId};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

/// Walks one variable-length hop may produce from one node.
const MAX_WALKS: usize = 1_000_000;

async fn neighbours(cx: &Cx, from: NodeId, rel: &RelSpec, row: &Row) -> CypherResult<Vec<(Adjacent, Option<Value>)>> {
    let mut out = Vec::new();
    for a in cx.expand(from, direction_of(rel.direction), &rel.types).await? {
        if a.direction == Direction::Incoming && a.other == from && rel.direction == RelDirection::Either {
            continue;
        }
        if cx.rel_deleted(a.rel) || cx.node_deleted(a.other) {
            continue;
        }
        let value = match &rel.props {
            Some(expected) => {
                let Some(r) = cx.relationship(a.rel).await? else { continue };
                let v = super::context::rel_value(r)?;
                let Value::Relationship(rv) = &v else { continue };
                if !props_match(cx, &rv.properties, expected, row).await? {
                    continue;
                }
                Some(v)
            }
            None => None,
        };
        out.push((a, value));
    }
    Ok(out)
}

fn too_many() -> CypherError {
    CypherError::argument(format!("a variable-length pattern matched more than {MAX_WALKS} paths from one node"))
}

pub(crate) async fn variable_length(
    cx: &Cx,
    from: NodeId,
    rel: &RelSpec,
    min: u64,
    max: Option<u64>,
    used: &[RelId],
    row: &Row,
) -> CypherResult<Vec<Hop>> {
    let mut out = Vec::new();
    if min == 0 {
        out.push(Hop { rels: Vec::new(), node: from });
    }
    if max == Some(0) {
        return Ok(out);
    }
    let mut cache: HashMap<NodeId, Vec<(Adjacent, Option<Value>)>> = HashMap::new();
    let mut stack: Vec<(NodeId, Walk)> = vec![(from, Vec::new())];
    while let Some((at, walk)) = stack.pop() {
        let next = match cache.entry(at) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(neighbours(cx, at, rel, row).await?),
        };
        for (a, v) in next.iter().rev() {
            if used.contains(&a.rel) || walk.iter().any(|(r, _)| *r == a.rel) {
                continue;
            }
            let mut w = walk.clone();
            w.push((a.rel, v.clone()));
            let len = w.len() as u64;
            if len >= min {
                out.push(Hop { rels: w.clone(), node: a.other });
                if out.len() > MAX_WALKS {
                    return Err(too_many());
                }
            }
            if max.is_none_or(|m| len < m) {
                stack.push((a.other, w));
            }
        }
    }
    // A depth-first walk finds long paths before short ones; Neo4j lists shorter first
    // from one node, which the TCK's ordered scenarios do not rely on, but keep it stable.
    out.sort_by_key(|h| h.rels.len());
    Ok(out)
}

pub(crate) async fn shortest(
    cx: &Cx,
    from: NodeId,
    target: NodeId,
    rel: &RelSpec,
    all: bool,
    used: &[RelId],
    row: &Row,
) -> CypherResult<Vec<Hop>> {
    let (min, max) = rel.length.unwrap_or((1, Some(1)));
    if min > 1 {
        return Err(CypherError::not_supported("shortestPath with a minimal length above 1"));
    }
    if from == target {
        return Ok(if min == 0 { vec![Hop { rels: Vec::new(), node: from }] } else { Vec::new() });
    }
    // parents[n] = the (relationship, previous node) pairs that reach n at its depth.
    let mut parents: HashMap<NodeId, Vec<(RelId, Option<Value>, NodeId)>> = HashMap::new();
    let mut seen: HashSet<NodeId> = HashSet::from([from]);
    let mut frontier = vec![from];
    let mut depth = 0u64;
    let mut found = false;
    while !frontier.is_empty() && !found && max.is_none_or(|m| depth < m) {
        depth += 1;
        let mut next: Vec<NodeId> = Vec::new();
        let mut reached: HashMap<NodeId, Vec<(RelId, Option<Value>, NodeId)>> = HashMap::new();
        for &at in &frontier {
            for (a, v) in neighbours(cx, at, rel, row).await? {
                if used.contains(&a.rel) || seen.contains(&a.other) {
                    continue;
                }
                let entry = reached.entry(a.other).or_default();
                if entry.is_empty() {
                    next.push(a.other);
                }
                entry.push((a.rel, v, at));
            }
        }
        for (n, p) in reached {
            seen.insert(n);
            parents.insert(n, p);
        }
        found = parents.contains_key(&target);
        frontier = next;
    }
    if !found {
        return Ok(Vec::new());
    }
    let mut walks: Vec<Walk> = Vec::new();
    let mut stack: Vec<(NodeId, Walk)> = vec![(target, Vec::new())];
    while let Some((at, tail)) = stack.pop() {
        if at == from {
            let mut w = tail;
            w.reverse();
            walks.push(w);
            if !all || walks.len() > MAX_WALKS {
                break;
            }
            continue;
        }
        for (r, v, prev) in parents.get(&at).into_iter().flatten() {
            let mut t = tail.clone();
            t.push((*r, v.clone()));
            stack.push((*prev, t));
        }
    }
    Ok(walks.into_iter().map(|rels| Hop { rels, node: target }).collect())
}
