//! CQL values: one variant per [`CqlType`], the type check that ties a value to its type,
//! and the total order Cassandra's comparators give values of one type (used for set
//! and map element order, clustering order and `ORDER BY`). The native encoding of the
//! values lives in [`super::native`].

use crate::types::CqlType;
use num_bigint::BigInt;
use std::cmp::Ordering;
use std::net::IpAddr;

/// The epoch in the `date` encoding: days are unsigned with 2^31 at 1970-01-01.
pub const DATE_EPOCH: u32 = 1 << 31;
/// Nanoseconds in a day: `time` values are `0..NANOS_PER_DAY`.
pub const NANOS_PER_DAY: i64 = 86_400_000_000_000;

/// A value of a CQL type.
#[derive(Debug, Clone, PartialEq)]
pub enum CqlValue {
    /// The zero-length value the protocol allows for most types (not the same as null);
    /// it sorts before every other value of its type.
    Empty,
    Ascii(String),
    Text(String),
    Int(i32),
    Bigint(i64),
    Smallint(i16),
    Tinyint(i8),
    Varint(BigInt),
    /// `unscaled × 10^-scale`.
    Decimal {
        unscaled: BigInt,
        scale: i32,
    },
    Float(f32),
    Double(f64),
    Boolean(bool),
    Blob(Vec<u8>),
    Uuid([u8; 16]),
    Timeuuid([u8; 16]),
    /// Milliseconds since the epoch.
    Timestamp(i64),
    /// Days with [`DATE_EPOCH`] at 1970-01-01.
    Date(u32),
    /// Nanoseconds since midnight.
    Time(i64),
    Duration {
        months: i32,
        days: i32,
        nanos: i64,
    },
    Inet(IpAddr),
    Counter(i64),
    List(Vec<CqlValue>),
    /// Sorted by the element type's order, without duplicates.
    Set(Vec<CqlValue>),
    /// Sorted by key, keys unique.
    Map(Vec<(CqlValue, CqlValue)>),
    Tuple(Vec<Option<CqlValue>>),
    /// Fields in the type's order; trailing fields may be missing.
    Udt(Vec<(String, Option<CqlValue>)>),
}

impl CqlValue {
    /// Builds a set: sorted, duplicates removed.
    pub fn set(mut elements: Vec<CqlValue>) -> CqlValue {
        elements.sort_by(cql_cmp);
        elements.dedup_by(|a, b| cql_cmp(a, b) == Ordering::Equal);
        CqlValue::Set(elements)
    }

    /// Builds a map: sorted by key; of two equal keys the later entry stays.
    pub fn map(entries: Vec<(CqlValue, CqlValue)>) -> CqlValue {
        let mut sorted: Vec<(CqlValue, CqlValue)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match sorted.binary_search_by(|(e, _)| cql_cmp(e, &k)) {
                Ok(i) => {
                    if let Some(slot) = sorted.get_mut(i) {
                        slot.1 = v;
                    }
                }
                Err(i) => sorted.insert(i, (k, v)),
            }
        }
        CqlValue::Map(sorted)
    }

    /// True when this value can be a value of `ty`.
    pub fn is_of(&self, ty: &CqlType) -> bool {
        let ty = ty.unfrozen();
        match (self, ty) {
            (CqlValue::Empty, t) => !t.is_collection(),
            (CqlValue::Ascii(_), CqlType::Ascii) | (CqlValue::Text(_), CqlType::Text) => true,
            (CqlValue::Int(_), CqlType::Int)
            | (CqlValue::Bigint(_), CqlType::Bigint)
            | (CqlValue::Smallint(_), CqlType::Smallint)
            | (CqlValue::Tinyint(_), CqlType::Tinyint)
            | (CqlValue::Varint(_), CqlType::Varint)
            | (CqlValue::Decimal { .. }, CqlType::Decimal)
            | (CqlValue::Float(_), CqlType::Float)
            | (CqlValue::Double(_), CqlType::Double)
            | (CqlValue::Boolean(_), CqlType::Boolean)
            | (CqlValue::Blob(_), CqlType::Blob)
            | (CqlValue::Uuid(_), CqlType::Uuid)
            | (CqlValue::Timeuuid(_), CqlType::Timeuuid)
            | (CqlValue::Timestamp(_), CqlType::Timestamp)
            | (CqlValue::Date(_), CqlType::Date)
            | (CqlValue::Time(_), CqlType::Time)
            | (CqlValue::Duration { .. }, CqlType::Duration)
            | (CqlValue::Inet(_), CqlType::Inet)
            | (CqlValue::Counter(_), CqlType::Counter) => true,
            (CqlValue::List(items), CqlType::List(e)) => items.iter().all(|i| i.is_of(e)),
            (CqlValue::Set(items), CqlType::Set(e)) => items.iter().all(|i| i.is_of(e)),
            (CqlValue::Map(entries), CqlType::Map(k, v)) => entries.iter().all(|(a, b)| a.is_of(k) && b.is_of(v)),
            (CqlValue::Tuple(items), CqlType::Tuple(types)) => {
                items.len() == types.len()
                    && items.iter().zip(types).all(|(i, t)| i.as_ref().is_none_or(|i| i.is_of(t)))
            }
            (CqlValue::Udt(values), CqlType::Udt { fields, .. }) => {
                values.len() <= fields.len()
                    && values
                        .iter()
                        .zip(fields)
                        .all(|((n, v), (fname, ft))| n == fname && v.as_ref().is_none_or(|v| v.is_of(ft)))
            }
            _ => false,
        }
    }
}

