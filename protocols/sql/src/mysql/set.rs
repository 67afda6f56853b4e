//! MySQL's SET statement: system variables (`SET [SESSION|GLOBAL|LOCAL] v = x`,
//! `SET @@session.v = x`, several comma-separated), user variables (`SET @u = expr`),
//! `SET NAMES cs [COLLATE co]`, `SET CHARACTER SET cs`, `SET [SESSION] TRANSACTION
//! {ISOLATION LEVEL ..|READ ONLY|READ WRITE}`.
//!
//! A value is a literal, a bare word (`ON`, `utf8mb4`, `DEFAULT`) or any expression, which
//! runs as `SELECT expr` (so `SET sql_mode = (SELECT CONCAT(@@sql_mode, ',X'))` works).
//! `SET GLOBAL` changes the server-wide value in memory, which sessions opened afterwards
//! start with. `SET TRANSACTION` without SESSION is taken as SESSION (sqlparser does not
//! tell them apart): it lasts for the session, not only the next transaction.

use super::rewrite::{CHARSET, COLLATE, NAMES};
use super::variables::{self, Scope};
use crate::error::SqlError;
use crate::session::{cmd, Session};
use crate::QueryOutput;
use orbit_storage::Value;
use sqlparser::ast::{self, ContextModifier, Statement};
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Session,
    Global,
}

impl Session {
    pub(crate) async fn mysql_set(&mut self, set: &ast::Set) -> Result<QueryOutput, SqlError> {
        let assignments: Vec<(Option<ContextModifier>, &ast::ObjectName, &ast::Expr)> = match set {
            ast::Set::SingleAssignment { scope, variable, values, .. } => match values.as_slice() {
                [v] => vec![(*scope, variable, v)],
                _ => return Err(super::show::syntax("SET with a value list")),
            },
            ast::Set::MultipleAssignments { assignments } => {
                assignments.iter().map(|a| (a.scope, &a.name, &a.value)).collect()
            }
            ast::Set::SetNames { charset_name, collation_name } => {
                self.set_names(&charset_name.value, collation_name.as_deref())?;
                return Ok(cmd("SET"));
            }
            ast::Set::SetNamesDefault {} => {
                self.set_names("utf8mb4", None)?;
                return Ok(cmd("SET"));
            }
            ast::Set::SetTimeZone { value, .. } => {
                let v = self.set_value(value).await?;
                self.assign_system("time_zone", Target::Session, v)?;
                return Ok(cmd("SET"));
            }
            ast::Set::SetTransaction { modes, .. } => {
                for m in modes {
                    match m {
                        ast::TransactionMode::IsolationLevel(l) => {
                            let v = Value::Text(l.to_string().replace(' ', "-"));
                            self.assign_system("transaction_isolation", Target::Session, v)?;
                        }
                        ast::TransactionMode::AccessMode(a) => {
                            let ro = matches!(a, ast::TransactionAccessMode::ReadOnly);
                            self.assign_system("transaction_read_only", Target::Session, Value::Int(ro as i64))?;
                        }
                    }
                }
                return Ok(cmd("SET"));
            }
            _ => return Err(SqlError::not_supported("this SET statement")),
        };
        // MySQL checks every assignment before it applies any.
        let mut checked = Vec::new();
        let mut names: Option<(String, Option<String>)> = None;
        for (scope, name, value) in assignments {
            let parts: Vec<String> = name.0.iter().map(super::show::part_name).collect();
            let (target, var) = split_name(scope, &parts)?;
            if var.eq_ignore_ascii_case(NAMES) || var.eq_ignore_ascii_case(CHARSET) {
                let cs = text_of(value).unwrap_or_default();
                names = Some((cs.clone(), None));
                checked.push(Pending::Charset(cs, var.eq_ignore_ascii_case(NAMES)));
                continue;
            }
            if var.eq_ignore_ascii_case(COLLATE) {
                let co = text_of(value).unwrap_or_default();
                if let Some(n) = &mut names {
                    n.1 = Some(co.clone());
                }
                checked.push(Pending::Collate);
                continue;
            }
            if let Some(user) = var.strip_prefix('@') {
                let v = self.eval(value).await?;
                checked.push(Pending::User(user.to_lowercase(), v));
                continue;
            }
            let def = variables::lookup(&var).ok_or_else(|| variables::unknown(&var))?;
            let v = if is_default(value) {
                match target {
                    Target::Global => variables::default_value(def),
                    Target::Session => {
                        self.engine.mysql.globals.read().get(def.name).cloned().unwrap_or_else(|| variables::default_value(def))
                    }
                }
            } else {
                self.set_value(value).await?
            };
            let v = self.check_system(def, target, v)?;
            checked.push(Pending::System(def.name, target, v));
        }
        let mut charset_done = false;
        for p in checked {
            match p {
                Pending::User(n, v) => {
                    let m = self.mysql.as_deref_mut().expect("mysql");
                    Arc::make_mut(&mut m.user_vars).insert(n, v);
                }
                Pending::System(name, target, v) => self.store_system(name, target, v).await?,
                Pending::Charset(cs, is_names) => {
                    if !charset_done {
                        let co = names.as_ref().and_then(|n| n.1.clone());
                        if is_names {
                            self.set_names(&cs, co.as_deref())?;
                        } else {
                            self.set_character_set(&cs)?;
                        }
                        charset_done = true;
                    }
                }
                Pending::Collate => {}
            }
        }
        Ok(cmd("SET"))
    }

