//! FT.SEARCH's query language (the subset we serve) parsed into a [`Query`]: a prefilter
//! ([`Filter`]) optionally followed by `=>[KNN k @field $param [EF_RUNTIME r] [AS alias]]`.
//!
//! Prefilters: `*`; `@tag:{a | b}`; `@num:[lo hi]` with `(` for an exclusive bound and
//! `-inf`/`+inf`; words (on every TEXT field) and `@text:word` / `@text:(a | b)`; `-`
//! negation; AND by juxtaposition; OR with `|`; parentheses; `"quoted words"` (all must
//! appear, adjacency is not checked). `$name` parameters stand for KNN's k, its vector,
//! EF_RUNTIME and numeric bounds. Prefix, fuzzy and optional terms, geo filters, vector
//! range queries and attributes (`=>{$weight: ..}`) answer "not supported".
//! Nesting is bounded, so no input can exhaust the stack.

use super::schema::{FieldKind, IndexDef};
use crate::error::{RedisError, RedisResult};
use std::collections::HashMap;
use std::ops::Bound;

/// Deepest nesting of parentheses and negations.
const MAX_DEPTH: usize = 64;
/// Largest KNN k.
pub const MAX_K: usize = 100_000;

/// A prefilter over one index's documents (field positions are schema positions).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    All,
    /// Any of the values (already case-folded for case-insensitive fields).
    Tag {
        field: usize,
        values: Vec<String>,
    },
    Range {
        field: usize,
        low: Bound<f64>,
        high: Bound<f64>,
    },
    /// A lower-cased word in one TEXT field, or in any (`None`).
    Word {
        field: Option<usize>,
        word: String,
    },
    Not(Box<Filter>),
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

/// `=>[KNN ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Knn {
    pub k: usize,
    /// The VECTOR field's schema position.
    pub field: usize,
    /// The query vector (the parameter's bytes).
    pub vector: Vec<u8>,
    pub ef_runtime: Option<usize>,
    /// The name the score is returned under (`__<attribute>_score` by default).
    pub score_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub filter: Filter,
    pub knn: Option<Knn>,
}

/// Parses `text` against `def` with the PARAMS given.
pub fn parse(text: &[u8], def: &IndexDef, params: &HashMap<String, Vec<u8>>) -> RedisResult<Query> {
    let text = std::str::from_utf8(text).map_err(|_| RedisError::err("Syntax error: query is not valid UTF-8"))?;
    let (filter_text, knn_text) = split_knn(text);
    let mut p = Parser { chars: filter_text.char_indices().collect(), at: 0, def, params, depth: 0 };
    p.skip_space();
    let filter = if p.at_end() { Filter::All } else { p.or(None)? };
    p.skip_space();
    if !p.at_end() {
        return Err(p.syntax());
    }
    let knn = match knn_text {
        Some(k) => Some(parse_knn(k, def, params)?),
        None => None,
    };
    Ok(Query { filter, knn })
}

/// Splits at the first unescaped `=>` (nothing else in a prefilter contains one).
fn split_knn(text: &str) -> (&str, Option<&str>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'=' if bytes.get(i + 1) == Some(&b'>') => return (&text[..i], Some(&text[i + 2..])),
            _ => {}
        }
        i += 1;
    }
    (text, None)
}

fn param<'a>(params: &'a HashMap<String, Vec<u8>>, token: &str) -> RedisResult<&'a [u8]> {
    let name = token.strip_prefix('$').unwrap_or(token);
    params.get(name).map(Vec::as_slice).ok_or_else(|| RedisError::err(format!("No such parameter `{name}`")))
}

fn number_token(params: &HashMap<String, Vec<u8>>, token: &str) -> RedisResult<String> {
    if token.starts_with('$') {
        let bytes = param(params, token)?;
        return String::from_utf8(bytes.to_vec()).map_err(|_| RedisError::err("Invalid numeric parameter"));
    }
    Ok(token.to_string())
}