/// Cassandra's order of two values of one type. Values of different types (which a
/// well-typed caller never compares) order by their variant so the order stays total.
pub fn cql_cmp(a: &CqlValue, b: &CqlValue) -> Ordering {
    use CqlValue as V;
    match (a, b) {
        (V::Empty, V::Empty) => Ordering::Equal,
        (V::Empty, _) => Ordering::Less,
        (_, V::Empty) => Ordering::Greater,
        (V::Ascii(x), V::Ascii(y)) | (V::Text(x), V::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (V::Int(x), V::Int(y)) => x.cmp(y),
        (V::Bigint(x), V::Bigint(y)) | (V::Counter(x), V::Counter(y)) => x.cmp(y),
        (V::Timestamp(x), V::Timestamp(y)) | (V::Time(x), V::Time(y)) => x.cmp(y),
        (V::Smallint(x), V::Smallint(y)) => x.cmp(y),
        (V::Tinyint(x), V::Tinyint(y)) => x.cmp(y),
        (V::Date(x), V::Date(y)) => x.cmp(y),
        (V::Varint(x), V::Varint(y)) => x.cmp(y),
        (V::Decimal { unscaled: ua, scale: sa }, V::Decimal { unscaled: ub, scale: sb }) => {
            decimal_cmp(ua, *sa, ub, *sb)
        }
        (V::Float(x), V::Float(y)) => float_cmp(f64::from(*x), f64::from(*y)),
        (V::Double(x), V::Double(y)) => float_cmp(*x, *y),
        (V::Boolean(x), V::Boolean(y)) => x.cmp(y),
        (V::Blob(x), V::Blob(y)) => x.cmp(y),
        (V::Uuid(x), V::Uuid(y)) => uuid_cmp(x, y),
        (V::Timeuuid(x), V::Timeuuid(y)) => timeuuid_cmp(x, y),
        (V::Duration { months: ma, days: da, nanos: na }, V::Duration { months: mb, days: db, nanos: nb }) => {
            (ma, da, na).cmp(&(mb, db, nb))
        }
        (V::Inet(x), V::Inet(y)) => inet_octets(x).cmp(&inet_octets(y)),
        (V::List(x), V::List(y)) | (V::Set(x), V::Set(y)) => seq_cmp(x.iter(), y.iter(), cql_cmp),
        (V::Map(x), V::Map(y)) => {
            seq_cmp(x.iter(), y.iter(), |(ka, va), (kb, vb)| cql_cmp(ka, kb).then_with(|| cql_cmp(va, vb)))
        }
        (V::Tuple(x), V::Tuple(y)) => seq_cmp(x.iter(), y.iter(), option_cmp),
        (V::Udt(x), V::Udt(y)) => seq_cmp(x.iter(), y.iter(), |(_, va), (_, vb)| option_cmp(va, vb)),
        _ => variant_rank(a).cmp(&variant_rank(b)),
    }
}

/// Null (a missing tuple or UDT component) sorts first.
fn option_cmp(a: &Option<CqlValue>, b: &Option<CqlValue>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cql_cmp(x, y),
    }
}

fn seq_cmp<'a, T: 'a>(
    mut a: impl Iterator<Item = &'a T>,
    mut b: impl Iterator<Item = &'a T>,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match cmp(x, y) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

/// Java's `Double.compare`: -0.0 before 0.0, NaN after everything and equal to itself.
fn float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.total_cmp(&b),
    }
}

