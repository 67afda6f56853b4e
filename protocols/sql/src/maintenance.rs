//! VACUUM and ANALYZE in PostgreSQL's grammar (sqlparser 0.63 parses Redshift's VACUUM
//! and Hive's ANALYZE):
//!
//! ```text
//! VACUUM [FULL] [FREEZE] [VERBOSE] [ANALYZE] [table [(col, ...)], ...]
//! VACUUM (option [value], ...) [table [(col, ...)], ...]
//! ANALYZE [VERBOSE] [table [(col, ...)], ...]      (also ANALYSE, ANALYZE (option, ...))
//! ```
//!
//! The parser front ([`crate::parse`]) hands statements that start with one of these
//! words to [`rewrite`], which parses them here and replaces their tokens with a marker
//! statement sqlparser accepts (`VACUUM "__orbit_maintenance"."<encoded command>"`);
//! the session recognises the marker with [`decode`] and runs [`Session::maintenance`].
//!
//! What they do: they check that the named tables and columns exist and answer
//! PostgreSQL's command tag. There is nothing to reclaim or measure: RocksDB compaction
//! drops deleted and overwritten rows by itself, and the planner uses keys and indexes,
//! not statistics.

use crate::error::{sqlstate, SqlError};
use crate::session::{cmd, Session};
use crate::QueryOutput;
use sqlparser::ast::{Ident, ObjectName, ObjectNamePart, Statement};
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

const MARKER: &str = "__orbit_maintenance";
const SEP_TABLE: char = '\u{1}';
const SEP_FIELD: char = '\u{2}';
const SEP_PART: char = '\u{3}';

/// A parsed VACUUM or ANALYZE.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Maintenance {
    /// VACUUM (else ANALYZE).
    pub vacuum: bool,
    /// VACUUM's ANALYZE option.
    pub analyze: bool,
    pub full: bool,
    /// Tables: name parts and the column list.
    pub tables: Vec<(Vec<String>, Vec<String>)>,
}

impl Maintenance {
    fn encode(&self) -> String {
        let flags: String = [self.vacuum, self.analyze, self.full].iter().map(|&b| if b { '1' } else { '0' }).collect();
        let mut out = flags;
        for (name, cols) in &self.tables {
            out.push(SEP_TABLE);
            out.push_str(&name.join(&SEP_PART.to_string()));
            out.push(SEP_FIELD);
            out.push_str(&cols.join(&SEP_PART.to_string()));
        }
        out
    }

    fn decode(s: &str) -> Option<Maintenance> {
        let mut parts = s.split(SEP_TABLE);
        let flags: Vec<bool> = parts.next()?.chars().map(|c| c == '1').collect();
        let split = |x: &str| if x.is_empty() { vec![] } else { x.split(SEP_PART).map(str::to_string).collect() };
        let tables = parts
            .map(|t| {
                let (name, cols) = t.split_once(SEP_FIELD)?;
                Some((split(name), split(cols)))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Maintenance { vacuum: *flags.first()?, analyze: *flags.get(1)?, full: *flags.get(2)?, tables })
    }
}

fn word_is(t: &Token, kw: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// Cheap test before tokenizing: could `sql` hold a VACUUM or ANALYZE?
pub fn mentions_maintenance(sql: &str) -> bool {
    let b = sql.as_bytes();
    b.windows(6).any(|w| w.eq_ignore_ascii_case(b"vacuum"))
        || b.windows(6).any(|w| w.eq_ignore_ascii_case(b"analyz"))
        || b.windows(6).any(|w| w.eq_ignore_ascii_case(b"analys"))
}

/// Replaces every statement of `tokens` that is a VACUUM or ANALYZE with its marker.
pub fn rewrite(tokens: Vec<TokenWithSpan>) -> Result<Vec<TokenWithSpan>, SqlError> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        // Start of a statement: skip whitespace and semicolons into `out`.
        while i < tokens.len() && matches!(tokens[i].token, Token::Whitespace(_) | Token::SemiColon) {
            out.push(tokens[i].clone());
            i += 1;
        }
        if i >= tokens.len() {
            break;
        }
        let end = statement_end(&tokens, i);
        let first = &tokens[i].token;
        if word_is(first, "vacuum") || word_is(first, "analyze") || word_is(first, "analyse") {
            let significant: Vec<&TokenWithSpan> =
                tokens[i..end].iter().filter(|t| !matches!(t.token, Token::Whitespace(_))).collect();
            let m = parse_statement(&significant)?;
            let span = tokens[i].span;
            out.push(TokenWithSpan::new(Token::make_keyword("VACUUM"), span));
            out.push(TokenWithSpan::new(Token::Whitespace(Whitespace::Space), span));
            out.push(TokenWithSpan::new(Token::make_word(MARKER, Some('"')), span));
            out.push(TokenWithSpan::new(Token::Period, span));
            out.push(TokenWithSpan::new(Token::make_word(&m.encode(), Some('"')), span));
        } else {
            out.extend_from_slice(&tokens[i..end]);
        }
        i = end;
    }
    Ok(out)
}

