//! The AQL value: what a document is, what an expression evaluates to and what a cursor
//! returns. JSON's kinds, with integers kept apart from doubles (as VelocyPack keeps
//! them) and objects keeping their attributes in insertion order.
//!
//! The submodules hold the semantics every part of the crate shares: [`compare`] (AQL's
//! type order and equality), [`cast`] (TO_BOOL/TO_NUMBER/TO_STRING rules), [`json`]
//! (serde in and out, numbers printed as ArangoDB prints them) and [`binary`] (the
//! compact binary form documents are stored in, never JSON text).

pub mod binary;
pub mod cast;
pub mod compare;
pub mod json;
pub mod ops;

use indexmap::IndexMap;

/// Attribute names to values, in insertion order; a name appears once.
pub type Object = IndexMap<String, Value>;

#[derive(Debug, Clone, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    /// An integer that fits i64 (document numbers written without fraction or exponent).
    Int(i64),
    /// Every other number; never NaN or infinite (AQL turns those into null).
    Double(f64),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A double, or null for NaN and infinities (AQL has neither).
    pub fn double(f: f64) -> Value {
        if f.is_finite() {
            Value::Double(f)
        } else {
            Value::Null
        }
    }

    /// The attribute `name` of an object; None for a missing one or a non-object.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(o) => o.get(name),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The number as f64 (Int or Double), None otherwise.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// AQL's type name, as TYPENAME answers it: "null", "bool", "number", "string",
    /// "array", "object".
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::Double(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn object<I: IntoIterator<Item = (K, Value)>, K: Into<String>>(items: I) -> Value {
        Value::Object(items.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// Equality as AQL's `==` sees it (1 == 1.0; objects equal whatever their attribute order).
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        compare::compare(self, other) == std::cmp::Ordering::Equal
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::double(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Value {
        Value::Array(a)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Value {
        Value::Object(o)
    }
}
