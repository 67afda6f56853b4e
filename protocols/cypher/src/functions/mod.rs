//! Cypher's scalar function library for every function that needs no graph access:
//! [`call`] evaluates one by name (case-insensitively, namespaced names such as
//! `date.truncate` included) on already evaluated arguments; [`is_function`] and [`arity`]
//! let semantic analysis report unknown functions and wrong argument counts before a query
//! runs. Aggregating functions live in [`crate::aggregate`], not here.
//!
//! The executor must itself handle what needs the graph: `startNode(r)` and `endNode(r)`
//! (a relationship value carries only the ids; [`call`] answers them NotSupported), and
//! anything reading elements other than the argument value.
//!
//! Conventions: a null argument gives null unless the function says otherwise (coalesce,
//! the `...OrNull` conversions); an argument of the wrong type is a TypeError (the TCK's
//! InvalidArgumentType); a bad value of the right type is an ArgumentError.

pub mod convert;
pub mod entity;
pub mod list;
pub mod math;
pub mod regex;
pub mod spatial;
pub mod string;
pub mod temporal;
pub mod vector;

use crate::error::{CypherError, CypherResult};
use crate::value::{DateTime, Value};

/// What a function may read besides its arguments: the clock of the statement (so that
/// `datetime()`, `date()` and `timestamp()` are stable within one statement) and of the
/// transaction.
#[derive(Debug, Clone)]
pub struct FunctionContext {
    /// The statement's start, in UTC with nanoseconds.
    pub statement_time: DateTime,
    /// The transaction's start, in UTC.
    pub transaction_time: DateTime,
}

impl FunctionContext {
    /// A context whose statement and transaction started now.
    pub fn now() -> FunctionContext {
        let now = temporal::realtime();
        FunctionContext { statement_time: now.clone(), transaction_time: now }
    }

    pub fn at(statement_time: DateTime) -> FunctionContext {
        FunctionContext { transaction_time: statement_time.clone(), statement_time }
    }
}

const VARIADIC: usize = usize::MAX;

/// (lower-case name, least and most arguments).
const FUNCTIONS: &[(&str, usize, usize)] = &[
    // strings
    ("toupper", 1, 1),
    ("upper", 1, 1),
    ("tolower", 1, 1),
    ("lower", 1, 1),
    ("trim", 1, 2),
    ("ltrim", 1, 2),
    ("rtrim", 1, 2),
    ("btrim", 1, 2),
    ("replace", 3, 3),
    ("substring", 2, 3),
    ("left", 2, 2),
    ("right", 2, 2),
    ("split", 2, 2),
    ("reverse", 1, 1),
    ("tostring", 1, 1),
    ("tostringornull", 1, 1),
    ("size", 1, 1),
    ("char_length", 1, 1),
    ("character_length", 1, 1),
    ("normalize", 1, 2),
    // numbers
    ("abs", 1, 1),
    ("ceil", 1, 1),
    ("floor", 1, 1),
    ("round", 1, 3),
    ("sign", 1, 1),
    ("rand", 0, 0),
    ("sqrt", 1, 1),
    ("exp", 1, 1),
    ("log", 1, 1),
    ("log10", 1, 1),
    ("e", 0, 0),
    ("pi", 0, 0),
    ("sin", 1, 1),
    ("cos", 1, 1),
    ("tan", 1, 1),
    ("cot", 1, 1),
    ("asin", 1, 1),
    ("acos", 1, 1),
    ("atan", 1, 1),
    ("atan2", 2, 2),
    ("degrees", 1, 1),
    ("radians", 1, 1),
    ("haversin", 1, 1),
    ("isnan", 1, 1),
    // lists and maps
    ("head", 1, 1),
    ("last", 1, 1),
    ("tail", 1, 1),
    ("range", 2, 3),
    ("keys", 1, 1),
    ("coalesce", 1, VARIADIC),
    ("tobooleanlist", 1, 1),
    ("tointegerlist", 1, 1),
    ("tofloatlist", 1, 1),
    ("tostringlist", 1, 1),
    // conversions and types
    ("tointeger", 1, 1),
    ("tointegerornull", 1, 1),
    ("tofloat", 1, 1),
    ("tofloatornull", 1, 1),
    ("toboolean", 1, 1),
    ("tobooleanornull", 1, 1),
    ("valuetype", 1, 1),
    // graph elements, from the value alone
    ("id", 1, 1),
    ("elementid", 1, 1),
    ("labels", 1, 1),
    ("type", 1, 1),
    ("properties", 1, 1),
    ("nodes", 1, 1),
    ("relationships", 1, 1),
    ("length", 1, 1),
    ("startnode", 1, 1),
    ("endnode", 1, 1),
    // temporal
    ("date", 0, 1),
    ("date.statement", 0, 1),
    ("date.transaction", 0, 1),
    ("date.realtime", 0, 1),
    ("date.truncate", 2, 3),
    ("time", 0, 1),
    ("time.statement", 0, 1),
    ("time.transaction", 0, 1),
    ("time.realtime", 0, 1),
    ("time.truncate", 2, 3),
    ("localtime", 0, 1),
    ("localtime.statement", 0, 1),
    ("localtime.transaction", 0, 1),
    ("localtime.realtime", 0, 1),
    ("localtime.truncate", 2, 3),
    ("datetime", 0, 1),
    ("datetime.statement", 0, 1),
    ("datetime.transaction", 0, 1),
    ("datetime.realtime", 0, 1),
    ("datetime.truncate", 2, 3),
    ("datetime.fromepoch", 2, 2),
    ("datetime.fromepochmillis", 1, 1),
    ("localdatetime", 0, 1),
    ("localdatetime.statement", 0, 1),
    ("localdatetime.transaction", 0, 1),
    ("localdatetime.realtime", 0, 1),
    ("localdatetime.truncate", 2, 3),
    ("duration", 1, 1),
    ("duration.between", 2, 2),
    ("duration.inmonths", 2, 2),
    ("duration.indays", 2, 2),
    ("duration.inseconds", 2, 2),
    ("timestamp", 0, 0),
    // spatial
    ("point", 1, 1),
    ("point.distance", 2, 2),
    ("distance", 2, 2),
    ("point.withinbbox", 3, 3),
    // vectors
    ("vector.similarity.cosine", 2, 2),
    ("vector.similarity.euclidean", 2, 2),
];

