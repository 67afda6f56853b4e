//! Set-returning functions in FROM: a small registry the binder resolves a name through.
//!
//! `generate_series` is bound into its own in-memory plan node ([`crate::plan::Plan::Series`]);
//! every other entry is an asynchronous function ([`AsyncTableFunction`]) that runs in the
//! executor's prefetch phase, like a table scan: the binder turns the call into a
//! [`crate::plan::ScanNode`] carrying a [`FunctionCall`] (arguments bound and cast to the
//! declared parameter types, columns typed per dialect), and [`crate::exec::prefetch`]
//! evaluates the arguments and awaits the function's rows through the engine's
//! [`FunctionHost`] (the services a listener hands the engine once, such as the GraphRAG
//! storage). Filters, joins, ORDER BY and LIMIT then apply to those rows as to any scan's.

pub mod graphrag;
mod graphrag_rows;

use crate::dialect::Dialect;
use crate::error::{sqlstate, SqlError};
use crate::expr::Expr;
use crate::types::SqlType;
use orbit_storage::{Row, TableStorage, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

/// The future of an asynchronous table function's rows.
pub type RowsFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Row>, SqlError>> + Send + 'a>>;

/// The type a parameter's argument is cast to when the call is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Text,
    Int,
    Float,
    /// A JSON document given as json, jsonb or text; the function parses it.
    Json,
}

impl ParamType {
    fn sql_type(self) -> SqlType {
        match self {
            ParamType::Text | ParamType::Json => SqlType::Text,
            ParamType::Int => SqlType::Int8,
            ParamType::Float => SqlType::Float8,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
}

/// A set-returning function answered asynchronously from the engine's services.
pub struct AsyncTableFunction {
    pub name: &'static str,
    pub params: &'static [Param],
    /// The leading parameters every call must give.
    pub required: usize,
    /// Output columns in the session's dialect.
    pub columns: fn(Dialect) -> Vec<(&'static str, SqlType)>,
    pub call: for<'a> fn(&'a FunctionHost, Args) -> RowsFuture<'a>,
}

/// What a name in FROM resolves to.
pub enum TableFunction {
    GenerateSeries,
    Async(&'static AsyncTableFunction),
}

/// The function `name` (unqualified, or `pg_catalog.` for the built-in ones).
pub fn lookup(parts: &[String]) -> Option<TableFunction> {
    match parts {
        [name] | [_, name] if name == "generate_series" && (parts.len() == 1 || parts[0] == "pg_catalog") => {
            Some(TableFunction::GenerateSeries)
        }
        [name] => graphrag::FUNCTIONS.iter().find(|f| f.name == name.as_str()).map(TableFunction::Async),
        _ => None,
    }
}

/// A bound call of an [`AsyncTableFunction`]; its rows are read by the prefetch phase.
#[derive(Clone)]
pub struct FunctionCall {
    pub function: &'static AsyncTableFunction,
    /// One per given argument, cast to its parameter's type; row-independent.
    pub args: Vec<Expr>,
    pub dialect: Dialect,
}

impl std::fmt::Debug for FunctionCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionCall").field("function", &self.function.name).field("args", &self.args).finish()
    }
}

impl FunctionCall {
    /// Checks the argument count and casts each argument to its parameter's type with
    /// `cast` (the binder's cast, which also types untyped parameters).
    pub fn bind(
        function: &'static AsyncTableFunction,
        bound: Vec<(Expr, SqlType)>,
        dialect: Dialect,
        mut cast: impl FnMut(Expr, &SqlType, &SqlType) -> Result<Expr, SqlError>,
    ) -> Result<FunctionCall, SqlError> {
        if bound.len() < function.required || bound.len() > function.params.len() {
            let types: Vec<String> = bound.iter().map(|(_, t)| t.name()).collect();
            return Err(SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("function {}({}) does not exist", function.name, types.join(", ")),
            )
            .with_hint(signature_hint(function)));
        }
        let mut args = Vec::with_capacity(bound.len());
        for ((e, t), p) in bound.into_iter().zip(function.params) {
            if !e.is_row_independent() {
                return Err(SqlError::not_supported(format!(
                    "an argument of {} that reads a column or a subquery",
                    function.name
                )));
            }
            let target = p.ty.sql_type();
            let accepted = match p.ty {
                ParamType::Text => !matches!(t, SqlType::Array(_) | SqlType::Bytea),
                ParamType::Json => {
                    matches!(t, SqlType::Json | SqlType::Jsonb | SqlType::Text | SqlType::Varchar | SqlType::Unknown)
                }
                ParamType::Int => {
                    matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Numeric | SqlType::Unknown)
                }
                ParamType::Float => matches!(
                    t,
                    SqlType::Int2
                        | SqlType::Int4
                        | SqlType::Int8
                        | SqlType::Numeric
                        | SqlType::Float4
                        | SqlType::Float8
                        | SqlType::Unknown
                ),
            };
            if !accepted && !dialect.is_mysql() {
                return Err(SqlError::new(
                    sqlstate::UNDEFINED_FUNCTION,
                    format!(
                        "function {}: argument {} must be {}, not {}",
                        function.name,
                        p.name,
                        target.name(),
                        t.name()
                    ),
                )
                .with_hint(signature_hint(function)));
            }
            args.push(cast(e, &t, &target)?);
        }
        Ok(FunctionCall { function, args, dialect })
    }

    pub fn columns(&self) -> Vec<(&'static str, SqlType)> {
        (self.function.columns)(self.dialect)
    }
}

