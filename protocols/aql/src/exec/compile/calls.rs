//! Function calls in the compiler: the executor's own functions (DOCUMENT, LENGTH of a
//! collection, CALL/APPLY, ...), the library's, the ones Orbit refuses with a 501
//! naming them, 1540 for unknown ones; and which subqueries are independent of their
//! outer rows (no outer variable, nothing nondeterministic), so they can run once.

use super::Compiler;
use crate::ast::Expr;
use crate::error::{num, AqlError, AqlResult};
use crate::exec::graphrag::GraphRagFn;
use crate::exec::plan::*;
use crate::functions;
use crate::store::VectorMetric;
use crate::value::Value;

impl Compiler<'_> {
    /// A function argument that names a collection (`DOCUMENT(users, ...)`,
    /// `COLLECTION_COUNT(users)`): its name as a string.
    fn collection_arg(&mut self, e: &Expr) -> AqlResult<CExpr> {
        match e {
            Expr::Var(name) if self.lookup(name).is_none() => Ok(CExpr::Lit(Value::String(self.collection(name)))),
            Expr::BindCollection(name) => Ok(CExpr::Lit(Value::String(self.bind_collection(name)?))),
            other => self.expr(other),
        }
    }

    pub(super) fn call(&mut self, name: &str, args: &[Expr]) -> AqlResult<CExpr> {
        if name.contains("::") {
            return Err(AqlError::not_supported(format!("user-defined AQL functions ({name})")));
        }
        let builtin = match name {
            "DOCUMENT" => Some(Builtin::Document),
            "COLLECTION_COUNT" | "COUNT_COLLECTION" => Some(Builtin::CollectionCount),
            "SCHEMA_GET" => Some(Builtin::SchemaGet),
            "CALL" => Some(Builtin::Call),
            "APPLY" => Some(Builtin::Apply),
            "COLLECTIONS" => Some(Builtin::Collections),
            "CURRENT_DATABASE" => Some(Builtin::CurrentDatabase),
            "CURRENT_USER" => Some(Builtin::CurrentUser),
            "APPROX_NEAR_COSINE" => Some(Builtin::ApproxNear(VectorMetric::Cosine)),
            "APPROX_NEAR_L2" => Some(Builtin::ApproxNear(VectorMetric::L2)),
            "APPROX_NEAR_INNER_PRODUCT" => Some(Builtin::ApproxNear(VectorMetric::InnerProduct)),
            _ if name.starts_with("GRAPHRAG_") => GraphRagFn::from_name(name).map(Builtin::GraphRag),
            "LENGTH" | "COUNT" => match args {
                [Expr::Var(n)] if self.lookup(n).is_none() => Some(Builtin::CollectionLength),
                [Expr::BindCollection(_)] => Some(Builtin::CollectionLength),
                _ => None,
            },
            _ => None,
        };
        if let Some(b) = builtin {
            if matches!(b, Builtin::ApproxNear(_)) && !(2..=3).contains(&args.len()) {
                return Err(functions::argument_count_error(name, 2, 3));
            }
            if let Builtin::GraphRag(f) = b {
                let (min, max) = f.arity();
                if args.len() < min || args.len() > max {
                    return Err(functions::argument_count_error(name, min, max));
                }
                self.modifies |= f.writes();
            }
            let mut compiled = Vec::with_capacity(args.len());
            for (i, a) in args.iter().enumerate() {
                let names_collection = i == 0
                    && !matches!(
                        b,
                        Builtin::Collections
                            | Builtin::Call
                            | Builtin::Apply
                            | Builtin::ApproxNear(_)
                            | Builtin::GraphRag(_)
                    );
                compiled.push(if names_collection { self.collection_arg(a)? } else { self.expr(a)? });
            }
            return Ok(CExpr::Builtin(b, compiled));
        }
        if let Some(what) = refused(name) {
            return Err(AqlError::not_supported(what));
        }
        if !functions::is_function(name) {
            return Err(AqlError::new(
                num::QUERY_FUNCTION_NAME_UNKNOWN,
                format!("usage of unknown function '{name}()'"),
            ));
        }
        Ok(CExpr::Call { name: name.to_string(), args: args.iter().map(|a| self.expr(a)).collect::<AqlResult<_>>()? })
    }
}

/// What a function Orbit does not have is: the text of its 501.
pub(super) fn refused(name: &str) -> Option<String> {
    Some(match name {
        "FULLTEXT" | "NEAR" | "WITHIN" | "WITHIN_RECTANGLE" => {
            format!("the AQL function {name}() (removed in ArangoDB 3.12; use GEO_DISTANCE or ArangoSearch)")
        }
        "TOKENS"
        | "PHRASE"
        | "ANALYZER"
        | "BM25"
        | "TFIDF"
        | "BOOST"
        | "EXISTS"
        | "STARTS_WITH_SEARCH"
        | "NGRAM_MATCH"
        | "LEVENSHTEIN_MATCH"
        | "IN_TERMS"
        | "OFFSET_INFO"
        | "MINHASH_MATCH"
        | "GEO_IN_RANGE_SEARCH" => format!("the ArangoSearch function {name}() (views and analyzers)"),
        "SCHEMA_VALIDATE" => "SCHEMA_VALIDATE() (JSON Schema validation)".to_string(),
        "V8" => "V8() (Orbit has no JavaScript)".to_string(),
        "PREGEL_RESULT" => "PREGEL_RESULT() (Pregel)".to_string(),
        "SHARD_ID" => "SHARD_ID() (Orbit is a single server)".to_string(),
        _ => return None,
    })
}

/// Functions whose answer may differ between two calls with the same arguments (or
/// that have effects), so a subquery calling them is evaluated for every row.
const NONDETERMINISTIC: &[&str] = &[
    "RAND",
    "RANDOM",
    "UUID",
    "RANDOM_TOKEN",
    "DATE_NOW",
    "SLEEP",
    "FAIL",
    "ASSERT",
    "WARN",
    "NOOPT",
    "PASSTHRU",
    "V8",
];

/// Whether `plan` (a subquery whose own slots start at `first`) reads no outer slot and
/// calls nothing nondeterministic.
pub(super) fn independent(plan: &Plan, first: Slot) -> bool {
    let mut ok = true;
    plan.visit_exprs(&mut |e| match e {
        CExpr::Var(s) if *s < first => ok = false,
        CExpr::Call { name, .. } if NONDETERMINISTIC.contains(&name.as_str()) => ok = false,
        CExpr::Builtin(Builtin::Call | Builtin::Apply | Builtin::CurrentUser, _) => ok = false,
        _ => {}
    });
    ok
}
