//! FT.* — RediSearch-style index commands over hashes (the indexes live in
//! [`crate::search`]). The connection runs them outside keyspace transactions and refuses
//! them inside MULTI: FT.CREATE and FT.DROPINDEX change index definitions (durable rows of
//! their own, not keyspace writes), and FT.SEARCH answers from the indexes, which only
//! reflect committed writes.
//!
//! Replies follow RediSearch 2.x: FT.SEARCH answers `[total, key, [field, value, ...], ...]`
//! in RESP2 and RediSearch 2.8's map (`attributes`, `format`, `results`, `total_results`,
//! `warning`) in RESP3; KNN scores are RediSearch's distances printed as `%.12g` strings.

use super::args::{is, parse_i64};
use super::{CommandSpec, Family};
use crate::connection::ClientState;
use crate::error::{RedisError, RedisResult};
use crate::keyspace::RedisType;
use crate::resp::Frame;
use crate::search::build;
use crate::search::index::reconcile::RestoreReport;
use crate::search::index::Found;
use crate::search::query::{self, Query};
use crate::search::schema::{FieldKind, IndexDef};
use crate::search::snapshotter::ChangeLog;
use crate::server::Shared;
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;

super::family_spec!(Family::Search);

const W: &[&str] = &["write", "denyoom"];
const R: &[&str] = &["readonly"];

pub const SPECS: &[CommandSpec] = &[
    spec("ft.create", -2, W, 0, 0, 0),
    spec("ft.search", -3, R, 0, 0, 0),
    spec("ft.info", 2, R, 0, 0, 0),
    spec("ft.dropindex", -2, W, 0, 0, 0),
    spec("ft._list", 1, R, 0, 0, 0),
    spec("ft.aggregate", -3, R, 0, 0, 0),
    spec("ft.alter", -3, W, 0, 0, 0),
    spec("ft.explain", -3, R, 0, 0, 0),
    spec("ft.profile", -4, R, 0, 0, 0),
    spec("ft.tagvals", 3, R, 0, 0, 0),
    spec("ft.aliasadd", 3, W, 0, 0, 0),
    spec("ft.aliasdel", 2, W, 0, 0, 0),
    spec("ft.aliasupdate", 3, W, 0, 0, 0),
    spec("ft.config", -2, R, 0, 0, 0),
    spec("ft.spellcheck", -3, R, 0, 0, 0),
    spec("ft.cursor", -3, R, 0, 0, 0),
];

/// The reply to an FT command inside MULTI.
pub const NOT_IN_MULTI: &str = "ERR FT commands are not allowed inside a transaction: indexes reflect committed \
                                writes only and index definitions are not part of the keyspace transaction";

/// FT.SEARCH's default and largest LIMIT.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 1_000_000;

/// Runs one FT command (`args[0]` is the name, arity checked by the caller).
pub async fn run(shared: &Arc<Shared>, client: &ClientState, args: &[Vec<u8>]) -> Frame {
    match execute(shared, client, args).await {
        Ok(frame) => frame,
        Err(e) => Frame::Error(e.reply_line()),
    }
}

async fn execute(shared: &Arc<Shared>, client: &ClientState, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let Some(spec) = args.first().and_then(|n| super::lookup(n)) else { return Err(super::unknown_command(args)) };
    if !spec.arity_ok(args.len()) {
        return Err(RedisError::wrong_arity(spec.name));
    }
    let name = || index_name(args.get(1).map(Vec::as_slice).unwrap_or_default());
    match spec.name {
        "ft.create" => create(shared, client, &name()?, args.get(2..).unwrap_or_default()).await,
        "ft.search" => search(shared, client, &name()?, args.get(2..).unwrap_or_default()).await,
        "ft.info" => info(shared, &name()?),
        "ft.dropindex" => drop_index(shared, &name()?, args.get(2..).unwrap_or_default()).await,
        "ft._list" => Ok(Frame::Set(shared.search.names().into_iter().map(|n| Frame::bulk(n.into_bytes())).collect())),
        other => Err(RedisError::err(format!("not supported: {}", other.to_ascii_uppercase()))),
    }
}

