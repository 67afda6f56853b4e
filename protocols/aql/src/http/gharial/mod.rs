//! `/_api/gharial`: named graphs kept as documents of the database's `_graphs` system
//! collection (`{_key: name, edgeDefinitions, orphanCollections, numberOfShards: 1,
//! replicationFactor: 1, isSmart: false}`): list, create (missing collections are
//! created), read, drop (optionally with the collections no other graph uses), vertex
//! collections (orphans) and edge definitions added, replaced and removed. Vertex and
//! edge CRUD through a graph is in [`elements`]. Smart, Enterprise and Satellite graphs
//! answer 501/9.

pub mod elements;

use super::params::{bool_attr, str_attr, Req};
use super::response::{HttpResult, Reply};
use super::router::unknown_path;
use super::SharedState;
use crate::error::{num, AqlError, AqlResult};
use crate::store::{CollectionSpec, CollectionType, TxnOptions, WriteOptions};
use crate::value::Value;
use axum::http::Method;

pub const GRAPHS: &str = "_graphs";

/// ArangoDB's graph error numbers (some differ from the names in `error::num`).
pub mod gnum {
    pub const INVALID_GRAPH: u32 = 1901;
    pub const INVALID_EDGE: u32 = 1906;
    pub const COLLECTION_MULTI_USE: u32 = 1920;
    pub const COLLECTION_USE_IN_MULTI_GRAPHS: u32 = 1921;
    pub const NOT_FOUND: u32 = 1924;
    pub const DUPLICATE: u32 = 1925;
    pub const VERTEX_COL_DOES_NOT_EXIST: u32 = 1926;
    pub const NOT_IN_ORPHAN_COLLECTION: u32 = 1928;
    pub const COLLECTION_USED_IN_EDGE_DEF: u32 = 1929;
    pub const EDGE_COLLECTION_NOT_USED: u32 = 1930;
    pub const COLLECTION_USED_IN_ORPHANS: u32 = 1938;
    pub const EDGE_DEFINITION_IS_DOCUMENT: u32 = 1944;
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeDef {
    pub collection: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Graph {
    pub name: String,
    pub edge_defs: Vec<EdgeDef>,
    pub orphans: Vec<String>,
    pub rev: String,
}

fn sorted_unique(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn strings(v: Option<&Value>) -> AqlResult<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| AqlError::with_status(gnum::INVALID_GRAPH, 400, "invalid graph: expecting names"))
            })
            .collect(),
        Some(_) => Err(AqlError::with_status(gnum::INVALID_GRAPH, 400, "invalid graph: expecting names")),
    }
}

impl EdgeDef {
    pub fn parse(v: &Value) -> AqlResult<EdgeDef> {
        let collection = str_attr(v, "collection")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| AqlError::with_status(gnum::INVALID_GRAPH, 400, "edge definition needs a collection"))?;
        Ok(EdgeDef {
            collection: collection.to_string(),
            from: sorted_unique(strings(v.get("from"))?),
            to: sorted_unique(strings(v.get("to"))?),
        })
    }

    fn to_value(&self) -> Value {
        let names = |v: &[String]| Value::Array(v.iter().map(Value::str).collect());
        Value::object([
            ("collection", Value::str(&self.collection)),
            ("from", names(&self.from)),
            ("to", names(&self.to)),
        ])
    }
}

impl Graph {
    fn from_doc(doc: &Value) -> AqlResult<Graph> {
        let name = str_attr(doc, "_key").unwrap_or_default().to_string();
        let edge_defs = match doc.get("edgeDefinitions").and_then(Value::as_array) {
            Some(defs) => defs.iter().map(EdgeDef::parse).collect::<AqlResult<Vec<_>>>()?,
            None => Vec::new(),
        };
        Ok(Graph {
            name,
            edge_defs,
            orphans: strings(doc.get("orphanCollections"))?,
            rev: str_attr(doc, "_rev").unwrap_or_default().to_string(),
        })
    }

