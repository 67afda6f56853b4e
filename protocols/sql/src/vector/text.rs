//! The text form of `vector`: `[1,2.5,3]`, read with pgvector's vector_in checks and
//! written as vector_out does (each element as float4out prints it: shortest round-trip
//! digits, exponent below 1e-4 and from 1e6).

use super::{check, data_error};
use crate::error::{sqlstate, SqlError};

fn syntax(literal: &str) -> SqlError {
    SqlError::new(sqlstate::INVALID_TEXT_REPRESENTATION, format!("invalid input syntax for type vector: \"{literal}\""))
}

/// pgvector's vector_isspace: space, tab, newline, carriage return, vertical tab, form feed.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')
}

/// One element as strtof reads it: `None` when the token is no number.
fn element(token: &str) -> Option<f32> {
    let t = token.strip_prefix('+').unwrap_or(token);
    let body = t.strip_prefix('-').unwrap_or(t);
    let named = ["inf", "infinity", "nan"].iter().any(|n| body.eq_ignore_ascii_case(n));
    if !named && !body.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
        return None;
    }
    token.parse::<f32>().ok()
}

/// The elements of `literal`, checked against `expected` dimensions.
pub fn parse(literal: &str, expected: Option<u32>) -> Result<Vec<f32>, SqlError> {
    let rest = literal.trim_start_matches(is_space);
    let Some(rest) = rest.strip_prefix('[') else {
        return Err(syntax(literal).with_detail("Vector contents must start with \"[\"."));
    };
    let mut rest = rest.trim_start_matches(is_space);
    if rest.starts_with(']') {
        return Err(data_error("vector must have at least 1 dimension"));
    }
    let mut out = Vec::new();
    loop {
        if out.len() == super::MAX_DIM {
            return Err(SqlError::new("54000", format!("vector cannot have more than {} dimensions", super::MAX_DIM)));
        }
        rest = rest.trim_start_matches(is_space);
        let end = rest.find(|c: char| c == ',' || c == ']' || is_space(c)).unwrap_or(rest.len());
        let token = &rest[..end];
        let value = element(token).ok_or_else(|| syntax(literal))?;
        let named = token.trim_start_matches(['+', '-']).chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if value.is_infinite() && !named {
            return Err(SqlError::new(
                sqlstate::NUMERIC_VALUE_OUT_OF_RANGE,
                format!("\"{token}\" is out of range for type vector"),
            ));
        }
        check(&[value], None)?;
        out.push(value);
        rest = rest[end..].trim_start_matches(is_space);
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if let Some(after) = rest.strip_prefix(']') {
            rest = after;
            break;
        } else {
            return Err(syntax(literal));
        }
    }
    if !rest.trim_start_matches(is_space).is_empty() {
        return Err(syntax(literal).with_detail("Junk after closing right brace."));
    }
    check(&out, expected)?;
    Ok(out)
}

/// vector_out.
pub fn format(elements: &[f32]) -> String {
    let mut out = String::with_capacity(elements.len() * 8 + 2);
    out.push('[');
    for (i, x) in elements.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&crate::format::format_float(f64::from(*x), true));
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_input_is_checked_as_pgvector_checks_it() {
        assert_eq!(parse("[1,2,3]", None).unwrap(), vec![1.0, 2.0, 3.0]);
        assert_eq!(parse("  [ 1 , -2.5e1 ,.5 ]  ", Some(3)).unwrap(), vec![1.0, -25.0, 0.5]);
        let e = parse("[1,,2]", None).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("22P02", "invalid input syntax for type vector: \"[1,,2]\""));
        assert_eq!(parse("1,2", None).unwrap_err().detail.as_deref(), Some("Vector contents must start with \"[\"."));
        assert_eq!(parse("[1,2", None).unwrap_err().code, "22P02");
        assert_eq!(parse("[1 2]", None).unwrap_err().code, "22P02");
        assert_eq!(parse("[1a]", None).unwrap_err().code, "22P02");
        assert_eq!(parse("[1]x", None).unwrap_err().detail.as_deref(), Some("Junk after closing right brace."));
        let e = parse("[]", None).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("22000", "vector must have at least 1 dimension"));
        assert_eq!(parse("[nan]", None).unwrap_err().message, "NaN not allowed in vector");
        assert_eq!(parse("[-Infinity]", None).unwrap_err().message, "infinite value not allowed in vector");
        let e = parse("[1e39]", None).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("22003", "\"1e39\" is out of range for type vector"));
        assert_eq!(parse("[1,2]", Some(3)).unwrap_err().message, "expected 3 dimensions, not 2");
        let many = format!("[{}]", vec!["1"; 16_001].join(","));
        let e = parse(&many, None).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), ("54000", "vector cannot have more than 16000 dimensions"));
        assert_eq!(parse(&format!("[{}]", vec!["1"; 16_000].join(",")), None).unwrap().len(), 16_000);
        assert!(parse("[\u{e9}]", None).is_err());
    }

    #[test]
    fn output_is_float4_shortest() {
        // float4out's layout: exponent form below 1e-4 and from 1e6, shortest digits.
        assert_eq!(format(&[1.0, 2.5, -3.0]), "[1,2.5,-3]");
        assert_eq!(format(&[0.1, 1e-5, 123456.0, 1234567.0]), "[0.1,1e-05,123456,1.234567e+06]");
        assert_eq!(format(&[1.0 / 3.0]), "[0.33333334]");
    }
}
