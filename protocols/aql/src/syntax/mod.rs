//! AQL text to [`crate::ast::Query`]: a lexer and a recursive-descent parser with
//! AQL's operator precedence, bounded nesting, and parse errors (400/1501) in
//! ArangoDB's form: `syntax error, unexpected ..., expecting ... near '...' at position L:C`.
//!
//! - [`lexer`] cuts the text into [`token`]s;
//! - `parser` holds the cursor and the error form, `clauses` the operations,
//!   `graph` FOR with traversals and path searches, `expr` the expressions,
//!   `destructure` the `LET [a, b] = ...` patterns;
//! - `binds` lists the bind parameters a parsed query uses.
//!
//! Departures from ArangoDB: "expecting ..." is said only where its grammar admits a
//! single token (bison's other sets of expected tokens are not reproduced); keywords
//! are accepted as attribute names after `.` and before `:` in object literals; a
//! number too large for a double is null without ArangoDB's warning (1504).

mod binds;
mod clauses;
mod destructure;
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

/// Nesting up to which a query is parsed on the caller's stack; deeper text is parsed
/// on a thread of its own with [`DEEP_STACK`] bytes, so that [`MAX_DEPTH`] levels fit
/// whatever stack the caller runs on.
const INLINE_DEPTH: usize = 16;
const DEEP_STACK: usize = 32 << 20;

/// Parses a query: 1502 for an empty text, 1501 for a syntax error, 1524 for nesting
/// deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> AqlResult<Query> {
    if text.is_empty() {
        return Err(AqlError::new(num::QUERY_EMPTY, "query is empty"));
    }
    let tokens = lexer::tokenize(text);
    if nesting_bound(&tokens) <= INLINE_DEPTH {
        return parser::Parser::new(text, tokens).top_query();
    }
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("aql-parse".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, move || parser::Parser::new(text, tokens).top_query());
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err(AqlError::internal("AQL parser failed"))),
            Err(e) => Err(AqlError::internal(format!("AQL parser: no thread for a deeply nested query: {e}"))),
        }
    })
}

/// An upper bound of the parser's recursion: the deepest bracket nesting plus every
/// unary operator and `?` (the constructs that recurse without a bracket).
fn nesting_bound(tokens: &[token::Token]) -> usize {
    use token::{Kw, Tok};
    let (mut open, mut deepest, mut unary) = (0usize, 0usize, 0usize);
    let mut after_operand = false;
    for t in tokens {
        match &t.tok {
            Tok::LParen | Tok::LBracket | Tok::LBrace => {
                open += 1;
                deepest = deepest.max(open);
            }
            Tok::RParen | Tok::RBracket | Tok::RBrace => open = open.saturating_sub(1),
            Tok::Question => unary += 1,
            Tok::Not | Tok::Minus | Tok::Plus if !after_operand => unary += 1,
            _ => {}
        }
        after_operand = matches!(
            t.tok,
            Tok::Ident(_)
                | Tok::QuotedIdent(_)
                | Tok::Str(_)
                | Tok::Int(_)
                | Tok::Double(_)
                | Tok::OutOfRange
                | Tok::Param(_)
                | Tok::CollectionParam(_)
                | Tok::RParen
                | Tok::RBracket
                | Tok::RBrace
                | Tok::Kw(Kw::Null | Kw::True | Kw::False)
        );
    }
    deepest + unary
}

/// The bind parameter names the query uses (`@x` as "x", `@@c` as "@c"), for 1551/1552.
pub fn bind_parameters(query: &Query) -> Vec<String> {
    binds::collect(query)
}
