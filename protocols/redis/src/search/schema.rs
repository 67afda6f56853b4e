//! FT.CREATE's arguments as an [`IndexDef`]: which hashes an index covers (database, key
//! prefixes) and its schema (TAG, NUMERIC, TEXT and VECTOR fields). The definition is
//! stored as the original argument list and parsed again at start, so what was accepted
//! once is read back exactly.

use crate::commands::args::{is, parse_i64};
use crate::error::{RedisError, RedisResult};
use orbit_vector::{IndexKind, Metric};

/// Most fields a schema may declare, and most prefixes (RediSearch allows 1024 fields).
const MAX_FIELDS: usize = 1024;
const MAX_PREFIXES: usize = 1024;
/// Largest vector dimension accepted.
pub const MAX_DIM: usize = 32_768;

/// RediSearch's distance metrics. Scores are RediSearch's: L2 is the squared Euclidean
/// distance, IP is 1 − inner product, COSINE is 1 − cosine similarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distance {
    L2,
    Ip,
    Cosine,
}

impl Distance {
    pub fn name(self) -> &'static str {
        match self {
            Distance::L2 => "L2",
            Distance::Ip => "IP",
            Distance::Cosine => "COSINE",
        }
    }
    /// The orbit-vector metric that ranks in the same order.
    pub fn metric(self) -> Metric {
        match self {
            Distance::L2 => Metric::L2,
            Distance::Ip => Metric::InnerProduct,
            Distance::Cosine => Metric::Cosine,
        }
    }
    /// The score RediSearch reports between a stored vector and the query.
    pub fn score(self, stored: &[f32], query: &[f32]) -> f64 {
        let pairs = stored.iter().zip(query).map(|(a, b)| (f64::from(*a), f64::from(*b)));
        match self {
            Distance::L2 => pairs.map(|(a, b)| (a - b) * (a - b)).sum(),
            Distance::Ip => 1.0 - pairs.map(|(a, b)| a * b).sum::<f64>(),
            Distance::Cosine => {
                let (mut dot, mut na, mut nb) = (0.0, 0.0, 0.0);
                for (a, b) in pairs {
                    dot += a * b;
                    na += a * a;
                    nb += b * b;
                }
                let norms = (na * nb).sqrt();
                if norms == 0.0 {
                    1.0
                } else {
                    1.0 - dot / norms
                }
            }
        }
    }
}

/// A VECTOR field's attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorDef {
    pub kind: IndexKind,
    pub dim: usize,
    pub distance: Distance,
    pub m: usize,
    pub ef_construction: usize,
    pub ef_runtime: usize,
    pub initial_cap: usize,
    pub block_size: usize,
}

/// What a schema field indexes.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// Values split on `separator`, trimmed; compared ignoring case unless `case_sensitive`.
    Tag {
        separator: u8,
        case_sensitive: bool,
    },
    Numeric,
    /// Words (lower-cased runs of letters and digits), matched exactly (no stemming).
    Text {
        weight: f64,
    },
    Vector(VectorDef),
}

impl FieldKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldKind::Tag { .. } => "TAG",
            FieldKind::Numeric => "NUMERIC",
            FieldKind::Text { .. } => "TEXT",
            FieldKind::Vector(_) => "VECTOR",
        }
    }
}

/// One schema field: the hash field it reads and the name queries use for it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    /// The hash field (RediSearch's "identifier").
    pub field: Vec<u8>,
    /// The attribute name of `@name` in queries (the AS alias, else the field).
    pub attribute: String,
    pub kind: FieldKind,
    pub sortable: bool,
}

/// An index definition.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexDef {
    pub name: String,
    /// The logical database whose hashes it indexes (the one selected at FT.CREATE).
    pub db: usize,
    /// Key prefixes; empty means every key.
    pub prefixes: Vec<Vec<u8>>,
    pub fields: Vec<FieldDef>,
    /// FT.CREATE's arguments after the index name, as given (what is stored).
    pub args: Vec<Vec<u8>>,
}

impl IndexDef {
    /// True when the index covers `key`.
    pub fn covers(&self, key: &[u8]) -> bool {
        self.prefixes.is_empty() || self.prefixes.iter().any(|p| key.starts_with(p))
    }

    /// The field queries call `attribute` (`@attribute`), case-sensitive as RediSearch.
    pub fn attribute(&self, attribute: &str) -> Option<(usize, &FieldDef)> {
        self.fields.iter().enumerate().find(|(_, f)| f.attribute == attribute)
    }

