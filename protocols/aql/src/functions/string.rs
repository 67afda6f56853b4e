//! AQL's string functions: concatenation, case, substrings (by character and by
//! byte), trimming, splitting and substitution, searching, LIKE and the REGEX_*
//! family. Non-string arguments are read through TO_STRING, as ArangoDB does;
//! positions and lengths count Unicode characters unless the name says bytes.

use super::{def, Args, Def, VARIADIC};
use crate::error::AqlResult;
use crate::value::{cast, ops, Value};

pub(super) const DEFS: &[Def] = &[
    def("CONCAT", 1, VARIADIC, concat),
    def("CONCAT_SEPARATOR", 2, VARIADIC, concat_separator),
    def("CHAR_LENGTH", 1, 1, char_length),
    def("LOWER", 1, 1, lower),
    def("UPPER", 1, 1, upper),
    def("SUBSTRING", 2, 3, substring),
    def("SUBSTRING_BYTES", 2, 5, substring_bytes),
    def("LEFT", 2, 2, left),
    def("RIGHT", 2, 2, right),
    def("TRIM", 1, 2, trim),
    def("LTRIM", 1, 2, ltrim),
    def("RTRIM", 1, 2, rtrim),
    def("SPLIT", 1, 3, split),
    def("SUBSTITUTE", 2, 4, substitute),
    def("CONTAINS", 2, 3, contains),
    def("FIND_FIRST", 2, 4, find_first),
    def("FIND_LAST", 2, 4, find_last),
    def("STARTS_WITH", 2, 3, starts_with),
    def("LIKE", 2, 3, like),
    def("REGEX_TEST", 2, 3, regex_test),
    def("REGEX_REPLACE", 3, 4, regex_replace),
    def("REGEX_MATCHES", 2, 3, regex_matches),
    def("REGEX_SPLIT", 2, 4, regex_split),
    def("REPEAT", 2, 3, repeat),
    def("TO_CHAR", 1, 1, to_char),
];

/// Longest string a function builds (REPEAT, SUBSTITUTE, ...), as ArangoDB bounds its
/// results too.
pub(super) const MAX_STRING: usize = 16 << 20;

fn pieces(args: &Args, from: usize) -> Vec<Value> {
    match args.all().get(from..) {
        Some([Value::Array(items)]) if args.len() == from + 1 => items.clone(),
        Some(rest) => rest.to_vec(),
        None => Vec::new(),
    }
}

fn concat(args: &mut Args) -> AqlResult<Value> {
    let mut out = String::new();
    for v in pieces(args, 0) {
        if !v.is_null() {
            out.push_str(&cast::to_string(&v));
        }
    }
    Ok(Value::String(out))
}

fn concat_separator(args: &mut Args) -> AqlResult<Value> {
    let sep = args.string(0);
    let parts: Vec<String> = pieces(args, 1).iter().filter(|v| !v.is_null()).map(cast::to_string).collect();
    Ok(Value::String(parts.join(&sep)))
}

fn char_length(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::Int(args.string(0).chars().count() as i64))
}

fn lower(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::String(args.string(0).to_lowercase()))
}

fn upper(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::String(args.string(0).to_uppercase()))
}

/// The character range `[start, start + len)` of a `count`-character string, with a
/// negative offset counted from the end, clamped to the string.
fn char_window(count: usize, offset: i64, length: Option<i64>) -> (usize, usize) {
    let n = count as i64;
    let start = if offset < 0 { (n + offset).max(0) } else { offset.min(n) };
    let end = match length {
        None => n,
        Some(l) if l < 0 => start,
        Some(l) => start.saturating_add(l).min(n),
    };
    (start as usize, end.max(start) as usize)
}

fn chars_between(s: &str, start: usize, end: usize) -> String {
    s.chars().skip(start).take(end - start).collect()
}

fn substring(args: &mut Args) -> AqlResult<Value> {
    let s = args.string(0);
    let length = if args.get(2).is_null() { None } else { Some(args.int(2)) };
    let (start, end) = char_window(s.chars().count(), args.int(1), length);
    Ok(Value::String(chars_between(&s, start, end)))
}

fn substring_bytes(args: &mut Args) -> AqlResult<Value> {
    let Value::String(s) = args.get(0) else {
        let message = "SUBSTRING_BYTES(): the value must be a string";
        args.warn(crate::error::num::BAD_PARAMETER, message);
        return Ok(Value::Null);
    };
    let s = s.clone();
    let n = s.len() as i64;
    let offset = args.int(1);
    let start = if offset < 0 { (n + offset).max(0) } else { offset.min(n) } as usize;
    let length = if args.has(2) { args.int(2).max(0) } else { n };
    let end = (start as i64).saturating_add(length).min(n) as usize;
    if !s.is_char_boundary(start) || !s.is_char_boundary(end) {
        args.warn(
            crate::error::num::BAD_PARAMETER,
            "SUBSTRING_BYTES(): offset or length not on a UTF-8 character boundary",
        );
        return Ok(Value::Null);
    }
    let extend_left = args.int(3).max(0) as usize;
    let extend_right = if args.len() == 4 { extend_left } else { args.int(4).max(0) as usize };
    let start = s[..start].char_indices().rev().take(extend_left).last().map(|(i, _)| i).unwrap_or(start);
    let end = s[end..].char_indices().nth(extend_right).map(|(i, _)| end + i).unwrap_or(if extend_right > 0 {
        s.len()
    } else {
        end
    });
    Ok(Value::String(s[start..end].to_string()))
}