fn index_name(arg: &[u8]) -> RedisResult<String> {
    String::from_utf8(arg.to_vec()).map_err(|_| RedisError::err("index names must be valid UTF-8"))
}

fn no_such_index(name: &str) -> RedisError {
    RedisError::Reply(format!("{name}: no such index"))
}

/// FT.CREATE: builds the index from the existing hashes, then stores its definition.
async fn create(shared: &Arc<Shared>, client: &ClientState, name: &str, rest: &[Vec<u8>]) -> RedisResult<Frame> {
    let def = IndexDef::parse(name, client.db, rest)?;
    let _guard = shared.write_lock.clone().lock_owned().await;
    if shared.search.get(name).is_some() {
        return Err(RedisError::err("Index already exists"));
    }
    let mut txn = shared.keyspace.begin_locked().await?;
    let index = build(&mut txn, def).await?;
    drop(txn);
    shared.search.create(&shared.storage, index).await?;
    Ok(Frame::ok())
}

/// FT.DROPINDEX idx [DD]: DD also deletes the indexed hashes. The definition and the
/// index's snapshot go in one storage transaction.
async fn drop_index(shared: &Arc<Shared>, name: &str, rest: &[Vec<u8>]) -> RedisResult<Frame> {
    let delete_docs = match rest {
        [] => false,
        [dd] if is(dd, "DD") => true,
        _ => return Err(RedisError::syntax()),
    };
    let _guard = shared.write_lock.clone().lock_owned().await;
    let Some(index) = shared.search.drop_index(&shared.storage, name).await? else {
        return Err(RedisError::err("Unknown Index name"));
    };
    if delete_docs {
        let (db, keys): (usize, Vec<Vec<u8>>) = {
            let index = index.read();
            (index.def.db, index.keys().cloned().collect())
        };
        let mut txn = shared.keyspace.begin_locked().await?;
        for key in &keys {
            txn.delete_key(db, key).await?;
        }
        shared.commit(txn).await?;
    }
    Ok(Frame::ok())
}

/// FT.SEARCH's options.
struct SearchOptions {
    params: HashMap<String, Vec<u8>>,
    /// (requested name, name it is returned under).
    returns: Option<Vec<(String, String)>>,
    sort_by: Option<(String, bool)>,
    offset: usize,
    limit: usize,
    no_content: bool,
}

fn count(arg: Option<&Vec<u8>>, max: usize) -> RedisResult<usize> {
    let n = parse_i64(arg.ok_or_else(RedisError::syntax)?)?;
    usize::try_from(n).ok().filter(|n| *n <= max).ok_or_else(RedisError::not_integer)
}