    fn to_doc(&self) -> Value {
        let mut defs = self.edge_defs.clone();
        defs.sort_by(|a, b| a.collection.cmp(&b.collection));
        Value::object([
            ("_key", Value::str(&self.name)),
            ("edgeDefinitions", Value::Array(defs.iter().map(EdgeDef::to_value).collect())),
            ("orphanCollections", Value::Array(self.orphans.iter().map(Value::str).collect())),
            ("numberOfShards", Value::Int(1)),
            ("replicationFactor", Value::Int(1)),
            ("isSmart", Value::Bool(false)),
        ])
    }

    /// The graph as gharial answers it.
    pub fn describe(&self) -> Value {
        let mut defs = self.edge_defs.clone();
        defs.sort_by(|a, b| a.collection.cmp(&b.collection));
        Value::object([
            ("_key", Value::str(&self.name)),
            ("edgeDefinitions", Value::Array(defs.iter().map(EdgeDef::to_value).collect())),
            ("orphanCollections", Value::Array(self.orphans.iter().map(Value::str).collect())),
            ("_rev", Value::str(&self.rev)),
            ("_id", Value::String(format!("{GRAPHS}/{}", self.name))),
            ("name", Value::str(&self.name)),
        ])
    }

    /// Vertex collections: those of the edge definitions and the orphans, sorted.
    pub fn vertex_collections(&self) -> Vec<String> {
        let mut all: Vec<String> = self.orphans.clone();
        for d in &self.edge_defs {
            all.extend(d.from.iter().cloned());
            all.extend(d.to.iter().cloned());
        }
        sorted_unique(all)
    }

    fn in_edge_defs(&self, collection: &str) -> bool {
        self.edge_defs.iter().any(|d| d.from.iter().chain(&d.to).any(|c| c == collection))
    }

    pub fn edge_def(&self, collection: &str) -> Option<&EdgeDef> {
        self.edge_defs.iter().find(|d| d.collection == collection)
    }

    /// Orphans are the vertex collections no edge definition names.
    fn normalize_orphans(&mut self, previous_vertices: &[String]) {
        let mut orphans: Vec<String> =
            self.orphans.iter().filter(|o| !self.in_edge_defs(o)).cloned().collect::<Vec<_>>();
        for v in previous_vertices {
            if !self.in_edge_defs(v) && !orphans.contains(v) {
                orphans.push(v.clone());
            }
        }
        self.orphans = orphans;
    }
}

fn not_found(name: &str) -> AqlError {
    AqlError::with_status(gnum::NOT_FOUND, 404, format!("graph '{name}' not found"))
}

