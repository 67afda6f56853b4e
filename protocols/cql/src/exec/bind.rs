//! Bound values of QUERY/EXECUTE/BATCH: positional or named `[value]`s decoded against
//! the types of the markers they bind, validated like Cassandra validates them.

use crate::engine::{BoundValue, Values};
use crate::error::{CqlError, CqlResult};
use crate::model::CqlValue;
use crate::types::CqlType;

/// A decoded bound value: a value, null, or unset (leave the column alone).
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Value(CqlValue),
    Null,
    Unset,
}

/// The values for markers of these names and types, in marker order.
pub fn decode_all(values: &Values, markers: &[(String, CqlType)]) -> CqlResult<Vec<Bound>> {
    let raw: Vec<&BoundValue> = match values {
        Values::None => Vec::new(),
        Values::Positional(v) => v.iter().collect(),
        Values::Named(named) => markers
            .iter()
            .map(|(name, _)| {
                named
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
                    .ok_or_else(|| CqlError::invalid(format!("Missing value for bind variable {name}")))
            })
            .collect::<CqlResult<_>>()?,
    };
    if raw.len() != markers.len() {
        return Err(CqlError::invalid(format!(
            "There were {} markers(?) in CQL but {} bound variables",
            markers.len(),
            raw.len()
        )));
    }
    raw.iter()
        .zip(markers)
        .map(|(v, (name, ty))| match v {
            BoundValue::Null => Ok(Bound::Null),
            BoundValue::Unset => Ok(Bound::Unset),
            BoundValue::Bytes(b) => CqlValue::decode_native(ty, b)
                .map(Bound::Value)
                .map_err(|e| CqlError::invalid(format!("Invalid value for bind variable {name}: {}", e.message()))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn positional_and_named_values_decode_by_marker_type() {
        let markers = vec![("k".to_string(), CqlType::Int), ("v".to_string(), CqlType::Text)];
        let values = Values::Positional(vec![BoundValue::Bytes(Bytes::from_static(&[0, 0, 0, 7])), BoundValue::Unset]);
        assert_eq!(decode_all(&values, &markers).unwrap(), vec![Bound::Value(CqlValue::Int(7)), Bound::Unset]);
        let named = Values::Named(vec![
            ("v".into(), BoundValue::Null),
            ("K".into(), BoundValue::Bytes(Bytes::from_static(&[0, 0, 0, 1]))),
        ]);
        assert_eq!(decode_all(&named, &markers).unwrap(), vec![Bound::Value(CqlValue::Int(1)), Bound::Null]);
        let short = Values::Positional(vec![BoundValue::Null]);
        assert_eq!(
            decode_all(&short, &markers).unwrap_err().message(),
            "There were 2 markers(?) in CQL but 1 bound variables"
        );
        let bad = Values::Positional(vec![BoundValue::Bytes(Bytes::from_static(&[1])), BoundValue::Null]);
        assert!(decode_all(&bad, &markers).unwrap_err().message().contains("Expected 4 or 0 byte int (1)"));
    }
}
