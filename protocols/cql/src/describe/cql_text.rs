//! The small pieces of CQL text every DESCRIBE statement is built from, as Cassandra
//! 4.1 spells them: identifiers quoted only when they must be
//! (`ColumnIdentifier.maybeQuote`), single-quoted strings (`CqlBuilder.appendWithSingleQuotes`),
//! CQL type names (`CQL3Type.toString`: frozenness shown, collection elements and tuples
//! always frozen), Java's `Double.toString`, and the case-insensitive name order of
//! `SchemaElement.NAME_COMPARATOR`.

use crate::parse::keywords::is_reserved;
use crate::types::CqlType;
use std::cmp::Ordering;

/// The identifier as CQL must write it: bare when it matches `[a-z][a-z0-9_]*` and is
/// not reserved, else in double quotes with inner `"` doubled.
pub fn quote_if_needed(name: &str) -> String {
    let mut chars = name.chars();
    let plain = matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && !is_reserved(name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `'text'` with inner `'` doubled.
pub fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `ks.name` with both parts quoted if needed (`TableMetadata.toString`).
pub fn qualified(keyspace: &str, name: &str) -> String {
    format!("{}.{}", quote_if_needed(keyspace), quote_if_needed(name))
}

/// A column or field type as Cassandra prints it. `frozen` is true inside `frozen<...>`,
/// where every nested collection and UDT is frozen too.
pub fn type_text(ty: &CqlType) -> String {
    let mut out = String::new();
    write_type(&mut out, ty, false);
    out
}

fn write_type(out: &mut String, ty: &CqlType, frozen: bool) {
    if let Some(name) = ty.native_name() {
        out.push_str(name);
        return;
    }
    match ty {
        CqlType::Frozen(inner) => write_type(out, inner, true),
        CqlType::List(e) => collection(out, frozen, "list", &[e]),
        CqlType::Set(e) => collection(out, frozen, "set", &[e]),
        CqlType::Map(k, v) => collection(out, frozen, "map", &[k, v]),
        CqlType::Tuple(items) => {
            // Tuples are always frozen, and so are their elements.
            out.push_str("frozen<tuple<");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_type(out, item, true);
            }
            out.push_str(">>");
        }
        CqlType::Udt { name, .. } | CqlType::UdtRef { name, .. } => {
            if frozen {
                out.push_str("frozen<");
                out.push_str(&quote_if_needed(name));
                out.push('>');
            } else {
                out.push_str(&quote_if_needed(name));
            }
        }
        // Every native type was handled above.
        _ => out.push_str(&ty.to_string()),
    }
}

/// A collection's elements are single values (never multi-cell), so they print frozen.
fn collection(out: &mut String, frozen: bool, kind: &str, elements: &[&CqlType]) {
    if frozen {
        out.push_str("frozen<");
    }
    out.push_str(kind);
    out.push('<');
    for (i, e) in elements.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_type(out, e, true);
    }
    out.push('>');
    if frozen {
        out.push('>');
    }
}

/// True when a column of this type is stored as several cells (non-frozen collection or
/// UDT) — Cassandra's "complex" columns, listed after the simple ones.
pub fn is_complex(ty: &CqlType) -> bool {
    matches!(ty, CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..) | CqlType::Udt { .. } | CqlType::UdtRef { .. })
}

/// Java's `Double.toString`: `0.01`, `1.0`, `1.0E-4`, `1.0E7`.
pub fn java_double(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let abs = x.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{x}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let s = format!("{x:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
        format!("{mantissa}E{exponent}")
    }
}

/// `String.compareToIgnoreCase`: character by character, upper-cased then lower-cased.
pub fn compare_ignore_case(a: &str, b: &str) -> Ordering {
    fn fold(c: char) -> char {
        let upper = single(c.to_uppercase()).unwrap_or(c);
        single(upper.to_lowercase()).unwrap_or(upper)
    }
    fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
        let c = it.next()?;
        it.next().is_none().then_some(c)
    }
    let mut left = a.chars();
    let mut right = b.chars();
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                if x == y {
                    continue;
                }
                let (x, y) = (fold(x), fold(y));
                if x != y {
                    return x.cmp(&y);
                }
            }
        }
    }
}

/// Java's `String.hashCode` (over UTF-16 code units).
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// The iteration order of a `java.util.HashMap` copied from a map of `source_size`
/// entries whose keys arrive in `keys` order (Cassandra keeps replication options in
/// one, so that is the order it prints them in). Buckets in index order, each bucket
/// in arrival order.
pub fn java_hash_map_order<'a>(keys: &[&'a str], source_size: usize) -> Vec<&'a str> {
    // HashMap(Map m): capacity tableSizeFor((int) (size / 0.75f + 1)).
    let wanted = (source_size as f32 / 0.75f32 + 1.0f32) as usize;
    let mut capacity = wanted.max(1).next_power_of_two();
    // Grow as putVal would once size exceeds capacity * 0.75 (resizes keep bucket order).
    while keys.len() > capacity * 3 / 4 {
        capacity *= 2;
    }
    let bucket = |k: &str| {
        let h = java_string_hash(k);
        let spread = h ^ ((h as u32) >> 16) as i32;
        (spread as u32 as usize) & (capacity - 1)
    };
    let mut indexed: Vec<(usize, usize, &'a str)> = keys.iter().enumerate().map(|(i, k)| (bucket(k), i, *k)).collect();
    indexed.sort();
    indexed.into_iter().map(|(_, _, k)| k).collect()
}
