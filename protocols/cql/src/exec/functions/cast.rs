//! CAST(x AS type) conversions between native types.

use super::Function;
use crate::error::{CqlError, CqlResult};
use crate::model::CqlValue;
use crate::types::CqlType;

pub(super) fn signatures(_name: &str) -> Vec<Function> {
    Vec::new()
}

/// The conversion `CAST(<arg> AS to)` of a selector of type `from`.
pub fn cast_function(_arg: &str, _from: &CqlType, _to: &CqlType) -> CqlResult<Function> {
    Err(CqlError::not_supported("CAST"))
}

pub(super) fn cast(_value: &CqlValue, _from: &CqlType, _to: &CqlType) -> CqlResult<CqlValue> {
    Err(CqlError::not_supported("CAST"))
}
