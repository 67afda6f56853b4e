//! Neo4j's vector similarity functions, `vector.similarity.cosine(a, b)` and
//! `vector.similarity.euclidean(a, b)`, with the scores Neo4j's vector indexes give:
//! cosine `(1 + cos θ) / 2` and euclidean `1 / (1 + d²)`, both in 0..1, higher is closer.
//! A null argument gives null; an argument that is not a list is a TypeError; lists of
//! different lengths, empty lists, lists holding something other than finite numbers, and
//! for cosine a zero vector (no direction) are ArgumentErrors. The vector indexes
//! ([`crate::exec`]) use [`vector_of`] to decide which property values they index.

use super::wrong_type;
use crate::error::{CypherError, CypherResult};
use crate::value::Value;

/// The similarity functions a vector index can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Similarity {
    Cosine,
    Euclidean,
}

impl Similarity {
    /// Case-insensitive `cosine` or `euclidean`.
    pub fn parse(name: &str) -> Option<Similarity> {
        match name.to_ascii_lowercase().as_str() {
            "cosine" => Some(Similarity::Cosine),
            "euclidean" => Some(Similarity::Euclidean),
            _ => None,
        }
    }

    /// The name Neo4j shows (`SHOW INDEXES` options).
    pub fn name(self) -> &'static str {
        match self {
            Similarity::Cosine => "COSINE",
            Similarity::Euclidean => "EUCLIDEAN",
        }
    }

    /// Whether a vector of finite numbers can be compared with this function (cosine
    /// needs a non-zero vector).
    pub fn accepts(self, v: &[f64]) -> bool {
        !v.is_empty() && v.iter().all(|x| x.is_finite()) && (self == Similarity::Euclidean || norm(v) > 0.0)
    }

    /// The score of two vectors of one length that [`Similarity::accepts`].
    pub fn score(self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Similarity::Cosine => {
                let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                let cos = (dot / (norm(a) * norm(b))).clamp(-1.0, 1.0);
                (1.0 + cos) / 2.0
            }
            Similarity::Euclidean => {
                let squared: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
                1.0 / (1.0 + squared)
            }
        }
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// A list of numbers as a vector; None for anything else (a list holding a non-number,
/// or not a list).
pub fn vector_of(value: &Value) -> Option<Vec<f64>> {
    let Value::List(items) = value else { return None };
    items
        .iter()
        .map(|v| match v {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        })
        .collect()
}

fn argument(function: &str, value: &Value) -> CypherResult<Option<Vec<f64>>> {
    match value {
        Value::Null => Ok(None),
        Value::List(_) => vector_of(value).map(Some).ok_or_else(|| {
            CypherError::argument(format!("Invalid input for function '{function}()': the vector holds a non-number"))
        }),
        other => Err(wrong_type(function, "a LIST<INTEGER | FLOAT>", other)),
    }
}

fn similarity(function: &str, kind: Similarity, args: &[Value]) -> CypherResult<Value> {
    let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
        return Err(CypherError::semantic(format!("Function '{function}' takes two arguments")));
    };
    let (Some(a), Some(b)) = (argument(function, a)?, argument(function, b)?) else { return Ok(Value::Null) };
    if a.len() != b.len() {
        return Err(CypherError::argument("The supplied vectors do not have the same number of dimensions."));
    }
    if !kind.accepts(&a) || !kind.accepts(&b) {
        return Err(CypherError::argument(format!(
            "Invalid input for function '{function}()': the vectors are not valid for {} similarity",
            kind.name().to_ascii_lowercase()
        )));
    }
    Ok(Value::Float(kind.score(&a, &b)))
}

/// The vector functions by lower-case name; None for another name.
pub fn call(name: &str, args: &[Value]) -> Option<CypherResult<Value>> {
    match name {
        "vector.similarity.cosine" => Some(similarity(name, Similarity::Cosine, args)),
        "vector.similarity.euclidean" => Some(similarity(name, Similarity::Euclidean, args)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn list(xs: &[f64]) -> Value {
        Value::List(xs.iter().map(|x| Value::Float(*x)).collect())
    }

    fn float(r: Option<CypherResult<Value>>) -> f64 {
        match r {
            Some(Ok(Value::Float(f))) => f,
            other => panic!("not a float: {other:?}"),
        }
    }

    fn kind(r: Option<CypherResult<Value>>) -> ErrorKind {
        match r {
            Some(Err(e)) => e.kind,
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn cosine_is_one_plus_cos_over_two() {
        // cos([1,0],[0,1]) = 0 → 0.5; opposite → 0; same direction → 1.
        let c = |a: &[f64], b: &[f64]| float(call("vector.similarity.cosine", &[list(a), list(b)]));
        assert!((c(&[1.0, 0.0], &[0.0, 1.0]) - 0.5).abs() < 1e-12);
        assert!(c(&[1.0, 2.0], &[-2.0, -4.0]).abs() < 1e-12);
        assert!((c(&[1.0, 2.0], &[3.0, 6.0]) - 1.0).abs() < 1e-12);
        // [1,2,3]·[4,5,6] = 32, |a| = √14, |b| = √77: (1 + 32/√1078) / 2.
        let expected = (1.0 + 32.0 / 1078f64.sqrt()) / 2.0;
        assert!((c(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]) - expected).abs() < 1e-12);
    }

    #[test]
    fn euclidean_is_one_over_one_plus_squared_distance() {
        // d² between [1,2,3] and [4,6,3] = 9 + 16 = 25 → 1/26.
        let e = float(call("vector.similarity.euclidean", &[list(&[1.0, 2.0, 3.0]), list(&[4.0, 6.0, 3.0])]));
        assert!((e - 1.0 / 26.0).abs() < 1e-12);
        let ints = Value::List(vec![Value::Int(1), Value::Int(2)]);
        let same = float(call("vector.similarity.euclidean", &[ints.clone(), ints]));
        assert_eq!(same, 1.0);
    }

    #[test]
    fn nulls_and_bad_arguments() {
        let f = "vector.similarity.cosine";
        assert_eq!(call(f, &[Value::Null, list(&[1.0])]).map(|r| r.ok()), Some(Some(Value::Null)));
        assert_eq!(call(f, &[list(&[1.0]), Value::Null]).map(|r| r.ok()), Some(Some(Value::Null)));
        assert_eq!(kind(call(f, &[list(&[1.0, 2.0]), list(&[1.0])])), ErrorKind::Argument);
        assert_eq!(kind(call(f, &[list(&[0.0, 0.0]), list(&[1.0, 1.0])])), ErrorKind::Argument);
        assert_eq!(kind(call(f, &[Value::String("x".into()), list(&[1.0])])), ErrorKind::Type);
        let mixed = Value::List(vec![Value::Int(1), Value::String("a".into())]);
        assert_eq!(kind(call(f, &[mixed, list(&[1.0, 2.0])])), ErrorKind::Argument);
        assert_eq!(kind(call(f, &[list(&[]), list(&[])])), ErrorKind::Argument);
        assert!(call("vector.similarity.dot", &[]).is_none());
    }

    #[test]
    fn zero_vectors_are_valid_for_euclidean_only() {
        assert!(Similarity::Euclidean.accepts(&[0.0, 0.0]));
        assert!(!Similarity::Cosine.accepts(&[0.0, 0.0]));
        assert!(!Similarity::Euclidean.accepts(&[f64::NAN]));
        assert_eq!(Similarity::parse("COSINE"), Some(Similarity::Cosine));
        assert_eq!(Similarity::parse("dot"), None);
    }
}
