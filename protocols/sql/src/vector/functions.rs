//! pgvector's functions and operators over `vector` values, with its arithmetic: sums of
//! products and differences accumulate in `float4` (as pgvector's C loops do) and the
//! distances return `float8`; `vector_norm` accumulates in `float8`.
//!
//! Operators bind to functions ([`operator_function`]): `<->` l2_distance, `<#>` the
//! negative inner product, `<=>` cosine_distance, `<+>` l1_distance, and `+ - *`
//! elementwise.

use super::{data_error, of_value, to_value};
use crate::error::{sqlstate, SqlError};
use crate::expr::Expr;
use crate::types::SqlType;
use orbit_storage::Value;

pub const NEGATIVE_INNER_PRODUCT: &str = "vector_negative_inner_product";
const ADD: &str = "vector_add";
const SUB: &str = "vector_sub";
const MUL: &str = "vector_mul";
const TO_TEXT: &str = "vector_to_text";
const TO_REAL_ARRAY: &str = "vector_to_real_array";

/// A cast from a vector to text or `real[]`, which reads the elements (other casts to a
/// vector are value casts: see [`crate::expr::cast::cast_value`]).
pub fn cast_from_vector(x: Expr, to: &SqlType) -> Option<Expr> {
    let name = match to {
        SqlType::Text | SqlType::Varchar | SqlType::Bpchar => TO_TEXT,
        SqlType::Array(_) => TO_REAL_ARRAY,
        _ => return None,
    };
    let func = Expr::Func { name: name.into(), args: vec![x], ty: to.clone() };
    Some(match to {
        SqlType::Array(inner) if **inner != SqlType::Float4 => {
            Expr::Cast { expr: Box::new(func), to: to.clone(), typmod: None }
        }
        _ => func,
    })
}

/// The function an operator between two vectors stands for.
pub fn operator_function(symbol: &str) -> Option<&'static str> {
    Some(match symbol {
        "<->" => "l2_distance",
        "<#>" => NEGATIVE_INNER_PRODUCT,
        "<=>" => "cosine_distance",
        "<+>" => "l1_distance",
        "+" => ADD,
        "-" => SUB,
        "*" => MUL,
        _ => return None,
    })
}

fn vector() -> SqlType {
    SqlType::Vector(None)
}

/// The parameter types of a vector function, `None` for other names.
pub fn params(name: &str) -> Option<Vec<SqlType>> {
    Some(match name {
        "l2_distance"
        | "inner_product"
        | "cosine_distance"
        | "l1_distance"
        | NEGATIVE_INNER_PRODUCT
        | ADD
        | SUB
        | MUL => vec![vector(), vector()],
        "vector_dims" | "vector_norm" | "l2_normalize" | TO_TEXT | TO_REAL_ARRAY => vec![vector()],
        "subvector" => vec![vector(), SqlType::Int4, SqlType::Int4],
        _ => return None,
    })
}

/// The result type of a vector function given its argument types; `None` when `name` is
/// not one, `Some(None)` when the arguments do not fit.
pub fn return_type(name: &str, args: &[SqlType]) -> Option<Option<SqlType>> {
    let params = params(name)?;
    let fits = args.len() == params.len()
        && args.iter().zip(&params).all(|(a, p)| match p {
            SqlType::Vector(_) => matches!(a, SqlType::Vector(_) | SqlType::Unknown),
            _ => matches!(a, SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Unknown),
        });
    if !fits {
        return Some(None);
    }
    Some(Some(match name {
        "vector_dims" => SqlType::Int4,
        TO_TEXT => SqlType::Text,
        TO_REAL_ARRAY => SqlType::Array(Box::new(SqlType::Float4)),
        "l2_normalize" | "subvector" | ADD | SUB | MUL => vector(),
        _ => SqlType::Float8,
    }))
}

/// Whether `name` is a vector function [`call`] answers.
pub fn is_vector_function(name: &str) -> bool {
    params(name).is_some()
}

fn same_dims(a: &[f32], b: &[f32]) -> Result<(), SqlError> {
    if a.len() != b.len() {
        return Err(data_error(format!("different vector dimensions {} and {}", a.len(), b.len())));
    }
    Ok(())
}

fn squared_l2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn cosine_distance(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0f32, 0f32, 0f32);
    for (x, y) in a.iter().zip(b) {
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let similarity = f64::from(ab) / (f64::from(aa) * f64::from(bb)).sqrt();
    if similarity.is_nan() {
        return f64::NAN;
    }
    1.0 - similarity.clamp(-1.0, 1.0)
}

