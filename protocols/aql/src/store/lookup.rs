//! Reading documents in pages: full scans in storage (revision) order, index lookups
//! (primary over `_key`, edge over `_from`/`_to`, persistent indexes with equality on a
//! prefix of their fields and a range on the next one, either direction), and the TTL
//! sweep's expired entries. Resume positions are opaque: the last storage key read (a
//! position in the edge index's answer for edge lookups).

use super::catalog::CollState;
use super::documents::{decode_in, projection, read_rev, read_rev_in};
use super::indexes::IndexDef;
use super::keys;
use super::{DocTxn, IndexLookup, ScanPage};
use crate::ast::EdgeDirection;
use crate::error::{num, AqlError, AqlResult};
use crate::value::Value;
use orbit_storage::engine::{prefix_end, KeyRange};
use std::ops::Bound;
use std::sync::Arc;

fn index_not_found() -> AqlError {
    AqlError::new(num::INDEX_NOT_FOUND, "index not found")
}

fn after(prefix: &[u8]) -> Bound<Vec<u8>> {
    prefix_end(prefix).map_or(Bound::Unbounded, Bound::Excluded)
}

/// The storage range of a lookup on entries under `base` whose encoded values follow.
fn value_range(base: Vec<u8>, lookup: &IndexLookup, push: impl Fn(&mut Vec<u8>, &Value)) -> Option<KeyRange> {
    let mut prefix = base;
    for v in &lookup.equal {
        push(&mut prefix, v);
    }
    let at = |v: &Value| {
        let mut k = prefix.clone();
        push(&mut k, v);
        k
    };
    let start = match &lookup.lower {
        Bound::Unbounded => Bound::Included(prefix.clone()),
        Bound::Included(v) => Bound::Included(at(v)),
        Bound::Excluded(v) => Bound::Included(prefix_end(&at(v))?),
    };
    let end = match &lookup.upper {
        Bound::Unbounded => after(&prefix),
        Bound::Included(v) => after(&at(v)),
        Bound::Excluded(v) => Bound::Excluded(at(v)),
    };
    Some(KeyRange { start, end })
}

fn push_key(out: &mut Vec<u8>, v: &Value) {
    if let Value::String(s) = v {
        out.extend_from_slice(s.as_bytes());
    }
}

/// A lookup on `_key` with string bounds only: `_key` values are strings, stored as
/// their bytes, and a bound of another type sorts before (null, bool, number) or after
/// (array, object) every one of them. None when nothing can match. Strings compare by
/// collation, not by bytes, so a string bound cannot narrow the byte-ordered range: it
/// reads the whole primary index (the query's FILTER still applies the bound).
fn primary_lookup(l: &IndexLookup) -> Option<IndexLookup> {
    let low = |v: &Value| matches!(v, Value::Null | Value::Bool(_) | Value::Int(_) | Value::Double(_));
    if l.equal.iter().any(|v| !matches!(v, Value::String(_))) {
        return None;
    }
    match &l.lower {
        Bound::Included(Value::String(_)) | Bound::Excluded(Value::String(_)) | Bound::Unbounded => {}
        Bound::Included(v) | Bound::Excluded(v) if low(v) => {}
        _ => return None,
    }
    match &l.upper {
        Bound::Included(Value::String(_)) | Bound::Excluded(Value::String(_)) | Bound::Unbounded => {}
        Bound::Included(v) | Bound::Excluded(v) if !low(v) => {}
        _ => return None,
    }
    let (lower, upper) = (Bound::Unbounded, Bound::Unbounded);
    Some(IndexLookup { equal: l.equal.clone(), lower, upper })
}

fn resumed(mut range: KeyRange, resume: Option<&[u8]>, reverse: bool) -> KeyRange {
    if let Some(pos) = resume {
        if reverse {
            range.end = Bound::Excluded(pos.to_vec());
        } else {
            range.start = Bound::Excluded(pos.to_vec());
        }
    }
    range
}

impl DocTxn {
    pub(super) async fn scan_docs(
        &mut self,
        coll: &Arc<CollState>,
        resume: Option<&[u8]>,
        limit: usize,
        fields: Option<&[String]>,
    ) -> AqlResult<ScanPage> {
        let h = coll.handle();
        let info = Arc::clone(&coll.info.read());
        let fields = projection(fields);
        let range = resumed(keys::space(keys::DOC), resume, false);
        let limit = limit.max(1);
        let entries = self.tx()?.kv_scan(&h, &range, false, limit.saturating_add(1)).await?;
        let more = entries.len() > limit;
        let mut docs = Vec::with_capacity(entries.len().min(limit));
        let mut last = None;
        for (key, bytes) in entries.into_iter().take(limit) {
            docs.push(decode_in(&info.name, &bytes, fields.as_deref())?);
            last = Some(key);
        }
        Ok(ScanPage { docs, resume: if more { last } else { None } })
    }

