//! Reading the arguments of the `graphrag.*` procedures: positional values by declared
//! type (a wrong type is a TypeError naming the argument, as Neo4j's procedure calls
//! answer), optional ones with their defaults, and the option maps (`{mode, k}`,
//! `{type, limit, offset}`, ...) whose unknown keys are refused rather than ignored.

use crate::error::{CypherError, CypherResult};
use crate::value::{Map, Value};
use orbit_graphrag::RetrieveMode;

/// The most chunks, entities, paths or hops one call may ask for.
pub(crate) const MAX_COUNT: i64 = 10_000;

/// The arguments of one call, read in order.
pub(crate) struct Args<'a> {
    procedure: &'a str,
    values: std::vec::IntoIter<Value>,
}

fn mismatch(procedure: &str, name: &str, expected: &str, got: &Value) -> CypherError {
    CypherError::type_error(format!(
        "Type mismatch for argument `{name}` of procedure `{procedure}`: expected {expected} but was {}",
        got.type_name()
    ))
}

impl<'a> Args<'a> {
    pub(crate) fn new(procedure: &'a str, values: Vec<Value>) -> Args<'a> {
        Args { procedure, values: values.into_iter() }
    }

    fn next(&mut self) -> Value {
        self.values.next().unwrap_or(Value::Null)
    }

    /// A required string; null is an ArgumentError.
    pub(crate) fn string(&mut self, name: &str) -> CypherResult<String> {
        match self.next() {
            Value::String(s) => Ok(s),
            Value::Null => Err(CypherError::argument(format!(
                "Argument `{name}` of procedure `{}` must not be null",
                self.procedure
            ))),
            other => Err(mismatch(self.procedure, name, "STRING", &other)),
        }
    }

    pub(crate) fn optional_string(&mut self, name: &str) -> CypherResult<Option<String>> {
        match self.next() {
            Value::String(s) => Ok(Some(s)),
            Value::Null => Ok(None),
            other => Err(mismatch(self.procedure, name, "STRING", &other)),
        }
    }

    /// An optional count in `0..=MAX_COUNT` (`min` the least allowed).
    pub(crate) fn count(&mut self, name: &str, default: usize, min: i64) -> CypherResult<usize> {
        let v = self.next();
        count_value(self.procedure, name, &v, default, min)
    }

    pub(crate) fn optional_float(&mut self, name: &str, default: f64) -> CypherResult<f64> {
        match self.next() {
            Value::Null => Ok(default),
            Value::Int(i) => Ok(i as f64),
            Value::Float(f) if f.is_finite() => Ok(f),
            Value::Float(_) => Err(CypherError::argument(format!("Argument `{name}` must be a finite number"))),
            other => Err(mismatch(self.procedure, name, "FLOAT", &other)),
        }
    }

    /// An optional map of options; null and absent are the empty map.
    pub(crate) fn options(&mut self, name: &str, known: &[&str]) -> CypherResult<Options<'a>> {
        let map = match self.next() {
            Value::Map(m) => m,
            Value::Null => Map::new(),
            other => return Err(mismatch(self.procedure, name, "MAP", &other)),
        };
        if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(CypherError::argument(format!(
                "Unknown option `{unknown}` of procedure `{}` (known: {})",
                self.procedure,
                known.join(", ")
            )));
        }
        Ok(Options { procedure: self.procedure, map })
    }

    /// An optional map of string values (document metadata); other values are shown as
    /// Cypher prints them.
    pub(crate) fn metadata(&mut self, name: &str) -> CypherResult<Vec<(String, String)>> {
        match self.next() {
            Value::Null => Ok(Vec::new()),
            Value::Map(m) => Ok(m
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| match v {
                    Value::String(s) => (k, s),
                    other => (k, crate::value::format::to_cypher_string(&other)),
                })
                .collect()),
            other => Err(mismatch(self.procedure, name, "MAP", &other)),
        }
    }
}

fn count_value(procedure: &str, name: &str, v: &Value, default: usize, min: i64) -> CypherResult<usize> {
    match v {
        Value::Null => Ok(default),
        Value::Int(i) if (min..=MAX_COUNT).contains(i) => Ok(*i as usize),
        Value::Int(i) => Err(CypherError::argument(format!(
            "Argument `{name}` of procedure `{procedure}` must be between {min} and {MAX_COUNT}, not {i}"
        ))),
        other => Err(mismatch(procedure, name, "INTEGER", other)),
    }
}

/// An option map whose keys were checked.
pub(crate) struct Options<'a> {
    procedure: &'a str,
    map: Map,
}

impl Options<'_> {
    fn get(&self, key: &str) -> &Value {
        self.map.get(key).unwrap_or(&Value::Null)
    }

    pub(crate) fn count(&self, key: &str, default: usize, min: i64) -> CypherResult<usize> {
        count_value(self.procedure, key, self.get(key), default, min)
    }

    pub(crate) fn string(&self, key: &str) -> CypherResult<Option<String>> {
        match self.get(key) {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            other => Err(mismatch(self.procedure, key, "STRING", other)),
        }
    }

    pub(crate) fn boolean(&self, key: &str) -> CypherResult<bool> {
        match self.get(key) {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(*b),
            other => Err(mismatch(self.procedure, key, "BOOLEAN", other)),
        }
    }

    /// The `mode` option: a retrieval mode by name.
    pub(crate) fn mode(&self) -> CypherResult<RetrieveMode> {
        match self.string("mode")? {
            None => Ok(orbit_graphrag::types::DEFAULT_MODE),
            Some(name) => RetrieveMode::parse(&name).ok_or_else(|| {
                let known: Vec<&str> = RetrieveMode::ALL.iter().map(|m| m.name()).collect();
                CypherError::argument(format!("Unknown retrieval mode '{name}' (known: {})", known.join(", ")))
            }),
        }
    }
}
