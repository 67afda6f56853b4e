//! Neo4j 5's vector indexes on the Cypher graph: `CREATE VECTOR INDEX ... OPTIONS
//! {indexConfig: {`vector.dimensions`, `vector.similarity_function`}}`, their rows in
//! SHOW INDEXES, DROP INDEX, and the procedures `db.index.vector.queryNodes(name, k,
//! vector) YIELD node, score` and `db.index.vector.createNodeIndex(name, label, property,
//! dimensions, similarity)`.
//!
//! Definitions are durable ([`store`]); each index's vectors live in memory in an
//! orbit-vector [`VectorIndex`] built at first use from the label's nodes. A node is
//! indexed when it has the label and its property is a list of finite numbers of the
//! index's length (for cosine, not all zeros); any other node is not. Writing
//! transactions record the nodes they touch ([`Touched`]); after a commit
//! [`VectorIndexes::refresh`] reads those nodes again and inserts or removes their vectors,
//! so a rolled-back transaction changes nothing. A build holds its index's lock from before
//! it starts reading, so a commit either precedes the build's read or waits for it.
//!
//! Scores are Neo4j's: cosine `(1 + cos) / 2`, euclidean `1 / (1 + d²)`; results best first,
//! ties by node id.

pub(crate) mod store;
#[cfg(test)]
mod tests;

use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::functions::vector::{vector_of, Similarity};
use crate::value::props::from_storage;
use crate::value::{Map, Value};
use orbit_graph::{Graph, Node, NodeId};
use orbit_storage::TableStorage;
use orbit_vector::{IndexKind, Metric, VectorIndex, VectorIndexConfig};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use store::{VectorIndexDef, MAX_DIMENSIONS};

/// Nodes one build reads at a time.
const BUILD_BATCH: usize = 512;
/// The most neighbours one query may ask for.
const MAX_K: i64 = 10_000;

/// The nodes a transaction created, changed or deleted (kept only while vector indexes
/// exist).
pub(crate) type Touched = Arc<parking_lot::Mutex<BTreeSet<NodeId>>>;

struct Entry {
    def: VectorIndexDef,
    /// None until first use (and again after a refresh that could not read a node).
    index: tokio::sync::RwLock<Option<VectorIndex>>,
}

/// Every vector index of one engine.
pub(crate) struct VectorIndexes {
    storage: Arc<dyn TableStorage>,
    graph: Arc<Graph>,
    entries: parking_lot::RwLock<Vec<Arc<Entry>>>,
    /// Whether any index exists (read on every node write).
    any: AtomicBool,
}

fn metric(similarity: Similarity) -> Metric {
    match similarity {
        Similarity::Cosine => Metric::Cosine,
        Similarity::Euclidean => Metric::L2,
    }
}

/// The vector a node contributes to `def`, if it is indexed.
fn indexed_vector(def: &VectorIndexDef, node: &Node) -> Option<Vec<f32>> {
    if !node.has_label(&def.label) {
        return None;
    }
    let value = from_storage(node.properties.get(&def.property)?.clone()).ok()?;
    let v = vector_of(&value)?;
    if v.len() != def.dimensions {
        return None;
    }
    // Accepted as stored: in f32, where a huge f64 becomes an infinity.
    let stored: Vec<f64> = v.iter().map(|x| f64::from(*x as f32)).collect();
    def.similarity.accepts(&stored).then(|| v.iter().map(|x| *x as f32).collect())
}

fn invalid_config(message: impl Into<String>) -> CypherError {
    CypherError::argument(format!("Invalid index configuration: {}", message.into()))
}

fn no_such_index(name: &str) -> CypherError {
    CypherError::new(
        ErrorKind::ProcedureCallFailed,
        format!("Failed to invoke procedure `db.index.vector.queryNodes`: Caused by: java.lang.IllegalArgumentException: There is no such vector schema index: {name}"),
    )
}

