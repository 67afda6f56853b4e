//! Cypher text to [`ast::Statement`]: a hand-written lexer ([`lexer`]) and a
//! recursive-descent parser (clauses, patterns, administration commands) with precedence
//! climbing for expressions. Keywords are case-insensitive and may serve as names where
//! a name is expected; identifiers are case-sensitive. Syntax errors are
//! [`ErrorKind::Syntax`](crate::error::ErrorKind::Syntax) with Neo4j's
//! `(line L, column C (offset: O))`; what is recognised but not done is
//! [`ErrorKind::NotSupported`](crate::error::ErrorKind::NotSupported).

mod clauses;
mod commands;
mod cursor;
mod error;
mod expr;
pub mod lexer;
mod pattern;

#[cfg(test)]
pub(crate) mod tck;
#[cfg(test)]
mod tck_tests;
#[cfg(test)]
mod tests;

use crate::ast;
use crate::error::CypherResult;
use lexer::{Punct, Tok};

pub use cursor::MAX_DEPTH;
pub use error::position;

/// Parses one statement (an optional trailing `;` is allowed).
pub fn parse(query: &str) -> CypherResult<ast::Statement> {
    let toks = lexer::tokenize(query)?;
    let mut p = cursor::Parser::new(query, toks);
    let st = p.statement()?;
    p.eat(Punct::Semicolon);
    if *p.peek() != Tok::Eof {
        return Err(p.unexpected("the end of the query or another clause"));
    }
    Ok(st)
}
