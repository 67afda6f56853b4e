//! INSERT, UPDATE, REPLACE, REMOVE and UPSERT, one write per input row through the
//! query's transaction, with their OPTIONS (ignoreErrors, keepNull, mergeObjects,
//! overwriteMode/overwrite, ignoreRevs, waitForSync), `NEW`/`OLD` set for what follows,
//! and writesExecuted/writesIgnored counted.

use super::context::{Ctx, PAGE};
use super::eval::{eval, set};
use super::pipeline::{op, BoxNode, Node};
use super::plan::*;
use crate::error::{num, AqlError, AqlResult};
use crate::store::{IndexLookup, OverwriteMode, WriteOptions, WriteResult};
use crate::value::{cast, compare::compare, Value};
use std::ops::Bound;
use std::sync::Arc;

struct Modify {
    input: BoxNode,
    plan: Arc<Plan>,
    idx: usize,
    options: Option<Options>,
}

pub fn node(input: BoxNode, plan: Arc<Plan>, idx: usize) -> BoxNode {
    Box::new(Modify { input, plan, idx, options: None })
}

#[derive(Clone)]
struct Options {
    write: WriteOptions,
    ignore_errors: bool,
}

fn options(v: &Value) -> AqlResult<Options> {
    let mut write = WriteOptions::default();
    let mut ignore_errors = false;
    if let Value::Object(o) = v {
        for (k, v) in o {
            match k.as_str() {
                "ignoreErrors" => ignore_errors = cast::to_bool(v),
                "keepNull" => write.keep_null = cast::to_bool(v),
                "mergeObjects" => write.merge_objects = cast::to_bool(v),
                "ignoreRevs" => write.ignore_revs = cast::to_bool(v),
                "waitForSync" => write.wait_for_sync = cast::to_bool(v),
                "overwrite" if cast::to_bool(v) => write.overwrite_mode = OverwriteMode::Replace,
                "overwriteMode" => {
                    write.overwrite_mode = match v.as_str() {
                        Some("ignore") => OverwriteMode::Ignore,
                        Some("replace") => OverwriteMode::Replace,
                        Some("update") => OverwriteMode::Update,
                        Some("conflict") => OverwriteMode::Conflict,
                        _ => {
                            return Err(AqlError::new(
                                num::BAD_PARAMETER,
                                "unknown/invalid OPTIONS attribute used: overwriteMode",
                            ))
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(Options { write, ignore_errors })
}

/// The key a document selector names: a key string, an `_id` of this collection, or an
/// object with `_key` (or `_id`).
fn key_of(collection: &str, v: &Value) -> AqlResult<String> {
    let from_id = |id: &str| match id.split_once('/') {
        Some((c, k)) if c == collection => Some(k.to_string()),
        Some(_) => None,
        None => Some(id.to_string()),
    };
    let key = match v {
        Value::String(s) => from_id(s),
        Value::Object(o) => match (o.get("_key"), o.get("_id")) {
            (Some(Value::String(k)), _) => Some(k.clone()),
            (_, Some(Value::String(id))) => from_id(id),
            _ => return Err(AqlError::new(1226, "document key missing")),
        },
        _ => return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type")),
    };
    key.filter(|k| !k.is_empty()).ok_or_else(|| AqlError::new(num::DOCUMENT_KEY_BAD, "illegal document key"))
}

fn expected_rev(target: &Value, opts: &Options) -> WriteOptions {
    let mut w = opts.write.clone();
    if !w.ignore_revs {
        if let Some(Value::String(rev)) = target.get("_rev") {
            w.expected_rev = Some(rev.clone());
        }
    }
    w
}

async fn write(m: &ModifyPlan, row: &mut Row, opts: &Options, ctx: &mut Ctx) -> AqlResult<WriteResult> {
    let target = eval(&m.target, row, ctx).await?;
    let coll = m.collection.as_str();
    match m.kind {
        ModifyKind::Insert => {
            if !matches!(target, Value::Object(_)) {
                return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type"));
            }
            ctx.txn().await.insert(coll, target, &opts.write).await
        }
        ModifyKind::Remove => {
            let key = key_of(coll, &target)?;
            let w = expected_rev(&target, opts);
            ctx.txn().await.remove(coll, &key, &w).await
        }
        ModifyKind::Update | ModifyKind::Replace => {
            let key = key_of(coll, &target)?;
            let doc = match &m.with {
                Some(w) => eval(w, row, ctx).await?,
                None => target.clone(),
            };
            if !matches!(doc, Value::Object(_)) {
                return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type"));
            }
            let w = if m.with.is_some() { expected_rev(&doc, opts) } else { expected_rev(&target, opts) };
            let mut txn = ctx.txn().await;
            if m.kind == ModifyKind::Update {
                txn.update(coll, &key, doc, &w).await
            } else {
                txn.replace(coll, &key, doc, &w).await
            }
        }
    }
}

/// The first document matching an UPSERT's search object or FILTER.
async fn upsert_find(u: &UpsertPlan, row: &mut Row, ctx: &mut Ctx) -> AqlResult<Option<Value>> {
    let search = match &u.search {
        Some(s) => Some(eval(s, row, ctx).await?),
        None => None,
    };
    if let Some(Value::Object(o)) = &search {
        if let Some(Value::String(key)) = o.get("_key") {
            let doc = ctx.txn().await.get(&u.collection, key).await?;
            return Ok(doc.filter(|d| matches_search(d, o)));
        }
        if let Some((index, fields)) = &u.index {
            let equal = fields.iter().map(|f| o.get(f).cloned().unwrap_or(Value::Null)).collect();
            let lookup = IndexLookup { equal, lower: Bound::Unbounded, upper: Bound::Unbounded };
            let mut resume: Option<Vec<u8>> = None;
            loop {
                let page =
                    ctx.txn().await.index_scan(&u.collection, index, &lookup, false, resume.as_deref(), PAGE).await?;
                ctx.stats.scanned_index += page.docs.len() as u64;
                if let Some(doc) = page.docs.into_iter().find(|d| matches_search(d, o)) {
                    return Ok(Some(doc));
                }
                match page.resume {
                    Some(r) => resume = Some(r),
                    None => return Ok(None),
                }
            }
        }
    } else if search.is_some() {
        return Err(AqlError::new(num::QUERY_PARSE, "expecting 'Object' for UPSERT search document"));
    }
    let mut resume: Option<Vec<u8>> = None;
    loop {
        ctx.check_time()?;
        let page = ctx.txn().await.scan(&u.collection, resume.as_deref(), PAGE).await?;
        ctx.stats.scanned_full += page.docs.len() as u64;
        for doc in page.docs {
            let hit = match (&search, &u.filter) {
                (Some(Value::Object(o)), _) => matches_search(&doc, o),
                (_, Some(f)) => {
                    set(row, u.current, doc.clone());
                    cast::to_bool(&eval(f, row, ctx).await?)
                }
                _ => false,
            };
            if hit {
                return Ok(Some(doc));
            }
        }
        match page.resume {
            Some(r) => resume = Some(r),
            None => return Ok(None),
        }
    }
}

fn matches_search(doc: &Value, search: &crate::value::Object) -> bool {
    search.iter().all(|(k, v)| compare(doc.get(k).unwrap_or(&Value::Null), v) == std::cmp::Ordering::Equal)
}

async fn upsert(u: &UpsertPlan, row: &mut Row, opts: &Options, ctx: &mut Ctx) -> AqlResult<WriteResult> {
    match upsert_find(u, row, ctx).await? {
        Some(found) => {
            let key = key_of(&u.collection, &found)?;
            set(row, u.old_slot, found);
            let doc = eval(&u.update, row, ctx).await?;
            if !matches!(doc, Value::Object(_)) {
                return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type"));
            }
            let w = expected_rev(&doc, opts);
            let mut txn = ctx.txn().await;
            if u.replace {
                txn.replace(&u.collection, &key, doc, &w).await
            } else {
                txn.update(&u.collection, &key, doc, &w).await
            }
        }
        None => {
            let doc = eval(&u.insert, row, ctx).await?;
            if !matches!(doc, Value::Object(_)) {
                return Err(AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type"));
            }
            ctx.txn().await.insert(&u.collection, doc, &opts.write).await
        }
    }
}

#[async_trait::async_trait]
impl Node for Modify {
    async fn next(&mut self, ctx: &mut Ctx) -> AqlResult<Option<Row>> {
        let plan = self.plan.clone();
        let this = op(&plan, self.idx)?;
        loop {
            let Some(mut row) = self.input.next(ctx).await? else { return Ok(None) };
            ctx.check_time()?;
            if self.options.is_none() {
                let given = match this {
                    PlanOp::Modify(m) => &m.options,
                    PlanOp::Upsert(u) => &u.options,
                    _ => return Err(AqlError::internal("plan")),
                };
                let v = match given {
                    Some(e) => eval(e, &mut row, ctx).await?,
                    None => Value::Null,
                };
                self.options = Some(options(&v)?);
            }
            let opts = self.options.clone().unwrap_or(Options { write: WriteOptions::default(), ignore_errors: false });
            let (result, new_slot, old_slot) = match this {
                PlanOp::Modify(m) => (write(m, &mut row, &opts, ctx).await, m.new_slot, m.old_slot),
                PlanOp::Upsert(u) => (upsert(u, &mut row, &opts, ctx).await, u.new_slot, u.old_slot),
                _ => return Err(AqlError::internal("plan")),
            };
            match result {
                Ok(r) if r.ignored => {
                    ctx.stats.writes_ignored += 1;
                    set(&mut row, new_slot, r.new.unwrap_or(Value::Null));
                    set(&mut row, old_slot, r.old.unwrap_or(Value::Null));
                    return Ok(Some(row));
                }
                Ok(r) => {
                    ctx.stats.writes_executed += 1;
                    set(&mut row, new_slot, r.new.unwrap_or(Value::Null));
                    set(&mut row, old_slot, r.old.unwrap_or(Value::Null));
                    return Ok(Some(row));
                }
                Err(e) if opts.ignore_errors && e.num != num::QUERY_KILLED && e.num != num::INTERNAL => {
                    ctx.stats.writes_ignored += 1;
                }
                Err(e) => return Err(while_executing(e, &plan, self.idx, this)),
            }
        }
    }
}

/// A write's error as ArangoDB reports a runtime error: `AQL: message [node #N: Type]
/// (while executing)`.
fn while_executing(e: AqlError, plan: &Plan, idx: usize, this: &PlanOp) -> AqlError {
    if matches!(e.num, num::QUERY_KILLED | num::INTERNAL | num::NOT_IMPLEMENTED) {
        return e;
    }
    let ty = match this {
        PlanOp::Modify(m) => super::explain::modify_node_type(m.kind),
        _ => "UpsertNode",
    };
    let id = super::explain::node_id(plan, idx);
    AqlError::with_status(e.num, e.status, format!("AQL: {} [node #{id}: {ty}] (while executing)", e.message))
}
