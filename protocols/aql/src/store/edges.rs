//! Edges in the property-graph model's adjacency: every vertex an edge names is a graph
//! node (label [`VERTEX_LABEL`], its `_id` under a unique property index; created on
//! first reference, so dangling edges work), every edge document a relationship whose
//! type is the edge collection's id (stable across renames) and whose `doc` property is
//! the edge's revision, i.e. where its document is. [`keys::EDGE_REL`] maps an edge's
//! revision back to its relationship. Everything goes through the document
//! transaction's own storage transaction, so an edge and its adjacency commit together.

use super::catalog::CollState;
use super::ddl::{VERTEX_ID, VERTEX_LABEL};
use super::documents::read_rev;
use super::keys;
use super::{DocTxn, EdgeStep};
use crate::ast::EdgeDirection;
use crate::error::{AqlError, AqlResult};
use crate::value::Value;
use orbit_graph::{Direction, GraphTxn, NodeId, Properties, Value as GValue};
use std::sync::Arc;

const DOC: &str = "doc";

fn rel_type(coll: &CollState) -> String {
    format!("c{}", coll.id)
}

fn ends(doc: &Value) -> Option<(&str, &str)> {
    Some((doc.get("_from")?.as_str()?, doc.get("_to")?.as_str()?))
}

async fn vertex(g: &mut GraphTxn, id: &str, create: bool) -> AqlResult<Option<NodeId>> {
    let value = GValue::Text(id.to_string());
    let found = g.nodes_by_value(VERTEX_LABEL, VERTEX_ID, &value).await?;
    if let Some(&node) = found.as_ref().and_then(|f| f.first()) {
        return Ok(Some(node));
    }
    if found.is_none() {
        return Err(AqlError::internal("the graph's vertex index is missing"));
    }
    if !create {
        return Ok(None);
    }
    let props: Properties = [(VERTEX_ID.to_string(), value)].into_iter().collect();
    Ok(Some(g.create_node(&[VERTEX_LABEL.to_string()], props).await?.id))
}

fn doc_prop(rev: u64) -> AqlResult<GValue> {
    i64::try_from(rev).map(GValue::Int).map_err(|_| AqlError::internal("revision out of range"))
}

impl DocTxn {
    /// Runs `f` on a graph transaction over this transaction's storage transaction.
    fn graph_txn(&mut self) -> AqlResult<GraphTxn> {
        let tx = self.tx.take().ok_or_else(|| AqlError::internal("document transaction is closed"))?;
        Ok(self.db.graph.txn_over(tx))
    }

    /// Keeps the adjacency of an edge that was `old` and is `new` (revision, document).
    pub(super) async fn adjust_edge(
        &mut self,
        coll: &Arc<CollState>,
        old: Option<(u64, &Value)>,
        new: Option<(u64, &Value)>,
    ) -> AqlResult<()> {
        let h = coll.handle();
        let old_rel = match old {
            Some((rev, _)) => {
                let tx = self.tx()?;
                let rel = tx.kv_get(&h, &keys::edge_rel(rev)).await?;
                tx.kv_delete(&h, &keys::edge_rel(rev)).await?;
                rel.and_then(|r| keys::trailing_u64(&r))
            }
            None => None,
        };
        let same_ends = match (old, new) {
            (Some((_, a)), Some((_, b))) => ends(a).is_some() && ends(a) == ends(b),
            _ => false,
        };
        let ty = rel_type(coll);
        let mut g = self.graph_txn()?;
        let result: AqlResult<Option<(u64, u64)>> = async {
            match (old_rel, new) {
                (Some(rel), Some((rev, _))) if same_ends => {
                    g.set_relationship_property(rel, DOC, doc_prop(rev)?).await?;
                    Ok(Some((rev, rel)))
                }
                (old_rel, new) => {
                    if let Some(rel) = old_rel {
                        match g.delete_relationship(rel).await {
                            Ok(()) | Err(orbit_graph::GraphError::RelationshipNotFound(_)) => {}
                            Err(e) => return Err(e.into()),
                        }
                    }
                    let Some((rev, doc)) = new else { return Ok(None) };
                    let (from, to) = ends(doc).ok_or_else(|| AqlError::internal("edge without _from/_to"))?;
                    let start = vertex(&mut g, from, true).await?.unwrap_or_default();
                    let end = vertex(&mut g, to, true).await?.unwrap_or_default();
                    let props: Properties = [(DOC.to_string(), doc_prop(rev)?)].into_iter().collect();
                    let rel = g.create_relationship(&ty, start, end, props).await?;
                    Ok(Some((rev, rel.id)))
                }
            }
        }
        .await;
        self.tx = Some(g.into_inner());
        if let Some((rev, rel)) = result? {
            self.tx()?.kv_put(&h, &keys::edge_rel(rev), rel.to_be_bytes().to_vec()).await?;
        }
        Ok(())
    }

    /// The edges of `coll` at `vertex`, each direction in revision order.
    pub(super) async fn edges_at(
        &mut self,
        coll: &Arc<CollState>,
        vertex_id: &str,
        direction: EdgeDirection,
    ) -> AqlResult<Vec<EdgeStep>> {
        if !coll.is_edge() {
            return Ok(Vec::new());
        }
        let dirs: &[(Direction, bool)] = match direction {
            EdgeDirection::Outbound => &[(Direction::Outgoing, true)],
            EdgeDirection::Inbound => &[(Direction::Incoming, false)],
            EdgeDirection::Any => &[(Direction::Outgoing, true), (Direction::Incoming, false)],
        };
        let ty = [rel_type(coll)];
        let mut g = self.graph_txn()?;
        let found: AqlResult<Vec<(u64, bool)>> = async {
            let mut out = Vec::new();
            let Some(node) = vertex(&mut g, vertex_id, false).await? else { return Ok(out) };
            for &(dir, outbound) in dirs {
                let mut revs = Vec::new();
                for adj in g.expand(node, dir, &ty).await? {
                    let rel = g.relationship(adj.rel).await?;
                    if let Some(GValue::Int(rev)) = rel.as_ref().and_then(|r| r.properties.get(DOC)) {
                        revs.push(*rev as u64);
                    }
                }
                revs.sort_unstable();
                out.extend(revs.into_iter().map(|r| (r, outbound)));
            }
            Ok(out)
        }
        .await;
        self.tx = Some(g.into_inner());
        let h = coll.handle();
        let mut steps = Vec::new();
        for (rev, outbound) in found? {
            let edge = read_rev(self.tx()?, coll, &h, rev).await?;
            let other = edge.get(if outbound { "_to" } else { "_from" }).and_then(|v| v.as_str()).unwrap_or_default();
            steps.push(EdgeStep { other: other.to_string(), edge });
        }
        Ok(steps)
    }
}
