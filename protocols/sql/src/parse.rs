//! The parser front: SQL text → sqlparser statements in the session's [`Dialect`], with
//! parse errors turned into 42601 and a 1-based character position where sqlparser gives
//! a line and column. PostgreSQL text goes through the token rewrites for what sqlparser
//! does not parse (BETWEEN SYMMETRIC, VACUUM/ANALYZE, role statements).

use crate::error::{sqlstate, SqlError};
use sqlparser::ast::Statement;
use crate::dialect::Dialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// The marker function `BETWEEN SYMMETRIC` is rewritten to (sqlparser does not parse
/// SYMMETRIC): `x BETWEEN SYMMETRIC a AND b` becomes `x BETWEEN __orbit_symmetric(a) AND b`,
/// which the binder recognises.
pub const SYMMETRIC_MARKER: &str = "__orbit_symmetric";

/// Parses every statement of `sql` in `dialect`.
pub fn parse(dialect: Dialect, sql: &str) -> Result<Vec<Statement>, SqlError> {
    if dialect == Dialect::MySql {
        return parse_mysql(sql);
    }
    let dialect = dialect.parser();
    let parser = Parser::new(dialect).with_recursion_limit(200);
    let symmetric = mentions_symmetric(sql);
    let maintenance = crate::maintenance::mentions_maintenance(sql);
    let parser = if symmetric || maintenance || crate::roles::mentions_user_or_encrypted(sql) {
        let mut tokens = Tokenizer::new(dialect, sql)
            .tokenize_with_location()
            .map_err(|e| parse_error(sql, ParserError::TokenizerError(e.to_string())))?;
        if symmetric {
            tokens = rewrite_between_symmetric(tokens);
        }
        if maintenance {
            tokens = crate::maintenance::rewrite(tokens)?;
        }
        Ok(parser.with_tokens_with_locations(crate::roles::rewrite_user_statements(tokens)))
    } else {
        parser.try_with_sql(sql)
    };
    parser.and_then(|mut p| p.parse_statements()).map_err(|e| parse_error(sql, e))
}

/// MySQL statement text, then the MySQL pre-pass ([`crate::mysql_sql::rewrite`]);
/// syntax errors in MySQL's 1064 form.
fn parse_mysql(sql: &str) -> Result<Vec<Statement>, SqlError> {
    // Statements sqlparser does not parse (SET NAMES in a list, SHOW CREATE DATABASE, ...).
    let prepared = crate::mysql::rewrite::prepare(sql);
    let sql: &str = &prepared;
    let dialect = Dialect::MySql.parser();
    let parser = Parser::new(dialect).with_recursion_limit(200);
    let parser = match crate::mysql_sql::rewrite::operator_tokens(sql) {
        Some(Ok(tokens)) => Ok(parser.with_tokens_with_locations(tokens)),
        Some(Err(e)) => Err(ParserError::TokenizerError(e)),
        None => parser.try_with_sql(sql),
    };
    let mut stmts = parser
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| match parse_error(sql, e) {
            e if e.code == sqlstate::SYNTAX_ERROR => crate::mysql_sql::errors::syntax_error_at(sql, e.position),
            e => e,
        })?;
    crate::mysql_sql::rewrite::rewrite(&mut stmts, sql);
    Ok(stmts)
}

fn mentions_symmetric(sql: &str) -> bool {
    sql.as_bytes().windows(9).any(|w| w.eq_ignore_ascii_case(b"symmetric"))
}

