//! The blob conversions of every native type but blob: `<type>AsBlob(v)` answers the
//! value's native encoding as a blob, `blobAs<type>(b)` reads a blob's bytes as a value
//! of the type and refuses bytes that are not a valid encoding of it (a 4-byte blob is
//! no bigint), so a client never receives a cell its driver cannot decode.

use super::{Function, Kind};
use crate::error::{CqlError, CqlResult};
use crate::model::CqlValue;
use crate::types::CqlType;

/// The native type a conversion names (`varchar` is text; blob has none).
fn native(name: &str) -> Option<CqlType> {
    CqlType::from_native_name(name).filter(|t| *t != CqlType::Blob)
}

/// The overloads named `name`: `<type>asblob` or `blobas<type>`.
pub(super) fn signatures(name: &str) -> Vec<Function> {
    if let Some(ty) = name.strip_suffix("asblob").and_then(native) {
        return vec![Function::new(name, &[ty], CqlType::Blob, Kind::AsBlob)];
    }
    if let Some(ty) = name.strip_prefix("blobas").and_then(native) {
        return vec![Function::new(name, &[CqlType::Blob], ty, Kind::BlobAs)];
    }
    Vec::new()
}

/// `blobAs<type>(b)`: the blob's bytes as a value of `ty`.
pub(super) fn blob_as(name: &str, ty: &CqlType, arg: Option<&CqlValue>) -> CqlResult<Option<CqlValue>> {
    let Some(arg) = arg else { return Ok(None) };
    let bytes = arg.to_native();
    CqlValue::decode_native(ty, &bytes).map(Some).map_err(|_| {
        CqlError::invalid(format!(
            "In call to function {name}, value 0x{} is not a valid binary representation for type {ty}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ))
    })
}
