//! AQL's type checks (IS_NULL ... IS_DATESTRING, IS_KEY, TYPENAME) and the explicit
//! casts (TO_BOOL, TO_NUMBER, TO_STRING, TO_ARRAY/TO_LIST), the latter by the rules in
//! [`crate::value::cast`].

use super::{date, def, Args, Def};
use crate::error::AqlResult;
use crate::value::{cast, Value};

pub(super) const DEFS: &[Def] = &[
    def("IS_NULL", 1, 1, |a| Ok(Value::Bool(a.get(0).is_null()))),
    def("IS_BOOL", 1, 1, |a| Ok(Value::Bool(matches!(a.get(0), Value::Bool(_))))),
    def("IS_NUMBER", 1, 1, |a| Ok(Value::Bool(matches!(a.get(0), Value::Int(_) | Value::Double(_))))),
    def("IS_STRING", 1, 1, |a| Ok(Value::Bool(matches!(a.get(0), Value::String(_))))),
    def("IS_ARRAY", 1, 1, |a| Ok(Value::Bool(matches!(a.get(0), Value::Array(_))))),
    def("IS_LIST", 1, 1, |a| Ok(Value::Bool(matches!(a.get(0), Value::Array(_))))),
    def("IS_OBJECT", 1, 1, |a| Ok(Value::Bool(matches!(a.get(0), Value::Object(_))))),
    def("IS_DOCUMENT", 1, 1, |a| Ok(Value::Bool(matches!(a.get(0), Value::Object(_))))),
    def("IS_DATESTRING", 1, 1, is_datestring),
    def("IS_KEY", 1, 1, |a| Ok(Value::Bool(a.get(0).as_str().is_some_and(is_key)))),
    def("TYPENAME", 1, 1, |a| Ok(Value::str(a.get(0).type_name()))),
    def("TO_BOOL", 1, 1, |a| Ok(Value::Bool(cast::to_bool(a.get(0))))),
    def("TO_NUMBER", 1, 1, |a| Ok(cast::to_number(a.get(0)))),
    def("TO_STRING", 1, 1, |a| Ok(Value::String(cast::to_string(a.get(0))))),
    def("TO_ARRAY", 1, 1, |a| Ok(Value::Array(cast::to_array(a.get(0))))),
    def("TO_LIST", 1, 1, |a| Ok(Value::Array(cast::to_array(a.get(0))))),
];

/// A valid document key: 1 to 254 bytes of letters, digits and `_-:.@()+,=;$!*'%`.
pub fn is_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= 254 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-:.@()+,=;$!*'%".contains(&b))
}

fn is_datestring(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::Bool(args.get(0).as_str().is_some_and(|s| date::parse_date_string(s).is_some())))
}