/// Index of the semicolon ending the statement that starts at `start` (or the end).
fn statement_end(tokens: &[TokenWithSpan], start: usize) -> usize {
    let mut depth = 0usize;
    for (j, t) in tokens.iter().enumerate().skip(start) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::SemiColon if depth == 0 => return j,
            _ => {}
        }
    }
    tokens.len()
}

fn syntax_error(t: Option<&&TokenWithSpan>) -> SqlError {
    match t {
        Some(t) => SqlError::new(sqlstate::SYNTAX_ERROR, format!("syntax error at or near \"{}\"", t.token)),
        None => SqlError::new(sqlstate::SYNTAX_ERROR, "syntax error at end of input"),
    }
}

fn ident_value(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) if w.quote_style == Some('"') => Some(w.value.clone()),
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    }
}

fn parse_statement(toks: &[&TokenWithSpan]) -> Result<Maintenance, SqlError> {
    let vacuum = word_is(&toks[0].token, "vacuum");
    let kind = if vacuum { "VACUUM" } else { "ANALYZE" };
    let mut m = Maintenance { vacuum, ..Default::default() };
    let mut p = 1;
    if toks.get(p).is_some_and(|t| t.token == Token::LParen) {
        p += 1;
        loop {
            let Some(name) = toks.get(p).and_then(|t| ident_value(&t.token)) else {
                return Err(syntax_error(toks.get(p)));
            };
            p += 1;
            // An optional value: a word, number or string up to the next comma or ')'.
            let mut value: Option<String> = None;
            if let Some(t) = toks.get(p) {
                match &t.token {
                    Token::Comma | Token::RParen => {}
                    Token::Word(w) => value = Some(w.value.to_lowercase()),
                    Token::Number(n, _) => value = Some(n.clone()),
                    Token::SingleQuotedString(s) => value = Some(s.to_lowercase()),
                    _ => return Err(syntax_error(Some(t))),
                }
                if value.is_some() {
                    p += 1;
                }
            }
            let on = match value.as_deref() {
                None | Some("true" | "on" | "1") => true,
                Some("false" | "off" | "0") => false,
                Some(_) => true,
            };
            let known: &[&str] = if vacuum {
                &[
                    "full",
                    "freeze",
                    "verbose",
                    "analyze",
                    "analyse",
                    "disable_page_skipping",
                    "skip_locked",
                    "index_cleanup",
                    "process_toast",
                    "truncate",
                    "parallel",
                ]
            } else {
                &["verbose", "skip_locked"]
            };
            if !known.contains(&name.as_str()) {
                return Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("unrecognized {kind} option \"{name}\"")));
            }
            match name.as_str() {
                "full" => m.full = on,
                "analyze" | "analyse" => m.analyze = on,
                _ => {}
            }
            match toks.get(p).map(|t| &t.token) {
                Some(Token::Comma) => p += 1,
                Some(Token::RParen) => {
                    p += 1;
                    break;
                }
                _ => return Err(syntax_error(toks.get(p))),
            }
        }
    } else {
        let words: &[&str] = if vacuum { &["full", "freeze", "verbose", "analyze", "analyse"] } else { &["verbose"] };
        for w in words {
            if toks.get(p).is_some_and(|t| word_is(&t.token, w)) {
                p += 1;
                if w.starts_with("analy") {
                    m.analyze = true;
                }
                if *w == "full" {
                    m.full = true;
                }
            }
        }
    }
    while p < toks.len() {
        let mut name = Vec::new();
        loop {
            let Some(part) = toks.get(p).and_then(|t| ident_value(&t.token)) else {
                return Err(syntax_error(toks.get(p)));
            };
            name.push(part);
            p += 1;
            if toks.get(p).is_some_and(|t| t.token == Token::Period) {
                p += 1;
            } else {
                break;
            }
        }
        let mut cols = Vec::new();
        if toks.get(p).is_some_and(|t| t.token == Token::LParen) {
            p += 1;
            loop {
                let Some(c) = toks.get(p).and_then(|t| ident_value(&t.token)) else {
                    return Err(syntax_error(toks.get(p)));
                };
                cols.push(c);
                p += 1;
                match toks.get(p).map(|t| &t.token) {
                    Some(Token::Comma) => p += 1,
                    Some(Token::RParen) => {
                        p += 1;
                        break;
                    }
                    _ => return Err(syntax_error(toks.get(p))),
                }
            }
        }
        m.tables.push((name, cols));
        match toks.get(p).map(|t| &t.token) {
            None => break,
            Some(Token::Comma) => p += 1,
            _ => return Err(syntax_error(toks.get(p))),
        }
    }
    Ok(m)
}