/// Numeric order of `ua × 10^-sa` and `ub × 10^-sb` without building huge powers: the
/// magnitudes decide first; only numbers of the same magnitude are brought to one scale
/// (then the scales differ by at most the digit counts).
fn decimal_cmp(ua: &BigInt, sa: i32, ub: &BigInt, sb: i32) -> Ordering {
    use num_bigint::Sign;
    let sign_rank = |s: Sign| match s {
        Sign::Minus => 0,
        Sign::NoSign => 1,
        Sign::Plus => 2,
    };
    let (sign_a, sign_b) = (ua.sign(), ub.sign());
    if sign_a != sign_b || sign_a == Sign::NoSign {
        return sign_rank(sign_a).cmp(&sign_rank(sign_b));
    }
    let magnitude = |u: &BigInt, s: i32| decimal_digits(u) as i64 - i64::from(s);
    let (ma, mb) = (magnitude(ua, sa), magnitude(ub, sb));
    let by_magnitude = ma.cmp(&mb);
    let unsigned = if by_magnitude != Ordering::Equal {
        by_magnitude
    } else {
        let (a, b) = (ua.magnitude(), ub.magnitude());
        let ten = num_bigint::BigUint::from(10u32);
        let diff = (i64::from(sa) - i64::from(sb)).unsigned_abs();
        let factor = ten.pow(u32::try_from(diff).unwrap_or(u32::MAX));
        if sa > sb {
            a.cmp(&(b * factor))
        } else {
            (a * factor).cmp(b)
        }
    };
    if sign_a == Sign::Minus {
        unsigned.reverse()
    } else {
        unsigned
    }
}

fn decimal_digits(u: &BigInt) -> usize {
    u.magnitude().to_str_radix(10).len()
}

/// Cassandra's UUIDType: the version first, then time-based uuids by their timestamp and
/// the others by their most significant bytes, then the least significant bytes.
fn uuid_cmp(a: &[u8; 16], b: &[u8; 16]) -> Ordering {
    let (va, vb) = (a[6] >> 4, b[6] >> 4);
    if va != vb {
        return va.cmp(&vb);
    }
    if va == 1 {
        let by_time = uuid_timestamp(a).cmp(&uuid_timestamp(b));
        if by_time != Ordering::Equal {
            return by_time;
        }
    } else {
        let by_msb = a[..8].cmp(&b[..8]);
        if by_msb != Ordering::Equal {
            return by_msb;
        }
    }
    a[8..].cmp(&b[8..])
}

/// Cassandra's TimeUUIDType: by timestamp, then the least significant bytes compared as
/// signed bytes (kept for compatibility with its first implementation).
fn timeuuid_cmp(a: &[u8; 16], b: &[u8; 16]) -> Ordering {
    uuid_timestamp(a).cmp(&uuid_timestamp(b)).then_with(|| {
        let signed = |u: &[u8; 16]| {
            let mut out = [0i8; 8];
            for (o, byte) in out.iter_mut().zip(&u[8..]) {
                *o = *byte as i8;
            }
            out
        };
        signed(a).cmp(&signed(b))
    })
}

/// The 60-bit timestamp of a version 1 uuid (100 ns intervals since 1582-10-15).
pub fn uuid_timestamp(u: &[u8; 16]) -> u64 {
    let time_low = u64::from(u32::from_be_bytes([u[0], u[1], u[2], u[3]]));
    let time_mid = u64::from(u16::from_be_bytes([u[4], u[5]]));
    let time_hi = u64::from(u16::from_be_bytes([u[6], u[7]]) & 0x0fff);
    (time_hi << 48) | (time_mid << 32) | time_low
}

