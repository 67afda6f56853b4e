//! AQL text to [`crate::ast::Query`]: a lexer and a recursive-descent parser with
//! AQL's operator precedence, bounded nesting, and parse errors (400/1501) in
//! ArangoDB's form: `syntax error, unexpected ..., expecting ... near '...' at position L:C`.

use crate::ast::Query;
use crate::error::{AqlError, AqlResult};

/// Deepest expression/subquery nesting accepted.
pub const MAX_DEPTH: usize = 200;

pub fn parse(text: &str) -> AqlResult<Query> {
    let _ = text;
    Err(AqlError::internal("AQL parser: not built yet"))
}

/// The bind parameter names the query uses (`@x` as "x", `@@c` as "@c"), for 1551/1552.
pub fn bind_parameters(query: &Query) -> Vec<String> {
    let _ = query;
    Vec::new()
}
