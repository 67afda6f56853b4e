//! AQL's function library, in ArangoDB's families (string, numeric, array, object and
//! document, date, type check and cast, geo, miscellaneous) and the aggregate functions
//! COLLECT/WINDOW use. Functions here are pure: those that read documents (DOCUMENT,
//! COLLECTION_COUNT, ...) or depend on the query (CURRENT_DATABASE, ...) are the
//! executor's. A wrong argument type answers null with a warning (1542 and friends), as
//! ArangoDB does; a wrong argument count is an error (1541).
//!
//! Every family module lists its functions as [`Def`]s (name, argument count bounds, the
//! Rust function); [`call`] finds the definition, checks the count and runs it with an
//! [`Args`] cursor that never indexes out of bounds.

mod aggregate;
mod args;
mod array;
mod bits;
mod date;
mod distinct;
mod document;
mod geo;
mod misc;
mod numeric;
mod string;
mod text;
mod types;

#[cfg(test)]
mod tests;

pub use args::Args;

use crate::error::{num, AqlError, AqlResult, Warning};
use crate::value::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// What a function call may report besides its value.
#[derive(Debug, Default)]
pub struct FnContext {
    pub warnings: Vec<Warning>,
}

impl FnContext {
    pub fn warn(&mut self, code: u32, message: impl Into<String>) {
        self.warnings.push(Warning { code, message: message.into() });
    }
}

/// The maximum argument count ArangoDB reports for functions taking any number.
pub const VARIADIC: usize = 65536;

pub(crate) type Func = fn(&mut Args) -> AqlResult<Value>;

/// One function of the library: its upper-case name, the argument count it accepts and
/// its implementation.
pub(crate) struct Def {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    pub f: Func,
}

pub(crate) const fn def(name: &'static str, min: usize, max: usize, f: Func) -> Def {
    Def { name, min, max, f }
}

/// Functions the executor evaluates itself, as they read storage or depend on the
/// query (or are ArangoSearch's): [`is_function`] knows them, [`call`] refuses them.
pub const EXECUTOR_FUNCTIONS: &[&str] = &[
    "DOCUMENT",
    "COLLECTIONS",
    "COLLECTION_COUNT",
    "COUNT_COLLECTION",
    "CURRENT_DATABASE",
    "CURRENT_USER",
    "SCHEMA_GET",
    "SCHEMA_VALIDATE",
    "CALL",
    "APPLY",
    "V8",
    "PREGEL_RESULT",
    "SHARD_ID",
    "FULLTEXT",
    "NEAR",
    "WITHIN",
    "WITHIN_RECTANGLE",
    "TOKENS",
    "PHRASE",
    "ANALYZER",
    "BM25",
    "TFIDF",
    "BOOST",
    "EXISTS",
    "STARTS_WITH_SEARCH",
    "NGRAM_MATCH",
    "LEVENSHTEIN_MATCH",
    "IN_TERMS",
    "OFFSET_INFO",
    "MINHASH_MATCH",
    "GEO_IN_RANGE_SEARCH",
    "APPROX_NEAR_COSINE",
    "APPROX_NEAR_L2",
    "APPROX_NEAR_INNER_PRODUCT",
    "GRAPHRAG_CREATE",
    "GRAPHRAG_DROP",
    "GRAPHRAG_BUILD_KNOWLEDGE",
    "GRAPHRAG_DELETE_DOCUMENT",
    "GRAPHRAG_EXTRACT_ENTITIES",
    "GRAPHRAG_QUERY",
    "GRAPHRAG_RETRIEVE",
    "GRAPHRAG_FIND_PATHS",
    "GRAPHRAG_FIND_SIMILAR",
    "GRAPHRAG_GET_STATS",
    "GRAPHRAG_LIST_ENTITIES",
    "GRAPHRAG_DETECT_COMMUNITIES",
];

fn registry() -> &'static HashMap<&'static str, &'static Def> {
    static REGISTRY: OnceLock<HashMap<&'static str, &'static Def>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let families: [&'static [Def]; 11] = [
            string::DEFS,
            bits::DEFS,
            text::DEFS,
            numeric::DEFS,
            array::DEFS,
            document::DEFS,
            date::DEFS,
            types::DEFS,
            geo::DEFS,
            misc::DEFS,
            aggregate::DEFS,
        ];
        families.iter().flat_map(|family| family.iter()).map(|d| (d.name, d)).collect()
    })
}

/// Whether `name` (upper-case) is a function of this library or one the executor
/// evaluates ([`EXECUTOR_FUNCTIONS`]).
pub fn is_function(name: &str) -> bool {
    registry().contains_key(name) || EXECUTOR_FUNCTIONS.contains(&name)
}

/// The argument count bounds of a library function, for the parser/planner to check early.
pub fn arity(name: &str) -> Option<(usize, usize)> {
    registry().get(name).map(|d| (d.min, d.max))
}

/// The 1541 error for a call of `name` with the wrong number of arguments.
pub fn argument_count_error(name: &str, min: usize, max: usize) -> AqlError {
    AqlError::new(
        num::QUERY_FUNCTION_ARGUMENT_NUMBER_MISMATCH,
        format!(
            "invalid number of arguments for function '{name}()', expected number of arguments: minimum: {min}, maximum: {max}"
        ),
    )
}

/// Calls the function `name` (upper-case) with evaluated arguments.
pub fn call(name: &str, args: Vec<Value>, ctx: &mut FnContext) -> AqlResult<Value> {
    let Some(def) = registry().get(name) else {
        if EXECUTOR_FUNCTIONS.contains(&name) {
            return Err(AqlError::not_supported(format!("function {name}() outside the executor")));
        }
        return Err(AqlError::new(num::QUERY_FUNCTION_NAME_UNKNOWN, format!("usage of unknown function '{name}()'")));
    };
    if args.len() < def.min || args.len() > def.max {
        return Err(argument_count_error(def.name, def.min, def.max));
    }
    let mut cursor = Args::new(def.name, args, ctx);
    (def.f)(&mut cursor)
}

pub use aggregate::Aggregate;

/// The aggregate function `name` (upper-case: LENGTH/COUNT, MIN, MAX, SUM, AVERAGE/AVG,
/// VARIANCE_POPULATION/VARIANCE, VARIANCE_SAMPLE, STDDEV_POPULATION/STDDEV,
/// STDDEV_SAMPLE, COUNT_DISTINCT/COUNT_UNIQUE, UNIQUE, SORTED_UNIQUE, PUSH, BIT_AND,
/// BIT_OR, BIT_XOR), None for others.
pub fn aggregate(name: &str) -> Option<Box<dyn Aggregate>> {
    aggregate::make(name)
}