    /// Parses FT.CREATE's arguments after the index name.
    pub fn parse(name: &str, db: usize, args: &[Vec<u8>]) -> RedisResult<IndexDef> {
        let mut c = Args { args, at: 0 };
        let mut prefixes = Vec::new();
        loop {
            let Some(word) = c.next() else { return Err(RedisError::err("No schema found")) };
            if is(word, "ON") {
                let kind = c.value("ON")?;
                if is(kind, "JSON") {
                    return Err(not_supported("FT.CREATE ON JSON (only ON HASH)"));
                }
                if !is(kind, "HASH") {
                    return Err(RedisError::err("Invalid index type: expected HASH or JSON"));
                }
            } else if is(word, "PREFIX") {
                let n = c.count("PREFIX", MAX_PREFIXES)?;
                for _ in 0..n {
                    prefixes.push(c.value("PREFIX")?.to_vec());
                }
            } else if is(word, "SCHEMA") {
                break;
            } else if ["FILTER", "LANGUAGE", "LANGUAGE_FIELD", "SCORE", "SCORE_FIELD", "PAYLOAD_FIELD", "STOPWORDS"]
                .iter()
                .any(|o| is(word, o))
                || ["MAXTEXTFIELDS", "NOOFFSETS", "NOHL", "NOFIELDS", "NOFREQS", "SKIPINITIALSCAN", "TEMPORARY"]
                    .iter()
                    .any(|o| is(word, o))
            {
                return Err(not_supported(&format!("FT.CREATE option {}", String::from_utf8_lossy(word))));
            } else {
                return Err(RedisError::err(format!("Unknown argument `{}`", String::from_utf8_lossy(word))));
            }
        }
        let mut fields: Vec<FieldDef> = Vec::new();
        while let Some(field) = c.next() {
            let mut attribute = text(field)?;
            let mut kind_word = c.value("SCHEMA")?;
            if is(kind_word, "AS") {
                attribute = text(c.value("AS")?)?;
                kind_word = c.value("SCHEMA")?;
            }
            if fields.iter().any(|f| f.attribute == attribute) {
                return Err(RedisError::err(format!("Duplicate field in schema - {attribute}")));
            }
            if fields.len() >= MAX_FIELDS {
                return Err(RedisError::err("Schema is limited to 1024 fields"));
            }
            let kind = if is(kind_word, "TAG") {
                let (mut separator, mut case_sensitive) = (b',', false);
                while let Some(option) = c.peek() {
                    if is(option, "SEPARATOR") {
                        c.next();
                        let sep = c.value("SEPARATOR")?;
                        separator = match sep {
                            [b] if b.is_ascii() => *b,
                            _ => return Err(RedisError::err("Tag separator must be a single character")),
                        };
                    } else if is(option, "CASESENSITIVE") {
                        c.next();
                        case_sensitive = true;
                    } else {
                        break;
                    }
                }
                FieldKind::Tag { separator, case_sensitive }
            } else if is(kind_word, "NUMERIC") {
                FieldKind::Numeric
            } else if is(kind_word, "TEXT") {
                let mut weight = 1.0;
                while let Some(option) = c.peek() {
                    if is(option, "WEIGHT") {
                        c.next();
                        weight = crate::commands::args::parse_f64(c.value("WEIGHT")?)?;
                    } else if is(option, "NOSTEM") {
                        c.next();
                    } else if is(option, "PHONETIC") || is(option, "WITHSUFFIXTRIE") {
                        return Err(not_supported(&format!("TEXT option {}", String::from_utf8_lossy(option))));
                    } else {
                        break;
                    }
                }
                FieldKind::Text { weight }
            } else if is(kind_word, "VECTOR") {
                FieldKind::Vector(parse_vector(&mut c)?)
            } else if ["GEO", "GEOSHAPE"].iter().any(|k| is(kind_word, k)) {
                return Err(not_supported(&format!("{} fields", String::from_utf8_lossy(kind_word))));
            } else {
                return Err(RedisError::err(format!(
                    "Invalid field type for field `{attribute}`: {}",
                    String::from_utf8_lossy(kind_word)
                )));
            };
            let mut sortable = false;
            while let Some(option) = c.peek() {
                if is(option, "SORTABLE") || is(option, "UNF") {
                    c.next();
                    sortable = true;
                } else if is(option, "NOINDEX") || is(option, "INDEXEMPTY") || is(option, "INDEXMISSING") {
                    return Err(not_supported(&format!("field option {}", String::from_utf8_lossy(option))));
                } else {
                    break;
                }
            }
            fields.push(FieldDef { field: field.to_vec(), attribute, kind, sortable });
        }
        if fields.is_empty() {
            return Err(RedisError::err("Fields arguments are missing"));
        }
        Ok(IndexDef { name: name.to_string(), db, prefixes, fields, args: args.to_vec() })
    }
}

