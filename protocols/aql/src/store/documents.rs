//! Document writes: insert (with overwrite modes), replace, update (keepNull,
//! mergeObjects), remove, and what they share: revision checks, system attributes
//! first in every stored document (`_key`, `_id`, `_from`, `_to`, `_rev`), index
//! entries checked before anything is written (so a refused write leaves its
//! transaction as it was) and then written with the document in the same transaction,
//! and edges kept in the graph's adjacency ([`super::edges`]).

use super::catalog::CollState;
use super::indexes::IndexDef;
use super::keygen::{self, check_key};
use super::keys;
use super::revision;
use super::{DocTxn, KeyGenerator, OverwriteMode, Pending, WriteOptions, WriteResult};
use crate::error::{num, AqlError, AqlResult};
use crate::value::{binary, Object, Value};
use orbit_storage::{TableHandle, Transaction};
use std::ops::Bound;
use std::sync::atomic::Ordering;
use std::sync::Arc;

const SYSTEM: &[&str] = &["_key", "_id", "_rev", "_from", "_to"];
const PAGE: usize = 1000;

pub fn not_found() -> AqlError {
    AqlError::new(num::DOCUMENT_NOT_FOUND, "document not found")
}

fn conflict() -> AqlError {
    AqlError::new(num::CONFLICT, "conflict, _rev values do not match")
}

fn not_an_object() -> AqlError {
    AqlError::new(num::DOCUMENT_TYPE_INVALID, "invalid document type")
}

fn bad_edge() -> AqlError {
    AqlError::new(
        num::INVALID_EDGE_ATTRIBUTE,
        "expecting both `_from` and `_to` attributes to be defined in the edge document and have the format \
         `<collectionName>/<vertexKey>` ",
    )
}

fn primary_violation(key: &str) -> AqlError {
    AqlError::new(
        num::UNIQUE_CONSTRAINT_VIOLATED,
        format!("unique constraint violated - in index primary of type primary over '_key'; conflicting key: {key}"),
    )
}

/// A valid document handle "collection/key" for `_from`/`_to`: a collection name or
/// numeric collection id, and a valid key.
fn edge_end(v: Option<&Value>) -> AqlResult<String> {
    let Some(Value::String(s)) = v else { return Err(bad_edge()) };
    let collection_ok = |c: &str| {
        super::catalog::valid_collection_name(c, c.starts_with('_'))
            || (!c.is_empty() && c.len() <= 20 && c.bytes().all(|b| b.is_ascii_digit()))
    };
    match s.split_once('/') {
        Some((c, k)) if collection_ok(c) && keygen::valid_key(k) => Ok(s.clone()),
        _ => Err(bad_edge()),
    }
}

/// The stored form of a document: system attributes first, then the others of `body`.
fn assemble(coll: &str, key: &str, ends: Option<&(String, String)>, rev: u64, body: &Object) -> Value {
    let mut o = Object::with_capacity(body.len() + 5);
    o.insert("_key".into(), Value::str(key));
    o.insert("_id".into(), Value::String(format!("{coll}/{key}")));
    if let Some((from, to)) = ends {
        o.insert("_from".into(), Value::str(from.clone()));
        o.insert("_to".into(), Value::str(to.clone()));
    }
    o.insert("_rev".into(), Value::String(revision::encode(rev)));
    let system = |k: &str| SYSTEM.contains(&k) && (ends.is_some() || !matches!(k, "_from" | "_to"));
    for (k, v) in body {
        if !system(k) {
            o.insert(k.clone(), v.clone());
        }
    }
    Value::Object(o)
}

/// `new` merged over `old` as an update merges: null removes unless `keep_null`;
/// objects merge recursively when `merge_objects`.
fn merged(old: Option<&Value>, new: &Value, keep_null: bool, merge_objects: bool) -> Option<Value> {
    match new {
        Value::Null if !keep_null => None,
        Value::Object(patch) if merge_objects => {
            let mut base = match old {
                Some(Value::Object(o)) => o.clone(),
                _ => Object::new(),
            };
            for (k, v) in patch {
                match merged(base.get(k), v, keep_null, merge_objects) {
                    Some(v) => {
                        base.insert(k.clone(), v);
                    }
                    None => {
                        base.shift_remove(k);
                    }
                }
            }
            Some(Value::Object(base))
        }
        other => Some(other.clone()),
    }
}

