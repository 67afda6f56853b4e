//! Index definitions and the entries a document gives them. Persistent indexes (`hash`
//! and `skiplist` are aliases) cover one or more dotted attribute paths, at most one
//! of them with an array expansion `[*]` (one entry per element, deduplicated unless
//! `deduplicate: false`; a document whose expanded attribute is not an array has no
//! entry); sparse ones skip documents with a null or missing field; unique ones refuse
//! a second document with the same values (1210). A TTL index has one entry per
//! document whose field is a unix timestamp (seconds) or a date string: the time it
//! expires, in unix milliseconds. Geo indexes are kept as definitions only (the executor
//! evaluates geo functions by scan). Entries live under [`super::keys::INDEX`].

use super::ttl;
use super::vector_params::VectorParams;
use super::{IndexInfo, IndexKind};
use crate::error::{num, AqlError, AqlResult};
use crate::value::{Object, Value};

/// At most this many entries one document gives one index (array expansions).
const MAX_ENTRIES: usize = 10_000;

/// One attribute path: the attributes before an expansion and, when there is one, the
/// attributes read in each array element.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    pub before: Vec<String>,
    pub expand: Option<Vec<String>>,
}

fn parse_path(field: &str) -> AqlResult<FieldPath> {
    let bad = || AqlError::bad_parameter(format!("invalid index attribute '{field}'"));
    let split = |s: &str| -> AqlResult<Vec<String>> {
        if s.is_empty() {
            return Ok(Vec::new());
        }
        let parts: Vec<String> = s.split('.').map(str::to_string).collect();
        if parts.iter().any(|p| p.is_empty() || p.contains("[*]")) {
            return Err(bad());
        }
        Ok(parts)
    };
    match field.split_once("[*]") {
        None => Ok(FieldPath { before: split(field)?, expand: None }),
        Some((before, after)) => {
            let after = match after {
                "" => "",
                a => a.strip_prefix('.').ok_or_else(bad)?,
            };
            let before = split(before)?;
            if before.is_empty() {
                return Err(bad());
            }
            Ok(FieldPath { before, expand: Some(split(after)?) })
        }
    }
}

fn at<'a>(mut v: &'a Value, path: &[String]) -> Option<&'a Value> {
    for name in path {
        v = v.get(name)?;
    }
    Some(v)
}

/// An index of a collection, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexDef {
    /// The number in the id "collection/N" and in the entries' keys.
    pub n: u32,
    pub name: String,
    pub kind: IndexKind,
    pub fields: Vec<String>,
    pub paths: Vec<FieldPath>,
    pub unique: bool,
    pub sparse: bool,
    pub deduplicate: bool,
    pub extra: Object,
}

fn bool_of(body: &Value, name: &str, default: bool) -> AqlResult<bool> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(AqlError::bad_parameter(format!("attribute '{name}' must be a boolean"))),
    }
}

const KEPT: &[&str] = &["estimates", "cacheEnabled", "storedValues", "inBackground", "legacyPolygons", "parallelism"];