/// `BETWEEN [A]SYMMETRIC low AND high`: drops ASYMMETRIC (the default) and wraps the
/// low bound of SYMMETRIC in the marker function. The low bound ends at the first AND
/// outside parentheses, brackets and CASE ... END.
fn rewrite_between_symmetric(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let is_word = |t: &TokenWithSpan, kw: &str| matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw));
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len() + 4);
    let mut pending_closes: Vec<usize> = Vec::new(); // depth at which a marker call awaits its AND
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        match &t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ if is_word(t, "case") => depth += 1,
            _ if is_word(t, "end") => depth = depth.saturating_sub(1),
            _ => {}
        }
        if is_word(t, "and") && pending_closes.last() == Some(&depth) {
            pending_closes.pop();
            out.push(TokenWithSpan::new(Token::RParen, t.span));
        }
        out.push(t.clone());
        if is_word(t, "between") {
            let mut j = i + 1;
            while j < tokens.len() && matches!(tokens[j].token, Token::Whitespace(_)) {
                j += 1;
            }
            if j < tokens.len() && is_word(&tokens[j], "asymmetric") {
                i = j + 1;
                continue;
            }
            if j < tokens.len() && is_word(&tokens[j], "symmetric") {
                let span = tokens[j].span;
                out.push(TokenWithSpan::new(Token::make_word(SYMMETRIC_MARKER, None), span));
                out.push(TokenWithSpan::new(Token::LParen, span));
                pending_closes.push(depth);
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Parses one scalar expression (stored CHECK and DEFAULT expressions).
pub fn parse_expr(dialect: Dialect, sql: &str) -> Result<sqlparser::ast::Expr, SqlError> {
    Parser::new(dialect.parser()).try_with_sql(sql).and_then(|mut p| p.parse_expr()).map_err(|e| parse_error(sql, e))
}

fn parse_error(sql: &str, e: ParserError) -> SqlError {
    let raw = match &e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => {
            return SqlError::new("54001", "stack depth limit exceeded");
        }
    };
    let position = locate(sql, &raw);
    let near = raw.split("found: ").nth(1).map(|s| s.split(" at Line:").next().unwrap_or(s).trim().to_string());
    let message = match near {
        Some(tok) if tok == "EOF" => "syntax error at end of input".to_string(),
        Some(tok) => format!("syntax error at or near \"{}\"", tok.trim_matches('"')),
        None => format!("syntax error: {raw}"),
    };
    let mut err = SqlError::new(sqlstate::SYNTAX_ERROR, message).with_detail(raw);
    if let Some(p) = position {
        err = err.with_position(p);
    }
    err
}

/// Converts "Line: L, Column: C" in a sqlparser message to a 1-based character offset.
fn locate(sql: &str, msg: &str) -> Option<usize> {
    let line: usize = msg.split("Line: ").nth(1)?.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
    let col: usize = msg.split("Column: ").nth(1)?.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
    let mut offset = 0;
    for (i, l) in sql.split('\n').enumerate() {
        if i + 1 == line {
            return Some(offset + col.max(1));
        }
        offset += l.chars().count() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_have_sqlstate_and_position() {
        let e = parse(Dialect::PostgreSql, "SELECT 1 +").unwrap_err();
        assert_eq!(e.code, "42601");
        let e = parse(Dialect::PostgreSql, "SELEC 1").unwrap_err();
        assert_eq!(e.code, "42601");
        assert_eq!(e.position, Some(1));
        assert_eq!(parse(Dialect::PostgreSql, "SELECT 1; SELECT 2").unwrap().len(), 2);
    }

    #[test]
    fn between_symmetric_is_rewritten_to_the_marker() {
        let sql = parse(Dialect::PostgreSql, "SELECT 1 WHERE x BETWEEN SYMMETRIC (1 + 2) AND 3 AND y BETWEEN ASYMMETRIC 1 AND 2").unwrap();
        let text = sql[0].to_string();
        assert!(text.contains("x BETWEEN __orbit_symmetric((1 + 2)) AND 3"), "{text}");
        assert!(text.contains("y BETWEEN 1 AND 2"), "{text}");
        let sql =
            parse(Dialect::PostgreSql, "SELECT CASE WHEN a THEN 1 ELSE 2 END BETWEEN SYMMETRIC CASE WHEN b AND c THEN 1 END AND 5").unwrap();
        assert!(sql[0].to_string().contains("__orbit_symmetric(CASE WHEN b AND c THEN 1 END) AND 5"), "{}", sql[0]);
    }
}