fn left(args: &mut Args) -> AqlResult<Value> {
    let n = args.int(1).max(0) as usize;
    Ok(Value::String(args.string(0).chars().take(n).collect()))
}

fn right(args: &mut Args) -> AqlResult<Value> {
    let s = args.string(0);
    let n = args.int(1).max(0) as usize;
    let count = s.chars().count();
    Ok(Value::String(s.chars().skip(count.saturating_sub(n)).collect()))
}

const WHITESPACE: &str = "\r\n \t";

enum Side {
    Both,
    Left,
    Right,
}

/// TRIM's second argument is a mode (0 both ends, 1 the start, 2 the end) when a
/// number and the characters to strip when a string; LTRIM/RTRIM read theirs as a
/// string in any case (null strips nothing), as ArangoDB does.
fn trim_with(args: &mut Args, mut side: Side) -> AqlResult<Value> {
    let s = args.string(0);
    let chars = match (args.get(1), &side) {
        _ if !args.has(1) => WHITESPACE.to_string(),
        (Value::Int(_) | Value::Double(_), Side::Both) => {
            side = match args.int(1) {
                1 => Side::Left,
                2 => Side::Right,
                _ => Side::Both,
            };
            WHITESPACE.to_string()
        }
        (Value::String(chars), _) => chars.clone(),
        (_, Side::Both) => WHITESPACE.to_string(),
        (other, _) => cast::to_string(other),
    };
    let strip = |c: char| chars.contains(c);
    let out = match side {
        Side::Both => s.trim_matches(strip),
        Side::Left => s.trim_start_matches(strip),
        Side::Right => s.trim_end_matches(strip),
    };
    Ok(Value::String(out.to_string()))
}

fn trim(args: &mut Args) -> AqlResult<Value> {
    trim_with(args, Side::Both)
}

fn ltrim(args: &mut Args) -> AqlResult<Value> {
    trim_with(args, Side::Left)
}

fn rtrim(args: &mut Args) -> AqlResult<Value> {
    trim_with(args, Side::Right)
}

/// The strings a SPLIT/SUBSTITUTE search argument names: one string or an array.
fn string_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().map(cast::to_string).collect(),
        Value::Null => Vec::new(),
        other => vec![cast::to_string(other)],
    }
}

/// The earliest occurrence in `s` at or after `from` of one of `needles` (the first
/// listed wins a tie): (byte position, needle index).
fn next_match(s: &str, from: usize, needles: &[String]) -> Option<(usize, usize)> {
    let rest = s.get(from..)?;
    needles
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.is_empty())
        .filter_map(|(i, n)| rest.find(n.as_str()).map(|p| (from + p, i)))
        .min_by_key(|&(p, i)| (p, i))
}

fn split(args: &mut Args) -> AqlResult<Value> {
    let limit = match args.get(2) {
        _ if !args.has(2) => usize::MAX,
        Value::Int(_) | Value::Double(_) => match args.int(2) {
            n if n < 0 => return Ok(Value::Null),
            n => n as usize,
        },
        _ => return Ok(args.type_error()),
    };
    if limit == 0 {
        return Ok(Value::Array(Vec::new()));
    }
    if matches!(args.get(1), Value::Object(_)) {
        return Ok(args.type_error());
    }
    if !args.has(1) {
        return Ok(Value::Array(vec![args.take(0)]));
    }
    let s = args.string(0);
    let seps = string_list(args.get(1));
    let mut out = Vec::new();
    if seps.iter().all(|sep| sep.is_empty()) {
        out.extend(s.chars().take(limit).map(|c| Value::String(c.to_string())));
        return Ok(Value::Array(out));
    }
    let mut at = 0;
    while out.len() < limit {
        match next_match(&s, at, &seps) {
            Some((p, i)) => {
                out.push(Value::str(&s[at..p]));
                at = p + seps.get(i).map(|n| n.len()).unwrap_or(0);
            }
            None => {
                out.push(Value::str(&s[at..]));
                break;
            }
        }
    }
    Ok(Value::Array(out))
}