fn text(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

fn parse_options(rest: &[Vec<u8>]) -> RedisResult<SearchOptions> {
    let mut o = SearchOptions {
        params: HashMap::new(),
        returns: None,
        sort_by: None,
        offset: 0,
        limit: DEFAULT_LIMIT,
        no_content: false,
    };
    let mut i = 0;
    while let Some(option) = rest.get(i) {
        i += 1;
        if is(option, "NOCONTENT") {
            o.no_content = true;
        } else if is(option, "VERBATIM") || is(option, "NOSTOPWORDS") {
        } else if is(option, "LIMIT") {
            o.offset = count(rest.get(i), MAX_LIMIT)?;
            o.limit = count(rest.get(i + 1), MAX_LIMIT)?;
            i += 2;
        } else if is(option, "PARAMS") {
            let n = count(rest.get(i), 2 * 1024)?;
            if n % 2 != 0 {
                return Err(RedisError::err("Parameters must be name value pairs"));
            }
            let values = rest.get(i + 1..i + 1 + n).ok_or_else(|| RedisError::err("Bad arguments for PARAMS"))?;
            for pair in values.chunks_exact(2) {
                o.params.insert(text(&pair[0]), pair[1].clone());
            }
            i += 1 + n;
        } else if is(option, "RETURN") {
            let n = count(rest.get(i), 1024)?;
            let names = rest.get(i + 1..i + 1 + n).ok_or_else(|| RedisError::err("Bad arguments for RETURN"))?;
            let mut returns: Vec<(String, String)> = Vec::new();
            let mut j = 0;
            while let Some(name) = names.get(j) {
                if is(name, "AS") {
                    let alias = names.get(j + 1).ok_or_else(|| RedisError::err("Bad arguments for RETURN: AS"))?;
                    let last = returns.last_mut().ok_or_else(|| RedisError::err("Bad arguments for RETURN: AS"))?;
                    last.1 = text(alias);
                    j += 2;
                } else {
                    returns.push((text(name), text(name)));
                    j += 1;
                }
            }
            // RETURN 0 answers keys only, as NOCONTENT.
            o.no_content |= returns.is_empty();
            o.returns = Some(returns);
            i += 1 + n;
        } else if is(option, "SORTBY") {
            let field = rest.get(i).ok_or_else(RedisError::syntax)?;
            let field = text(field.strip_prefix(b"@").unwrap_or(field));
            i += 1;
            let mut ascending = true;
            if let Some(order) = rest.get(i) {
                if is(order, "ASC") || is(order, "DESC") {
                    ascending = is(order, "ASC");
                    i += 1;
                }
            }
            o.sort_by = Some((field, ascending));
        } else if is(option, "DIALECT") {
            let dialect = count(rest.get(i), 4)?;
            if dialect == 0 {
                return Err(RedisError::err("DIALECT requires a non negative integer >=1 and <= 4"));
            }
            i += 1;
        } else if is(option, "TIMEOUT") {
            count(rest.get(i), usize::MAX)?;
            i += 1;
        } else if ["WITHSCORES", "WITHPAYLOADS", "WITHSORTKEYS", "EXPLAINSCORE"].iter().any(|w| is(option, w))
            || ["FILTER", "GEOFILTER", "INKEYS", "INFIELDS", "SUMMARIZE", "HIGHLIGHT", "SLOP", "INORDER"]
                .iter()
                .any(|w| is(option, w))
            || ["LANGUAGE", "EXPANDER", "SCORER", "PAYLOAD"].iter().any(|w| is(option, w))
        {
            return Err(RedisError::err(format!("not supported: FT.SEARCH option {}", text(option))));
        } else {
            return Err(RedisError::err(format!("Unknown argument `{}`", text(option))));
        }
    }
    Ok(o)
}

/// RediSearch's number formatting (`%.12g`).
pub fn format_score(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    super::args::format_g(v, 12)
}

async fn search(shared: &Arc<Shared>, client: &ClientState, name: &str, rest: &[Vec<u8>]) -> RedisResult<Frame> {
    let (query_text, rest) = rest.split_first().ok_or_else(|| RedisError::wrong_arity("ft.search"))?;
    let options = parse_options(rest)?;
    let index = shared.search.get(name).ok_or_else(|| no_such_index(name))?;
    let now = crate::keyspace::now_ms();
    let (def, mut found, score_name) = {
        let index = index.read();
        let Query { filter, knn } = query::parse(query_text, &index.def, &options.params)?;
        let (found, score_name) = match &knn {
            Some(knn) => (index.knn(knn, &filter, now)?, Some(knn.score_name.clone())),
            None => (index.filter(&filter, now), None),
        };
        (index.def.clone(), found, score_name)
    };
    let total = found.len();
    let mut txn = shared.keyspace.begin().await?;
    if let Some((field, ascending)) = &options.sort_by {
        if score_name.as_deref() == Some(field.as_str()) {
            if !ascending {
                found.sort_by(|a, b| {
                    let (x, y) = (a.score.unwrap_or(f64::INFINITY), b.score.unwrap_or(f64::INFINITY));
                    y.total_cmp(&x).then_with(|| a.key.cmp(&b.key))
                });
            }
        } else {
            let (_, def_field) = def
                .attribute(field)
                .ok_or_else(|| RedisError::err(format!("Property `{field}` not loaded nor in schema")))?;
            let numeric = matches!(def_field.kind, FieldKind::Numeric);
            let mut keyed = Vec::with_capacity(found.len());
            for f in found {
                let raw = read_field(&mut txn, def.db, &f.key, &def_field.field).await?;
                keyed.push((SortKey::of(raw, numeric), f));
            }
            keyed.sort_by(|(a, fa), (b, fb)| {
                let by_value = a.cmp(b);
                let by_value =
                    if *ascending || a.is_missing() || b.is_missing() { by_value } else { by_value.reverse() };
                by_value.then_with(|| fa.key.cmp(&fb.key))
            });
            found = keyed.into_iter().map(|(_, f)| f).collect();
        }
    }
    let page: Vec<Found> = found.into_iter().skip(options.offset).take(options.limit).collect();
    let mut results = Vec::with_capacity(page.len());
    for hit in page {
        let fields = if options.no_content {
            None
        } else {
            Some(document_fields(&mut txn, &def, &hit, score_name.as_deref(), options.returns.as_deref()).await?)
        };
        results.push((hit.key, fields));
    }
    Ok(reply(client.protocol, total, results))
}

/// The field/value pairs FT.SEARCH returns for one document.
async fn document_fields(
    txn: &mut crate::keyspace::KsTxn,
    def: &IndexDef,
    hit: &Found,
    score_name: Option<&str>,
    returns: Option<&[(String, String)]>,
) -> RedisResult<Vec<(Vec<u8>, Vec<u8>)>> {
    let score = hit.score.map(format_score);
    let only_score = returns.is_some_and(|r| r.iter().all(|(wanted, _)| Some(wanted.as_str()) == score_name));
    let stored = if only_score { Vec::new() } else { hash_fields(txn, def.db, &hit.key).await? };
    let mut out = Vec::new();
    match returns {
        None => {
            if let (Some(name), Some(score)) = (score_name, &score) {
                out.push((name.as_bytes().to_vec(), score.clone().into_bytes()));
            }
            out.extend(stored);
        }
        Some(returns) => {
            for (wanted, shown) in returns {
                if Some(wanted.as_str()) == score_name {
                    if let Some(score) = &score {
                        out.push((shown.as_bytes().to_vec(), score.clone().into_bytes()));
                    }
                    continue;
                }
                let field =
                    def.attribute(wanted).map(|(_, f)| f.field.clone()).unwrap_or_else(|| wanted.as_bytes().to_vec());
                if let Some((_, value)) = stored.iter().find(|(f, _)| *f == field) {
                    out.push((shown.as_bytes().to_vec(), value.clone()));
                }
            }
        }
    }
    Ok(out)
}

async fn hash_fields(txn: &mut crate::keyspace::KsTxn, db: usize, key: &[u8]) -> RedisResult<Vec<(Vec<u8>, Vec<u8>)>> {
    match txn.meta_of(db, key, RedisType::Hash).await {
        Ok(Some(meta)) => txn.sub_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, None).await,
        Ok(None) | Err(RedisError::Reply(_)) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

async fn read_field(
    txn: &mut crate::keyspace::KsTxn,
    db: usize,
    key: &[u8],
    field: &[u8],
) -> RedisResult<Option<Vec<u8>>> {
    match txn.meta_of(db, key, RedisType::Hash).await {
        Ok(Some(meta)) => txn.sub_get(meta.version, field).await,
        Ok(None) | Err(RedisError::Reply(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A SORTBY value: numbers by value, anything else by bytes; missing values sort last.
#[derive(Debug, PartialEq)]
enum SortKey {
    Number(f64),
    Bytes(Vec<u8>),
    Missing,
}

impl SortKey {
    fn of(raw: Option<Vec<u8>>, numeric: bool) -> SortKey {
        match raw {
            None => SortKey::Missing,
            Some(raw) if numeric => match std::str::from_utf8(&raw).ok().and_then(|s| s.trim().parse::<f64>().ok()) {
                Some(n) if !n.is_nan() => SortKey::Number(n),
                _ => SortKey::Missing,
            },
            Some(raw) => SortKey::Bytes(raw.to_ascii_lowercase()),
        }
    }
    fn is_missing(&self) -> bool {
        matches!(self, SortKey::Missing)
    }
    fn cmp(&self, other: &SortKey) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        match (self, other) {
            (SortKey::Number(a), SortKey::Number(b)) => a.total_cmp(b),
            (SortKey::Bytes(a), SortKey::Bytes(b)) => a.cmp(b),
            (SortKey::Missing, SortKey::Missing) => Equal,
            (SortKey::Missing, _) => Greater,
            (_, SortKey::Missing) => Less,
            (SortKey::Number(_), SortKey::Bytes(_)) => Less,
            (SortKey::Bytes(_), SortKey::Number(_)) => Greater,
        }
    }
}

type Results = Vec<(Vec<u8>, Option<Vec<(Vec<u8>, Vec<u8>)>>)>;

fn reply(protocol: u8, total: usize, results: Results) -> Frame {
    let total = Frame::Integer(i64::try_from(total).unwrap_or(i64::MAX));
    if protocol >= 3 {
        let results = results
            .into_iter()
            .map(|(key, fields)| {
                let mut entry = vec![(Frame::bulk("id"), Frame::Bulk(key))];
                if let Some(fields) = fields {
                    let attributes = fields.into_iter().map(|(f, v)| (Frame::Bulk(f), Frame::Bulk(v))).collect();
                    entry.push((Frame::bulk("extra_attributes"), Frame::Map(attributes)));
                    entry.push((Frame::bulk("values"), Frame::Array(vec![])));
                }
                Frame::Map(entry)
            })
            .collect();
        return Frame::Map(vec![
            (Frame::bulk("attributes"), Frame::Array(vec![])),
            (Frame::bulk("format"), Frame::bulk("STRING")),
            (Frame::bulk("results"), Frame::Array(results)),
            (Frame::bulk("total_results"), total),
            (Frame::bulk("warning"), Frame::Array(vec![])),
        ]);
    }
    let mut out = vec![total];
    for (key, fields) in results {
        out.push(Frame::Bulk(key));
        if let Some(fields) = fields {
            out.push(Frame::Array(fields.into_iter().flat_map(|(f, v)| [Frame::Bulk(f), Frame::Bulk(v)]).collect()));
        }
    }
    Frame::Array(out)
}

/// FT.INFO: the fields RediSearch 2.8 reports that we track.
fn info(shared: &Arc<Shared>, name: &str) -> RedisResult<Frame> {
    let index = shared.search.get(name).ok_or_else(|| RedisError::err("Unknown index name"))?;
    let index = index.read();
    let def = &index.def;
    let bulk = |s: &str| Frame::bulk(s.as_bytes());
    let definition = Frame::Map(vec![
        (bulk("key_type"), bulk("HASH")),
        (bulk("prefixes"), Frame::Array(def.prefixes.iter().map(|p| Frame::Bulk(p.clone())).collect())),
        (bulk("default_score"), bulk("1")),
    ]);
    let attributes = def
        .fields
        .iter()
        .map(|f| {
            let mut pairs = vec![
                (bulk("identifier"), Frame::Bulk(f.field.clone())),
                (bulk("attribute"), bulk(&f.attribute)),
                (bulk("type"), bulk(f.kind.type_name())),
            ];
            match &f.kind {
                FieldKind::Tag { separator, case_sensitive } => {
                    pairs.push((bulk("SEPARATOR"), Frame::Bulk(vec![*separator])));
                    if *case_sensitive {
                        pairs.push((bulk("CASESENSITIVE"), bulk("CASESENSITIVE")));
                    }
                }
                FieldKind::Text { weight } => pairs.push((bulk("WEIGHT"), bulk(&format_score(*weight)))),
                FieldKind::Numeric => {}
                FieldKind::Vector(v) => {
                    let algorithm = match v.kind {
                        orbit_vector::IndexKind::Flat => "FLAT",
                        orbit_vector::IndexKind::Hnsw => "HNSW",
                    };
                    pairs.push((bulk("algorithm"), bulk(algorithm)));
                    pairs.push((bulk("data_type"), bulk("FLOAT32")));
                    pairs.push((bulk("dim"), Frame::Integer(v.dim as i64)));
                    pairs.push((bulk("distance_metric"), bulk(v.distance.name())));
                    if v.kind == orbit_vector::IndexKind::Hnsw {
                        pairs.push((bulk("M"), Frame::Integer(v.m as i64)));
                        pairs.push((bulk("ef_construction"), Frame::Integer(v.ef_construction as i64)));
                        pairs.push((bulk("ef_runtime"), Frame::Integer(v.ef_runtime as i64)));
                    }
                }
            }
            if f.sortable {
                pairs.push((bulk("SORTABLE"), bulk("SORTABLE")));
            }
            Frame::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
        })
        .collect();
    let vectors: i64 = index.vector_counts().iter().map(|(_, n)| *n as i64).sum();
    Ok(Frame::Map(vec![
        (bulk("index_name"), bulk(&def.name)),
        (bulk("index_options"), Frame::Array(vec![])),
        (bulk("index_definition"), definition),
        (bulk("attributes"), Frame::Array(attributes)),
        (bulk("num_docs"), Frame::Integer(index.num_docs() as i64)),
        (bulk("max_doc_id"), Frame::Integer(i64::try_from(index.max_doc_id()).unwrap_or(i64::MAX))),
        (bulk("num_records"), Frame::Integer(vectors)),
        (bulk("hash_indexing_failures"), Frame::Integer(i64::try_from(index.failures).unwrap_or(i64::MAX))),
        (bulk("indexing"), Frame::Integer(0)),
        (bulk("percent_indexed"), bulk("1")),
        (bulk("snapshot_stats"), snapshot_stats(&index.changes)),
        (bulk("restore_stats"), restore_stats(index.restored.as_ref())),
    ]))
}

fn millis(d: Option<std::time::Duration>) -> Frame {
    Frame::bulk(format!("{:.3}", d.unwrap_or_default().as_secs_f64() * 1e3).into_bytes())
}

fn count_frame(n: u64) -> Frame {
    Frame::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Orbit's own FT.INFO section: the background snapshot of the vector indexes.
fn snapshot_stats(log: &ChangeLog) -> Frame {
    Frame::Map(vec![
        (Frame::bulk("pending_changes"), count_frame(log.pending())),
        (Frame::bulk("writes"), count_frame(log.writes)),
        (Frame::bulk("failed_writes"), count_frame(log.failed_writes)),
        (Frame::bulk("last_bytes"), count_frame(log.last_bytes)),
        (Frame::bulk("last_copy_ms"), millis(log.last_copy)),
        (Frame::bulk("last_encode_ms"), millis(log.last_encode)),
        (Frame::bulk("last_write_ms"), millis(log.last_write)),
    ])
}

/// Orbit's own FT.INFO section: how the index came back at start.
fn restore_stats(report: Option<&RestoreReport>) -> Frame {
    let Some(r) = report else { return Frame::Map(vec![(Frame::bulk("source"), Frame::bulk("ft.create"))]) };
    let source = if r.from_snapshot { "snapshot" } else { "keyspace" };
    Frame::Map(vec![
        (Frame::bulk("source"), Frame::bulk(source)),
        (Frame::bulk("snapshot_refused"), Frame::bulk(r.refused.clone().unwrap_or_default().into_bytes())),
        (Frame::bulk("snapshot_read_ms"), millis(Some(r.snapshot_read))),
        (Frame::bulk("scan_ms"), millis(Some(r.scan))),
        (Frame::bulk("kept"), count_frame(r.kept)),
        (Frame::bulk("inserted"), count_frame(r.inserted)),
        (Frame::bulk("removed"), count_frame(r.removed)),
    ])
}