pub(super) fn decode_doc(coll: &CollState, bytes: &[u8]) -> AqlResult<Value> {
    let info = Arc::clone(&coll.info.read());
    decode_in(&info.name, bytes, None)
}

/// A stored document of collection `name`; with `fields`, only those top-level
/// attributes (which must include `_key` and `_id`).
pub(super) fn decode_in(name: &str, bytes: &[u8], fields: Option<&[&str]>) -> AqlResult<Value> {
    let decoded = match fields {
        Some(f) => binary::decode_projected(bytes, f),
        None => binary::decode(bytes),
    };
    let mut doc = decoded.map_err(|e| AqlError::internal(format!("stored document: {e}")))?;
    if let Value::Object(o) = &mut doc {
        let stale = match o.get("_id").and_then(|i| i.as_str()) {
            Some(id) => id.split_once('/').is_none_or(|(c, _)| c != name),
            None => false,
        };
        if stale {
            let key = o.get("_key").and_then(|k| k.as_str()).unwrap_or_default().to_string();
            o.insert("_id".into(), Value::String(format!("{name}/{key}")));
        }
    }
    Ok(doc)
}

/// The attribute names a projected read decodes: `fields` plus `_key` and `_id`.
pub(super) fn projection(fields: Option<&[String]>) -> Option<Vec<&str>> {
    let fields = fields?;
    let mut out: Vec<&str> = vec!["_key", "_id"];
    out.extend(fields.iter().map(String::as_str).filter(|f| !matches!(*f, "_key" | "_id")));
    Some(out)
}

fn rev_of(bytes: &[u8]) -> AqlResult<u64> {
    keys::trailing_u64(bytes).ok_or_else(|| AqlError::internal("stored revision is malformed"))
}

/// The document stored at `rev`; an error (never None) when an index points at nothing.
pub(super) async fn read_rev(
    tx: &mut dyn Transaction,
    coll: &CollState,
    h: &TableHandle,
    rev: u64,
) -> AqlResult<Value> {
    let info = Arc::clone(&coll.info.read());
    read_rev_in(tx, coll, &info.name, h, rev, None).await
}

/// [`read_rev`] with the collection's name given and maybe only some attributes.
pub(super) async fn read_rev_in(
    tx: &mut dyn Transaction,
    coll: &CollState,
    name: &str,
    h: &TableHandle,
    rev: u64,
    fields: Option<&[&str]>,
) -> AqlResult<Value> {
    match tx.kv_get(h, &keys::doc(rev)).await? {
        Some(bytes) => decode_in(name, &bytes, fields),
        None => Err(AqlError::internal(format!("index entry of collection {} without its document", coll.id))),
    }
}

/// The `_key` of the document at `rev`, for a 1210 message.
async fn key_at(tx: &mut dyn Transaction, coll: &CollState, h: &TableHandle, rev: u64) -> AqlResult<String> {
    let doc = read_rev(tx, coll, h, rev).await?;
    Ok(doc.get("_key").and_then(|k| k.as_str()).unwrap_or_default().to_string())
}

/// Checks that the `entries` of `def` for the document at `rev` (which was `old_rev`)
/// take no other document's unique values.
async fn check_unique(
    tx: &mut dyn Transaction,
    coll: &CollState,
    h: &TableHandle,
    def: &IndexDef,
    entries: &[Vec<Value>],
    old_rev: Option<u64>,
) -> AqlResult<()> {
    if !def.unique {
        return Ok(());
    }
    for values in entries {
        if let Some(holder) = tx.kv_get(h, &keys::index_entry(def.n, values, true, 0)).await? {
            let holder = rev_of(&holder)?;
            if Some(holder) != old_rev {
                return Err(def.violation(&key_at(tx, coll, h, holder).await?));
            }
        }
    }
    Ok(())
}

async fn put_entries(
    tx: &mut dyn Transaction,
    h: &TableHandle,
    def: &IndexDef,
    e: &[Vec<Value>],
    rev: u64,
) -> AqlResult<()> {
    for values in e {
        let value = if def.unique { rev.to_be_bytes().to_vec() } else { Vec::new() };
        tx.kv_put(h, &keys::index_entry(def.n, values, def.unique, rev), value).await?;
    }
    Ok(())
}

