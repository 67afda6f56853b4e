//! List and map functions: head, last, tail, range (integer bounds, non-zero step, at most
//! [`MAX_RANGE`] elements), keys, coalesce and the element-wise conversions
//! toBooleanList/toIntegerList/toFloatList/toStringList (an element that does not convert
//! becomes null).

use super::convert;
use super::wrong_type;
use crate::error::{CypherError, CypherResult};
use crate::value::Value;

/// The most elements `range()` builds, so a query cannot exhaust memory with one call.
pub const MAX_RANGE: i128 = 10_000_000;

fn list_arg<'a>(function: &str, v: &'a Value) -> CypherResult<&'a [Value]> {
    match v {
        Value::List(items) => Ok(items),
        other => Err(wrong_type(function, "a List", other)),
    }
}

fn range(args: &[Value]) -> CypherResult<Value> {
    let int = |v: &Value| match v {
        Value::Int(i) => Ok(*i),
        other => Err(CypherError::argument(format!(
            "Invalid input for function 'range()': Expected an Integer, got: {}",
            other.type_name()
        ))),
    };
    let start = int(&args[0])?;
    let end = int(&args[1])?;
    let step = match args.get(2) {
        Some(v) => int(v)?,
        None => 1,
    };
    if step == 0 {
        return Err(CypherError::argument("Step argument to range() can't be 0"));
    }
    let span = i128::from(end) - i128::from(start);
    if span != 0 && (span > 0) != (step > 0) {
        return Ok(Value::List(Vec::new()));
    }
    let count = span / i128::from(step) + 1;
    if count > MAX_RANGE {
        return Err(CypherError::argument(format!("range() would create {count} elements, more than {MAX_RANGE}")));
    }
    let mut out = Vec::with_capacity(count as usize);
    let mut current = i128::from(start);
    for _ in 0..count {
        out.push(Value::Int(current as i64));
        current += i128::from(step);
    }
    Ok(Value::List(out))
}

fn keys(v: &Value) -> CypherResult<Value> {
    let map = match v {
        Value::Map(m) => m,
        Value::Node(n) => &n.properties,
        Value::Relationship(r) => &r.properties,
        other => return Err(wrong_type("keys", "a Map, Node or Relationship", other)),
    };
    Ok(Value::List(map.keys().map(|k| Value::String(k.clone())).collect()))
}

fn convert_list(name: &str, v: &Value) -> CypherResult<Value> {
    let items = list_arg(name, v)?;
    let element = match name {
        "tobooleanlist" => "tobooleanornull",
        "tointegerlist" => "tointegerornull",
        "tofloatlist" => "tofloatornull",
        _ => "tostringornull",
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let converted = match element {
            "tostringornull" => super::string::call("tostringornull", std::slice::from_ref(item)),
            other => convert::call(other, std::slice::from_ref(item)),
        };
        out.push(converted.unwrap_or(Ok(Value::Null))?);
    }
    Ok(Value::List(out))
}

pub(super) fn call(name: &str, args: &[Value]) -> Option<CypherResult<Value>> {
    if name == "coalesce" {
        return Some(Ok(args.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null)));
    }
    let known =
        ["head", "last", "tail", "range", "keys", "tobooleanlist", "tointegerlist", "tofloatlist", "tostringlist"];
    if !known.contains(&name) {
        return None;
    }
    if args.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    Some(match name {
        "head" => list_arg(name, &args[0]).map(|l| l.first().cloned().unwrap_or(Value::Null)),
        "last" => list_arg(name, &args[0]).map(|l| l.last().cloned().unwrap_or(Value::Null)),
        "tail" => list_arg(name, &args[0]).map(|l| Value::List(l.iter().skip(1).cloned().collect())),
        "range" => range(args),
        "keys" => keys(&args[0]),
        _ => convert_list(name, &args[0]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[i64]) -> Value {
        Value::List(v.iter().map(|i| Value::Int(*i)).collect())
    }

    #[test]
    fn ranges_from_the_tck() {
        // List11 [1], [2], [4].
        let r = |a: &[i64]| range(&a.iter().map(|i| Value::Int(*i)).collect::<Vec<_>>()).ok();
        assert_eq!(r(&[-1236, -1234]), Some(ints(&[-1236, -1235, -1234])));
        assert_eq!(r(&[0, -123]), Some(ints(&[])));
        assert_eq!(r(&[1381, -3412, -1298]), Some(ints(&[1381, 83, -1215, -2513])));
        assert_eq!(r(&[0, 1, 2]), Some(ints(&[0])));
        assert_eq!(r(&[0, 0, -1]), Some(ints(&[0])));
        assert_eq!(r(&[-3412, 1381, 1298]), Some(ints(&[-3412, -2114, -816, 482])));
        assert_eq!(r(&[0, 1, -1]), Some(ints(&[])));
        assert!(r(&[2, 8, 0]).is_none());
        assert!(r(&[0, i64::MAX]).is_none());
    }
}