/// `vector.dimensions` and `vector.similarity_function` of an OPTIONS map (absent: an
/// error for the dimensions, cosine for the function, as Neo4j 5.11+ defaults it).
pub(crate) fn parse_options(options: &Value) -> CypherResult<(usize, Similarity)> {
    let empty = Map::new();
    let top = match options {
        Value::Null => &empty,
        Value::Map(m) => m,
        other => return Err(invalid_config(format!("OPTIONS must be a map, not {}", other.type_name()))),
    };
    if let Some(k) = top.keys().find(|k| *k != "indexConfig" && *k != "indexProvider") {
        return Err(invalid_config(format!("unknown option `{k}`")));
    }
    if let Some(p) = top.get("indexProvider") {
        if !matches!(p, Value::String(s) if s.starts_with("vector-")) {
            return Err(invalid_config("indexProvider must be a vector index provider (vector-2.0)"));
        }
    }
    let config = match top.get("indexConfig") {
        None | Some(Value::Null) => &empty,
        Some(Value::Map(m)) => m,
        Some(other) => return Err(invalid_config(format!("indexConfig must be a map, not {}", other.type_name()))),
    };
    let mut dimensions = None;
    let mut similarity = Similarity::Cosine;
    for (key, value) in config {
        match (key.as_str(), value) {
            ("vector.dimensions", Value::Int(d)) => {
                dimensions =
                    Some(usize::try_from(*d).ok().filter(|d| (1..=MAX_DIMENSIONS).contains(d)).ok_or_else(|| {
                        invalid_config(format!("'vector.dimensions' must be between 1 and {MAX_DIMENSIONS}, not {d}"))
                    })?);
            }
            ("vector.similarity_function", Value::String(s)) => {
                similarity = Similarity::parse(s).ok_or_else(|| {
                    invalid_config(format!("'{s}' is an unsupported vector similarity function (cosine, euclidean)"))
                })?;
            }
            ("vector.dimensions" | "vector.similarity_function", other) => {
                return Err(invalid_config(format!("'{key}' has the wrong type {}", other.type_name())))
            }
            (k, _) if k.starts_with("vector.hnsw.") || k == "vector.quantization.enabled" => {}
            (k, _) => return Err(invalid_config(format!("unknown setting '{k}'"))),
        }
    }
    let dimensions = dimensions
        .ok_or_else(|| CypherError::not_supported("A vector index without 'vector.dimensions' in its indexConfig"))?;
    Ok((dimensions, similarity))
}

impl VectorIndexes {
    pub(crate) async fn open(storage: Arc<dyn TableStorage>, graph: Arc<Graph>) -> CypherResult<VectorIndexes> {
        store::ensure_table(storage.as_ref()).await?;
        let defs = store::load(storage.as_ref()).await?;
        let any = AtomicBool::new(!defs.is_empty());
        let entries = defs.into_iter().map(|def| Arc::new(Entry { def, index: Default::default() })).collect();
        Ok(VectorIndexes { storage, graph, entries: parking_lot::RwLock::new(entries), any })
    }

    pub(crate) fn any(&self) -> bool {
        self.any.load(Ordering::Relaxed)
    }

    pub(crate) fn definitions(&self) -> Vec<VectorIndexDef> {
        self.entries.read().iter().map(|e| e.def.clone()).collect()
    }

    fn entry(&self, name: &str) -> Option<Arc<Entry>> {
        self.entries.read().iter().find(|e| e.def.name == name).cloned()
    }

    pub(crate) fn exists(&self, name: &str) -> bool {
        self.entry(name).is_some()
    }

