//! The checked cursor a library function reads its arguments through: a missing
//! argument reads as null, never an index out of bounds; type errors and other
//! warnings go to the call's [`FnContext`].

use super::FnContext;
use crate::error::num;
use crate::value::{cast, Value};

const NULL: Value = Value::Null;

pub struct Args<'a> {
    name: &'static str,
    values: Vec<Value>,
    ctx: &'a mut FnContext,
}

impl<'a> Args<'a> {
    pub fn new(name: &'static str, values: Vec<Value>, ctx: &'a mut FnContext) -> Args<'a> {
        Args { name, values, ctx }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Argument `i`, null when absent.
    pub fn get(&self, i: usize) -> &Value {
        self.values.get(i).unwrap_or(&NULL)
    }

    /// Whether argument `i` was given (even as null).
    pub fn has(&self, i: usize) -> bool {
        i < self.values.len()
    }

    /// Argument `i` moved out (null afterwards, and when absent).
    pub fn take(&mut self, i: usize) -> Value {
        self.values.get_mut(i).map(std::mem::take).unwrap_or(Value::Null)
    }

    pub fn all(&self) -> &[Value] {
        &self.values
    }

    pub fn take_all(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.values)
    }

    /// Argument `i` as a string after TO_STRING.
    pub fn string(&self, i: usize) -> String {
        cast::to_string(self.get(i))
    }

    /// Argument `i` as a number after TO_NUMBER.
    pub fn f64(&self, i: usize) -> f64 {
        cast::to_f64(self.get(i))
    }

    /// Argument `i` after TO_NUMBER, truncated to an integer (0 for absent).
    pub fn int(&self, i: usize) -> i64 {
        match cast::to_number(self.get(i)) {
            Value::Int(n) => n,
            Value::Double(d) if d.is_finite() => d.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64,
            _ => 0,
        }
    }

    /// Argument `i` as TO_BOOL, `default` when absent or null.
    pub fn flag(&self, i: usize, default: bool) -> bool {
        match self.values.get(i) {
            None | Some(Value::Null) => default,
            Some(v) => cast::to_bool(v),
        }
    }

    pub fn ctx(&mut self) -> &mut FnContext {
        self.ctx
    }

    pub fn warn(&mut self, code: u32, message: impl Into<String>) {
        self.ctx.warn(code, message);
    }

    /// Warning 1542 for this function; answers null, as ArangoDB does.
    pub fn type_error(&mut self) -> Value {
        let message = format!("invalid argument type in call to function '{}()'", self.name);
        self.ctx.warn(num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH, message);
        Value::Null
    }

    /// Warning 1563 "array expected" for this function; answers null.
    pub fn array_expected(&mut self) -> Value {
        self.ctx.warn(num::QUERY_ARRAY_EXPECTED, "array expected");
        Value::Null
    }

    /// Warning 1504 (number out of range) for this function; answers null.
    pub fn range_error(&mut self) -> Value {
        let message = format!("number out of range in call to function '{}()'", self.name);
        self.ctx.warn(num::QUERY_NUMBER_OUT_OF_RANGE, message);
        Value::Null
    }

    /// Warning 32 (resource limit) for a result beyond the 16 MiB ArangoDB allows;
    /// answers null.
    pub fn too_long(&mut self) -> Value {
        let message = format!("output string of function '{}()' limited to 16 MiB", self.name);
        self.ctx.warn(num::RESOURCE_LIMIT, message);
        Value::Null
    }

    /// Warning 1543 (invalid regex); answers null.
    pub fn regex_error(&mut self) -> Value {
        self.ctx.warn(num::QUERY_INVALID_REGEX, "invalid regex value");
        Value::Null
    }
}
