//! The parameters of COM_STMT_EXECUTE: the bytes after statement id, flags and iteration
//! count ([`super::command::Command::StmtExecute`]'s `rest`).
//!
//! Layout for `n > 0` parameters: a NULL bitmap of `(n+7)/8` bytes (bit offset 0), the
//! new-params-bound flag, then — when the flag is 1 — two bytes of type per parameter
//! (the type code, and 0x80 for unsigned), then each value that is neither NULL nor sent
//! beforehand with COM_STMT_SEND_LONG_DATA, in its type's binary form. When the flag is 0
//! the types are those of the statement's previous execution.

use std::collections::HashMap;

use super::codec::Cursor;
use super::consts::ColumnType;
use super::error::WireError;
use super::value::{read_binary_value, WireValue};

/// A parameter's bound type: its MYSQL_TYPE_* and whether it is unsigned.
pub type ParamType = (ColumnType, bool);

/// The high bit of a parameter's type flags byte: the value is unsigned.
pub const PARAM_UNSIGNED: u8 = 0x80;

/// Decodes `num_params` parameters; returns them and the types they were sent with (to
/// keep for the next execution). A parameter in `long_data` (keyed by parameter index)
/// takes those bytes and has nothing in the packet.
pub fn decode_execute_params(
    rest: &[u8],
    num_params: usize,
    previous_types: Option<&[ParamType]>,
    long_data: &HashMap<u16, Vec<u8>>,
) -> Result<(Vec<WireValue>, Vec<ParamType>), WireError> {
    if num_params == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut c = Cursor::new(rest);
    let null_bitmap = c.take(num_params.div_ceil(8))?;
    let new_params_bound = c.u8()?;
    let types = match new_params_bound {
        1 => {
            let raw = c.take(num_params.checked_mul(2).ok_or(WireError::TooLarge)?)?;
            raw.chunks_exact(2)
                .map(|pair| match pair {
                    [code, flags] => ColumnType::from_u8(*code)
                        .map(|t| (t, flags & PARAM_UNSIGNED != 0))
                        .ok_or_else(|| WireError::malformed(format!("unknown parameter type {code}"))),
                    _ => Err(WireError::Truncated),
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        0 => match previous_types {
            Some(types) if types.len() == num_params => types.to_vec(),
            _ => {
                return Err(WireError::malformed("parameter types were not sent and no previous execution bound them"))
            }
        },
        _ => return Err(WireError::malformed("bad new-params-bound flag")),
    };
    let mut values = Vec::with_capacity(types.len());
    for (i, &(ty, unsigned)) in types.iter().enumerate() {
        let is_null = null_bitmap.get(i / 8).is_some_and(|byte| byte & (1 << (i % 8)) != 0);
        let long = u16::try_from(i).ok().and_then(|id| long_data.get(&id));
        let value = match long {
            Some(data) => WireValue::Bytes(data.clone()),
            None if is_null => WireValue::Null,
            None => read_binary_value(&mut c, ty, unsigned)?,
        };
        values.push(value);
    }
    Ok((values, types))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::client::encode_execute_params;
    use crate::wire::test_rng::XorShift;
    use ColumnType as T;

    fn none() -> HashMap<u16, Vec<u8>> {
        HashMap::new()
    }

    #[test]
    fn documented_execute_example() {
        // The COM_STMT_EXECUTE example of the documentation, after the 10-byte header:
        // one parameter, not NULL, new-params-bound 1, type LONGLONG (0x08 0x00), value 1.
        let rest = [0x00, 0x01, 0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0];
        let (values, types) = decode_execute_params(&rest, 1, None, &none()).unwrap();
        assert_eq!(values, [WireValue::Int(1)]);
        assert_eq!(types, [(T::LongLong, false)]);
    }

    #[test]
    fn round_trip_of_every_kind_of_value() {
        let params: Vec<(ColumnType, bool, WireValue)> = vec![
            (T::Tiny, false, WireValue::Int(-3)),
            (T::Tiny, true, WireValue::UInt(255)),
            (T::Short, false, WireValue::Int(-30000)),
            (T::Year, true, WireValue::UInt(2024)),
            (T::Long, false, WireValue::Int(i64::from(i32::MIN))),
            (T::Int24, true, WireValue::UInt(1 << 23)),
            (T::LongLong, true, WireValue::UInt(u64::MAX)),
            (T::Float, false, WireValue::Float(1.25)),
            (T::Double, false, WireValue::Double(3.5)),
            (T::VarString, false, WireValue::Null),
            (T::Null, false, WireValue::Null),
            (T::NewDecimal, false, WireValue::Bytes(b"12.50".to_vec())),
            (T::Blob, false, WireValue::Bytes(vec![0; 300])),
            (T::Json, false, WireValue::Bytes(b"{}".to_vec())),
            (T::Date, false, WireValue::Date { year: 2024, month: 2, day: 29 }),
            (
                T::DateTime,
                false,
                WireValue::DateTime {
                    year: 2024,
                    month: 2,
                    day: 29,
                    hour: 23,
                    minute: 59,
                    second: 58,
                    micros: 999_999,
                },
            ),
            (T::Time, false, WireValue::Time { negative: true, days: 1, hours: 2, minutes: 3, seconds: 4, micros: 5 }),
        ];
        let types: Vec<(ColumnType, bool)> = params.iter().map(|(t, u, _)| (*t, *u)).collect();
        let values: Vec<WireValue> = params.iter().map(|(_, _, v)| v.clone()).collect();
        let rest = encode_execute_params(&types, &values, true, &[]).unwrap();
        let (got, got_types) = decode_execute_params(&rest, params.len(), None, &none()).unwrap();
        assert_eq!(got, values);
        assert_eq!(got_types, types);
        // Re-executed without types: the previous ones apply.
        let rest = encode_execute_params(&types, &values, false, &[]).unwrap();
        let (got, _) = decode_execute_params(&rest, params.len(), Some(&types), &none()).unwrap();
        assert_eq!(got, values);
        assert!(decode_execute_params(&rest, params.len(), None, &none()).is_err());
        assert!(decode_execute_params(&rest, params.len(), Some(&types[1..]), &none()).is_err());
    }

    #[test]
    fn long_data_parameters_have_no_bytes_in_the_packet() {
        let types = [(T::Blob, false), (T::Long, false), (T::Blob, false)];
        let values = [WireValue::Null, WireValue::Int(5), WireValue::Null];
        let rest = encode_execute_params(&types, &values, true, &[0, 2]).unwrap();
        let mut long = HashMap::new();
        long.insert(0u16, b"first".to_vec());
        long.insert(2u16, b"third".to_vec());
        let (got, _) = decode_execute_params(&rest, 3, None, &long).unwrap();
        assert_eq!(got, [WireValue::Bytes(b"first".to_vec()), WireValue::Int(5), WireValue::Bytes(b"third".to_vec())]);
    }

    #[test]
    fn null_bitmap_spans_bytes() {
        let types = vec![(T::Tiny, false); 10];
        let mut values = vec![WireValue::Int(1); 10];
        values[9] = WireValue::Null;
        values[0] = WireValue::Null;
        let rest = encode_execute_params(&types, &values, true, &[]).unwrap();
        assert_eq!(&rest[..3], [0x01, 0x02, 0x01]);
        let (got, _) = decode_execute_params(&rest, 10, None, &none()).unwrap();
        assert_eq!(got, values);
    }

    #[test]
    fn malformed_parameters() {
        assert_eq!(decode_execute_params(&[], 0, None, &none()), Ok((vec![], vec![])));
        assert_eq!(decode_execute_params(&[], 1, None, &none()), Err(WireError::Truncated));
        assert_eq!(decode_execute_params(&[0, 1, 8], 1, None, &none()), Err(WireError::Truncated));
        assert_eq!(decode_execute_params(&[0, 1, 8, 0, 1, 0], 1, None, &none()), Err(WireError::Truncated));
        assert!(matches!(decode_execute_params(&[0, 1, 14, 0], 1, None, &none()), Err(WireError::Malformed(_))));
        assert!(matches!(decode_execute_params(&[0, 2], 1, None, &none()), Err(WireError::Malformed(_))));
        // A string declaring more bytes than the packet holds.
        assert_eq!(
            decode_execute_params(&[0, 1, 253, 0, 0xFC, 0xFF, 0xFF, b'a'], 1, None, &none()),
            Err(WireError::Truncated)
        );
        assert_eq!(decode_execute_params(&[0], usize::MAX, None, &none()), Err(WireError::Truncated));
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = XorShift::new(0xbadc0de);
        let types = [(T::Long, false), (T::VarString, false), (T::DateTime, false), (T::Time, true)];
        let valid = encode_execute_params(
            &types,
            &[
                WireValue::Int(1),
                WireValue::Bytes(b"abc".to_vec()),
                WireValue::DateTime { year: 1, month: 1, day: 1, hour: 1, minute: 1, second: 1, micros: 1 },
                WireValue::Null,
            ],
            true,
            &[],
        )
        .unwrap();
        let mut long = HashMap::new();
        long.insert(1u16, b"x".to_vec());
        let empty = none();
        for i in 0..6000 {
            let bytes = if i % 2 == 0 { rng.bytes(80) } else { rng.mutate(&valid) };
            let n = (rng.next() % 12) as usize;
            let prev = if i % 3 == 0 { Some(&types[..]) } else { None };
            let ld = if i % 5 == 0 { &long } else { &empty };
            let _ = decode_execute_params(&bytes, n, prev, ld);
        }
    }
}
