//! The definition of a `vector` index as ArangoDB 3.12.4+ takes it in `POST /_api/index`:
//! one field, `params: {metric: "cosine" | "l2" | "innerProduct", dimension, nLists,
//! defaultNProbe, trainingIterations, factory}`. ArangoDB trains a FAISS IVF index with
//! those; Orbit answers searches from an in-memory HNSW ([`super::vector_index`]) and
//! keeps `nLists`, `defaultNProbe`, `trainingIterations` and `factory` only to report them.
//! The stored vector of a document is its field's array of numbers.

use crate::error::{num, AqlError, AqlResult};
use crate::value::{Object, Value};

/// The largest dimension a vector index accepts.
pub const MAX_DIMENSION: usize = 65_536;

/// How a vector index compares vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorMetric {
    Cosine,
    L2,
    InnerProduct,
}

impl VectorMetric {
    pub fn name(self) -> &'static str {
        match self {
            VectorMetric::Cosine => "cosine",
            VectorMetric::L2 => "l2",
            VectorMetric::InnerProduct => "innerProduct",
        }
    }

    pub fn parse(name: &str) -> Option<VectorMetric> {
        match name {
            "cosine" => Some(VectorMetric::Cosine),
            "l2" => Some(VectorMetric::L2),
            "innerProduct" => Some(VectorMetric::InnerProduct),
            _ => None,
        }
    }

    /// orbit-vector's distance for this metric (smaller is closer).
    pub fn engine_metric(self) -> orbit_vector::Metric {
        match self {
            VectorMetric::Cosine => orbit_vector::Metric::Cosine,
            VectorMetric::L2 => orbit_vector::Metric::L2,
            VectorMetric::InnerProduct => orbit_vector::Metric::InnerProduct,
        }
    }

    /// The value the AQL function of this metric answers for an index distance:
    /// cosine similarity (1 − distance), the L2 distance, the inner product (−distance).
    pub fn score_of_distance(self, distance: f32) -> f64 {
        let d = f64::from(distance);
        match self {
            VectorMetric::Cosine => 1.0 - d,
            VectorMetric::L2 => d,
            VectorMetric::InnerProduct => -d,
        }
    }

    /// Whether the most similar documents come first when sorting ascending (L2) or
    /// descending (cosine, inner product).
    pub fn ascending(self) -> bool {
        self == VectorMetric::L2
    }
}

/// The `params` of a vector index.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorParams {
    pub metric: VectorMetric,
    pub dimension: usize,
    pub n_lists: u64,
    pub default_n_probe: u64,
    pub training_iterations: u64,
    pub factory: Option<String>,
}

fn bad(message: impl Into<String>) -> AqlError {
    AqlError::bad_parameter(message)
}

fn positive(params: &Value, name: &str, default: Option<u64>) -> AqlResult<u64> {
    match params.get(name) {
        None | Some(Value::Null) => default.ok_or_else(|| bad(format!("vector index params need '{name}'"))),
        Some(v) => match v.as_f64() {
            Some(f) if f >= 1.0 && f.fract() == 0.0 && f <= 1e15 => Ok(f as u64),
            _ => Err(bad(format!("vector index param '{name}' must be a positive integer"))),
        },
    }
}

impl VectorParams {
    /// The `params` object of an index definition.
    pub fn parse(params: Option<&Value>) -> AqlResult<VectorParams> {
        let Some(params @ Value::Object(_)) = params else {
            return Err(bad("vector index needs a 'params' object"));
        };
        let metric = match params.get("metric") {
            Some(Value::String(m)) => VectorMetric::parse(m).ok_or_else(|| {
                bad(format!("vector index metric must be 'cosine', 'l2' or 'innerProduct', not '{m}'"))
            })?,
            _ => return Err(bad("vector index params need 'metric' ('cosine', 'l2' or 'innerProduct')")),
        };
        let dimension = positive(params, "dimension", None)?;
        if dimension > MAX_DIMENSION as u64 {
            return Err(bad(format!("vector index dimension must be at most {MAX_DIMENSION}")));
        }
        let factory = match params.get("factory") {
            None | Some(Value::Null) => None,
            Some(Value::String(f)) => Some(f.clone()),
            Some(_) => return Err(bad("vector index param 'factory' must be a string")),
        };
        Ok(VectorParams {
            metric,
            dimension: dimension as usize,
            n_lists: positive(params, "nLists", None)?,
            default_n_probe: positive(params, "defaultNProbe", Some(1))?,
            training_iterations: positive(params, "trainingIterations", Some(25))?,
            factory,
        })
    }

    /// The `params` object as the index reports (and stores) it.
    pub fn to_value(&self) -> Value {
        let mut o = Object::new();
        o.insert("metric".into(), Value::str(self.metric.name()));
        o.insert("dimension".into(), Value::Int(self.dimension as i64));
        o.insert("nLists".into(), Value::Int(self.n_lists as i64));
        o.insert("defaultNProbe".into(), Value::Int(self.default_n_probe as i64));
        o.insert("trainingIterations".into(), Value::Int(self.training_iterations as i64));
        if let Some(f) = &self.factory {
            o.insert("factory".into(), Value::str(f.clone()));
        }
        Value::Object(o)
    }

