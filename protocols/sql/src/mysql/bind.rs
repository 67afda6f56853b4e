//! What the binder of a MySQL session resolves from the session itself, to constants at
//! bind time (every execution binds afresh): system variables (`@@x`, `@@session.x`,
//! `@@global.x`, `@@local.x`), user variables (`@x`, NULL when unset), and the functions
//! that read session state: DATABASE()/SCHEMA(), USER()/SESSION_USER()/SYSTEM_USER()
//! ('user@client-host'), CURRENT_USER() ('user@%'-style account, here 'user@localhost'),
//! CONNECTION_ID(), VERSION(), LAST_INSERT_ID(), ROW_COUNT(), FOUND_ROWS().
//!
//! `LAST_INSERT_ID(expr)` and `@x := expr` with a constant `expr` return it and record
//! an [`Effect`] the session applies when the statement succeeds; with an expression
//! that depends on rows they answer "not supported".

use super::{variables, Effect};
use crate::error::SqlError;
use crate::expr::Expr;
use crate::plan::bind::{AggCtx, Binder, Scope};
use crate::types::SqlType;
use orbit_storage::Value;
use parking_lot::Mutex;
use sqlparser::ast;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A snapshot of the session values the binder may read.
pub struct BindEnv {
    pub vars: Arc<BTreeMap<&'static str, Value>>,
    pub globals: Arc<crate::Engine>,
    pub user_vars: Arc<HashMap<String, Value>>,
    pub database: Option<String>,
    pub user: String,
    pub host: String,
    pub connection_id: u32,
    pub last_insert_id: u64,
    pub row_count: i64,
    pub found_rows: u64,
    pub warning_count: usize,
    pub error_count: usize,
    pub effects: Arc<Mutex<Vec<Effect>>>,
    /// The statement read a value that changes from statement to statement (variables,
    /// LAST_INSERT_ID(), ROW_COUNT(), FOUND_ROWS()): its plan must not be kept.
    volatile: AtomicBool,
}

impl crate::session::Session {
    pub(crate) fn mysql_bind_env(&self) -> Option<Arc<BindEnv>> {
        let m = self.mysql.as_deref()?;
        Some(Arc::new(BindEnv {
            vars: m.vars.clone(),
            globals: self.engine.clone(),
            user_vars: m.user_vars.clone(),
            database: m.database.clone(),
            user: self.user.clone(),
            host: m.host.clone(),
            connection_id: m.connection_id,
            last_insert_id: m.last_insert_id,
            row_count: m.row_count,
            found_rows: m.found_rows,
            warning_count: m.warning_count(),
            error_count: m.error_count(),
            effects: m.effects.clone(),
            volatile: AtomicBool::new(false),
        }))
    }
}

fn typed(v: Value) -> (Expr, SqlType) {
    let ty = match &v {
        Value::Int(_) => SqlType::Int8,
        Value::Float(_) => SqlType::Float8,
        Value::Decimal(_) => SqlType::Numeric,
        Value::Bool(_) => SqlType::Bool,
        _ => SqlType::Text,
    };
    (Expr::Literal(v), ty)
}

fn text(s: impl Into<String>) -> (Expr, SqlType) {
    typed(Value::Text(s.into()))
}

impl BindEnv {
    pub fn volatile(&self) -> bool {
        self.volatile.load(Ordering::Relaxed)
    }

    fn mark_volatile(&self) {
        self.volatile.store(true, Ordering::Relaxed);
    }

    /// The session's time zone offset from UTC in microseconds (see
    /// [`crate::mysql_sql::time_zone`]); a plan that depends on it is not kept.
    pub fn zone_micros(&self) -> i64 {
        self.mark_volatile();
        crate::mysql_sql::time_zone::session_offset(&self.vars)
    }

    /// `@@[scope.]name`.
    pub fn system_variable(&self, scope: Option<&str>, name: &str) -> Result<Value, SqlError> {
        self.mark_volatile();
        let var = variables::lookup(name).ok_or_else(|| variables::unknown(name))?;
        let global = match scope.map(|s| s.to_ascii_lowercase()) {
            None => var.scope == variables::Scope::Global,
            Some(s) if s == "global" => true,
            Some(s) if s == "session" || s == "local" => false,
            Some(s) => return Err(variables::unknown(&format!("{s}.{name}"))),
        };
        if global {
            if var.scope == variables::Scope::Session {
                return Err(variables::session_only(var.name));
            }
            return Ok(self.globals.mysql.globals.read().get(var.name).cloned().unwrap_or_else(|| variables::default_value(var)));
        }
        if var.scope == variables::Scope::Global && scope.is_some() {
            return Err(SqlError::new("HY000", format!("Variable '{}' is a GLOBAL variable", var.name)).with_mysql_errno(1238));
        }
        Ok(match var.name {
            "warning_count" => Value::Int(self.warning_count as i64),
            "error_count" => Value::Int(self.error_count as i64),
            "last_insert_id" | "identity" => Value::Int(self.last_insert_id as i64),
            n => self.vars.get(n).cloned().unwrap_or_else(|| variables::default_value(var)),
        })
    }

