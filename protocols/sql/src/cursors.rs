//! SQL cursors: `DECLARE name [NO SCROLL] CURSOR [WITHOUT HOLD] FOR query`, `FETCH
//! [FORWARD] [n | ALL | NEXT] [FROM | IN] name` and `CLOSE name | ALL`, as psql's
//! FETCH_COUNT and hand-written scripts use them.
//!
//! A cursor lives in its transaction block and ends with it. It is forward-only (what
//! PostgreSQL calls NO SCROLL). A pipeline query (see [`crate::streaming`]) is read a
//! page at a time as FETCH asks for rows, through the block's transaction, so a cursor
//! over any number of rows keeps memory bounded; any other query is run at DECLARE and
//! its rows are handed out from memory. Left out, each answering 0A000 (or PostgreSQL's
//! own error where it has one): WITH HOLD, SCROLL and backward or absolute fetches,
//! BINARY cursors, MOVE.

use crate::error::{sqlstate, SqlError};
use crate::session::{cmd, Session};
use crate::streaming::QueryStream;
use crate::types::SqlType;
use crate::{Affected, Column, QueryOutput, TransactionStatus, Verb};
use orbit_storage::{Row, Value};
use sqlparser::ast::{self, CloseCursor, FetchDirection, Statement};
use std::collections::VecDeque;

/// An open cursor: its result columns, rows read but not fetched yet, and the rest of a
/// streamed query.
pub(crate) struct Cursor {
    columns: Vec<Column>,
    rows: VecDeque<Row>,
    stream: Option<QueryStream>,
}

fn cursor_missing(name: &str) -> SqlError {
    SqlError::new(sqlstate::INVALID_CURSOR_NAME, format!("cursor \"{name}\" does not exist"))
}

/// How many rows a FETCH asks for (`None`: all).
fn fetch_count(direction: &FetchDirection) -> Result<Option<u64>, SqlError> {
    let count = |v: &ast::ValueWithSpan| -> Result<u64, SqlError> {
        match &v.value {
            ast::Value::Number(n, _) => match n.parse::<i64>() {
                Ok(n) if n > 0 => Ok(n as u64),
                Ok(0) => Err(SqlError::not_supported("FETCH 0 (re-fetching the current row)")),
                Ok(_) => Err(backward()),
                Err(_) => Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("invalid FETCH count {n}"))),
            },
            other => Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("invalid FETCH count {other}"))),
        }
    };
    match direction {
        FetchDirection::Next | FetchDirection::Forward { limit: None } => Ok(Some(1)),
        FetchDirection::Count { limit } | FetchDirection::Forward { limit: Some(limit) } => Ok(Some(count(limit)?)),
        FetchDirection::All | FetchDirection::ForwardAll => Ok(None),
        FetchDirection::Prior | FetchDirection::Backward { .. } | FetchDirection::BackwardAll => Err(backward()),
        FetchDirection::First
        | FetchDirection::Last
        | FetchDirection::Absolute { .. }
        | FetchDirection::Relative { .. } => {
            Err(SqlError::not_supported("FETCH FIRST, LAST, ABSOLUTE and RELATIVE (cursors are forward-only)"))
        }
    }
}

fn backward() -> SqlError {
    SqlError::new(sqlstate::OBJECT_NOT_IN_PREREQUISITE_STATE, "cursor can only scan forward")
        .with_hint("Declare it with SCROLL option to enable backward scan.")
}

impl Session {
    /// DECLARE ... CURSOR FOR query.
    pub(crate) async fn declare_cursor(
        &mut self,
        declare: &ast::Declare,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let (Some(query), Some(ast::DeclareType::Cursor), [name]) =
            (&declare.for_query, &declare.declare_type, declare.names.as_slice())
        else {
            return Err(SqlError::not_supported("DECLARE without CURSOR FOR a query"));
        };
        if declare.hold == Some(true) {
            return Err(SqlError::not_supported("DECLARE ... WITH HOLD"));
        }
        if declare.scroll == Some(true) {
            return Err(SqlError::not_supported("DECLARE ... SCROLL (cursors are forward-only)"));
        }
        if declare.binary == Some(true) {
            return Err(SqlError::not_supported("DECLARE BINARY"));
        }
        if self.status != TransactionStatus::InBlock {
            return Err(SqlError::new(
                sqlstate::NO_ACTIVE_SQL_TRANSACTION,
                "DECLARE CURSOR can only be used in transaction blocks",
            ));
        }
        let name = crate::plan::bind::ident(name);
        if self.cursors.contains_key(&name) {
            return Err(SqlError::new(sqlstate::DUPLICATE_CURSOR, format!("cursor \"{name}\" already exists")));
        }
        self.request_streaming();
        let output = self.execute_in_transaction(&Statement::Query(query.clone()), param_types, params).await;
        self.stream_requested = false;
        let mut stream = self.take_stream();
        if let Some(stream) = stream.as_mut() {
            stream.end_timeout(); // FETCHes are statements of their own
        }
        let QueryOutput::Rows { columns, rows, .. } = output? else {
            return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "DECLARE CURSOR needs a query that returns rows"));
        };
        self.cursors.insert(name, Cursor { columns, rows: rows.into(), stream });
        Ok(cmd("DECLARE CURSOR"))
    }

    /// FETCH [direction] FROM name: the next rows, tagged "FETCH n".
    pub(crate) async fn fetch_cursor(
        &mut self,
        name: &ast::Ident,
        direction: &FetchDirection,
    ) -> Result<QueryOutput, SqlError> {
        let name = crate::plan::bind::ident(name);
        let wanted = fetch_count(direction)?;
        let mut cursor = self.cursors.remove(&name).ok_or_else(|| cursor_missing(&name))?;
        let mut out = Vec::new();
        let result = loop {
            if wanted.is_some_and(|n| out.len() as u64 >= n) {
                break Ok(());
            }
            if let Some(row) = cursor.rows.pop_front() {
                out.push(row);
                continue;
            }
            let Some(stream) = cursor.stream.as_mut() else { break Ok(()) };
            match self.next_rows(stream).await {
                Ok(batch) if batch.is_empty() => cursor.stream = None,
                Ok(batch) => cursor.rows.extend(batch),
                Err(e) => break Err(e),
            }
        };
        let columns = cursor.columns.clone();
        self.cursors.insert(name, cursor);
        result?;
        let affected = Affected { rows: out.len() as u64, matched: out.len() as u64, ..Affected::default() };
        Ok(QueryOutput::Rows { columns, rows: out, affected: Some((Verb::Fetch, affected)) })
    }

    /// CLOSE name | ALL.
    pub(crate) async fn close_cursor(&mut self, which: &CloseCursor) -> Result<QueryOutput, SqlError> {
        let closing: Vec<Cursor> = match which {
            CloseCursor::All => self.cursors.drain().map(|(_, c)| c).collect(),
            CloseCursor::Specific { name } => {
                let name = crate::plan::bind::ident(name);
                vec![self.cursors.remove(&name).ok_or_else(|| cursor_missing(&name))?]
            }
        };
        for mut cursor in closing {
            if let Some(stream) = cursor.stream.as_mut() {
                self.close_stream(stream).await?;
            }
        }
        Ok(cmd("CLOSE CURSOR"))
    }
}