    /// SET NAMES: the client, connection and results character sets (and the
    /// connection's collation).
    fn set_names(&mut self, charset: &str, collation: Option<&str>) -> Result<(), SqlError> {
        let cs = if charset.eq_ignore_ascii_case("default") { "utf8mb4" } else { variables::charset(charset)? };
        let co = match collation {
            Some(c) => variables::collation(c)?,
            None => variables::default_collation(cs).to_string(),
        };
        let m = self.mysql.as_deref_mut().expect("mysql");
        let vars = Arc::make_mut(&mut m.vars);
        for k in ["character_set_client", "character_set_connection", "character_set_results"] {
            vars.insert(k, Value::Text(cs.to_string()));
        }
        vars.insert("collation_connection", Value::Text(co));
        Ok(())
    }

    /// SET CHARACTER SET: client and results; the connection takes the database's.
    fn set_character_set(&mut self, charset: &str) -> Result<(), SqlError> {
        let cs = if charset.eq_ignore_ascii_case("default") { "utf8mb4" } else { variables::charset(charset)? };
        let m = self.mysql.as_deref_mut().expect("mysql");
        let vars = Arc::make_mut(&mut m.vars);
        vars.insert("character_set_client", Value::Text(cs.to_string()));
        vars.insert("character_set_results", Value::Text(cs.to_string()));
        let db_cs = vars.get("character_set_database").cloned().unwrap_or(Value::Text("utf8mb4".into()));
        let db_co = vars.get("collation_database").cloned().unwrap_or(Value::Text("utf8mb4_0900_ai_ci".into()));
        vars.insert("character_set_connection", db_cs);
        vars.insert("collation_connection", db_co);
        Ok(())
    }

    fn check_system(&self, def: &'static variables::Var, target: Target, v: Value) -> Result<Value, SqlError> {
        if def.read_only {
            return Err(variables::read_only(def.name));
        }
        match (def.scope, target) {
            (Scope::Global, Target::Session) => {
                if def.name == "max_allowed_packet" || def.name == "net_buffer_length" {
                    return Err(SqlError::new(
                        "HY000",
                        format!("SESSION variable '{}' is read-only. Use SET GLOBAL to assign the value", def.name),
                    )
                    .with_mysql_errno(1621));
                }
                return Err(variables::global_only(def.name));
            }
            (Scope::Session, Target::Global) => {
                return Err(SqlError::new("HY000", format!("Variable '{}' is a SESSION variable and can't be used with SET GLOBAL", def.name))
                    .with_mysql_errno(1228))
            }
            _ => {}
        }
        variables::check(def, &v)
    }

    fn assign_system(&mut self, name: &str, target: Target, v: Value) -> Result<(), SqlError> {
        let def = variables::lookup(name).ok_or_else(|| variables::unknown(name))?;
        let v = self.check_system(def, target, v)?;
        self.store_session_value(def.name, v);
        Ok(())
    }