pub(crate) fn inet_octets(addr: &IpAddr) -> Vec<u8> {
    match addr {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

fn variant_rank(v: &CqlValue) -> u8 {
    use CqlValue as V;
    match v {
        V::Empty => 0,
        V::Ascii(_) => 1,
        V::Text(_) => 2,
        V::Int(_) => 3,
        V::Bigint(_) => 4,
        V::Smallint(_) => 5,
        V::Tinyint(_) => 6,
        V::Varint(_) => 7,
        V::Decimal { .. } => 8,
        V::Float(_) => 9,
        V::Double(_) => 10,
        V::Boolean(_) => 11,
        V::Blob(_) => 12,
        V::Uuid(_) => 13,
        V::Timeuuid(_) => 14,
        V::Timestamp(_) => 15,
        V::Date(_) => 16,
        V::Time(_) => 17,
        V::Duration { .. } => 18,
        V::Inet(_) => 19,
        V::Counter(_) => 20,
        V::List(_) => 21,
        V::Set(_) => 22,
        V::Map(_) => 23,
        V::Tuple(_) => 24,
        V::Udt(_) => 25,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(unscaled: i64, scale: i32) -> CqlValue {
        CqlValue::Decimal { unscaled: BigInt::from(unscaled), scale }
    }

    #[test]
    fn numbers_order_signed_and_floats_like_java() {
        assert_eq!(cql_cmp(&CqlValue::Int(-1), &CqlValue::Int(1)), Ordering::Less);
        assert_eq!(cql_cmp(&CqlValue::Double(-0.0), &CqlValue::Double(0.0)), Ordering::Less);
        assert_eq!(cql_cmp(&CqlValue::Double(f64::NAN), &CqlValue::Double(f64::INFINITY)), Ordering::Greater);
        assert_eq!(cql_cmp(&CqlValue::Empty, &CqlValue::Int(i32::MIN)), Ordering::Less);
        assert_eq!(cql_cmp(&CqlValue::Date(DATE_EPOCH - 1), &CqlValue::Date(DATE_EPOCH)), Ordering::Less);
    }

    #[test]
    fn decimals_order_by_value_whatever_their_scale() {
        assert_eq!(cql_cmp(&dec(10, 1), &dec(1, 0)), Ordering::Equal);
        assert_eq!(cql_cmp(&dec(15, 1), &dec(2, 0)), Ordering::Less);
        assert_eq!(cql_cmp(&dec(-15, 1), &dec(-2, 0)), Ordering::Greater);
        assert_eq!(cql_cmp(&dec(1, i32::MIN), &dec(1, i32::MAX)), Ordering::Greater);
        assert_eq!(cql_cmp(&dec(0, 5), &dec(-1, 0)), Ordering::Greater);
    }

    #[test]
    fn text_orders_by_utf8_bytes_and_booleans_false_first() {
        assert_eq!(cql_cmp(&CqlValue::Text("Z".into()), &CqlValue::Text("a".into())), Ordering::Less);
        assert_eq!(cql_cmp(&CqlValue::Text("é".into()), &CqlValue::Text("z".into())), Ordering::Greater);
        assert_eq!(cql_cmp(&CqlValue::Boolean(false), &CqlValue::Boolean(true)), Ordering::Less);
        assert_eq!(cql_cmp(&CqlValue::Blob(vec![0x80]), &CqlValue::Blob(vec![0x7f, 0])), Ordering::Greater);
    }

    #[test]
    fn timeuuids_order_by_timestamp_before_bytes() {
        // time_low ff.. but an older time_hi: the older uuid sorts first.
        let older = [0xff, 0xff, 0xff, 0xff, 0, 0, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
        let newer = [0x00, 0x00, 0x00, 0x00, 0, 0, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(cql_cmp(&CqlValue::Timeuuid(older), &CqlValue::Timeuuid(newer)), Ordering::Less);
        assert_eq!(cql_cmp(&CqlValue::Uuid(older), &CqlValue::Uuid(newer)), Ordering::Less);
        // Same timestamp: the clock/node bytes compare signed for timeuuid.
        let mut a = older;
        let mut b = older;
        a[8] = 0x80;
        b[8] = 0x01;
        assert_eq!(cql_cmp(&CqlValue::Timeuuid(a), &CqlValue::Timeuuid(b)), Ordering::Less);
        // A version 4 uuid sorts after every version 1 uuid.
        let mut v4 = [0u8; 16];
        v4[6] = 0x40;
        assert_eq!(cql_cmp(&CqlValue::Uuid(newer), &CqlValue::Uuid(v4)), Ordering::Less);
    }

    #[test]
    fn sets_and_maps_are_kept_sorted_and_unique() {
        let s = CqlValue::set(vec![CqlValue::Int(3), CqlValue::Int(-1), CqlValue::Int(3)]);
        assert_eq!(s, CqlValue::Set(vec![CqlValue::Int(-1), CqlValue::Int(3)]));
        let m = CqlValue::map(vec![
            (CqlValue::Text("b".into()), CqlValue::Int(1)),
            (CqlValue::Text("a".into()), CqlValue::Int(2)),
            (CqlValue::Text("b".into()), CqlValue::Int(3)),
        ]);
        assert_eq!(
            m,
            CqlValue::Map(vec![
                (CqlValue::Text("a".into()), CqlValue::Int(2)),
                (CqlValue::Text("b".into()), CqlValue::Int(3)),
            ])
        );
        assert!(m.is_of(&CqlType::Map(Box::new(CqlType::Text), Box::new(CqlType::Int))));
        assert!(!m.is_of(&CqlType::Map(Box::new(CqlType::Ascii), Box::new(CqlType::Int))));
    }
}