/// `VECTOR FLAT|HNSW nargs name value ...`.
fn parse_vector(c: &mut Args<'_>) -> RedisResult<VectorDef> {
    let algorithm = c.value("VECTOR")?;
    let kind = if is(algorithm, "FLAT") {
        IndexKind::Flat
    } else if is(algorithm, "HNSW") {
        IndexKind::Hnsw
    } else {
        return Err(RedisError::err(format!(
            "Bad arguments for vector similarity algorithm: unknown algorithm '{}'",
            String::from_utf8_lossy(algorithm)
        )));
    };
    let nargs = c.count("vector similarity", 64)?;
    if nargs % 2 != 0 {
        return Err(RedisError::err("Bad arguments for vector similarity number of parameters: odd number"));
    }
    let mut def = VectorDef {
        kind,
        dim: 0,
        distance: Distance::L2,
        m: 16,
        ef_construction: 200,
        ef_runtime: 10,
        initial_cap: 0,
        block_size: 1024,
    };
    let (mut has_type, mut has_metric) = (false, false);
    for _ in 0..nargs / 2 {
        let name = c.value("vector similarity")?;
        let value = c.value("vector similarity")?;
        let number = |what: &str, min: i64, max: i64| -> RedisResult<usize> {
            match parse_i64(value) {
                Ok(n) if (min..=max).contains(&n) => usize::try_from(n).map_err(|_| bad_vector(what)),
                _ => Err(bad_vector(what)),
            }
        };
        if is(name, "TYPE") {
            if !is(value, "FLOAT32") {
                return Err(not_supported(&format!("vector TYPE {} (only FLOAT32)", String::from_utf8_lossy(value))));
            }
            has_type = true;
        } else if is(name, "DIM") {
            def.dim = number("DIM", 1, MAX_DIM as i64)?;
        } else if is(name, "DISTANCE_METRIC") {
            def.distance = if is(value, "L2") {
                Distance::L2
            } else if is(value, "IP") {
                Distance::Ip
            } else if is(value, "COSINE") {
                Distance::Cosine
            } else {
                return Err(bad_vector("DISTANCE_METRIC"));
            };
            has_metric = true;
        } else if is(name, "INITIAL_CAP") {
            def.initial_cap = number("INITIAL_CAP", 0, i64::from(u32::MAX))?;
        } else if is(name, "BLOCK_SIZE") && kind == IndexKind::Flat {
            def.block_size = number("BLOCK_SIZE", 1, i64::from(u32::MAX))?;
        } else if is(name, "M") && kind == IndexKind::Hnsw {
            def.m = number("M", 2, 512)?;
        } else if is(name, "EF_CONSTRUCTION") && kind == IndexKind::Hnsw {
            def.ef_construction = number("EF_CONSTRUCTION", 1, 1_000_000)?;
        } else if is(name, "EF_RUNTIME") && kind == IndexKind::Hnsw {
            def.ef_runtime = number("EF_RUNTIME", 1, 1_000_000)?;
        } else if is(name, "EPSILON") && kind == IndexKind::Hnsw {
            return Err(not_supported("vector range queries (EPSILON)"));
        } else {
            return Err(RedisError::err(format!(
                "Bad arguments for vector similarity {} index arguments: unknown argument '{}'",
                String::from_utf8_lossy(algorithm).to_ascii_uppercase(),
                String::from_utf8_lossy(name)
            )));
        }
    }
    if !has_type || def.dim == 0 || !has_metric {
        return Err(RedisError::err(
            "Missing mandatory parameter: cannot create vector index without specifying TYPE, DIM and DISTANCE_METRIC",
        ));
    }
    Ok(def)
}

fn bad_vector(what: &str) -> RedisError {
    RedisError::err(format!("Bad arguments for vector similarity {what}"))
}

pub fn not_supported(what: &str) -> RedisError {
    RedisError::err(format!("not supported: {what}"))
}

fn text(arg: &[u8]) -> RedisResult<String> {
    String::from_utf8(arg.to_vec()).map_err(|_| RedisError::err("field names must be valid UTF-8"))
}

/// A checked cursor over FT.CREATE's arguments.
struct Args<'a> {
    args: &'a [Vec<u8>],
    at: usize,
}

