//! AQL text to [`crate::ast::Query`]: a lexer and a recursive-descent parser with
//! AQL's operator precedence, bounded nesting, and parse errors (400/1501) in
//! ArangoDB's form: `syntax error, unexpected ..., expecting ... near '...' at position L:C`.
//!
//! - [`lexer`] cuts the text into [`token`]s;
//! - `parser` holds the cursor and the error form, `clauses` the operations,
//!   `graph` FOR with traversals and path searches, `expr` the expressions;
//! - `binds` lists the bind parameters a parsed query uses.
//!
//! Departures from ArangoDB's messages: "expecting ..." lists are not given (bison's
//! sets of expected tokens are not reproduced); keywords are accepted as attribute
//! names after `.` and before `:` in object literals, where ArangoDB wants them quoted.

mod binds;
mod clauses;
mod expr;
mod graph;
pub mod lexer;
mod parser;
pub mod token;

#[cfg(test)]
mod tests;

use crate::ast::Query;
use crate::error::{num, AqlError, AqlResult};

/// Deepest expression/subquery nesting accepted.
pub const MAX_DEPTH: usize = 200;

/// Parses a query: 1502 for an empty text, 1501 for a syntax error, 1524 for nesting
/// deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> AqlResult<Query> {
    if text.is_empty() {
        return Err(AqlError::new(num::QUERY_EMPTY, "query is empty"));
    }
    let tokens = lexer::tokenize(text);
    parser::Parser::new(text, tokens).top_query()
}

/// The bind parameter names the query uses (`@x` as "x", `@@c` as "@c"), for 1551/1552.
pub fn bind_parameters(query: &Query) -> Vec<String> {
    binds::collect(query)
}
