//! `/_api/database`: create (with users, from `_system` only: 1230 elsewhere), list
//! (all, or those the user may reach), the current one, drop.

use super::params::{bool_attr, str_attr, Req};
use super::response::{HttpResult, Reply};
use super::router::unknown_path;
use super::SharedState;
use crate::error::{num, AqlError};
use crate::value::Value;
use axum::http::Method;

fn system_only(req: &Req) -> Result<(), AqlError> {
    if req.db != "_system" {
        return Err(AqlError::with_status(num::USE_SYSTEM_DATABASE, 403, "operation only allowed in system database"));
    }
    Ok(())
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(2).map(String::as_str).collect();
    match (rest.as_slice(), &req.method) {
        ([], &Method::GET) | ([], &Method::HEAD) => {
            system_only(req)?;
            let names: Vec<Value> = state.store.databases().await?.into_iter().map(|d| Value::String(d.name)).collect();
            Ok(Reply::ok(200, vec![("result", Value::Array(names))]))
        }
        ([], &Method::POST) => {
            system_only(req)?;
            let body = req.body_object()?;
            let name = str_attr(&body, "name")
                .ok_or_else(|| AqlError::with_status(num::DATABASE_NAME_INVALID, 400, "database name invalid"))?;
            state.store.create_database(name).await?;
            match body.get("users").and_then(Value::as_array) {
                Some(users) => {
                    for u in users {
                        let Some(username) = str_attr(u, "username").or_else(|| str_attr(u, "user")) else {
                            continue;
                        };
                        let password = str_attr(u, "passwd").unwrap_or("");
                        state.users.ensure_with_access(username, password, bool_attr(u, "active", true), name).await?;
                    }
                }
                None => {
                    if let Some(user) = &req.user {
                        if state.users.db_level(user, name) == "none" {
                            state.users.ensure_with_access(user, "", true, name).await?;
                        }
                    }
                }
            }
            Ok(Reply::ok(201, vec![("result", Value::Bool(true))]))
        }
        (["user"], &Method::GET) | (["user"], &Method::HEAD) => {
            let dbs = state.store.databases().await?;
            let names: Vec<Value> = dbs
                .into_iter()
                .filter(|d| match &req.user {
                    Some(u) => state.users.db_level(u, &d.name) != "none",
                    None => true,
                })
                .map(|d| Value::String(d.name))
                .collect();
            Ok(Reply::ok(200, vec![("result", Value::Array(names))]))
        }
        (["current"], &Method::GET) | (["current"], &Method::HEAD) => {
            let info = state.store.database(&req.db).await?;
            Ok(Reply::ok(
                200,
                vec![(
                    "result",
                    Value::object([
                        ("id", Value::String(info.id)),
                        ("name", Value::String(info.name)),
                        ("isSystem", Value::Bool(info.is_system)),
                        ("path", Value::str("none")),
                    ]),
                )],
            ))
        }
        ([name], &Method::DELETE) => {
            system_only(req)?;
            state.store.drop_database(name).await?;
            state.users.forget_database(name).await?;
            Ok(Reply::ok(200, vec![("result", Value::Bool(true))]))
        }
        _ => Err(unknown_path(req)),
    }
}
