//! AQL's operators as the executor applies them: arithmetic (operands cast with
//! TO_NUMBER and computed in doubles as ArangoDB does, division or modulo by zero
//! null with warning 1562, NaN/infinite results null), the
//! unary operators, comparison in AQL's type order, `IN`, `LIKE`, `=~` and the array
//! comparison operators (`ALL`/`ANY`/`NONE`/`AT LEAST (n)`). `IN`/`NOT IN` with a
//! non-array right-hand side are both false, as in ArangoDB.

use super::{cast, compare::compare, Value};
use crate::ast::{BinaryOp, Quantifier, UnaryOp};
use crate::error::num;
use crate::functions::FnContext;
use std::cell::RefCell;
use std::cmp::Ordering;

/// Applies a binary operator. `And`/`Or` answer as AQL's `&&`/`||` do (one of the
/// operands, not a boolean); the executor short-circuits them before calling here.
pub fn binary(op: BinaryOp, a: &Value, b: &Value, ctx: &mut FnContext) -> Value {
    match op {
        BinaryOp::Or => {
            if cast::to_bool(a) {
                a.clone()
            } else {
                b.clone()
            }
        }
        BinaryOp::And => {
            if cast::to_bool(a) {
                b.clone()
            } else {
                a.clone()
            }
        }
        BinaryOp::Eq => Value::Bool(compare(a, b) == Ordering::Equal),
        BinaryOp::Ne => Value::Bool(compare(a, b) != Ordering::Equal),
        BinaryOp::Lt => Value::Bool(compare(a, b) == Ordering::Less),
        BinaryOp::Le => Value::Bool(compare(a, b) != Ordering::Greater),
        BinaryOp::Gt => Value::Bool(compare(a, b) == Ordering::Greater),
        BinaryOp::Ge => Value::Bool(compare(a, b) != Ordering::Less),
        BinaryOp::In => Value::Bool(contains(b, a)),
        BinaryOp::NotIn => Value::Bool(matches!(b, Value::Array(_)) && !contains(b, a)),
        BinaryOp::Like => Value::Bool(like(&cast::to_string(a), &cast::to_string(b), false)),
        BinaryOp::NotLike => Value::Bool(!like(&cast::to_string(a), &cast::to_string(b), false)),
        BinaryOp::RegexMatch => regex_operator(a, b, false, ctx),
        BinaryOp::RegexNotMatch => regex_operator(a, b, true, ctx),
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => arithmetic(op, a, b, ctx),
    }
}

/// `-v`, `+v` (TO_NUMBER) and `!v` / `NOT v` (TO_BOOL negated).
pub fn unary(op: UnaryOp, v: &Value) -> Value {
    match op {
        UnaryOp::Not => Value::Bool(!cast::to_bool(v)),
        UnaryOp::Plus => cast::to_number(v),
        UnaryOp::Minus => match cast::to_number(v) {
            Value::Int(i) => i.checked_neg().map(Value::Int).unwrap_or(Value::Double(-(i as f64))),
            Value::Double(d) => Value::double(-d),
            _ => Value::Int(0),
        },
    }
}

/// Whether `haystack` is an array holding a value equal to `needle`; false otherwise.
pub fn contains(haystack: &Value, needle: &Value) -> bool {
    match haystack {
        Value::Array(items) => items.iter().any(|item| compare(item, needle) == Ordering::Equal),
        _ => false,
    }
}

/// Arithmetic in doubles, as ArangoDB computes it; an integral result within 2^53 is
/// answered as an integer (the same number, printed the same).
fn arithmetic(op: BinaryOp, a: &Value, b: &Value, ctx: &mut FnContext) -> Value {
    let (x, y) = (cast::to_f64(a), cast::to_f64(b));
    let r = match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div | BinaryOp::Mod if y == 0.0 => {
            let symbol = if op == BinaryOp::Div { "/" } else { "%" };
            ctx.warn(num::QUERY_DIVISION_BY_ZERO, format!("in operator {symbol}: division by zero"));
            return Value::Null;
        }
        BinaryOp::Div => x / y,
        _ => x % y,
    };
    number(r)
}

/// A double result as AQL answers it: null for NaN and infinities, an integer for an
/// integral value within 2^53.
pub fn number(r: f64) -> Value {
    if r.is_finite() && r.fract() == 0.0 && r.abs() < 9_007_199_254_740_992.0 {
        Value::Int(r as i64)
    } else {
        Value::double(r)
    }
}

/// `a =~ b` / `a !~ b`: REGEX_TEST's semantics; an invalid pattern warns 1543 and
/// answers null.
fn regex_operator(a: &Value, b: &Value, negate: bool, ctx: &mut FnContext) -> Value {
    match regex_test(&cast::to_string(a), &cast::to_string(b), false) {
        Some(m) => Value::Bool(m != negate),
        None => {
            ctx.warn(num::QUERY_INVALID_REGEX, "invalid regex value");
            Value::Null
        }
    }
}

/// Whether `text` matches `pattern`; None when the pattern is not a valid regex.
pub fn regex_test(text: &str, pattern: &str, case_insensitive: bool) -> Option<bool> {
    with_regex(pattern, case_insensitive, |re| re.is_match(text))
}

const REGEX_CACHE: usize = 32;
const REGEX_SIZE_LIMIT: usize = 1 << 20;

