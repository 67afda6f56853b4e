//! `toJson(x)`, a selector only: the value as the JSON text SELECT JSON writes for it (a
//! null is the text `null`); and `fromJson('...')`, a term only: the JSON document read
//! as the receiving column's type. A document that does not parse or does not fit the
//! type fails the function (FUNCTION_FAILURE), in Cassandra's words.

use super::{Function, Kind, SYSTEM};
use crate::error::{CqlError, CqlResult};
use crate::exec::{json, json_read};
use crate::model::CqlValue;
use crate::types::CqlType;

/// `toJson` over an argument of type `arg`.
pub fn to_json_function(arg: &CqlType) -> Function {
    Function::new("tojson", std::slice::from_ref(arg), CqlType::Text, Kind::ToJson)
}

pub(super) fn to_json(arg: Option<&CqlValue>, ty: &CqlType) -> CqlValue {
    CqlValue::Text(arg.map_or_else(|| "null".to_string(), |v| json::to_json(v, ty)))
}

fn failure(message: String) -> CqlError {
    CqlError::FunctionFailure {
        message,
        keyspace: SYSTEM.into(),
        function: "fromjson".into(),
        arg_types: vec!["text".into()],
    }
}

pub(super) fn from_json(arg: Option<&CqlValue>, ty: &CqlType) -> CqlResult<Option<CqlValue>> {
    let text = match arg {
        None => return Ok(None),
        Some(CqlValue::Text(s) | CqlValue::Ascii(s)) => s,
        Some(other) => return Err(CqlError::server(format!("fromJson() called on {other:?}"))),
    };
    let document = json_read::decode(text).map_err(|e| {
        failure(format!("execution of '{SYSTEM}.fromjson[text]' failed: Could not decode JSON string '{text}': {e}"))
    })?;
    json_read::value(&document, ty)
        .map_err(|message| failure(format!("org.apache.cassandra.serializers.MarshalException: {message}")))
}