    /// Creates `def`; false when `if_not_exists` and one of that name or on that label and
    /// property exists. `taken` says whether another kind of index or constraint has the
    /// name.
    pub(crate) async fn create(&self, def: VectorIndexDef, if_not_exists: bool, taken: bool) -> CypherResult<bool> {
        let same = self
            .definitions()
            .into_iter()
            .find(|d| d.name == def.name || (d.label == def.label && d.property == def.property));
        if let Some(same) = same.as_ref().filter(|_| !if_not_exists) {
            let message = if same.name == def.name {
                format!("An index with the name `{}` already exists", def.name)
            } else {
                format!(
                    "There already exists an index (:{} {{{}}}) of type VECTOR named `{}`",
                    same.label, same.property, same.name
                )
            };
            return Err(CypherError::new(ErrorKind::SchemaRuleExists, message));
        }
        if same.is_some() {
            return Ok(false);
        }
        if taken {
            if if_not_exists {
                return Ok(false);
            }
            return Err(CypherError::new(
                ErrorKind::SchemaRuleExists,
                format!("There already exists an index or constraint called '{}'", def.name),
            ));
        }
        store::put(self.storage.as_ref(), &def).await?;
        self.entries.write().push(Arc::new(Entry { def, index: Default::default() }));
        self.any.store(true, Ordering::Relaxed);
        Ok(true)
    }

    /// Drops the index `name`; false when there is none.
    pub(crate) async fn drop(&self, name: &str) -> CypherResult<bool> {
        if !self.exists(name) {
            return Ok(false);
        }
        store::delete(self.storage.as_ref(), name).await?;
        let mut entries = self.entries.write();
        entries.retain(|e| e.def.name != name);
        self.any.store(!entries.is_empty(), Ordering::Relaxed);
        Ok(true)
    }

    async fn build(&self, def: &VectorIndexDef) -> CypherResult<VectorIndex> {
        let config = VectorIndexConfig::new(def.dimensions, metric(def.similarity), IndexKind::Hnsw);
        let mut index = VectorIndex::new(config).map_err(|e| CypherError::new(ErrorKind::Database, e.to_string()))?;
        let mut txn = self.graph.begin().await?;
        let mut after = None;
        let result = async {
            loop {
                let ids = txn.node_ids(Some(&def.label), after, BUILD_BATCH).await?;
                let Some(&last) = ids.last() else { return Ok::<_, CypherError>(()) };
                after = Some(last);
                for id in ids {
                    if let Some(v) = txn.node(id).await?.and_then(|n| indexed_vector(def, &n)) {
                        index.insert(id, &v).map_err(|e| CypherError::new(ErrorKind::Database, e.to_string()))?;
                    }
                }
            }
        }
        .await;
        txn.rollback().await?;
        result.map(|_| index)
    }

    /// The `k` nodes nearest `query` in index `name` with their scores, best first.
    pub(crate) async fn query(&self, name: &str, k: &Value, query: &Value) -> CypherResult<Vec<(NodeId, f64)>> {
        let entry = self.entry(name).ok_or_else(|| no_such_index(name))?;
        let def = &entry.def;
        let k = match k {
            Value::Int(k) if (1..=MAX_K).contains(k) => *k as usize,
            Value::Int(k) => {
                return Err(CypherError::argument(format!(
                    "Invalid input for 'numberOfNearestNeighbours': must be between 1 and {MAX_K}, not {k}"
                )))
            }
            other => {
                return Err(CypherError::type_error(format!(
                    "Type mismatch for argument `numberOfNearestNeighbours`: expected INTEGER but was {}",
                    other.type_name()
                )))
            }
        };
        let q = vector_of(query).ok_or_else(|| {
            CypherError::type_error(format!(
                "Type mismatch for argument `query`: expected LIST<FLOAT> but was {}",
                query.type_name()
            ))
        })?;
        if q.len() != def.dimensions {
            return Err(CypherError::argument(format!(
                "Index query vector has {} dimensions, but indexed vectors have {}.",
                q.len(),
                def.dimensions
            )));
        }
        if !def.similarity.accepts(&q) {
            return Err(CypherError::argument(format!(
                "Index query vector is not valid for {} similarity.",
                def.similarity.name().to_ascii_lowercase()
            )));
        }
        let q: Vec<f32> = q.into_iter().map(|x| x as f32).collect();
        let mut slot = entry.index.read().await;
        if slot.is_none() {
            drop(slot);
            let mut building = entry.index.write().await;
            if building.is_none() {
                *building = Some(self.build(def).await?);
            }
            slot = building.downgrade();
        }
        let Some(index) = slot.as_ref() else { return Ok(Vec::new()) };
        let hits = index.search(&q, k, None, None).map_err(|e| CypherError::argument(e.to_string()))?;
        let m = metric(def.similarity);
        Ok(hits.into_iter().map(|h| (h.id, f64::from(m.neo4j_score(h.distance).unwrap_or(0.0)))).collect())
    }