/// `f` over the pairs of elements; `product` adds vector_mul's underflow check (a zero
/// product of two non-zero elements).
fn elementwise(a: &[f32], b: &[f32], product: bool, f: impl Fn(f32, f32) -> f32) -> Result<Value, SqlError> {
    same_dims(a, b)?;
    let out: Vec<f32> = a.iter().zip(b).map(|(x, y)| f(*x, *y)).collect();
    if out.iter().any(|x| x.is_infinite()) {
        return Err(SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow"));
    }
    if product && out.iter().zip(a.iter().zip(b)).any(|(r, (x, y))| *r == 0.0 && *x != 0.0 && *y != 0.0) {
        return Err(SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: underflow"));
    }
    Ok(to_value(&out))
}

fn int(v: &Value) -> Result<i64, SqlError> {
    match v {
        Value::Int(n) => Ok(*n),
        other => {
            Err(SqlError::new(sqlstate::DATATYPE_MISMATCH, format!("expected an integer, got {}", other.kind_name())))
        }
    }
}

/// pgvector's subvector(v, start, count): elements from 1-based `start`, `count` of them,
/// clipped to the vector.
fn subvector(v: &[f32], start: i64, count: i64) -> Result<Value, SqlError> {
    let dim = v.len() as i64;
    let end = start
        .checked_add(count)
        .filter(|e| i32::try_from(*e).is_ok())
        .ok_or_else(|| SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range"))?;
    let start = start.max(1);
    if start > dim {
        return Err(data_error("vector must have at least 1 dimension"));
    }
    let end = end.min(dim + 1);
    if end <= start {
        return Err(data_error("vector must have at least 1 dimension"));
    }
    Ok(to_value(&v[(start - 1) as usize..(end - 1) as usize]))
}

/// Calls vector function `name`; `None` when it is not one. NULL in, NULL out.
pub fn call(name: &str, args: &[Value]) -> Option<Result<Value, SqlError>> {
    if !is_vector_function(name) {
        return None;
    }
    Some(call_checked(name, args))
}

fn call_checked(name: &str, args: &[Value]) -> Result<Value, SqlError> {
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    let arg = |i: usize| -> Result<Vec<f32>, SqlError> {
        of_value(args.get(i).unwrap_or(&Value::Null))?.ok_or_else(|| data_error("vector argument missing"))
    };
    let a = arg(0)?;
    match name {
        "vector_dims" => return Ok(Value::Int(a.len() as i64)),
        TO_TEXT => return Ok(Value::Text(super::text::format(&a))),
        TO_REAL_ARRAY => return Ok(Value::Array(a.iter().map(|x| Value::Float(f64::from(*x))).collect())),
        "vector_norm" => {
            let norm: f64 = a.iter().map(|x| f64::from(*x) * f64::from(*x)).sum();
            return Ok(Value::Float(norm.sqrt()));
        }
        "l2_normalize" => {
            let norm = a.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt();
            let out: Vec<f32> =
                if norm > 0.0 { a.iter().map(|x| (f64::from(*x) / norm) as f32).collect() } else { a.clone() };
            return Ok(to_value(&out));
        }
        "subvector" => {
            let (start, count) = (int(args.get(1).unwrap_or(&Value::Null))?, int(args.get(2).unwrap_or(&Value::Null))?);
            return subvector(&a, start, count);
        }
        _ => {}
    }
    let b = arg(1)?;
    same_dims(&a, &b)?;
    Ok(match name {
        "l2_distance" => Value::Float(f64::from(squared_l2(&a, &b)).sqrt()),
        "inner_product" => Value::Float(f64::from(dot(&a, &b))),
        NEGATIVE_INNER_PRODUCT => Value::Float(-f64::from(dot(&a, &b))),
        "cosine_distance" => Value::Float(cosine_distance(&a, &b)),
        "l1_distance" => Value::Float(f64::from(a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f32>())),
        ADD => return elementwise(&a, &b, false, |x, y| x + y),
        SUB => return elementwise(&a, &b, false, |x, y| x - y),
        MUL => return elementwise(&a, &b, true, |x, y| x * y),
        _ => return Err(SqlError::new(sqlstate::UNDEFINED_FUNCTION, format!("function {name} does not exist"))),
    })
}

/// The elements of an array value as a vector (array_to_vector); NULL elements refused.
pub fn from_array(items: &[Value], expected: Option<u32>) -> Result<Value, SqlError> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let x = match item {
            Value::Null => return Err(SqlError::new(sqlstate::NOT_NULL_VIOLATION, "array must not contain nulls")),
            Value::Int(n) => *n as f32,
            Value::Float(f) => *f as f32,
            Value::Decimal(d) => d.to_string().parse::<f32>().map_err(|_| data_error("invalid numeric element"))?,
            other => {
                return Err(SqlError::new(
                    sqlstate::CANNOT_COERCE,
                    format!("cannot cast an array of {} to vector", other.kind_name()),
                ))
            }
        };
        out.push(x);
    }
    super::check(&out, expected)?;
    Ok(to_value(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &[f32]) -> Value {
        to_value(x)
    }

    fn float(name: &str, a: &[f32], b: &[f32]) -> f64 {
        match call(name, &[v(a), v(b)]).unwrap().unwrap() {
            Value::Float(f) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn distances_match_their_definitions() {
        // Values from the definitions, computed by hand: a = [1,2,3], b = [4,5,6].
        let (a, b) = ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]);
        assert_eq!(float("l2_distance", &a, &b), 27f64.sqrt());
        assert_eq!(float("inner_product", &a, &b), 32.0);
        assert_eq!(float(NEGATIVE_INNER_PRODUCT, &a, &b), -32.0);
        assert_eq!(float("l1_distance", &a, &b), 9.0);
        let expected = 1.0 - 32.0 / (14f64 * 77f64).sqrt();
        assert!((float("cosine_distance", &a, &b) - expected).abs() < 1e-12);
        assert_eq!(float("cosine_distance", &a, &a), 0.0);
        assert!(float("cosine_distance", &[0.0, 0.0], &[1.0, 1.0]).is_nan());
        let e = call("l2_distance", &[v(&[1.0]), v(&[1.0, 2.0])]).unwrap().unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("22000", "different vector dimensions 1 and 2"));
        assert_eq!(call("l2_distance", &[v(&[1.0]), Value::Null]).unwrap().unwrap(), Value::Null);
        assert!(call("lower", &[]).is_none());
    }

    #[test]
    fn vector_functions_and_arithmetic() {
        let a = v(&[3.0, 4.0]);
        assert_eq!(call("vector_dims", &[a.clone()]).unwrap().unwrap(), Value::Int(2));
        assert_eq!(call("vector_norm", &[a.clone()]).unwrap().unwrap(), Value::Float(5.0));
        assert_eq!(call("l2_normalize", &[a.clone()]).unwrap().unwrap(), v(&[0.6, 0.8]));
        assert_eq!(call("l2_normalize", &[v(&[0.0, 0.0])]).unwrap().unwrap(), v(&[0.0, 0.0]));
        assert_eq!(call(ADD, &[a.clone(), v(&[1.0, 1.0])]).unwrap().unwrap(), v(&[4.0, 5.0]));
        assert_eq!(call(SUB, &[a.clone(), v(&[1.0, 1.0])]).unwrap().unwrap(), v(&[2.0, 3.0]));
        assert_eq!(call(MUL, &[a.clone(), v(&[2.0, 0.5])]).unwrap().unwrap(), v(&[6.0, 2.0]));
        let e = call(MUL, &[v(&[3e38]), v(&[10.0])]).unwrap().unwrap_err();
        assert_eq!(e.message, "value out of range: overflow");
        let five = v(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        let sub = |s: i64, c: i64| call("subvector", &[five.clone(), Value::Int(s), Value::Int(c)]).unwrap();
        assert_eq!(sub(2, 3).unwrap(), v(&[2.0, 3.0, 4.0]));
        assert_eq!(sub(4, 10).unwrap(), v(&[4.0, 5.0]));
        assert_eq!(sub(-1, 3).unwrap(), v(&[1.0]));
        assert_eq!(sub(6, 1).unwrap_err().message, "vector must have at least 1 dimension");
        assert_eq!(sub(1, 0).unwrap_err().message, "vector must have at least 1 dimension");
        assert_eq!(sub(1, i64::from(i32::MAX)).unwrap_err().message, "integer out of range");
    }

    #[test]
    fn arrays_cast_both_ways() {
        let items = [Value::Int(1), Value::Float(2.5), Value::Int(-3)];
        assert_eq!(from_array(&items, Some(3)).unwrap(), v(&[1.0, 2.5, -3.0]));
        assert_eq!(from_array(&items, Some(2)).unwrap_err().message, "expected 2 dimensions, not 3");
        assert_eq!(from_array(&[Value::Null], None).unwrap_err().message, "array must not contain nulls");
        assert_eq!(from_array(&[], None).unwrap_err().message, "vector must have at least 1 dimension");
        let real = Value::Array(vec![Value::Float(1.0), Value::Float(0.5)]);
        assert_eq!(call(TO_REAL_ARRAY, &[v(&[1.0, 0.5])]).unwrap().unwrap(), real);
        assert_eq!(call(TO_TEXT, &[v(&[1.0, 0.5])]).unwrap().unwrap(), Value::Text("[1,0.5]".into()));
    }
}
