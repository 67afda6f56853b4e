//! Compile-time checks.
use crate::ast;
use crate::error::CypherResult;

pub fn check(_statement: &ast::Statement) -> CypherResult<()> {
    Ok(())
}