/// Builds `def`'s entries from the documents of `coll` in one transaction; 1210 when a
/// unique index meets a value twice.
pub(super) async fn build_index(tx: &mut dyn Transaction, coll: &CollState, def: &IndexDef) -> AqlResult<()> {
    let vector = matches!(def.kind, super::IndexKind::Vector(_));
    if !def.has_entries() && !vector {
        return Ok(());
    }
    let h = coll.handle();
    let mut range = keys::space(keys::DOC);
    loop {
        let page = tx.kv_scan(&h, &range, false, PAGE).await?;
        let Some((last, _)) = page.last() else { return Ok(()) };
        range.start = Bound::Excluded(last.clone());
        for (key, bytes) in &page {
            let rev = rev_of(key)?;
            if vector {
                def.vector(&decode_doc(coll, bytes)?)?;
                continue;
            }
            let entries = def.entries(&decode_doc(coll, bytes)?)?;
            check_unique(tx, coll, &h, def, &entries, Some(rev)).await?;
            put_entries(tx, &h, def, &entries, rev).await?;
        }
    }
}

impl DocTxn {
    pub(super) fn tx(&mut self) -> AqlResult<&mut dyn Transaction> {
        match self.tx.as_mut() {
            Some(tx) => Ok(tx.as_mut()),
            None => Err(AqlError::internal("document transaction is closed")),
        }
    }

    pub(super) async fn commit_now(mut self) -> AqlResult<()> {
        let Some(mut tx) = self.tx.take() else { return Ok(()) };
        for p in self.pending.values() {
            let key = keys::stats(self.store.clock().next());
            tx.kv_put(&p.coll.handle(), &key, super::stats::entry(p.count, p.max_rev, p.key_last)).await?;
        }
        tx.commit().await?;
        self.store.apply_vector_changes(&self.vector_changes).await;
        if self.sync {
            self.store.storage.flush().await?;
        }
        for p in self.pending.values() {
            p.coll.note_committed(p.count, p.max_rev, p.key_last);
        }
        for p in self.pending.values() {
            if let Err(e) = super::stats::committed(self.store.storage.as_ref(), &p.coll, self.store.clock()).await {
                tracing::warn!(error = %e, "folding collection statistics failed (the commit stands)");
            }
        }
        Ok(())
    }

    fn note(&mut self, coll: &Arc<CollState>, count: i64, rev: u64, options: &WriteOptions) {
        self.sync |= options.wait_for_sync || coll.info.read().wait_for_sync;
        let p = self.pending.entry(coll.id).or_insert_with(|| Pending {
            coll: coll.clone(),
            count: 0,
            max_rev: 0,
            key_last: 0,
        });
        p.count += count;
        p.max_rev = p.max_rev.max(rev);
        p.key_last = p.key_last.max(coll.key_last.load(Ordering::Relaxed));
        self.writes += 1;
    }

    /// The revision and document stored under `key`.
    pub(super) async fn lookup(&mut self, coll: &CollState, key: &str) -> AqlResult<Option<(u64, Value)>> {
        if !keygen::valid_key(key) {
            return Ok(None);
        }
        let h = coll.handle();
        let tx = self.tx()?;
        let Some(rev) = tx.kv_get(&h, &keys::primary(key)).await? else { return Ok(None) };
        let rev = rev_of(&rev)?;
        Ok(Some((rev, read_rev(tx, coll, &h, rev).await?)))
    }

    fn new_key(&self, coll: &CollState, given: Option<&Value>) -> AqlResult<String> {
        let info = coll.info();
        let generator = &info.key_options.generator;
        match given {
            Some(Value::String(key)) => {
                if !info.key_options.allow_user_keys {
                    return Err(AqlError::new(num::DOCUMENT_KEY_UNEXPECTED, "unexpected document key"));
                }
                check_key(key)?;
                if let Some(v) = keygen::tracked(generator, key) {
                    coll.key_last.fetch_max(v, Ordering::Relaxed);
                }
                Ok(key.clone())
            }
            None | Some(Value::Null) => match generator {
                KeyGenerator::Uuid => keygen::uuid(),
                KeyGenerator::Traditional => {
                    let floor = coll.key_last.load(Ordering::Relaxed);
                    self.store.tick.fetch_max(floor, Ordering::Relaxed);
                    let v = self.store.next_tick();
                    coll.key_last.fetch_max(v, Ordering::Relaxed);
                    Ok(v.to_string())
                }
                _ => {
                    let step = |last: u64| Some(keygen::next_after(generator, last));
                    let last = coll.key_last.fetch_update(Ordering::Relaxed, Ordering::Relaxed, step).unwrap_or(0);
                    Ok(keygen::render(generator, keygen::next_after(generator, last)))
                }
            },
            Some(_) => Err(keygen::bad_key()),
        }
    }