    /// After a commit: the built indexes take the committed state of `touched`.
    pub(crate) async fn refresh(&self, touched: &BTreeSet<NodeId>) {
        if touched.is_empty() {
            return;
        }
        let entries: Vec<Arc<Entry>> = self.entries.read().clone();
        for entry in entries {
            let mut slot = entry.index.write().await;
            let Some(index) = slot.as_mut() else { continue };
            if self.apply(&entry.def, index, touched).await.is_err() {
                *slot = None;
            }
        }
    }

    async fn apply(
        &self,
        def: &VectorIndexDef,
        index: &mut VectorIndex,
        touched: &BTreeSet<NodeId>,
    ) -> CypherResult<()> {
        let mut txn = self.graph.begin().await?;
        let result = async {
            for &id in touched {
                match txn.node(id).await?.and_then(|n| indexed_vector(def, &n)) {
                    Some(v) => {
                        index.insert(id, &v).map_err(|e| CypherError::new(ErrorKind::Database, e.to_string()))?
                    }
                    None => {
                        index.remove(id);
                    }
                }
            }
            Ok::<_, CypherError>(())
        }
        .await;
        txn.rollback().await?;
        result
    }
}

/// `db.index.vector.queryNodes` and `db.index.vector.createNodeIndex`: their output
/// columns, or None for another name.
pub(crate) fn procedure_columns(lower: &str) -> Option<Vec<String>> {
    match lower {
        "db.index.vector.querynodes" => Some(vec!["node".into(), "score".into()]),
        "db.index.vector.createnodeindex" => Some(Vec::new()),
        _ => None,
    }
}

/// The input names of those procedures (for the parameter form of CALL).
pub(crate) fn procedure_inputs(lower: &str) -> Option<Vec<String>> {
    let names: &[&str] = match lower {
        "db.index.vector.querynodes" => &["indexName", "numberOfNearestNeighbours", "query"],
        "db.index.vector.createnodeindex" => {
            &["indexName", "label", "propertyKey", "vectorDimension", "vectorSimilarityFunction"]
        }
        _ => return None,
    };
    Some(names.iter().map(|s| s.to_string()).collect())
}

fn string_arg(v: Option<&Value>, name: &str) -> CypherResult<String> {
    match v {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(CypherError::type_error(format!(
            "Type mismatch for argument `{name}`: expected STRING but was {}",
            other.type_name()
        ))),
        None => Err(CypherError::argument(format!("Missing argument `{name}`"))),
    }
}

/// The definition `db.index.vector.createNodeIndex(name, label, property, dimensions,
/// similarity)` asks for.
pub(crate) fn create_node_index_def(args: &[Value]) -> CypherResult<VectorIndexDef> {
    if args.len() != 5 {
        return Err(CypherError::semantic(format!(
            "Procedure call does not provide the required number of arguments: got {} expected 5",
            args.len()
        )));
    }
    let name = string_arg(args.first(), "indexName")?;
    let label = string_arg(args.get(1), "label")?;
    let property = string_arg(args.get(2), "propertyKey")?;
    let mut config = Map::new();
    config.insert("vector.dimensions".into(), args.get(3).cloned().unwrap_or(Value::Null));
    config.insert("vector.similarity_function".into(), args.get(4).cloned().unwrap_or(Value::Null));
    let options = Value::Map(Map::from([("indexConfig".to_string(), Value::Map(config))]));
    let (dimensions, similarity) = parse_options(&options)?;
    Ok(VectorIndexDef { name, label, property, dimensions, similarity })
}
