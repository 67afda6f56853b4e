//! Knowledge graphs as read-only databases: a session on database `graphrag.<kg>` (or
//! `graphrag` when the server has exactly one knowledge graph) runs plain Cypher over the
//! knowledge graph's property graph (Document -HAS_CHUNK-> Chunk -MENTIONS-> Entity
//! -RELATED-> Entity -IN_COMMUNITY-> Community), read from the graph table the GraphRAG
//! engine names ([`orbit_graphrag::KgStats::graph_table`]) in the GraphRAG storage. Writes
//! are refused with Neo4j's read-only database error; the knowledge graph changes only
//! through the `graphrag.*` procedures. SHOW DATABASES lists them as `read-only`.

use super::Shared;
use crate::error::{CypherError, CypherResult, ErrorKind};
use orbit_graph::Graph;
use std::collections::BTreeMap;
use std::sync::Arc;

const PREFIX: &str = "graphrag";

/// The knowledge graph a database name asks for: `Some(None)` for `graphrag`,
/// `Some(Some(kg))` for `graphrag.<kg>`, None for another name.
pub(crate) fn requested(name: &str) -> Option<Option<&str>> {
    let head = name.get(..PREFIX.len())?;
    if !head.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    match name.get(PREFIX.len()..)? {
        "" => Some(None),
        rest => rest.strip_prefix('.').filter(|kg| !kg.is_empty()).map(Some),
    }
}

fn not_found(name: &str, why: &str) -> CypherError {
    CypherError::new(ErrorKind::DatabaseNotFound, format!("Database does not exist. Database name: '{name}'. {why}"))
}

/// The graphs of the knowledge graphs opened so far, by table.
#[derive(Default)]
pub(crate) struct KgGraphs {
    graphs: parking_lot::Mutex<BTreeMap<String, Arc<Graph>>>,
}

/// The knowledge graph's name and its graph, for a session on database `name`.
pub(crate) async fn open(shared: &Shared, name: &str, kg: Option<&str>) -> CypherResult<(String, Arc<Graph>)> {
    let Some(rag) = shared.graphrag.as_ref() else {
        return Err(not_found(name, "GraphRAG is disabled on this server."));
    };
    let kg = match kg {
        Some(kg) => kg.to_string(),
        None => {
            let all = rag.list().await.map_err(|e| not_found(name, &e.message))?;
            match <[String; 1]>::try_from(all) {
                Ok([only]) => only,
                Err(all) if all.is_empty() => return Err(not_found(name, "There is no knowledge graph.")),
                Err(all) => {
                    let names: Vec<String> = all.iter().map(|k| format!("graphrag.{k}")).collect();
                    return Err(not_found(name, &format!("Name one knowledge graph: {}.", names.join(", "))));
                }
            }
        }
    };
    let table = rag.stats(&kg).await.map_err(|e| not_found(name, &e.message))?.graph_table;
    if let Some(graph) = shared.kg_graphs.graphs.lock().get(&table) {
        return Ok((kg, graph.clone()));
    }
    let graph = Graph::open_table(rag.storage().clone(), &table).await?;
    let graph = shared.kg_graphs.graphs.lock().entry(table).or_insert(graph).clone();
    Ok((kg, graph))
}

/// The knowledge graphs SHOW DATABASES lists (none when GraphRAG is disabled or its
/// catalog cannot be read).
pub(crate) async fn names(shared: &Shared) -> Vec<String> {
    match shared.graphrag.as_ref() {
        Some(rag) => rag.list().await.unwrap_or_default(),
        None => Vec::new(),
    }
}

/// The error of a write on a knowledge graph's database.
pub(crate) fn read_only(kg: &str) -> CypherError {
    CypherError::new(
        ErrorKind::ReadOnlyDatabase,
        format!("Database 'graphrag.{kg}' is read-only: the knowledge graph changes through the graphrag.* procedures"),
    )
}

#[cfg(test)]
mod tests {
    use super::requested;

    #[test]
    fn database_names() {
        assert_eq!(requested("graphrag"), Some(None));
        assert_eq!(requested("GraphRAG.science"), Some(Some("science")));
        assert_eq!(requested("graphrag."), None);
        assert_eq!(requested("graphragx"), None);
        assert_eq!(requested("neo4j"), None);
        assert_eq!(requested("graph"), None);
    }
}