    /// Writes the change of one document from `old` to `new` (either may be absent)
    /// with its index entries and adjacency; checks unique indexes first.
    async fn store(
        &mut self,
        coll: &Arc<CollState>,
        key: &str,
        old: Option<(u64, &Value)>,
        new: Option<(u64, &Value)>,
    ) -> AqlResult<()> {
        let h = coll.handle();
        let defs = coll.indexes();
        let mut plans = Vec::with_capacity(defs.len());
        for def in defs.iter().filter(|d| d.has_entries()) {
            let before = old.map(|(_, d)| def.entries(d)).transpose()?.unwrap_or_default();
            let after = new.map(|(_, d)| def.entries(d)).transpose()?.unwrap_or_default();
            plans.push((def.clone(), before, after));
        }
        let tx = self.tx()?;
        for (def, _, after) in &plans {
            check_unique(tx, coll, &h, def, after, old.map(|(r, _)| r)).await?;
        }
        self.note_vectors(coll, &defs, old, new)?;
        let tx = self.tx()?;
        for (def, before, _) in &plans {
            if let Some((rev, _)) = old {
                for values in before {
                    tx.kv_delete(&h, &keys::index_entry(def.n, values, def.unique, rev)).await?;
                }
            }
        }
        if let Some((rev, _)) = old {
            tx.kv_delete(&h, &keys::doc(rev)).await?;
        }
        match new {
            Some((rev, doc)) => {
                for (def, _, after) in &plans {
                    put_entries(tx, &h, def, after, rev).await?;
                }
                tx.kv_put(&h, &keys::doc(rev), binary::encode(doc)).await?;
                tx.kv_put(&h, &keys::primary(key), rev.to_be_bytes().to_vec()).await?;
            }
            None => tx.kv_delete(&h, &keys::primary(key)).await?,
        }
        if coll.is_edge() {
            self.adjust_edge(coll, old, new).await?;
        }
        Ok(())
    }

    pub(super) async fn insert_doc(
        &mut self,
        coll: &Arc<CollState>,
        doc: Value,
        options: &WriteOptions,
    ) -> AqlResult<WriteResult> {
        let Value::Object(body) = doc else { return Err(not_an_object()) };
        if let Some(Value::String(key)) = body.get("_key") {
            if let Some((rev, old)) = self.lookup(coll, key).await? {
                let key = key.clone();
                return match options.overwrite_mode {
                    OverwriteMode::Conflict => Err(primary_violation(&key)),
                    OverwriteMode::Ignore => Ok(WriteResult {
                        id: old.get("_id").and_then(|i| i.as_str()).unwrap_or_default().to_string(),
                        key,
                        rev: revision::encode(rev),
                        old_rev: None,
                        new: None,
                        old: None,
                        ignored: true,
                    }),
                    OverwriteMode::Replace => self.modify_doc(coll, &key, Value::Object(body), options, false).await,
                    OverwriteMode::Update => self.modify_doc(coll, &key, Value::Object(body), options, true).await,
                };
            }
        }
        let ends = if coll.is_edge() { Some((edge_end(body.get("_from"))?, edge_end(body.get("_to"))?)) } else { None };
        let key = self.new_key(coll, body.get("_key"))?;
        if self.lookup(coll, &key).await?.is_some() {
            return Err(primary_violation(&key));
        }
        let rev = self.store.clock().next();
        let name = coll.info().name.clone();
        let doc = assemble(&name, &key, ends.as_ref(), rev, &body);
        self.store(coll, &key, None, Some((rev, &doc))).await?;
        self.note(coll, 1, rev, options);
        Ok(WriteResult {
            id: format!("{name}/{key}"),
            key,
            rev: revision::encode(rev),
            old_rev: None,
            new: Some(doc),
            old: None,
            ignored: false,
        })
    }

