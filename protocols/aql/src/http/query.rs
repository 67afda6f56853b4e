//! `POST /_api/explain` (the executor's plan, with `stats`: one plan created, its rules, the
//! time taken; `plans` with `allPlans`; a query the optimizer warned about is not
//! `cacheable`, and with `failOnWarning` its first warning is the error, as ArangoDB
//! answers) and `POST /_api/query` (parse only:
//! `{parsed, collections, bindVars, ast}`), minimal but truthful: the AST in ArangoDB's
//! node form where [`super::ast_json`] renders the query, otherwise the parser's own
//! syntax tree in its Debug form under `orbit`. Query tracking (`/_api/query/{properties,current,slow,<id>}`) is in
//! [`super::tracking`]; `/_api/query/rules` answers 501/9.

use super::cursor::query_request;
use super::params::{bool_attr, Req};
use super::response::{HttpResult, Reply};
use super::SharedState;
use crate::ast::{CollectionRef, Expr, ForSource, Op, Query};
use crate::error::{num, AqlError};
use crate::exec::explain;
use crate::syntax;
use crate::value::Value;
use axum::http::Method;

/// Collection names a query reads or writes: names in FOR sources that no FOR, LET or
/// COLLECT bound before, and the collections of modifications (subqueries included).
fn collections(query: &Query, bound: &mut Vec<String>, out: &mut Vec<String>) {
    let add = |name: &str, out: &mut Vec<String>| {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    };
    for op in &query.ops {
        match op {
            Op::For(f) => {
                match &f.source {
                    ForSource::Expr(Expr::Var(name)) if !bound.contains(name) => add(name, out),
                    ForSource::Expr(Expr::Subquery(q)) => collections(q, &mut bound.clone(), out),
                    _ => {}
                }
                bound.extend(f.vars.iter().cloned());
            }
            Op::Let { name, expr } => {
                if let Expr::Subquery(q) = expr {
                    collections(q, &mut bound.clone(), out);
                }
                bound.push(name.clone());
            }
            Op::Collect(c) => {
                bound.extend(c.groups.iter().map(|(n, _)| n.clone()));
                bound.extend(c.aggregates.iter().map(|(n, _)| n.clone()));
                bound.extend(c.count_into.iter().cloned());
            }
            Op::Insert(m) | Op::Update(m) | Op::Replace(m) | Op::Remove(m) => {
                if let CollectionRef::Name(n) = &m.collection {
                    add(n, out);
                }
            }
            Op::Upsert(u) => {
                if let CollectionRef::Name(n) = &u.collection {
                    add(n, out);
                }
            }
            _ => {}
        }
    }
}

pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest: Vec<&str> = req.segments.iter().skip(1).map(String::as_str).collect();
    match (rest.as_slice(), &req.method) {
        (["explain"], &Method::POST) => {
            let body = req.body_object()?;
            let (request, _) = query_request(req, &body)?;
            let all_plans = body.get("options").is_some_and(|o| bool_attr(o, "allPlans", false));
            let started = std::time::Instant::now();
            let fail_on_warning = request.options.fail_on_warning;
            let plan = explain(&state.store, request).await?;
            let Value::Object(mut o) = plan else { return Ok(Reply::json(200, plan)) };
            let warned = o.get("warnings").and_then(Value::as_array).is_some_and(|w| !w.is_empty());
            if warned && o.contains_key("cacheable") {
                o.insert("cacheable".into(), Value::Bool(false));
            }
            if fail_on_warning {
                if let Some(first) = o.get("warnings").and_then(Value::as_array).and_then(|w| w.first()) {
                    let code = first.get("code").and_then(Value::as_f64).map_or(num::FAILED, |c| c as u32);
                    let message = first.get("message").and_then(Value::as_str).unwrap_or("warning").to_string();
                    return Err(AqlError::new(code, message));
                }
            }
            if !o.contains_key("stats") {
                let rules = o.get("plan").and_then(|p| p.get("rules")).and_then(Value::as_array).map_or(0, |r| r.len());
                o.insert(
                    "stats".into(),
                    Value::object([
                        ("rulesExecuted", Value::Int(rules as i64)),
                        ("rulesSkipped", Value::Int(0)),
                        ("plansCreated", Value::Int(1)),
                        ("peakMemoryUsage", Value::Int(0)),
                        ("executionTime", Value::double(started.elapsed().as_secs_f64())),
                    ]),
                );
            }
            if all_plans {
                if let Some(single) = o.shift_remove("plan") {
                    o.insert("plans".into(), Value::Array(vec![single]));
                }
                o.shift_remove("cacheable");
            }
            Ok(Reply::ok_object(200, o))
        }
        (["query"], &Method::POST) => {
            let body = req.body_object()?;
            let (request, _) = query_request(req, &body)?;
            let parsed = syntax::parse(&request.query)?;
            let ast = super::ast_json::render(&parsed).unwrap_or_else(|| {
                Value::Array(vec![Value::object([("orbit", Value::String(format!("{parsed:?}")))])])
            });
            let mut names = Vec::new();
            collections(&parsed, &mut Vec::new(), &mut names);
            let binds: Vec<Value> = syntax::bind_parameters(&parsed).into_iter().map(Value::String).collect();
            Ok(Reply::ok(
                200,
                vec![
                    ("parsed", Value::Bool(true)),
                    ("collections", Value::Array(names.into_iter().map(Value::String).collect())),
                    ("bindVars", Value::Array(binds)),
                    ("warnings", Value::Array(Vec::new())),
                    ("ast", ast),
                ],
            ))
        }
        (["query", what], _) => super::tracking::handle(state, req, what).await,
        _ => Err(super::router::unknown_path(req)),
    }
}
