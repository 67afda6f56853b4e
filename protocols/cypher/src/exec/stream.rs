//! The [`QueryStream`]s a transaction's `run` returns: a pipeline pulled one row per
//! `next` (read-only queries), or rows computed when the query started (updating
//! queries, schema and administration commands, EXPLAIN). A query without RETURN (only
//! updates, or a procedure with no outputs) has no columns and gives no records. A runtime
//! error of an updating query, found when it ran, is held back until the first `next`;
//! any runtime error fails the transaction (see [`super::transaction`]).

use super::context::{node_value, rel_value, Cx, Row};
use super::ops::Op;
use crate::engine::{QueryKind, QueryStream, QuerySummary};
use crate::error::{CypherError, CypherResult};
use crate::value::Value;
use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;

pub(crate) enum Source {
    Pipeline(Op),
    Rows(VecDeque<Vec<Value>>),
    /// The runtime error the query met when it ran, answered on the first `next`.
    Failed(Option<CypherError>),
}

pub(crate) struct GraphStream {
    pub fields: Vec<String>,
    pub source: Source,
    pub cx: Cx,
    pub summary: QuerySummary,
    pub done: bool,
}

pub(crate) fn record(fields: &[String], mut row: Row) -> Vec<Value> {
    fields.iter().map(|f| row.remove(f).unwrap_or(Value::Null)).collect()
}

/// The value with its elements as they are at the end of an updating query.
pub(crate) fn refresh<'a>(
    cx: &'a Cx,
    v: Value,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = CypherResult<Value>> + Send + 'a>> {
    Box::pin(async move {
        Ok(match v {
            Value::Node(n) if !cx.node_deleted(n.id) => match cx.node(n.id).await? {
                Some(now) => node_value(now)?,
                None => Value::Node(n),
            },
            Value::Relationship(r) if !cx.rel_deleted(r.id) => match cx.relationship(r.id).await? {
                Some(now) => rel_value(now)?,
                None => Value::Relationship(r),
            },
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(refresh(cx, i).await?);
                }
                Value::List(out)
            }
            Value::Map(m) => {
                let mut out = crate::value::Map::new();
                for (k, i) in m {
                    out.insert(k, refresh(cx, i).await?);
                }
                Value::Map(out)
            }
            Value::Path(mut p) => {
                for n in p.nodes.iter_mut() {
                    if let Value::Node(now) = refresh(cx, Value::Node(n.clone())).await? {
                        *n = now;
                    }
                }
                for r in p.relationships.iter_mut() {
                    if let Value::Relationship(now) = refresh(cx, Value::Relationship(r.clone())).await? {
                        *r = now;
                    }
                }
                Value::Path(p)
            }
            other => other,
        })
    })
}

impl GraphStream {
    pub(crate) fn summary_now(&self) -> QuerySummary {
        let mut s = self.summary.clone();
        if s.kind != QueryKind::Schema {
            s.stats = self.cx.effects.lock().stats;
        }
        s
    }
}

#[async_trait]
impl QueryStream for GraphStream {
    fn fields(&self) -> &[String] {
        &self.fields
    }

    async fn next(&mut self) -> CypherResult<Option<Vec<Value>>> {
        if self.done {
            return Ok(None);
        }
        let out = match &mut self.source {
            Source::Rows(rows) => Ok(rows.pop_front()),
            Source::Failed(e) => match e.take() {
                Some(e) => Err(e),
                None => Ok(None),
            },
            Source::Pipeline(op) => loop {
                match op.next(&self.cx).await {
                    Ok(Some(_)) if self.fields.is_empty() => continue,
                    Ok(Some(row)) => break Ok(Some(record(&self.fields, row))),
                    Ok(None) => break Ok(None),
                    Err(e) => break Err(e.at_compile_time(false)),
                }
            },
        };
        if !matches!(out, Ok(Some(_))) {
            self.done = true;
        }
        if out.is_err() {
            self.cx.failed.store(true, Ordering::Relaxed);
        }
        out
    }

    fn summary(&self) -> QuerySummary {
        self.summary_now()
    }
}