    fn check_rev(options: &WriteOptions, given: Option<&Value>, current: u64) -> AqlResult<()> {
        let current = revision::encode(current);
        if let Some(expected) = &options.expected_rev {
            if *expected != current {
                return Err(conflict());
            }
        }
        if !options.ignore_revs {
            if let Some(Value::String(given)) = given {
                if *given != current {
                    return Err(conflict());
                }
            }
        }
        Ok(())
    }

    /// Replace (`update` false) or update the document `key` with `body`.
    pub(super) async fn modify_doc(
        &mut self,
        coll: &Arc<CollState>,
        key: &str,
        body: Value,
        options: &WriteOptions,
        update: bool,
    ) -> AqlResult<WriteResult> {
        let Value::Object(body) = body else { return Err(not_an_object()) };
        let (old_rev, old) = self.lookup(coll, key).await?.ok_or_else(not_found)?;
        Self::check_rev(options, body.get("_rev"), old_rev)?;
        let mut content = if update {
            let mut base = match &old {
                Value::Object(o) => o.clone(),
                _ => Object::new(),
            };
            for (k, v) in body.iter().filter(|(k, _)| !SYSTEM.contains(&k.as_str())) {
                match merged(base.get(k), v, options.keep_null, options.merge_objects) {
                    Some(v) => {
                        base.insert(k.clone(), v);
                    }
                    None => {
                        base.shift_remove(k);
                    }
                }
            }
            base
        } else {
            body.clone()
        };
        let ends = if coll.is_edge() {
            let pick = |name: &str| if update { body.get(name).or_else(|| old.get(name)) } else { body.get(name) };
            Some((edge_end(pick("_from"))?, edge_end(pick("_to"))?))
        } else {
            None
        };
        if !coll.is_edge() && update {
            for name in ["_from", "_to"] {
                if let Some(v) = body.get(name) {
                    content.insert(name.into(), v.clone());
                }
            }
        }
        let rev = self.store.clock().next();
        let name = coll.info().name.clone();
        let doc = assemble(&name, key, ends.as_ref(), rev, &content);
        self.store(coll, key, Some((old_rev, &old)), Some((rev, &doc))).await?;
        self.note(coll, 0, rev, options);
        Ok(WriteResult {
            key: key.to_string(),
            id: format!("{name}/{key}"),
            rev: revision::encode(rev),
            old_rev: Some(revision::encode(old_rev)),
            new: Some(doc),
            old: Some(old),
            ignored: false,
        })
    }

    pub(super) async fn remove_doc(
        &mut self,
        coll: &Arc<CollState>,
        key: &str,
        options: &WriteOptions,
    ) -> AqlResult<WriteResult> {
        let (old_rev, old) = self.lookup(coll, key).await?.ok_or_else(not_found)?;
        Self::check_rev(options, None, old_rev)?;
        self.store(coll, key, Some((old_rev, &old)), None).await?;
        self.note(coll, -1, 0, options);
        Ok(WriteResult {
            key: key.to_string(),
            id: old.get("_id").and_then(|i| i.as_str()).unwrap_or_default().to_string(),
            rev: revision::encode(old_rev),
            old_rev: Some(revision::encode(old_rev)),
            new: None,
            old: Some(old),
            ignored: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::json::{parse, to_json_string};

    #[test]
    fn update_merge_rules() {
        let old = parse(br#"{"a":1,"o":{"x":1,"y":2},"n":null}"#).unwrap();
        let patch = parse(br#"{"a":null,"o":{"y":null,"z":3},"b":2}"#).unwrap();
        let kept = merged(Some(&old), &patch, true, true).unwrap();
        assert_eq!(to_json_string(&kept), r#"{"a":null,"o":{"x":1,"y":null,"z":3},"n":null,"b":2}"#);
        let dropped = merged(Some(&old), &patch, false, true).unwrap();
        assert_eq!(to_json_string(&dropped), r#"{"o":{"x":1,"z":3},"n":null,"b":2}"#);
    }
}