/// The search strings and replacements of SUBSTITUTE: a mapping object, or a search
/// string/array with a replacement string/array; None for ArangoDB's type errors.
fn substitutions(args: &Args) -> Option<(Vec<String>, Vec<String>, Option<String>)> {
    let text = |v: &Value| match v {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    match args.get(1) {
        Value::Object(map) => {
            let replace = map.values().map(text).collect::<Option<Vec<_>>>()?;
            Some((map.keys().cloned().collect(), replace, None))
        }
        search => {
            let search = match search {
                Value::Array(items) => {
                    items.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<Vec<_>>>()?
                }
                Value::String(s) => vec![s.clone()],
                _ => return None,
            };
            match args.get(2) {
                _ if !args.has(2) => Some((search, Vec::new(), None)),
                Value::Array(items) => Some((search, items.iter().map(text).collect::<Option<Vec<_>>>()?, None)),
                Value::String(one) => Some((search, Vec::new(), Some(one.clone()))),
                _ => None,
            }
        }
    }
}

fn substitute(args: &mut Args) -> AqlResult<Value> {
    let by_object = matches!(args.get(1), Value::Object(_));
    if by_object && args.len() > 3 {
        let message = "SUBSTITUTE() with a mapping object takes at most 3 arguments";
        args.warn(crate::error::num::QUERY_FUNCTION_ARGUMENT_NUMBER_MISMATCH, message);
        return Ok(Value::Null);
    }
    let Some((search, replace, every)) = substitutions(args) else { return Ok(args.type_error()) };
    let limit_at = if by_object { 2 } else { 3 };
    let limit = if args.has(limit_at) { args.int(limit_at) } else { -1 };
    let s = args.string(0);
    if limit == 0 || search.is_empty() {
        return Ok(Value::String(s));
    }
    let mut out = String::with_capacity(s.len());
    let (mut at, mut done) = (0, 0i64);
    while limit == -1 || done < limit {
        let Some((p, i)) = next_match(&s, at, &search) else { break };
        out.push_str(&s[at..p]);
        match (replace.get(i), &every) {
            (Some(r), _) | (None, Some(r)) => out.push_str(r),
            (None, None) => {}
        }
        if out.len() > MAX_STRING {
            return Ok(args.too_long());
        }
        at = p + search.get(i).map(|n| n.len()).unwrap_or(0);
        done += 1;
    }
    out.push_str(s.get(at..).unwrap_or(""));
    Ok(Value::String(out))
}

/// CONTAINS: an empty search is never found; the index ArangoDB answers is the byte
/// offset of the match in the UTF-8 text.
fn contains(args: &mut Args) -> AqlResult<Value> {
    let (s, search) = (args.string(0), args.string(1));
    let found = if search.is_empty() { None } else { s.find(search.as_str()) };
    if args.flag(2, false) {
        return Ok(Value::Int(found.map(|b| b as i64).unwrap_or(-1)));
    }
    Ok(Value::Bool(found.is_some()))
}

/// FIND_FIRST/FIND_LAST: the character positions where `search` occurs in `text`
/// wholly within `start..=end`, as (first, last); the empty search answers `start`
/// (FIND_FIRST) or the end (FIND_LAST), as ArangoDB does.
fn find(args: &mut Args, last: bool) -> AqlResult<Value> {
    let text: Vec<char> = args.string(0).chars().collect();
    let search: Vec<char> = args.string(1).chars().collect();
    let start = if args.has(2) { args.int(2) } else { 0 };
    if start < 0 {
        return Ok(Value::Int(-1));
    }
    let explicit_end = args.has(3) && !args.get(3).is_null();
    let end = if explicit_end { args.int(3) } else { text.len() as i64 };
    if explicit_end && (end < start || end < 0) {
        return Ok(Value::Int(-1));
    }
    if search.is_empty() {
        return Ok(Value::Int(if last { end + i64::from(explicit_end) } else { start }));
    }
    let fits = |pos: usize| pos as i64 >= start && (pos + search.len()) as i64 - 1 <= end;
    let mut hits = text.windows(search.len()).enumerate().filter(|(pos, w)| *w == search.as_slice() && fits(*pos));
    let hit = if last { hits.next_back() } else { hits.next() };
    Ok(Value::Int(hit.map(|(pos, _)| pos as i64).unwrap_or(-1)))
}

fn find_first(args: &mut Args) -> AqlResult<Value> {
    find(args, false)
}

fn find_last(args: &mut Args) -> AqlResult<Value> {
    find(args, true)
}

fn starts_with(args: &mut Args) -> AqlResult<Value> {
    let s = args.string(0);
    match args.get(1) {
        Value::Array(prefixes) => {
            let min = if args.get(2).is_null() { 1 } else { args.int(2).max(0) as usize };
            let hits = prefixes.iter().filter(|p| s.starts_with(cast::to_string(p).as_str())).count();
            Ok(Value::Bool(hits >= min))
        }
        prefix => Ok(Value::Bool(s.starts_with(cast::to_string(prefix).as_str()))),
    }
}

fn like(args: &mut Args) -> AqlResult<Value> {
    Ok(Value::Bool(ops::like(&args.string(0), &args.string(1), args.flag(2, false))))
}

fn regex_test(args: &mut Args) -> AqlResult<Value> {
    match ops::regex_test(&args.string(0), &args.string(1), args.flag(2, false)) {
        Some(m) => Ok(Value::Bool(m)),
        None => Ok(args.regex_error()),
    }
}

/// An ICU replacement text in the regex crate's syntax: `$n` is group n (as many
/// digits as name an existing group), `\x` is x itself, any other `$` is a dollar.
fn icu_replacement(text: &str, groups: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = 0usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    let next = n * 10 + d as usize;
                    if next >= groups && n > 0 {
                        break;
                    }
                    n = next;
                    chars.next();
                }
                out.push_str(&format!("${{{n}}}"));
            }
            '$' => out.push_str("$$"),
            other => out.push(other),
        }
    }
    out
}