/// `[KNN k @field $param [EF_RUNTIME r] [AS alias]]`.
fn parse_knn(text: &str, def: &IndexDef, params: &HashMap<String, Vec<u8>>) -> RedisResult<Knn> {
    let text = text.trim();
    if text.starts_with('{') {
        return Err(super::schema::not_supported("query attributes (=>{...})"));
    }
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| RedisError::err("Syntax error: expected =>[KNN k @field $vector]"))?;
    let tokens: Vec<&str> = inner.split_whitespace().collect();
    let at = |i: usize| tokens.get(i).copied().ok_or_else(|| RedisError::err("Syntax error: incomplete KNN clause"));
    if !at(0)?.eq_ignore_ascii_case("KNN") {
        if at(0)?.eq_ignore_ascii_case("VECTOR_RANGE") {
            return Err(super::schema::not_supported("vector range queries"));
        }
        return Err(RedisError::err(format!("Syntax error near `{}`: expected KNN", at(0)?)));
    }
    let k = number_token(params, at(1)?)?
        .parse::<usize>()
        .ok()
        .filter(|k| *k <= MAX_K)
        .ok_or_else(|| RedisError::err("Invalid K value in KNN clause"))?;
    let attribute = at(2)?.strip_prefix('@').ok_or_else(|| RedisError::err("Syntax error: expected @field in KNN"))?;
    let (field, def_field) = def.attribute(attribute).ok_or_else(|| unknown_field(attribute))?;
    if !matches!(def_field.kind, FieldKind::Vector(_)) {
        return Err(RedisError::err(format!("Expected a VECTOR field at `{attribute}`")));
    }
    let vector_token = at(3)?;
    if !vector_token.starts_with('$') {
        return Err(RedisError::err("Syntax error: the KNN vector must be a $parameter"));
    }
    let vector = param(params, vector_token)?.to_vec();
    let mut knn = Knn { k, field, vector, ef_runtime: None, score_name: format!("__{attribute}_score") };
    let mut i = 4;
    while i < tokens.len() {
        let option = at(i)?;
        if option.eq_ignore_ascii_case("EF_RUNTIME") {
            let ef = number_token(params, at(i + 1)?)?;
            knn.ef_runtime = Some(
                ef.parse::<usize>()
                    .ok()
                    .filter(|e| (1..=1_000_000).contains(e))
                    .ok_or_else(|| RedisError::err("Invalid EF_RUNTIME value"))?,
            );
        } else if option.eq_ignore_ascii_case("AS") {
            knn.score_name = at(i + 1)?.to_string();
        } else if option.eq_ignore_ascii_case("EPSILON") {
            return Err(super::schema::not_supported("KNN EPSILON"));
        } else {
            return Err(RedisError::err(format!("Syntax error: unknown KNN option `{option}`")));
        }
        i += 2;
    }
    Ok(knn)
}

fn unknown_field(name: &str) -> RedisError {
    RedisError::err(format!("Unknown field `{name}`"))
}

struct Parser<'a> {
    chars: Vec<(usize, char)>,
    at: usize,
    def: &'a IndexDef,
    params: &'a HashMap<String, Vec<u8>>,
    depth: usize,
}