impl<'a> Args<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        let arg = self.args.get(self.at)?;
        self.at += 1;
        Some(arg)
    }
    fn peek(&self) -> Option<&'a [u8]> {
        self.args.get(self.at).map(Vec::as_slice)
    }
    fn value(&mut self, after: &str) -> RedisResult<&'a [u8]> {
        self.next().ok_or_else(|| RedisError::err(format!("Bad arguments for {after}: missing argument")))
    }
    fn count(&mut self, after: &str, max: usize) -> RedisResult<usize> {
        match parse_i64(self.value(after)?) {
            Ok(n) if n >= 0 && (n as u64) <= max as u64 => Ok(n as usize),
            _ => Err(RedisError::err(format!("Bad arguments for {after}: invalid count"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<Vec<u8>> {
        line.split_whitespace().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn parses_a_vector_schema_with_prefilter_fields() {
        let def = IndexDef::parse(
            "idx",
            0,
            &args(
                "ON HASH PREFIX 2 doc: item: SCHEMA v AS vec VECTOR HNSW 10 TYPE FLOAT32 DIM 4 DISTANCE_METRIC \
                 COSINE M 8 EF_RUNTIME 20 tag TAG SEPARATOR | price NUMERIC SORTABLE body TEXT",
            ),
        )
        .expect("parses");
        assert_eq!(def.prefixes, vec![b"doc:".to_vec(), b"item:".to_vec()]);
        assert_eq!(def.fields.len(), 4);
        let (_, vec) = def.attribute("vec").expect("alias");
        assert_eq!(vec.field, b"v");
        let FieldKind::Vector(v) = &vec.kind else { panic!("vector") };
        assert_eq!((v.kind, v.dim, v.distance, v.m, v.ef_runtime), (IndexKind::Hnsw, 4, Distance::Cosine, 8, 20));
        assert_eq!(def.fields[1].kind, FieldKind::Tag { separator: b'|', case_sensitive: false });
        assert!(def.fields[2].sortable);
        assert!(def.covers(b"doc:1") && def.covers(b"item:x") && !def.covers(b"other"));
    }

    #[test]
    fn refuses_bad_and_unsupported_definitions() {
        let cases = [
            ("SCHEMA", "Fields arguments are missing"),
            ("PREFIX 1", "Bad arguments for PREFIX"),
            ("PREFIX x a SCHEMA f TAG", "invalid count"),
            ("ON JSON SCHEMA f TAG", "not supported"),
            ("SCHEMA v VECTOR FLAT 6 TYPE FLOAT64 DIM 2 DISTANCE_METRIC L2", "not supported"),
            ("SCHEMA v VECTOR FLAT 4 TYPE FLOAT32 DIM 2", "Missing mandatory parameter"),
            ("SCHEMA v VECTOR FLAT 5 TYPE FLOAT32 DIM 2 DISTANCE_METRIC", "odd number"),
            ("SCHEMA v VECTOR FLAT 6 TYPE FLOAT32 DIM 0 DISTANCE_METRIC L2", "DIM"),
            ("SCHEMA v VECTOR FLAT 6 TYPE FLOAT32 DIM 2 DISTANCE_METRIC L3", "DISTANCE_METRIC"),
            ("SCHEMA v VECTOR FLAT 8 TYPE FLOAT32 DIM 2 DISTANCE_METRIC L2 M 4", "unknown argument 'M'"),
            ("SCHEMA v VECTOR IVF 0", "unknown algorithm"),
            ("SCHEMA f TAG f NUMERIC", "Duplicate field"),
            ("SCHEMA f GEO", "not supported"),
            ("SCHEMA f BLOB", "Invalid field type"),
            ("BOGUS SCHEMA f TAG", "Unknown argument"),
            ("", "No schema found"),
            ("SCHEMA f TAG SEPARATOR ab", "single character"),
        ];
        for (line, expected) in cases {
            let err = IndexDef::parse("i", 0, &args(line)).expect_err(line).reply_line();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }

    #[test]
    fn scores_follow_redisearch() {
        let (a, b) = ([1.0f32, 2.0], [3.0f32, 5.0]);
        assert_eq!(Distance::L2.score(&a, &b), 13.0);
        assert_eq!(Distance::Ip.score(&a, &b), 1.0 - 13.0);
        let cos = 13.0 / (5.0f64.sqrt() * 34.0f64.sqrt());
        assert!((Distance::Cosine.score(&a, &b) - (1.0 - cos)).abs() < 1e-12);
        assert_eq!(Distance::Cosine.score(&[0.0, 0.0], &b), 1.0);
    }
}
