//! AQL's function library, in ArangoDB's families (string, numeric, array, object and
//! document, date, type check and cast, geo, miscellaneous) and the aggregate functions
//! COLLECT/WINDOW use. Functions here are pure: those that read documents (DOCUMENT,
//! COLLECTION_COUNT, ...) or depend on the query (CURRENT_DATABASE, ...) are the
//! executor's. A wrong argument type answers null with a warning (1542 and friends), as
//! ArangoDB does; a wrong argument count is an error (1541).

use crate::error::{AqlError, AqlResult, Warning};
use crate::value::Value;

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

/// Whether `name` (upper-case) is a function of this library.
pub fn is_function(name: &str) -> bool {
    let _ = name;
    false
}

/// Calls the function `name` (upper-case) with evaluated arguments.
pub fn call(name: &str, args: Vec<Value>, ctx: &mut FnContext) -> AqlResult<Value> {
    let _ = (args, ctx);
    Err(AqlError::new(crate::error::num::QUERY_FUNCTION_NAME_UNKNOWN, format!("usage of unknown function '{name}()'")))
}

/// One running aggregate of COLLECT ... AGGREGATE or WINDOW.
pub trait Aggregate: Send {
    fn add(&mut self, value: &Value, ctx: &mut FnContext);
    fn finish(&self) -> Value;
}

/// The aggregate function `name` (upper-case: LENGTH/COUNT, MIN, MAX, SUM, AVERAGE/AVG,
/// VARIANCE_POPULATION/VARIANCE, VARIANCE_SAMPLE, STDDEV_POPULATION/STDDEV,
/// STDDEV_SAMPLE, COUNT_DISTINCT/COUNT_UNIQUE, UNIQUE, SORTED_UNIQUE, PUSH, BIT_AND,
/// BIT_OR, BIT_XOR), None for others.
pub fn aggregate(name: &str) -> Option<Box<dyn Aggregate>> {
    let _ = name;
    None
}