thread_local! {
    static COMPILED: RefCell<Vec<(String, bool, regex::Regex)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with the compiled form of `pattern` (a small per-thread cache, as the same
/// pattern is applied row after row); None when the pattern does not compile.
pub fn with_regex<T>(pattern: &str, case_insensitive: bool, f: impl FnOnce(&regex::Regex) -> T) -> Option<T> {
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(pos) = cache.iter().position(|(p, ci, _)| p == pattern && *ci == case_insensitive) {
            return Some(f(&cache[pos].2));
        }
        let re = regex::RegexBuilder::new(pattern)
            .case_insensitive(case_insensitive)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .ok()?;
        let out = f(&re);
        if cache.len() >= REGEX_CACHE {
            cache.remove(0);
        }
        cache.push((pattern.to_string(), case_insensitive, re));
        Some(out)
    })
}

#[derive(Debug, PartialEq)]
enum Token {
    Char(char),
    One,
    Any,
}

fn like_tokens(pattern: &str, case_insensitive: bool) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let token = match c {
            '\\' => match chars.next() {
                Some(next) => Token::Char(next),
                None => Token::Char('\\'),
            },
            '%' => {
                if out.last() == Some(&Token::Any) {
                    continue;
                }
                Token::Any
            }
            '_' => Token::One,
            other => Token::Char(other),
        };
        out.push(match token {
            Token::Char(c) if case_insensitive => Token::Char(fold(c)),
            t => t,
        });
    }
    out
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Where `seg` (characters, None for `_`) matching `text` from byte `at` ends.
fn segment_at(text: &str, at: usize, seg: &[Option<char>]) -> Option<usize> {
    let mut chars = text.get(at..)?.char_indices();
    let mut end = 0;
    for want in seg {
        let (i, c) = chars.next()?;
        if want.is_some_and(|w| w != c) {
            return None;
        }
        end = i + c.len_utf8();
    }
    Some(at + end)
}

/// The leftmost match of `seg` within bytes `from..end` of `text`: (start, end).
fn find_segment(text: &str, from: usize, end: usize, seg: &[Option<char>]) -> Option<(usize, usize)> {
    let hay = text.get(from..end)?;
    if seg.iter().all(Option::is_some) {
        let needle: String = seg.iter().flatten().collect();
        return hay.find(&needle).map(|p| (from + p, from + p + needle.len()));
    }
    hay.char_indices()
        .map(|(i, _)| from + i)
        .find_map(|at| segment_at(text, at, seg).filter(|e| *e <= end).map(|e| (at, e)))
}

/// LIKE matching: `%` any sequence, `_` one character, `\%`, `\_` and `\\` literal; the
/// whole text must match. The pattern is cut at its `%`s: the first piece must match
/// at the start, the last at the end, the others in order at their leftmost places
/// (linear searches for pieces without `_`).
pub fn like(text: &str, pattern: &str, case_insensitive: bool) -> bool {
    let tokens = like_tokens(pattern, case_insensitive);
    let folded: String;
    let text = if case_insensitive {
        folded = text.chars().map(fold).collect();
        folded.as_str()
    } else {
        text
    };
    let segments: Vec<Vec<Option<char>>> = tokens
        .split(|t| *t == Token::Any)
        .map(|seg| {
            seg.iter()
                .map(|t| match t {
                    Token::Char(c) => Some(*c),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let (Some(first), Some(last)) = (segments.first(), segments.last()) else { return text.is_empty() };
    let Some(mut at) = segment_at(text, 0, first) else { return false };
    if segments.len() == 1 {
        return at == text.len();
    }
    let tail_start = match last.len() {
        0 => text.len(),
        n => match text.char_indices().rev().nth(n - 1) {
            Some((i, _)) => i,
            None => return false,
        },
    };
    if tail_start < at || segment_at(text, tail_start, last) != Some(text.len()) {
        return false;
    }
    for seg in segments.iter().take(segments.len() - 1).skip(1) {
        match find_segment(text, at, tail_start, seg) {
            Some((_, e)) => at = e,
            None => return false,
        }
    }
    true
}

/// `lhs ALL|ANY|NONE|AT LEAST (n) op rhs`: `op` (a comparison or IN/NOT IN) applied to
/// every element of the array `lhs` with `rhs`; `at_least` is the evaluated n of
/// `AT LEAST` (ignored otherwise). As in ArangoDB a non-array `lhs`, or a non-array
/// `rhs` of IN/NOT IN, is false.
pub fn quantified(
    q: &Quantifier,
    at_least: usize,
    op: BinaryOp,
    lhs: &Value,
    rhs: &Value,
    ctx: &mut FnContext,
) -> Value {
    let Some(items) = lhs.as_array() else { return Value::Bool(false) };
    if matches!(op, BinaryOp::In | BinaryOp::NotIn) && !matches!(rhs, Value::Array(_)) {
        return Value::Bool(false);
    }
    let mut hits = 0usize;
    for item in items {
        let r = cast::to_bool(&binary(op, item, rhs, ctx));
        match q {
            Quantifier::All if !r => return Value::Bool(false),
            Quantifier::Any if r => return Value::Bool(true),
            Quantifier::None if r => return Value::Bool(false),
            _ => {}
        }
        if r {
            hits += 1;
            if matches!(q, Quantifier::AtLeast(_)) && hits >= at_least {
                return Value::Bool(true);
            }
        }
    }
    Value::Bool(match q {
        Quantifier::All | Quantifier::None => true,
        Quantifier::Any => false,
        Quantifier::AtLeast(_) => hits >= at_least,
    })
}

#[cfg(test)]
mod tests;