/// Characters that end a bare word.
fn is_special(c: char) -> bool {
    c.is_whitespace() || "()|@{}[]:-\"~%*=>$;,".contains(c)
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).map(|(_, c)| *c)
    }
    fn at_end(&self) -> bool {
        self.at >= self.chars.len()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }
    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }
    fn offset(&self) -> usize {
        self.chars
            .get(self.at)
            .map(|(o, _)| *o)
            .unwrap_or_else(|| self.chars.last().map_or(0, |(o, c)| o + c.len_utf8()))
    }
    fn syntax(&self) -> RedisError {
        let near: String = self.chars.iter().skip(self.at).take(16).map(|(_, c)| *c).collect();
        RedisError::err(format!("Syntax error at offset {} near {}", self.offset(), near))
    }
    fn expect(&mut self, wanted: char) -> RedisResult<()> {
        self.skip_space();
        if self.bump() == Some(wanted) {
            Ok(())
        } else {
            self.at = self.at.saturating_sub(1);
            Err(self.syntax())
        }
    }
    fn nest(&mut self) -> RedisResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(RedisError::err("Syntax error: query nested too deeply"));
        }
        Ok(())
    }

    /// `and ('|' and)*`; `text_field`: words bind to that TEXT field.
    fn or(&mut self, text_field: Option<usize>) -> RedisResult<Filter> {
        let mut alternatives = vec![self.and(text_field)?];
        loop {
            self.skip_space();
            if self.peek() != Some('|') {
                break;
            }
            self.bump();
            alternatives.push(self.and(text_field)?);
        }
        Ok(if alternatives.len() == 1 { alternatives.remove(0) } else { Filter::Or(alternatives) })
    }

    fn and(&mut self, text_field: Option<usize>) -> RedisResult<Filter> {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None | Some(')') | Some('|') => break,
                _ => items.push(self.unary(text_field)?),
            }
        }
        match items.len() {
            0 => Err(self.syntax()),
            1 => Ok(items.remove(0)),
            _ => Ok(Filter::And(items)),
        }
    }

    fn unary(&mut self, text_field: Option<usize>) -> RedisResult<Filter> {
        self.skip_space();
        if self.peek() == Some('-') {
            self.bump();
            self.nest()?;
            let inner = self.unary(text_field)?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        self.atom(text_field)
    }

    fn atom(&mut self, text_field: Option<usize>) -> RedisResult<Filter> {
        self.skip_space();
        match self.peek() {
            Some('(') => {
                self.bump();
                self.nest()?;
                let inner = self.or(text_field)?;
                self.depth -= 1;
                self.expect(')')?;
                Ok(inner)
            }
            Some('*') if text_field.is_none() => {
                self.bump();
                if self.peek().is_some_and(|c| !is_special(c)) {
                    return Err(super::schema::not_supported("suffix queries (*term)"));
                }
                Ok(Filter::All)
            }
            Some('@') if text_field.is_none() => {
                self.bump();
                self.field_clause()
            }
            Some('"') => {
                self.bump();
                let mut words = Vec::new();
                let mut current = String::new();
                loop {
                    match self.bump() {
                        None => return Err(self.syntax()),
                        Some('"') => break,
                        Some('\\') => current.extend(self.bump()),
                        Some(c) if c.is_alphanumeric() || c == '_' => current.push(c),
                        Some(_) => words.extend(take_word(&mut current)),
                    }
                }
                words.extend(take_word(&mut current));
                let words: Vec<Filter> =
                    words.into_iter().map(|word| Filter::Word { field: text_field, word }).collect();
                match words.len() {
                    0 => Err(self.syntax()),
                    1 => Ok(words.into_iter().next().unwrap_or(Filter::All)),
                    _ => Ok(Filter::And(words)),
                }
            }
            Some('%') | Some('~') => Err(super::schema::not_supported("fuzzy and optional terms")),
            Some('$') => Err(super::schema::not_supported("parameters outside KNN and numeric ranges")),
            Some(c) if !is_special(c) || c == '\\' => {
                let word = self.word();
                if self.peek() == Some('*') {
                    return Err(super::schema::not_supported("prefix queries (term*)"));
                }
                let word = word.to_lowercase();
                if word.is_empty() {
                    return Err(self.syntax());
                }
                if text_field.is_none() && !self.def.fields.iter().any(|f| matches!(f.kind, FieldKind::Text { .. })) {
                    return Err(RedisError::err("Syntax error: a word needs a TEXT field in the schema"));
                }
                Ok(Filter::Word { field: text_field, word })
            }
            _ => Err(self.syntax()),
        }
    }

    /// A bare word with backslash escapes.
    fn word(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                self.bump();
                out.extend(self.bump());
            } else if is_special(c) {
                break;
            } else {
                out.push(c);
                self.bump();
            }
        }
        out
    }

    /// After `@`: `field:{tags}`, `field:[lo hi]`, `field:word`, `field:(words)`.
    fn field_clause(&mut self) -> RedisResult<Filter> {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                self.bump();
                name.extend(self.bump());
            } else if c.is_alphanumeric() || c == '_' || c == '.' || c == '$' {
                name.push(c);
                self.bump();
            } else {
                break;
            }
        }
        self.expect(':')?;
        let Some((field, def)) = self.def.attribute(&name) else { return Err(unknown_field(&name)) };
        let kind = def.kind.clone();
        self.skip_space();
        match (self.peek(), &kind) {
            (Some('{'), FieldKind::Tag { case_sensitive, .. }) => {
                self.bump();
                let mut values = Vec::new();
                let mut current = String::new();
                loop {
                    match self.bump() {
                        None => return Err(self.syntax()),
                        Some('}') => break,
                        Some('\\') => current.extend(self.bump()),
                        Some('|') => values.push(std::mem::take(&mut current)),
                        Some('*') => return Err(super::schema::not_supported("tag prefix queries")),
                        Some(c) => current.push(c),
                    }
                }
                values.push(current);
                let values: Vec<String> = values
                    .into_iter()
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .map(|v| if *case_sensitive { v } else { v.to_lowercase() })
                    .collect();
                if values.is_empty() {
                    return Err(self.syntax());
                }
                Ok(Filter::Tag { field, values })
            }
            (Some('['), FieldKind::Numeric) => {
                self.bump();
                let mut inside = String::new();
                loop {
                    match self.bump() {
                        None => return Err(self.syntax()),
                        Some(']') => break,
                        Some(c) => inside.push(c),
                    }
                }
                let parts: Vec<&str> =
                    inside.split(|c: char| c.is_whitespace() || c == ',').filter(|p| !p.is_empty()).collect();
                let [low, high] = parts.as_slice() else {
                    return Err(RedisError::err("Syntax error: a numeric range needs two bounds"));
                };
                Ok(Filter::Range { field, low: self.bound(low)?, high: self.bound(high)? })
            }
            (Some('('), FieldKind::Text { .. }) => {
                self.bump();
                self.nest()?;
                let inner = self.or(Some(field))?;
                self.depth -= 1;
                self.expect(')')?;
                Ok(inner)
            }
            (Some(c), FieldKind::Text { .. }) if !is_special(c) || c == '"' || c == '\\' => self.atom(Some(field)),
            (_, FieldKind::Vector(_)) => {
                Err(RedisError::err(format!("Syntax error: vector field `{name}` is only queried with =>[KNN ...]")))
            }
            _ => Err(RedisError::err(format!(
                "Syntax error at offset {}: this clause does not fit {} field `{name}`",
                self.offset(),
                kind.type_name()
            ))),
        }
    }

    fn bound(&self, token: &str) -> RedisResult<Bound<f64>> {
        let (exclusive, token) = match token.strip_prefix('(') {
            Some(rest) => (true, rest),
            None => (false, token),
        };
        let token = number_token(self.params, token)?;
        let value = match token.to_ascii_lowercase().as_str() {
            "inf" | "+inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => other
                .parse::<f64>()
                .ok()
                .filter(|v| !v.is_nan())
                .ok_or_else(|| RedisError::err(format!("Expected a number in a numeric range, got `{token}`")))?,
        };
        Ok(if exclusive { Bound::Excluded(value) } else { Bound::Included(value) })
    }
}