/// Makes sure `_graphs` exists in `db`.
async fn ensure_graphs_collection(state: &SharedState, db: &str) -> AqlResult<()> {
    match state.store.collection(db, GRAPHS).await {
        Ok(_) => Ok(()),
        Err(e) if e.num == num::DATA_SOURCE_NOT_FOUND => {
            let options = Value::object([("name", Value::str(GRAPHS)), ("isSystem", Value::Bool(true))]);
            let spec = CollectionSpec { name: GRAPHS.into(), ty: CollectionType::Document, options };
            match state.store.create_collection(db, spec).await {
                Ok(_) => Ok(()),
                Err(e) if e.num == num::DUPLICATE_NAME => Ok(()),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

pub async fn load_graph(state: &SharedState, db: &str, name: &str) -> AqlResult<Graph> {
    ensure_graphs_collection(state, db).await?;
    let mut txn = state.store.begin(db, TxnOptions::default()).await?;
    let doc = txn.get(GRAPHS, name).await;
    txn.rollback().await?;
    Graph::from_doc(&doc?.ok_or_else(|| not_found(name))?)
}

async fn all_graphs(state: &SharedState, db: &str) -> AqlResult<Vec<Graph>> {
    ensure_graphs_collection(state, db).await?;
    let mut txn = state.store.begin(db, TxnOptions::default()).await?;
    let mut out = Vec::new();
    let mut resume: Option<Vec<u8>> = None;
    loop {
        let page = match txn.scan(GRAPHS, resume.as_deref(), 1000).await {
            Ok(p) => p,
            Err(e) => {
                txn.rollback().await?;
                return Err(e);
            }
        };
        for doc in &page.docs {
            out.push(Graph::from_doc(doc)?);
        }
        match page.resume {
            Some(r) => resume = Some(r),
            None => break,
        }
    }
    txn.rollback().await?;
    Ok(out)
}

/// Writes `graph` (insert when `new`), setting its revision.
async fn save_graph(state: &SharedState, db: &str, graph: &mut Graph, new: bool) -> AqlResult<()> {
    ensure_graphs_collection(state, db).await?;
    let mut txn = state.store.begin(db, TxnOptions::default()).await?;
    let options = WriteOptions::default();
    let written = if new {
        txn.insert(GRAPHS, graph.to_doc(), &options).await
    } else {
        txn.replace(GRAPHS, &graph.name, graph.to_doc(), &options).await
    };
    match written {
        Ok(r) => {
            txn.commit().await?;
            graph.rev = r.rev;
            Ok(())
        }
        Err(e) => {
            txn.rollback().await?;
            if new && e.num == num::UNIQUE_CONSTRAINT_VIOLATED {
                return Err(AqlError::with_status(gnum::DUPLICATE, 409, "graph already exists"));
            }
            Err(e)
        }
    }
}

async fn ensure_collection(state: &SharedState, db: &str, name: &str, ty: CollectionType) -> AqlResult<()> {
    match state.store.collection(db, name).await {
        Ok(c) if ty == CollectionType::Edge && c.ty != CollectionType::Edge => Err(AqlError::with_status(
            gnum::EDGE_DEFINITION_IS_DOCUMENT,
            400,
            format!("edge definition collection is a document collection: {name}"),
        )),
        Ok(_) => Ok(()),
        Err(e) if e.num == num::DATA_SOURCE_NOT_FOUND => {
            let spec =
                CollectionSpec { name: name.to_string(), ty, options: Value::object([("name", Value::str(name))]) };
            state.store.create_collection(db, spec).await.map(|_| ())
        }
        Err(e) => Err(e),
    }
}

async fn ensure_collections(state: &SharedState, db: &str, graph: &Graph) -> AqlResult<()> {
    for d in &graph.edge_defs {
        ensure_collection(state, db, &d.collection, CollectionType::Edge).await?;
    }
    for v in graph.vertex_collections() {
        ensure_collection(state, db, &v, CollectionType::Document).await?;
    }
    Ok(())
}

/// 1921 when another graph defines `def`'s edge collection differently.
async fn check_other_graphs(state: &SharedState, db: &str, name: &str, def: &EdgeDef) -> AqlResult<()> {
    for other in all_graphs(state, db).await? {
        if other.name == name {
            continue;
        }
        if let Some(theirs) = other.edge_def(&def.collection) {
            if theirs != def {
                return Err(AqlError::with_status(
                    gnum::COLLECTION_USE_IN_MULTI_GRAPHS,
                    400,
                    format!("{} edge collection already used in edge def", def.collection),
                ));
            }
        }
    }
    Ok(())
}

fn status_for(req: &Req) -> u16 {
    if req.flag("waitForSync", false) {
        201
    } else {
        202
    }
}

fn graph_reply(status: u16, graph: &Graph) -> Reply {
    Reply::ok(status, vec![("graph", graph.describe())]).header("etag", graph.rev.clone())
}

fn refuse_enterprise(body: &Value) -> AqlResult<()> {
    let options = body.get("options").cloned().unwrap_or_default();
    if bool_attr(body, "isSmart", false) || bool_attr(&options, "isSmart", false) {
        return Err(AqlError::not_supported("SmartGraphs and EnterpriseGraphs"));
    }
    if bool_attr(body, "isDisjoint", false) || bool_attr(&options, "isDisjoint", false) {
        return Err(AqlError::not_supported("disjoint SmartGraphs"));
    }
    if options.get("replicationFactor").and_then(Value::as_str) == Some("satellite")
        || options.get("satellites").is_some()
    {
        return Err(AqlError::not_supported("SatelliteGraphs"));
    }
    Ok(())
}

async fn create(state: &SharedState, req: &Req) -> HttpResult {
    let body = req.body_object()?;
    refuse_enterprise(&body)?;
    let name = str_attr(&body, "name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| AqlError::with_status(gnum::INVALID_GRAPH, 400, "invalid graph: a name is required"))?;
    let mut edge_defs: Vec<EdgeDef> = Vec::new();
    for v in body.get("edgeDefinitions").and_then(Value::as_array).unwrap_or_default() {
        let def = EdgeDef::parse(v)?;
        if edge_defs.iter().any(|d| d.collection == def.collection) {
            return Err(AqlError::with_status(
                gnum::COLLECTION_MULTI_USE,
                400,
                format!("{} multi use of edge collection in edge def", def.collection),
            ));
        }
        check_other_graphs(state, &req.db, name, &def).await?;
        edge_defs.push(def);
    }
    let mut graph = Graph { name: name.to_string(), edge_defs, orphans: Vec::new(), rev: String::new() };
    graph.orphans = strings(body.get("orphanCollections"))?;
    graph.normalize_orphans(&[]);
    match load_graph(state, &req.db, name).await {
        Ok(_) => return Err(AqlError::with_status(gnum::DUPLICATE, 409, "graph already exists")),
        Err(e) if e.num == gnum::NOT_FOUND => {}
        Err(e) => return Err(e),
    }
    ensure_collections(state, &req.db, &graph).await?;
    save_graph(state, &req.db, &mut graph, true).await?;
    Ok(graph_reply(status_for(req), &graph))
}

async fn drop_graph(state: &SharedState, req: &Req, name: &str) -> HttpResult {
    let graph = load_graph(state, &req.db, name).await?;
    let mut txn = state.store.begin(&req.db, TxnOptions::default()).await?;
    let removed = txn.remove(GRAPHS, name, &WriteOptions::default()).await;
    match removed {
        Ok(_) => txn.commit().await?,
        Err(e) => {
            txn.rollback().await?;
            return Err(e);
        }
    }
    if req.flag("dropCollections", false) {
        let others = all_graphs(state, &req.db).await?;
        let used =
            |c: &str| others.iter().any(|g| g.edge_def(c).is_some() || g.vertex_collections().iter().any(|v| v == c));
        let mut names: Vec<String> = graph.edge_defs.iter().map(|d| d.collection.clone()).collect();
        names.extend(graph.vertex_collections());
        for c in sorted_unique(names) {
            if !used(&c) {
                match state.store.drop_collection(&req.db, &c, false).await {
                    Ok(()) => {}
                    Err(e) if e.num == num::DATA_SOURCE_NOT_FOUND => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(Reply::ok(status_for(req), vec![("removed", Value::Bool(true))]))
}

/// Drops `collection` unless a graph (this one included, as saved) still uses it.
async fn drop_unused(state: &SharedState, db: &str, collection: &str) -> AqlResult<()> {
    let graphs = all_graphs(state, db).await?;
    if graphs.iter().any(|g| g.edge_def(collection).is_some() || g.vertex_collections().iter().any(|v| v == collection))
    {
        return Ok(());
    }
    match state.store.drop_collection(db, collection, false).await {
        Err(e) if e.num != num::DATA_SOURCE_NOT_FOUND => Err(e),
        _ => Ok(()),
    }
}

async fn definitions(state: &SharedState, req: &Req, name: &str, rest: &[&str]) -> HttpResult {
    let mut graph = load_graph(state, &req.db, name).await?;
    let previous = graph.vertex_collections();
    let list = |v: Vec<String>| {
        Reply::ok(200, vec![("collections", Value::Array(v.into_iter().map(Value::String).collect()))])
    };
    match (rest, &req.method) {
        (["vertex"], &Method::GET) => Ok(list(graph.vertex_collections())),
        (["edge"], &Method::GET) => {
            Ok(list(sorted_unique(graph.edge_defs.iter().map(|d| d.collection.clone()).collect())))
        }
        (["vertex"], &Method::POST) => {
            let body = req.body_object()?;
            let c = str_attr(&body, "collection")
                .filter(|c| !c.is_empty())
                .ok_or_else(|| AqlError::bad_parameter("expecting a collection name"))?;
            if graph.orphans.iter().any(|o| o == c) {
                return Err(AqlError::with_status(gnum::COLLECTION_USED_IN_ORPHANS, 400, "collection used in orphans"));
            }
            if graph.in_edge_defs(c) {
                return Err(AqlError::with_status(
                    gnum::COLLECTION_USED_IN_EDGE_DEF,
                    400,
                    "collection already used in edge def",
                ));
            }
            ensure_collection(state, &req.db, c, CollectionType::Document).await?;
            graph.orphans.push(c.to_string());
            save_graph(state, &req.db, &mut graph, false).await?;
            Ok(graph_reply(status_for(req), &graph))
        }
        (["vertex", c], &Method::DELETE) => {
            if !graph.orphans.iter().any(|o| o == c) {
                return Err(AqlError::with_status(
                    gnum::NOT_IN_ORPHAN_COLLECTION,
                    400,
                    "collection is not in list of orphan collections",
                ));
            }
            graph.orphans.retain(|o| o != c);
            save_graph(state, &req.db, &mut graph, false).await?;
            if req.flag("dropCollection", false) {
                drop_unused(state, &req.db, c).await?;
            }
            Ok(graph_reply(status_for(req), &graph))
        }
        (["edge"], &Method::POST) => {
            let def = EdgeDef::parse(&req.body_object()?)?;
            if graph.edge_def(&def.collection).is_some() {
                return Err(AqlError::with_status(
                    gnum::COLLECTION_MULTI_USE,
                    400,
                    format!("{} multi use of edge collection in edge def", def.collection),
                ));
            }
            check_other_graphs(state, &req.db, name, &def).await?;
            graph.edge_defs.push(def);
            graph.normalize_orphans(&previous);
            ensure_collections(state, &req.db, &graph).await?;
            save_graph(state, &req.db, &mut graph, false).await?;
            Ok(graph_reply(status_for(req), &graph))
        }
        (["edge", c], &Method::PUT) => {
            let def = EdgeDef::parse(&req.body_object()?)?;
            if def.collection != *c || graph.edge_def(c).is_none() {
                return Err(AqlError::with_status(
                    gnum::EDGE_COLLECTION_NOT_USED,
                    404,
                    "edge collection not used in graph",
                ));
            }
            check_other_graphs(state, &req.db, name, &def).await?;
            for d in graph.edge_defs.iter_mut().filter(|d| d.collection == *c) {
                *d = def.clone();
            }
            graph.normalize_orphans(&previous);
            ensure_collections(state, &req.db, &graph).await?;
            save_graph(state, &req.db, &mut graph, false).await?;
            Ok(graph_reply(status_for(req), &graph))
        }
        (["edge", c], &Method::DELETE) => {
            if graph.edge_def(c).is_none() {
                return Err(AqlError::with_status(
                    gnum::EDGE_COLLECTION_NOT_USED,
                    404,
                    "edge collection not used in graph",
                ));
            }
            graph.edge_defs.retain(|d| d.collection != *c);
            graph.normalize_orphans(&previous);
            save_graph(state, &req.db, &mut graph, false).await?;
            if req.flag("dropCollections", false) {
                drop_unused(state, &req.db, c).await?;
            }
            Ok(graph_reply(status_for(req), &graph))
        }
        _ => Err(unknown_path(req)),
    }
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(2).map(String::as_str).collect();
    match rest.as_slice() {
        [] => match req.method {
            Method::GET | Method::HEAD => {
                let graphs: Vec<Value> = all_graphs(state, &req.db).await?.iter().map(Graph::describe).collect();
                Ok(Reply::ok(200, vec![("graphs", Value::Array(graphs))]))
            }
            Method::POST => create(state, req).await,
            _ => Err(unknown_path(req)),
        },
        [name] => match req.method {
            Method::GET | Method::HEAD => {
                let graph = load_graph(state, &req.db, name).await?;
                Ok(Reply::ok(200, vec![("graph", graph.describe())]))
            }
            Method::DELETE => drop_graph(state, req, name).await,
            _ => Err(unknown_path(req)),
        },
        [name, kind @ ("vertex" | "edge")] => definitions(state, req, name, &[kind]).await,
        [name, "vertex", c] if req.method == Method::POST => elements::create(state, req, name, "vertex", c).await,
        [name, "vertex", c] if req.method == Method::DELETE => definitions(state, req, name, &["vertex", c]).await,
        [name, "edge", c] if req.method == Method::POST => elements::create(state, req, name, "edge", c).await,
        [name, "edge", c] => definitions(state, req, name, &["edge", c]).await,
        [name, kind @ ("vertex" | "edge"), c, key] => elements::handle(state, req, name, kind, c, key).await,
        _ => Err(unknown_path(req)),
    }
}