    /// Stores a checked session value (and its alias: tx_isolation, tx_read_only).
    fn store_session_value(&mut self, name: &'static str, v: Value) {
        let m = self.mysql.as_deref_mut().expect("mysql");
        let vars = Arc::make_mut(&mut m.vars);
        let alias = match name {
            "transaction_isolation" => Some("tx_isolation"),
            "tx_isolation" => Some("transaction_isolation"),
            "transaction_read_only" => Some("tx_read_only"),
            "tx_read_only" => Some("transaction_read_only"),
            _ => None,
        };
        if let Some(a) = alias {
            vars.insert(a, v.clone());
        }
        vars.insert(name, v);
    }

    async fn store_system(&mut self, name: &'static str, target: Target, v: Value) -> Result<(), SqlError> {
        if target == Target::Global {
            self.engine.mysql.globals.write().insert(name, v);
            return Ok(());
        }
        match name {
            "last_insert_id" | "identity" => {
                let n = match v {
                    Value::Int(n) => n as u64,
                    _ => 0,
                };
                self.set_last_insert_id(n);
                return Ok(());
            }
            // SET autocommit = 1 commits the open transaction.
            "autocommit" if v == Value::Int(1) && !self.autocommit() => {
                self.mysql_end_transaction(true).await?;
            }
            _ => {}
        }
        self.store_session_value(name, v);
        Ok(())
    }

    /// A SET value: literals and bare words directly, anything else through SELECT.
    async fn set_value(&mut self, e: &ast::Expr) -> Result<Value, SqlError> {
        match e {
            ast::Expr::Identifier(i) if !i.value.starts_with('@') => Ok(Value::Text(i.value.clone())),
            ast::Expr::Value(v) => match &v.value {
                ast::Value::Boolean(b) => Ok(Value::Int(*b as i64)),
                _ => self.eval(e).await,
            },
            _ => self.eval(e).await,
        }
    }

    /// Evaluates one expression as `SELECT expr`.
    pub(crate) async fn eval(&mut self, e: &ast::Expr) -> Result<Value, SqlError> {
        if let ast::Expr::Value(v) = e {
            match &v.value {
                ast::Value::Null => return Ok(Value::Null),
                ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => return Ok(Value::Text(s.clone())),
                ast::Value::Number(n, _) => {
                    if let Ok(i) = n.parse::<i64>() {
                        return Ok(Value::Int(i));
                    }
                }
                _ => {}
            }
        }
        let stmts = crate::parse::parse(crate::Dialect::MySql, &format!("SELECT {e}"))?;
        let Some(stmt @ Statement::Query(_)) = stmts.first() else {
            return Err(super::show::syntax("SET value"));
        };
        match self.execute_in_transaction(stmt, &[], &[]).await? {
            QueryOutput::Rows { rows, .. } => Ok(rows.into_iter().next().and_then(|r| r.into_iter().next()).unwrap_or(Value::Null)),
            _ => Ok(Value::Null),
        }
    }
}

enum Pending {
    User(String, Value),
    System(&'static str, Target, Value),
    Charset(String, bool),
    Collate,
}

fn is_default(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

fn text_of(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => Some(s.clone()),
            other => Some(other.to_string()),
        },
        ast::Expr::Identifier(i) => Some(i.value.clone()),
        _ => None,
    }
}

/// The scope and variable name of a SET target (`@@session.x`, `GLOBAL x`, `@u`).
fn split_name(scope: Option<ContextModifier>, parts: &[String]) -> Result<(Target, String), SqlError> {
    let from_modifier = match scope {
        Some(ContextModifier::Global) => Target::Global,
        _ => Target::Session,
    };
    Ok(match parts {
        [one] => match one.strip_prefix("@@") {
            Some(v) => (Target::Session, v.to_string()),
            None => (from_modifier, one.clone()),
        },
        [s, v] if s.starts_with("@@") => {
            let t = match s[2..].to_ascii_lowercase().as_str() {
                "global" => Target::Global,
                "session" | "local" => Target::Session,
                _ => return Err(variables::unknown(&format!("{}.{v}", &s[2..]))),
            };
            (t, v.clone())
        }
        _ => return Err(variables::unknown(&parts.join("."))),
    })
}