fn regex_replace(args: &mut Args) -> AqlResult<Value> {
    let (s, replacement) = (args.string(0), args.string(2));
    let out = ops::with_regex(&args.string(1), args.flag(3, false), |re| {
        let replacement = icu_replacement(&replacement, re.captures_len());
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        for caps in re.captures_iter(&s) {
            let Some(whole) = caps.get(0) else { continue };
            out.push_str(&s[at..whole.start()]);
            caps.expand(&replacement, &mut out);
            at = whole.end();
            if out.len() > MAX_STRING {
                return None;
            }
        }
        out.push_str(&s[at..]);
        (out.len() <= MAX_STRING).then_some(out)
    });
    match out {
        Some(Some(text)) => Ok(Value::String(text)),
        Some(None) => Ok(args.too_long()),
        None => Ok(args.regex_error()),
    }
}

fn regex_matches(args: &mut Args) -> AqlResult<Value> {
    let s = args.string(0);
    let out = ops::with_regex(&args.string(1), args.flag(2, false), |re| {
        re.captures(&s).map(|caps| {
            caps.iter()
                .map(|m| Value::String(m.map(|m| m.as_str().to_string()).unwrap_or_default()))
                .collect::<Vec<_>>()
        })
    });
    match out {
        Some(Some(groups)) => Ok(Value::Array(groups)),
        Some(None) => Ok(Value::Null),
        None => Ok(args.regex_error()),
    }
}

fn regex_split(args: &mut Args) -> AqlResult<Value> {
    let s = args.string(0);
    let limit = match args.get(3) {
        _ if !args.has(3) => usize::MAX,
        Value::Int(_) | Value::Double(_) => match args.int(3) {
            n if n < 0 => return Ok(Value::Null),
            0 => return Ok(Value::Array(Vec::new())),
            n => n as usize,
        },
        _ => return Ok(args.type_error()),
    };
    if s.is_empty() && !args.string(1).is_empty() {
        return Ok(Value::Array(vec![Value::str("")]));
    }
    let out = ops::with_regex(&args.string(1), args.flag(2, false), |re| {
        let mut out = Vec::new();
        let mut at = 0;
        for caps in re.captures_iter(&s) {
            let Some(whole) = caps.get(0) else { continue };
            if whole.as_str().is_empty() {
                continue;
            }
            out.push(Value::str(&s[at..whole.start()]));
            for group in caps.iter().skip(1).flatten() {
                out.push(Value::str(group.as_str()));
            }
            at = whole.end();
            if out.len() >= limit {
                break;
            }
        }
        if out.len() < limit {
            out.push(Value::str(&s[at..]));
        }
        out.truncate(limit);
        out
    });
    match out {
        Some(parts) => Ok(Value::Array(parts)),
        None => Ok(args.regex_error()),
    }
}

fn repeat(args: &mut Args) -> AqlResult<Value> {
    let (s, sep) = (args.string(0), args.string(2));
    let n = args.int(1);
    if n == 0 {
        return Ok(Value::str(""));
    }
    if n < 0 {
        return Ok(args.type_error());
    }
    let total = s.len().saturating_add(sep.len()).saturating_mul(usize::try_from(n).unwrap_or(usize::MAX));
    if total > MAX_STRING + sep.len() {
        return Ok(args.too_long());
    }
    Ok(Value::String(vec![s; n as usize].join(&sep)))
}

fn to_char(args: &mut Args) -> AqlResult<Value> {
    let code = match args.get(0) {
        Value::Int(_) | Value::Double(_) => args.int(0),
        _ => -1,
    };
    match u32::try_from(code).ok().and_then(char::from_u32) {
        Some(c) => Ok(Value::String(c.to_string())),
        None => Ok(args.type_error()),
    }
}