impl IndexDef {
    /// The index `body` (a `POST /_api/index` body) describes, numbered `n`.
    pub fn parse(body: &Value, n: u32) -> AqlResult<IndexDef> {
        let ty =
            body.get("type").and_then(|t| t.as_str()).ok_or_else(|| AqlError::bad_parameter("invalid index type"))?;
        if matches!(ty, "fulltext" | "inverted" | "zkd" | "mdi" | "mdi-prefixed") {
            return Err(AqlError::not_supported(format!("indexes of type '{ty}'")));
        }
        let fields: Vec<String> = match body.get("fields") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|f| match f {
                    Value::String(s) if !s.is_empty() => Ok(s.clone()),
                    _ => Err(AqlError::bad_parameter("index field names must be non-empty strings")),
                })
                .collect::<AqlResult<_>>()?,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(AqlError::bad_parameter("'fields' must be an array")),
        };
        let mut unique = bool_of(body, "unique", false)?;
        let mut sparse = bool_of(body, "sparse", false)?;
        let kind = match ty {
            "persistent" | "hash" | "skiplist" => {
                if fields.is_empty() {
                    return Err(AqlError::bad_parameter("index needs at least one field"));
                }
                IndexKind::Persistent
            }
            "ttl" => {
                if fields.len() != 1 {
                    return Err(AqlError::bad_parameter("ttl index needs exactly one field"));
                }
                if unique {
                    return Err(AqlError::bad_parameter("ttl indexes cannot be unique"));
                }
                let expire_after = body
                    .get("expireAfter")
                    .and_then(|e| e.as_f64())
                    .filter(|e| *e >= 0.0)
                    .ok_or_else(|| AqlError::bad_parameter("expireAfter attribute must be a number >= 0"))?;
                sparse = true;
                IndexKind::Ttl { expire_after }
            }
            "geo" | "geo1" | "geo2" => {
                if !(1..=2).contains(&fields.len()) {
                    return Err(AqlError::bad_parameter("geo index needs one or two fields"));
                }
                unique = false;
                sparse = true;
                IndexKind::Geo { geo_json: bool_of(body, "geoJson", false)? }
            }
            "vector" => {
                if fields.len() != 1 {
                    return Err(AqlError::bad_parameter("vector index needs exactly one field"));
                }
                if unique {
                    return Err(AqlError::bad_parameter("vector indexes cannot be unique"));
                }
                IndexKind::Vector(VectorParams::parse(body.get("params"))?)
            }
            "primary" | "edge" => {
                return Err(AqlError::bad_parameter(format!("cannot create an index of type '{ty}'")));
            }
            other => return Err(AqlError::bad_parameter(format!("invalid index type '{other}'"))),
        };
        let paths = fields.iter().map(|f| parse_path(f)).collect::<AqlResult<Vec<_>>>()?;
        if matches!(kind, IndexKind::Vector(_)) && paths.iter().any(|p| p.expand.is_some()) {
            return Err(AqlError::bad_parameter("a vector index field cannot have an array expansion"));
        }
        if paths.iter().filter(|p| p.expand.is_some()).count() > 1 {
            return Err(AqlError::bad_parameter("at most one array expansion per index"));
        }
        let name = match body.get("name") {
            Some(Value::String(s)) if !s.is_empty() => {
                if !super::catalog::valid_index_name(s) {
                    return Err(AqlError::new(num::ILLEGAL_NAME, "illegal name: index name invalid"));
                }
                s.clone()
            }
            Some(Value::String(_)) | None | Some(Value::Null) => format!("idx_{n}"),
            Some(_) => return Err(AqlError::bad_parameter("index name must be a string")),
        };
        let mut extra = Object::new();
        for key in KEPT {
            if let Some(v) = body.get(key) {
                extra.insert((*key).to_string(), v.clone());
            }
        }
        let deduplicate = bool_of(body, "deduplicate", true)?;
        // What ArangoDB 3.12 reports of each kind besides the common attributes.
        let defaults: &[(&str, Value)] = match kind {
            IndexKind::Persistent => &[
                ("estimates", Value::Bool(true)),
                ("cacheEnabled", Value::Bool(false)),
                ("selectivityEstimate", Value::Int(1)),
            ],
            IndexKind::Ttl { .. } => &[("estimates", Value::Bool(false))],
            IndexKind::Vector(_) => &[("inBackground", Value::Bool(false)), ("parallelism", Value::Int(2))],
            IndexKind::Geo { .. } => &[
                ("bestIndexedLevel", Value::Int(17)),
                ("worstIndexedLevel", Value::Int(4)),
                ("maxNumCoverCells", Value::Int(8)),
                ("legacyPolygons", Value::Bool(false)),
            ],
            _ => &[],
        };
        if kind == IndexKind::Persistent {
            extra.insert("deduplicate".into(), Value::Bool(deduplicate));
        }
        for (name, value) in defaults {
            extra.entry((*name).to_string()).or_insert_with(|| value.clone());
        }
        Ok(IndexDef { n, name, kind, fields, paths, unique, sparse, deduplicate, extra })
    }

    /// Whether `other` is the same index (ArangoDB answers the existing one then).
    pub fn same_as(&self, other: &IndexDef) -> bool {
        let kinds = match (&self.kind, &other.kind) {
            (IndexKind::Ttl { .. }, IndexKind::Ttl { .. }) => true,
            (a, b) => a == b,
        };
        kinds && self.fields == other.fields && self.unique == other.unique && self.sparse == other.sparse
    }

    pub fn type_name(&self) -> &'static str {
        match self.kind {
            IndexKind::Primary => "primary",
            IndexKind::Edge => "edge",
            IndexKind::Persistent => "persistent",
            IndexKind::Ttl { .. } => "ttl",
            IndexKind::Geo { .. } => "geo",
            IndexKind::Vector(_) => "vector",
        }
    }

    pub fn info(&self, collection: &str) -> IndexInfo {
        IndexInfo {
            id: format!("{collection}/{}", self.n),
            name: self.name.clone(),
            kind: self.kind.clone(),
            fields: self.fields.clone(),
            unique: self.unique,
            sparse: self.sparse,
            extra: self.extra.clone(),
        }
    }

    pub fn to_record(&self) -> Value {
        let mut o = Object::new();
        o.insert("n".into(), Value::Int(i64::from(self.n)));
        o.insert("name".into(), Value::str(self.name.clone()));
        o.insert("type".into(), Value::str(self.type_name()));
        o.insert("fields".into(), Value::Array(self.fields.iter().map(|f| Value::str(f.clone())).collect()));
        o.insert("unique".into(), Value::Bool(self.unique));
        o.insert("sparse".into(), Value::Bool(self.sparse));
        o.insert("deduplicate".into(), Value::Bool(self.deduplicate));
        match self.kind {
            IndexKind::Ttl { expire_after } => {
                o.insert("expireAfter".into(), Value::double(expire_after));
            }
            IndexKind::Geo { geo_json } => {
                o.insert("geoJson".into(), Value::Bool(geo_json));
            }
            IndexKind::Vector(ref params) => {
                o.insert("params".into(), params.to_value());
            }
            _ => {}
        }
        for (k, v) in &self.extra {
            o.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(o)
    }

    pub fn from_record(record: &Value) -> Option<IndexDef> {
        let n = u32::try_from(record.get("n")?.as_f64()? as u64).ok()?;
        let def = IndexDef::parse(record, n).ok()?;
        Some(IndexDef { name: record.get("name")?.as_str()?.to_string(), ..def })
    }

    /// Whether the index has stored entries (persistent and ttl).
    pub fn has_entries(&self) -> bool {
        matches!(self.kind, IndexKind::Persistent | IndexKind::Ttl { .. })
    }

    /// The entries `doc` gives this index: each the values of its fields.
    pub fn entries(&self, doc: &Value) -> AqlResult<Vec<Vec<Value>>> {
        match self.kind {
            IndexKind::Persistent => self.persistent_entries(doc),
            IndexKind::Ttl { expire_after } => {
                let field = self.paths.first().map(|p| at(doc, &p.before));
                Ok(match field.flatten().and_then(ttl::timestamp_seconds) {
                    Some(seconds) => {
                        let at = ((seconds + expire_after) * 1000.0).clamp(0.0, 9.0e15) as i64;
                        vec![vec![Value::Int(at)]]
                    }
                    None => Vec::new(),
                })
            }
            _ => Ok(Vec::new()),
        }
    }

    fn persistent_entries(&self, doc: &Value) -> AqlResult<Vec<Vec<Value>>> {
        let mut choices: Vec<Vec<Value>> = Vec::with_capacity(self.paths.len());
        for path in &self.paths {
            let base = at(doc, &path.before);
            match &path.expand {
                None => {
                    let v = base.cloned().unwrap_or_default();
                    if self.sparse && v.is_null() {
                        return Ok(Vec::new());
                    }
                    choices.push(vec![v]);
                }
                Some(after) => {
                    let Some(Value::Array(items)) = base else { return Ok(Vec::new()) };
                    let mut values: Vec<Value> = Vec::new();
                    for item in items {
                        let v = if after.is_empty() { Some(item) } else { at(item, after) };
                        let v = v.cloned().unwrap_or_default();
                        if self.sparse && v.is_null() {
                            continue;
                        }
                        if self.deduplicate && values.contains(&v) {
                            continue;
                        }
                        values.push(v);
                    }
                    if values.is_empty() {
                        return Ok(Vec::new());
                    }
                    choices.push(values);
                }
            }
        }
        let mut out: Vec<Vec<Value>> = vec![Vec::new()];
        for values in choices {
            if out.len() * values.len() > MAX_ENTRIES {
                return Err(AqlError::new(num::BAD_PARAMETER, "too many index entries for one document"));
            }
            out = out
                .into_iter()
                .flat_map(|prefix| {
                    values.iter().map(move |v| {
                        let mut e = prefix.clone();
                        e.push(v.clone());
                        e
                    })
                })
                .collect();
        }
        Ok(out)
    }

    /// The 1210 message for a second document with an entry's values.
    pub fn violation(&self, conflicting_key: &str) -> AqlError {
        AqlError::new(
            num::UNIQUE_CONSTRAINT_VIOLATED,
            format!(
                "unique constraint violated - in index {} of type {} over '{}'; conflicting key: {conflicting_key}",
                self.name,
                self.type_name(),
                self.fields.join(", ")
            ),
        )
    }
}