/// The command a marker statement stands for.
pub fn decode(stmt: &Statement) -> Option<Maintenance> {
    let Statement::Vacuum(v) = stmt else { return None };
    let name = v.table_name.as_ref()?;
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(a), ObjectNamePart::Identifier(b)] if a.value == MARKER => {
            Maintenance::decode(&b.value)
        }
        _ => None,
    }
}

impl Session {
    /// Runs a VACUUM or ANALYZE: checks its tables and columns, answers the tag.
    pub(crate) async fn maintenance(&mut self, m: &Maintenance, in_block: bool) -> Result<QueryOutput, SqlError> {
        if m.vacuum && in_block {
            return Err(SqlError::new(
                sqlstate::ACTIVE_SQL_TRANSACTION,
                "VACUUM cannot run inside a transaction block",
            ));
        }
        let tag = if m.vacuum { "VACUUM" } else { "ANALYZE" };
        let cat = self.engine.catalog();
        let b = self.binder(&cat, &[]);
        for (name, cols) in &m.tables {
            if m.vacuum && !m.analyze && !cols.is_empty() {
                return Err(SqlError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    "ANALYZE option must be specified when a column list is provided",
                ));
            }
            let object = ObjectName(name.iter().map(|p| ObjectNamePart::Identifier(Ident::new(p))).collect());
            let (db, schema, rel) = b.qualify(&object)?;
            let q = format!("{db}.{schema}.{rel}");
            match cat.tables.get(&q) {
                Some(info) => {
                    for c in cols {
                        if info.schema.column_position(c).is_none() || *c == crate::catalog::ROWID {
                            return Err(SqlError::new(
                                sqlstate::UNDEFINED_COLUMN,
                                format!("column \"{c}\" of relation \"{rel}\" does not exist"),
                            ));
                        }
                    }
                }
                None if cat.views.contains_key(&q) => {
                    let what = if m.vacuum { "vacuum" } else { "analyze" };
                    self.warning(
                        "01000",
                        format!("skipping \"{rel}\" --- cannot {what} non-tables or special system tables"),
                    );
                }
                None => {
                    return Err(SqlError::new(
                        sqlstate::UNDEFINED_TABLE,
                        format!("relation \"{}\" does not exist", name.join(".")),
                    ));
                }
            }
        }
        Ok(cmd(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(sql: &str) -> Maintenance {
        let stmts = crate::parse::parse(crate::Dialect::PostgreSql, sql).unwrap();
        decode(&stmts[0]).unwrap_or_else(|| panic!("not a marker: {}", stmts[0]))
    }

    #[test]
    fn postgres_forms_parse() {
        let m = parsed("vacuum analyze pgbench_branches");
        assert!(m.vacuum && m.analyze && !m.full);
        assert_eq!(m.tables, [(vec!["pgbench_branches".to_string()], vec![])]);
        let m = parsed("VACUUM FULL FREEZE VERBOSE ANALYZE public.t (a, \"B\"), u");
        assert!(m.full && m.analyze);
        assert_eq!(m.tables[0], (vec!["public".into(), "t".into()], vec!["a".into(), "B".into()]));
        let m = parsed("VACUUM (VERBOSE, ANALYZE false, PARALLEL 2, INDEX_CLEANUP auto) t");
        assert!(!m.analyze && m.vacuum);
        let m = parsed("ANALYZE");
        assert!(!m.vacuum && m.tables.is_empty());
        let m = parsed("analyse verbose t(x)");
        assert_eq!(m.tables[0].1, ["x"]);
        let stmts = crate::parse::parse(crate::Dialect::PostgreSql, "SELECT 1; VACUUM; ANALYZE t; EXPLAIN ANALYZE SELECT 1").unwrap();
        assert_eq!(stmts.len(), 4);
        assert!(decode(&stmts[1]).is_some() && decode(&stmts[2]).is_some() && decode(&stmts[3]).is_none());
    }

    #[test]
    fn bad_forms_are_errors() {
        assert_eq!(
            crate::parse::parse(crate::Dialect::PostgreSql, "VACUUM (BOGUS) t").unwrap_err().message,
            "unrecognized VACUUM option \"bogus\""
        );
        assert_eq!(crate::parse::parse(crate::Dialect::PostgreSql, "VACUUM t u").unwrap_err().code, "42601");
        assert_eq!(crate::parse::parse(crate::Dialect::PostgreSql, "ANALYZE t (").unwrap_err().code, "42601");
    }
}
