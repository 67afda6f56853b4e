//! The `=~` operator: `text =~ pattern` is true when the regular expression matches the
//! whole string, as Java's `Pattern.matches` (which Neo4j uses) decides. Patterns go
//! through the `regex` crate, which covers Java's common syntax (classes, quantifiers,
//! inline flags such as `(?i)`, Unicode properties) but not backreferences or lookaround:
//! those, and any pattern that does not compile, are an ArgumentError ("Invalid Regex").
//! Patterns and their compiled size are bounded; compiled patterns are kept in a small
//! cache so that a predicate over many rows compiles its pattern once.

use crate::error::{CypherError, CypherResult};
use crate::value::Value;
use parking_lot::Mutex;
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The longest pattern accepted, in bytes.
pub const MAX_PATTERN_BYTES: usize = 16 * 1024;
/// The most memory a compiled pattern may take.
const COMPILED_SIZE_LIMIT: usize = 2 * 1024 * 1024;
/// Compiled patterns kept; the cache starts over when it is full.
const CACHE_ENTRIES: usize = 128;

fn cache() -> &'static Mutex<HashMap<String, Regex>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn invalid(pattern: &str, why: impl std::fmt::Display) -> CypherError {
    CypherError::argument(format!("Invalid Regex: {why} (pattern: {pattern})"))
}

/// The pattern compiled to match whole strings only.
fn compile(pattern: &str) -> CypherResult<Regex> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(invalid(
            "...",
            format!("the pattern is {} bytes long, at most {MAX_PATTERN_BYTES} are accepted", pattern.len()),
        ));
    }
    if let Some(re) = cache().lock().get(pattern) {
        return Ok(re.clone());
    }
    let build = |source: &str| {
        RegexBuilder::new(source).size_limit(COMPILED_SIZE_LIMIT).dfa_size_limit(COMPILED_SIZE_LIMIT).build().map_err(
            |e| match e {
                regex::Error::CompiledTooBig(_) => invalid(pattern, "the pattern is too large"),
                other => invalid(pattern, one_line(&other.to_string())),
            },
        )
    };
    // The pattern must stand on its own, so that it cannot close the anchoring group.
    build(pattern)?;
    let re = build(&format!(r"\A(?:{pattern})\z"))?;
    let mut cached = cache().lock();
    if cached.len() >= CACHE_ENTRIES {
        cached.clear();
    }
    cached.insert(pattern.to_string(), re.clone());
    Ok(re)
}

/// The crate's multi-line error (a caret under the pattern) as one line.
fn one_line(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty()).last().unwrap_or("syntax error").to_string()
}

/// `a =~ b`: null unless both are strings.
pub fn regex_match(text: &Value, pattern: &Value) -> CypherResult<Value> {
    match (text, pattern) {
        (Value::String(t), Value::String(p)) => Ok(Value::Bool(compile(p)?.is_match(t))),
        _ => Ok(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn m(text: &str, pattern: &str) -> CypherResult<Value> {
        regex_match(&Value::String(text.into()), &Value::String(pattern.into()))
    }

    // The Cypher manual's examples (WHERE ... =~): 'Tim.*', '.*\\.com', '(?i)AND.*'.
    #[test]
    fn matches_the_whole_string() {
        assert_eq!(m("Timothy", "Tim.*").unwrap(), Value::Bool(true));
        assert_eq!(m("Peter", "Tim.*").unwrap(), Value::Bool(false));
        assert_eq!(m("peter@example.com", r".*\.com").unwrap(), Value::Bool(true));
        assert_eq!(m("Andy", "(?i)AND.*").unwrap(), Value::Bool(true));
        // Java's matches(): a match of part of the string is not enough.
        assert_eq!(m("xTimx", "Tim").unwrap(), Value::Bool(false));
        assert_eq!(m("ab", "a|ab").unwrap(), Value::Bool(true));
        assert_eq!(m("line\n", "line").unwrap(), Value::Bool(false));
        assert_eq!(m("a\nb", "(?s)a.b").unwrap(), Value::Bool(true));
        assert_eq!(m("a\nb", "(?m)a$").unwrap(), Value::Bool(false));
    }

    #[test]
    fn null_unless_both_are_strings() {
        assert_eq!(regex_match(&Value::Null, &Value::String("a".into())).unwrap(), Value::Null);
        assert_eq!(regex_match(&Value::String("a".into()), &Value::Null).unwrap(), Value::Null);
        assert_eq!(regex_match(&Value::Int(1), &Value::String("1".into())).unwrap(), Value::Null);
    }

    #[test]
    fn unsupported_or_broken_patterns_are_argument_errors() {
        for p in [r"(a)\1", "a(?=b)", "(?<!a)b", "[a-", "a{2,1}"] {
            let e = m("ab", p).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Argument, "{p}");
            assert!(e.message.starts_with("Invalid Regex: "), "{}", e.message);
        }
        let long = "a".repeat(MAX_PATTERN_BYTES + 1);
        assert_eq!(m("a", &long).unwrap_err().kind, ErrorKind::Argument);
        assert_eq!(m("a", "(?:a{1000}){1000}").unwrap_err().kind, ErrorKind::Argument);
    }

    #[test]
    fn a_pattern_cannot_escape_its_anchors() {
        assert_eq!(m("xa", ")|(a").unwrap_err().kind, ErrorKind::Argument);
        assert_eq!(m("ab", "a)(?:b").unwrap_err().kind, ErrorKind::Argument);
    }
}
