//! Semantic analysis: the compile-time checks Neo4j and the openCypher TCK call
//! "SyntaxError at compile time" beyond the grammar — variable scoping clause by clause,
//! rebinding and type conflicts of pattern variables, projection rules (aliases, column
//! names, ORDER BY scope, aggregation and grouping), SKIP/LIMIT arguments, clause
//! composition, the shape of CREATE/MERGE patterns, known functions and their arity, and
//! the argument types that are evident from the query text alone.
//!
//! Errors are [`ErrorKind::Semantic`] (reported by the listener as
//! Neo.ClientError.Statement.SyntaxError); the message ends with the TCK's detail name in
//! parentheses, e.g. `Variable `x` not defined (UndefinedVariable)`.

mod clauses;
mod expr;
pub mod functions;
mod patterns;
mod projection;
mod types;

#[cfg(test)]
mod tck_tests;
#[cfg(test)]
mod tests;

use crate::ast;
use crate::error::{CypherError, CypherResult};
pub use expr::visit;
use std::collections::BTreeMap;
pub use types::Ty;

/// The variables visible at a point of a query, with what is known of their types.
pub type Scope = BTreeMap<String, Ty>;

/// Checks a parsed statement; Ok when it may be planned.
pub fn check(statement: &ast::Statement) -> CypherResult<()> {
    match statement {
        ast::Statement::Query(q) => clauses::check_query(q, &Scope::new(), clauses::QueryRole::Top).map(|_| ()),
        ast::Statement::Explain(s) | ast::Statement::Profile(s) => check(s),
        ast::Statement::Schema(_) | ast::Statement::Show(_) | ast::Statement::User(_) => Ok(()),
    }
}

pub(crate) fn err(detail: &str, msg: impl AsRef<str>) -> CypherError {
    CypherError::semantic(format!("{} ({detail})", msg.as_ref()))
}