    fn index_def(coll: &CollState, index: &str) -> AqlResult<Option<Arc<IndexDef>>> {
        let wanted = index.rsplit_once('/').map_or(index, |(_, n)| n);
        if matches!(wanted, "0" | "primary") || (coll.is_edge() && matches!(wanted, "1" | "edge")) {
            return Ok(None);
        }
        coll.indexes()
            .iter()
            .find(|i| i.name == index || i.name == wanted || i.n.to_string() == wanted)
            .cloned()
            .map(Some)
            .ok_or_else(index_not_found)
    }

    pub(super) async fn index_scan_docs(
        &mut self,
        coll: &Arc<CollState>,
        index: &str,
        lookup: &IndexLookup,
        reverse: bool,
        resume: Option<&[u8]>,
        limit: usize,
        fields: Option<&[String]>,
    ) -> AqlResult<ScanPage> {
        let limit = limit.max(1);
        let def = Self::index_def(coll, index)?;
        let range = match &def {
            None if coll.is_edge() && matches!(index.rsplit('/').next(), Some("1" | "edge")) => {
                return self.edge_lookup(coll, lookup, reverse, resume, limit).await;
            }
            None => {
                if lookup.equal.len() > 1 {
                    return Err(AqlError::bad_parameter("the primary index has one field"));
                }
                primary_lookup(lookup).and_then(|l| value_range(vec![keys::PRIMARY], &l, push_key))
            }
            Some(def) => {
                if !def.has_entries() || lookup.equal.len() > def.fields.len() {
                    return Err(AqlError::bad_parameter(format!("index '{}' cannot answer this lookup", def.name)));
                }
                value_range(keys::index_prefix(def.n, &[]), lookup, keys::push_value)
            }
        };
        let Some(range) = range else { return Ok(ScanPage { docs: Vec::new(), resume: None }) };
        let range = resumed(range, resume, reverse);
        let h = coll.handle();
        let info = Arc::clone(&coll.info.read());
        let fields = projection(fields);
        let tx = self.tx()?;
        let entries = tx.kv_scan(&h, &range, reverse, limit.saturating_add(1)).await?;
        let more = entries.len() > limit;
        let mut docs = Vec::with_capacity(entries.len().min(limit));
        let mut last = None;
        for (key, value) in entries.into_iter().take(limit) {
            let rev = match &def {
                None => keys::trailing_u64(&value),
                Some(_) => keys::entry_rev(&key, &value),
            }
            .ok_or_else(|| AqlError::internal("index entry is malformed"))?;
            docs.push(read_rev_in(tx, coll, &info.name, &h, rev, fields.as_deref()).await?);
            last = Some(key);
        }
        Ok(ScanPage { docs, resume: if more { last } else { None } })
    }

    /// The edge index: equality on `_from` (and then `_to`), from the adjacency.
    async fn edge_lookup(
        &mut self,
        coll: &Arc<CollState>,
        lookup: &IndexLookup,
        reverse: bool,
        resume: Option<&[u8]>,
        limit: usize,
    ) -> AqlResult<ScanPage> {
        let Some(Value::String(from)) = lookup.equal.first() else {
            return Err(AqlError::bad_parameter("the edge index answers equality on _from"));
        };
        let mut edges: Vec<Value> = self
            .edges_at(coll, from, EdgeDirection::Outbound)
            .await?
            .into_iter()
            .map(|s| s.edge)
            .filter(|e| lookup.equal.get(1).is_none_or(|to| e.get("_to") == Some(to)))
            .collect();
        if reverse {
            edges.reverse();
        }
        let skip = resume.and_then(keys::trailing_u64).unwrap_or(0) as usize;
        let rest: Vec<Value> = edges.into_iter().skip(skip).collect();
        let more = rest.len() > limit;
        let docs: Vec<Value> = rest.into_iter().take(limit).collect();
        let next = (skip + docs.len()) as u64;
        Ok(ScanPage { docs, resume: more.then(|| next.to_be_bytes().to_vec()) })
    }

    /// Up to `limit` keys of documents whose TTL entry (index `n`) is at or before `now`.
    pub(super) async fn expired_keys(
        &mut self,
        coll: &Arc<CollState>,
        n: u32,
        now: i64,
        limit: usize,
    ) -> AqlResult<Vec<String>> {
        let lookup =
            IndexLookup { equal: Vec::new(), lower: Bound::Unbounded, upper: Bound::Included(Value::Int(now)) };
        let Some(range) = value_range(keys::index_prefix(n, &[]), &lookup, keys::push_value) else {
            return Ok(Vec::new());
        };
        let h = coll.handle();
        let tx = self.tx()?;
        let mut out = Vec::new();
        for (key, value) in tx.kv_scan(&h, &range, false, limit).await? {
            let rev = keys::entry_rev(&key, &value).ok_or_else(|| AqlError::internal("ttl entry is malformed"))?;
            let doc = read_rev(tx, coll, &h, rev).await?;
            if let Some(k) = doc.get("_key").and_then(|k| k.as_str()) {
                out.push(k.to_string());
            }
        }
        Ok(out)
    }
}