    pub fn user_variable(&self, name: &str) -> Value {
        self.mark_volatile();
        self.user_vars.get(&name.to_lowercase()).cloned().unwrap_or(Value::Null)
    }
}

fn function_name(f: &ast::Function) -> Option<String> {
    match f.name.0.as_slice() {
        [ast::ObjectNamePart::Identifier(i)] => Some(i.value.to_ascii_lowercase()),
        _ => None,
    }
}

fn args(f: &ast::Function) -> Vec<&ast::Expr> {
    match &f.args {
        ast::FunctionArguments::List(l) => l
            .args
            .iter()
            .filter_map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl Binder<'_> {
    /// The MySQL session forms of an expression; None for everything else.
    pub(crate) fn mysql_expr(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: Option<&AggCtx>,
    ) -> Option<Result<(Expr, SqlType), SqlError>> {
        use ast::Expr as E;
        let env = || -> Result<Arc<BindEnv>, SqlError> {
            self.mysql.clone().ok_or_else(|| SqlError::not_supported("session variables here"))
        };
        match e {
            E::Identifier(i) if i.value.starts_with('@') => {
                let env = match env() {
                    Ok(env) => env,
                    Err(err) => return Some(Err(err)),
                };
                Some(match i.value.strip_prefix("@@") {
                    Some(name) => env.system_variable(None, name).map(typed),
                    None => Ok(typed(env.user_variable(&i.value[1..]))),
                })
            }
            // CURRENT_USER without parentheses (a keyword, never a column).
            E::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("current_user") => {
                let env = self.mysql.clone()?;
                Some(Ok(text(format!("{}@localhost", env.user))))
            }
            E::CompoundIdentifier(parts) if parts.len() == 2 && parts[0].value.starts_with("@@") => {
                let env = match env() {
                    Ok(env) => env,
                    Err(err) => return Some(Err(err)),
                };
                Some(env.system_variable(Some(&parts[0].value[2..]), &parts[1].value).map(typed))
            }
            E::Value(v) => match &v.value {
                ast::Value::Placeholder(p) if p.starts_with('@') => {
                    Some(env().map(|env| typed(env.user_variable(p.trim_start_matches('@')))))
                }
                _ => None,
            },
            E::BinaryOp { left, op: ast::BinaryOperator::Assignment, right } => {
                let E::Identifier(target) = left.as_ref() else { return None };
                let name = target.value.strip_prefix('@')?.to_lowercase();
                if let Some(env) = &self.mysql {
                    env.mark_volatile();
                }
                Some(self.mysql_constant(right, scope, agg, "@var := expression over rows").map(|(x, t)| {
                    if let (Expr::Literal(v), Some(env)) = (&x, &self.mysql) {
                        env.effects.lock().push(Effect::UserVariable(name, v.clone()));
                    }
                    (x, t)
                }))
            }
            E::Function(f) => {
                let name = function_name(f)?;
                let env = self.mysql.clone()?;
                let a = args(f);
                if matches!(name.as_str(), "last_insert_id" | "row_count" | "found_rows") {
                    env.mark_volatile();
                }
                let user_host = || format!("{}@{}", env.user, env.host);
                Some(Ok(match (name.as_str(), a.len()) {
                    ("database" | "schema", 0) => typed(env.database.clone().map(Value::Text).unwrap_or(Value::Null)),
                    ("user" | "session_user" | "system_user", 0) => text(user_host()),
                    ("current_user", 0) => text(format!("{}@localhost", env.user)),
                    ("connection_id", 0) => typed(Value::Int(env.connection_id as i64)),
                    ("version", 0) => text(variables::VERSION),
                    ("row_count", 0) => typed(Value::Int(env.row_count)),
                    ("found_rows", 0) => typed(Value::Int(env.found_rows as i64)),
                    ("last_insert_id", 0) => {
                        // LAST_INSERT_ID(n) earlier in the same statement has set it already.
                        let pending = env.effects.lock().iter().rev().find_map(|e| match e {
                            Effect::LastInsertId(n) => Some(*n),
                            _ => None,
                        });
                        typed(Value::Int(pending.unwrap_or(env.last_insert_id) as i64))
                    }
                    ("last_insert_id", 1) => {
                        return Some(self.mysql_constant(a[0], scope, agg, "LAST_INSERT_ID(expression over rows)").map(
                            |(x, _)| {
                                let n = match &x {
                                    Expr::Literal(Value::Int(n)) => *n as u64,
                                    _ => 0,
                                };
                                env.effects.lock().push(Effect::LastInsertId(n));
                                typed(Value::Int(n as i64))
                            },
                        ))
                    }
                    _ => return None,
                }))
            }
            _ => None,
        }
    }

    /// Binds `e`, which must fold to a constant.
    fn mysql_constant(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: Option<&AggCtx>,
        what: &str,
    ) -> Result<(Expr, SqlType), SqlError> {
        let (x, t) = self.bind_expr(e, scope, agg)?;
        match x {
            Expr::Literal(_) => Ok((x, t)),
            _ => Err(SqlError::not_supported(what)),
        }
    }
}
