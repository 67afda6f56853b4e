//! Tests of the AQL parser: the documentation's queries, precedence, every clause
//! form, error messages and positions, and hostile input.

mod clauses;
mod errors;
mod examples;
mod exprs;

use crate::ast::{Expr, Op, Query};

pub(super) fn parse_ok(text: &str) -> Query {
    match super::parse(text) {
        Ok(q) => q,
        Err(e) => panic!("{text:?} did not parse: {e}"),
    }
}

/// The expression of `RETURN <text>`.
pub(super) fn ret(text: &str) -> Expr {
    let q = parse_ok(&format!("RETURN {text}"));
    match q.ops.into_iter().next() {
        Some(Op::Return { expr, .. }) => expr,
        other => panic!("no RETURN in {text:?}: {other:?}"),
    }
}