fn entry(name: &str) -> Option<&'static (&'static str, usize, usize)> {
    let lower = name.to_ascii_lowercase();
    FUNCTIONS.iter().find(|(n, _, _)| *n == lower)
}

/// Whether `name` is a scalar function of this library (aggregates are not).
pub fn is_function(name: &str) -> bool {
    entry(name).is_some()
}

/// The least and most number of arguments `name` takes (`usize::MAX`: any number);
/// None for an unknown function.
pub fn arity(name: &str) -> Option<(usize, usize)> {
    entry(name).map(|(_, min, max)| (*min, *max))
}

/// A TypeError naming the function and the argument's type.
pub(crate) fn wrong_type(function: &str, expected: &str, got: &Value) -> CypherError {
    CypherError::type_error(format!(
        "Invalid input for function '{function}()': Expected {expected}, got: {}",
        got.type_name()
    ))
}

/// Evaluates the scalar function `name` on `args`.
pub fn call(name: &str, args: Vec<Value>, ctx: &FunctionContext) -> CypherResult<Value> {
    let Some((lower, min, max)) = entry(name) else {
        return Err(CypherError::semantic(format!("Unknown function '{name}'")));
    };
    if args.len() < *min || args.len() > *max {
        return Err(CypherError::semantic(format!(
            "Function '{name}' called with {} argument(s), expected {}",
            args.len(),
            if min == max {
                min.to_string()
            } else {
                format!("{min} to {}", if *max == VARIADIC { "any".into() } else { max.to_string() })
            }
        )));
    }
    let name = *lower;
    if let Some(result) = string::call(name, &args) {
        return result;
    }
    if let Some(result) = math::call(name, &args) {
        return result;
    }
    if let Some(result) = list::call(name, &args) {
        return result;
    }
    if let Some(result) = convert::call(name, &args) {
        return result;
    }
    if let Some(result) = entity::call(name, &args) {
        return result;
    }
    if let Some(result) = temporal::call(name, &args, ctx) {
        return result;
    }
    if let Some(result) = spatial::call(name, &args) {
        return result;
    }
    if let Some(result) = vector::call(name, &args) {
        return result;
    }
    Err(CypherError::not_supported(format!("Function '{name}' is not supported")))
}

#[cfg(test)]
mod tck_eval;
#[cfg(test)]
mod tck_tests;
#[cfg(test)]
mod tests;