fn signature_hint(function: &AsyncTableFunction) -> String {
    let params: Vec<String> = function
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ty = match p.ty {
                ParamType::Text => "text",
                ParamType::Json => "json",
                ParamType::Int => "bigint",
                ParamType::Float => "double precision",
            };
            if i < function.required {
                format!("{} {ty}", p.name)
            } else {
                format!("[{} {ty}]", p.name)
            }
        })
        .collect();
    format!("{}({})", function.name, params.join(", "))
}

/// The evaluated arguments of one call, read through checked accessors.
pub struct Args {
    function: &'static str,
    params: &'static [Param],
    values: Vec<Value>,
    pub dialect: Dialect,
}

impl Args {
    pub fn new(call: &FunctionCall, values: Vec<Value>) -> Args {
        Args { function: call.function.name, params: call.function.params, values, dialect: call.dialect }
    }

    fn name(&self, i: usize) -> &'static str {
        self.params.get(i).map(|p| p.name).unwrap_or("argument")
    }

    fn given(&self, i: usize) -> Option<&Value> {
        self.values.get(i).filter(|v| !v.is_null())
    }

    /// A required text argument; NULL is an error (22004).
    pub fn text(&self, i: usize) -> Result<String, SqlError> {
        self.opt_text(i)?
            .ok_or_else(|| SqlError::new("22004", format!("{}: {} must not be null", self.function, self.name(i))))
    }

    /// An optional text argument: `None` when absent or NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, SqlError> {
        Ok(match self.given(i) {
            None => None,
            Some(Value::Text(s)) | Some(Value::Json(s)) => Some(s.clone()),
            Some(other) => crate::format::format_text(other, &SqlType::Text),
        })
    }

    /// An optional non-negative integer argument bounded by `max`.
    pub fn opt_count(&self, i: usize, max: i64) -> Result<Option<usize>, SqlError> {
        let Some(v) = self.given(i) else { return Ok(None) };
        let n = match v {
            Value::Int(n) => *n,
            Value::Float(f) if f.fract() == 0.0 && f.is_finite() => *f as i64,
            Value::Decimal(d) => d.to_string().parse::<i64>().map_err(|_| self.bad(i, "an integer"))?,
            Value::Text(s) => s.trim().parse::<i64>().map_err(|_| self.bad(i, "an integer"))?,
            _ => return Err(self.bad(i, "an integer")),
        };
        if !(0..=max).contains(&n) {
            return Err(SqlError::new(
                sqlstate::INVALID_PARAMETER_VALUE,
                format!("{}: {} must be between 0 and {max}", self.function, self.name(i)),
            ));
        }
        Ok(Some(n as usize))
    }

    /// An optional floating-point argument.
    pub fn opt_float(&self, i: usize) -> Result<Option<f64>, SqlError> {
        let Some(v) = self.given(i) else { return Ok(None) };
        let f = match v {
            Value::Float(f) => *f,
            Value::Int(n) => *n as f64,
            Value::Decimal(d) => d.to_string().parse::<f64>().map_err(|_| self.bad(i, "a number"))?,
            Value::Text(s) => s.trim().parse::<f64>().map_err(|_| self.bad(i, "a number"))?,
            _ => return Err(self.bad(i, "a number")),
        };
        if !f.is_finite() {
            return Err(self.bad(i, "a finite number"));
        }
        Ok(Some(f))
    }

    fn bad(&self, i: usize, what: &str) -> SqlError {
        SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, format!("{}: {} must be {what}", self.function, self.name(i)))
    }
}

/// The services asynchronous table functions reach, set once by the listener that
/// opened the engine.
#[derive(Default)]
pub struct FunctionHost {
    graphrag_storage: OnceLock<Arc<dyn TableStorage>>,
}

impl FunctionHost {
    /// Gives the GraphRAG functions their storage; the first call wins (false after).
    pub fn set_graphrag_storage(&self, storage: Arc<dyn TableStorage>) -> bool {
        self.graphrag_storage.set(storage).is_ok()
    }

    pub fn graphrag_storage(&self) -> Option<&Arc<dyn TableStorage>> {
        self.graphrag_storage.get()
    }
}