    /// The vector a document (`key`) holds in the indexed attribute `v`, with ArangoDB's
    /// errors: a missing attribute is 10 unless the index is `sparse` (then the document
    /// is not indexed), anything but an array of `dimension` numbers 17.
    pub fn vector_of(&self, v: Option<&Value>, sparse: bool, key: &str) -> AqlResult<Option<Vec<f32>>> {
        let Some(v) = v else {
            if sparse {
                return Ok(None);
            }
            return Err(bad(format!("vector field not present in document {key}")));
        };
        let type_error = |message: String| AqlError::new(num::TYPE_ERROR, message);
        let Some(items) = v.as_array() else {
            return Err(type_error(format!("array expected for vector attribute for document {key}")));
        };
        if items.len() != self.dimension {
            return Err(type_error(format!(
                "provided vector is not of matching dimension for document {key}, index dimension: {}, document \
                 dimension: {}",
                self.dimension,
                items.len()
            )));
        }
        let vector = numbers(v).ok_or_else(|| {
            type_error(format!("vector contains data not representable as double for document {key}"))
        })?;
        Ok(Some(vector))
    }

    /// `v` as a vector of this index's dimension; an error naming what is wrong.
    pub fn query_vector(&self, v: &Value) -> AqlResult<Vec<f32>> {
        let vector = numbers(v).ok_or_else(|| bad("a vector must be an array of finite numbers"))?;
        if vector.len() != self.dimension {
            return Err(bad(format!(
                "a vector of this index must have {} dimensions, not {}",
                self.dimension,
                vector.len()
            )));
        }
        Ok(vector)
    }
}

/// An array of finite numbers as f32 (values beyond f32's range are refused).
pub fn numbers(v: &Value) -> Option<Vec<f32>> {
    let items = v.as_array()?;
    items
        .iter()
        .map(|x| match x {
            Value::Int(_) | Value::Double(_) => {
                let f = x.as_f64()? as f32;
                f.is_finite().then_some(f)
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::json::parse;

    fn params(text: &str) -> AqlResult<VectorParams> {
        VectorParams::parse(Some(&parse(text.as_bytes()).unwrap()))
    }

    #[test]
    fn params_are_checked_and_defaulted() {
        let p = params(r#"{"metric":"cosine","dimension":3,"nLists":2}"#).unwrap();
        assert_eq!(
            (p.metric, p.dimension, p.n_lists, p.default_n_probe, p.training_iterations),
            (VectorMetric::Cosine, 3, 2, 1, 25)
        );
        let back = VectorParams::parse(Some(&p.to_value())).unwrap();
        assert_eq!(back, p);
        for bad in [
            r#"{"metric":"dot","dimension":3,"nLists":2}"#,
            r#"{"dimension":3,"nLists":2}"#,
            r#"{"metric":"l2","dimension":0,"nLists":2}"#,
            r#"{"metric":"l2","dimension":2.5,"nLists":2}"#,
            r#"{"metric":"l2","dimension":3}"#,
            r#"{"metric":"l2","dimension":3,"nLists":1,"factory":7}"#,
            r#"{"metric":"l2","dimension":100000,"nLists":1}"#,
        ] {
            assert_eq!(params(bad).unwrap_err().num, 10, "{bad}");
        }
        assert_eq!(VectorParams::parse(None).unwrap_err().num, 10);
    }

    #[test]
    fn vectors_of_documents() {
        let p = params(r#"{"metric":"l2","dimension":2,"nLists":1}"#).unwrap();
        let of = |text: Option<&str>, sparse: bool| {
            let v = text.map(|t| parse(t.as_bytes()).unwrap());
            p.vector_of(v.as_ref(), sparse, "k").map_err(|e| (e.num, e.message))
        };
        assert_eq!(of(None, true), Ok(None));
        assert_eq!(of(None, false), Err((10, "vector field not present in document k".into())));
        assert_eq!(of(Some("[1, 2.5]"), false), Ok(Some(vec![1.0, 2.5])));
        assert_eq!(of(Some("null"), true).unwrap_err().0, 17);
        assert_eq!(of(Some("\"x\""), true).unwrap_err().0, 17);
        let (n, message) = of(Some("[1, 2, 3]"), true).unwrap_err();
        assert_eq!(n, 17);
        assert!(message.contains("index dimension: 2, document dimension: 3"), "{message}");
        assert_eq!(of(Some("[1, \"a\"]"), true).unwrap_err().0, 17);
        assert_eq!(of(Some("[1, 1e300]"), true).unwrap_err().0, 17);
        assert_eq!(p.query_vector(&parse(b"[1, 2, 3]").unwrap()).unwrap_err().num, 10);
    }
}