fn take_word(current: &mut String) -> Option<String> {
    (!current.is_empty()).then(|| std::mem::take(current).to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> IndexDef {
        let line = "SCHEMA v VECTOR FLAT 6 TYPE FLOAT32 DIM 2 DISTANCE_METRIC L2 color TAG price NUMERIC body TEXT \
                    title TEXT";
        let args: Vec<Vec<u8>> = line.split_whitespace().map(|s| s.as_bytes().to_vec()).collect();
        IndexDef::parse("idx", 0, &args).expect("def")
    }

    fn q(text: &str) -> RedisResult<Query> {
        let params: HashMap<String, Vec<u8>> =
            [("B".to_string(), vec![0u8; 8]), ("k".to_string(), b"3".to_vec()), ("lo".to_string(), b"5".to_vec())]
                .into_iter()
                .collect();
        parse(text.as_bytes(), &def(), &params)
    }

    #[test]
    fn prefilters() {
        assert_eq!(q("*").unwrap().filter, Filter::All);
        assert_eq!(q("").unwrap().filter, Filter::All);
        assert_eq!(
            q("@color:{Red | blue\\ sky}").unwrap().filter,
            Filter::Tag { field: 1, values: vec!["red".into(), "blue sky".into()] }
        );
        assert_eq!(
            q("@price:[(10 +inf]").unwrap().filter,
            Filter::Range { field: 2, low: Bound::Excluded(10.0), high: Bound::Included(f64::INFINITY) }
        );
        assert_eq!(
            q("@price:[$lo (20]").unwrap().filter,
            Filter::Range { field: 2, low: Bound::Included(5.0), high: Bound::Excluded(20.0) }
        );
        let both = q("hello -@color:{red} | (@title:World @price:[-inf 3])").unwrap().filter;
        assert_eq!(
            both,
            Filter::Or(vec![
                Filter::And(vec![
                    Filter::Word { field: None, word: "hello".into() },
                    Filter::Not(Box::new(Filter::Tag { field: 1, values: vec!["red".into()] })),
                ]),
                Filter::And(vec![
                    Filter::Word { field: Some(4), word: "world".into() },
                    Filter::Range { field: 2, low: Bound::Included(f64::NEG_INFINITY), high: Bound::Included(3.0) },
                ]),
            ])
        );
        assert_eq!(
            q("@body:(a | b)").unwrap().filter,
            Filter::Or(vec![
                Filter::Word { field: Some(3), word: "a".into() },
                Filter::Word { field: Some(3), word: "b".into() }
            ])
        );
    }

    #[test]
    fn knn_clauses() {
        let query = q("(@color:{red})=>[KNN $k @v $B EF_RUNTIME 50 AS dist]").unwrap();
        assert_eq!(query.filter, Filter::Tag { field: 1, values: vec!["red".into()] });
        let knn = query.knn.expect("knn");
        assert_eq!((knn.k, knn.field, knn.ef_runtime, knn.score_name.as_str()), (3, 0, Some(50), "dist"));
        assert_eq!(knn.vector, vec![0u8; 8]);
        let plain = q("*=>[KNN 10 @v $B]").unwrap().knn.expect("knn");
        assert_eq!((plain.k, plain.score_name.as_str()), (10, "__v_score"));
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        let bad = [
            "(",
            ")",
            "@",
            "@color",
            "@color:",
            "@color:{",
            "@color:{}",
            "@price:[1]",
            "@price:[a b]",
            "@nope:{x}",
            "@v:{x}",
            "*=>[KNN]",
            "*=>[KNN x @v $B]",
            "*=>[KNN 3 @color $B]",
            "*=>[KNN 3 @v $missing]",
            "*=>[KNN 3 @v B]",
            "*=>KNN",
            "*=>[VECTOR_RANGE 1 @v $B]",
            "hel*",
            "%fuzzy%",
            "\"unterminated",
            "a | ",
            "-",
            "@price:{x}",
            "*=>[KNN 3 @v $B BOGUS 1]",
            "*=>[KNN 3 @v $B EF_RUNTIME 0]",
            "*=>{$yield_distance_as: d}",
        ];
        for text in bad {
            assert!(q(text).is_err(), "{text} should fail");
        }
        let deep = "(".repeat(10_000);
        assert!(q(&deep).is_err());
        let negations = "-".repeat(10_000) + "x";
        assert!(q(&negations).is_err());
    }
}
