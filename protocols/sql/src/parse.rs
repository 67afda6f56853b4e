//! The parser front: SQL text → sqlparser statements (PostgreSQL dialect), with parse
//! errors turned into 42601 and a 1-based character position where sqlparser gives a
//! line and column.

use crate::error::{sqlstate, SqlError};
use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};

/// Parses every statement of `sql`.
pub fn parse(sql: &str) -> Result<Vec<Statement>, SqlError> {
    let dialect = PostgreSqlDialect {};
    Parser::new(&dialect)
        .with_recursion_limit(200)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| parse_error(sql, e))
}

/// Parses one scalar expression (stored CHECK and DEFAULT expressions).
pub fn parse_expr(sql: &str) -> Result<sqlparser::ast::Expr, SqlError> {
    let dialect = PostgreSqlDialect {};
    Parser::new(&dialect).try_with_sql(sql).and_then(|mut p| p.parse_expr()).map_err(|e| parse_error(sql, e))
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
        let e = parse("SELECT 1 +").unwrap_err();
        assert_eq!(e.code, "42601");
        let e = parse("SELEC 1").unwrap_err();
        assert_eq!(e.code, "42601");
        assert_eq!(e.position, Some(1));
        assert_eq!(parse("SELECT 1; SELECT 2").unwrap().len(), 2);
    }
}