/// The listed primary and edge indexes of a collection.
pub fn builtin(collection: &str, edge: bool) -> Vec<IndexInfo> {
    let info = |n: u32, name: &str, kind: IndexKind, fields: &[&str], unique: bool| IndexInfo {
        id: format!("{collection}/{n}"),
        name: name.to_string(),
        kind,
        fields: fields.iter().map(|f| f.to_string()).collect(),
        unique,
        sparse: false,
        extra: Object::new(),
    };
    let mut out = vec![info(0, "primary", IndexKind::Primary, &["_key"], true)];
    if edge {
        out.push(info(1, "edge", IndexKind::Edge, &["_from", "_to"], false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::json::parse;

    fn def(body: &str) -> IndexDef {
        IndexDef::parse(&parse(body.as_bytes()).unwrap(), 2).unwrap()
    }

    #[test]
    fn definitions() {
        let d = def(r#"{"type":"hash","fields":["a.b","c"]}"#);
        assert_eq!((d.type_name(), d.name.as_str()), ("persistent", "idx_2"));
        assert!(IndexDef::parse(&parse(br#"{"type":"fulltext","fields":["a"]}"#).unwrap(), 2).unwrap_err().num == 9);
        let inverted = parse(br#"{"type":"inverted","fields":[{"name":"a","analyzer":"text_en"}]}"#).unwrap();
        let err = IndexDef::parse(&inverted, 2).unwrap_err();
        assert_eq!((err.num, err.message.contains("inverted")), (9, true));
        assert!(IndexDef::parse(&parse(br#"{"type":"ttl","fields":["a"]}"#).unwrap(), 2).is_err());
        assert!(IndexDef::parse(&parse(br#"{"type":"persistent","fields":[]}"#).unwrap(), 2).is_err());
        let back = IndexDef::from_record(&d.to_record()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn entries_of_documents() {
        let doc = parse(br#"{"a":{"b":1},"tags":["x","y","x"],"objs":[{"v":1},{"w":2}]}"#).unwrap();
        assert_eq!(
            def(r#"{"type":"persistent","fields":["a.b","zz"]}"#).entries(&doc).unwrap(),
            vec![vec![Value::Int(1), Value::Null]]
        );
        assert!(def(r#"{"type":"persistent","fields":["a.b","zz"],"sparse":true}"#).entries(&doc).unwrap().is_empty());
        let tags = def(r#"{"type":"persistent","fields":["tags[*]"]}"#).entries(&doc).unwrap();
        assert_eq!(tags, vec![vec![Value::str("x")], vec![Value::str("y")]]);
        let all = def(r#"{"type":"persistent","fields":["tags[*]"],"deduplicate":false}"#).entries(&doc).unwrap();
        assert_eq!(all.len(), 3);
        let objs = def(r#"{"type":"persistent","fields":["objs[*].v"]}"#).entries(&doc).unwrap();
        assert_eq!(objs, vec![vec![Value::Int(1)], vec![Value::Null]]);
        assert!(def(r#"{"type":"persistent","fields":["a[*]"]}"#).entries(&doc).unwrap().is_empty());
        let ttl = def(r#"{"type":"ttl","fields":["t"],"expireAfter":10}"#);
        let at = ttl.entries(&parse(br#"{"t":100}"#).unwrap()).unwrap();
        assert_eq!(at, vec![vec![Value::Int(110_000)]]);
        let at = ttl.entries(&parse(br#"{"t":"1970-01-01T00:01:40Z"}"#).unwrap()).unwrap();
        assert_eq!(at, vec![vec![Value::Int(110_000)]]);
        assert!(ttl.entries(&parse(br#"{"t":true}"#).unwrap()).unwrap().is_empty());
    }
}
