//! COPY: `COPY table [(cols)] FROM STDIN`, `COPY table [(cols)] TO STDOUT` and
//! `COPY (query) TO STDOUT`, in PostgreSQL's text and CSV formats.
//!
//! The wire listener drives it: [`Session::copy_in_start`] checks the statement and
//! opens its transaction (the block's, the extended protocol's implicit one, or its
//! own); [`Session::copy_in_data`] takes the client's CopyData pieces, which may cut
//! rows anywhere ([`decode`] resumes partial lines), converts each row as it completes
//! and inserts the rows in batches of [`BATCH_ROWS`], so memory stays bounded by one
//! batch plus one line; [`Session::copy_in_finish`] commits (or leaves the rows to the
//! block); any error goes through [`Session::copy_in_abort`], which rolls the whole COPY
//! back (or fails the block). Rows take the engine's insert path: column defaults,
//! sequences (SERIAL, IDENTITY, hidden row ids), assignment casts, NOT NULL, CHECK, and
//! the storage's primary-key and unique-index checks. Errors carry PostgreSQL's
//! CONTEXT line (`COPY t, line 3, column b: "x"`).
//!
//! A COPY into a table that is empty when it starts (and that its transaction has not
//! written) goes through the storage's bulk loader instead
//! ([`orbit_storage::Transaction::bulk_load`]): the same checks, rows written in large
//! engine batches under a hidden keyspace so memory stays bounded whatever the row count,
//! published by the commit of the COPY's transaction (its own, or the block's at COMMIT,
//! in one atomic batch with the block's other writes); a failure or ROLLBACK leaves
//! nothing. Until that commit, other writers of the table fail with 40001.
//!
//! [`Session::copy_out`] runs the query (a table's columns, or the given query) and
//! returns a [`CopyOut`] that encodes one line per row ([`encode`]). A table, or a
//! query that is one scan under filters and projections, is streamed a page at a time
//! ([`crate::streaming`]), so a COPY TO of any size keeps memory bounded.
//!
//! Binary format, server files and PROGRAM answer 0A000.

pub mod decode;
pub mod encode;
pub mod statement;

pub use statement::{
    is_copy, mentions_copy, parse_copy, split_statements, CopyFormat, CopyOptions, CopySource, CopyStatement,
    CopyTarget, HeaderChoice,
};

use crate::catalog::{self, TableInfo, ROWID};
use crate::error::{sqlstate, SqlError};
use crate::exec::ExecCtx;
use crate::expr::cast::assign_value;
use crate::expr::Expr;
use crate::plan::bind::{Scope, ScopeCol};
use crate::session::Session;
use crate::types::SqlType;
use crate::{QueryOutput, TransactionStatus};
use decode::{DecodeOptions, LineDecoder};
use encode::RowEncoder;
use orbit_storage::{ColumnDefault, DataType, StorageError, Transaction, Value};
use std::ops::Range;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Rows converted before they are written to the transaction in one go.
pub const BATCH_ROWS: usize = 1024;

/// PostgreSQL's MAX_COPY_DATA_DISPLAY: longer values are cut in error contexts.
const MAX_DISPLAY: usize = 100;

/// A COPY error: the engine error plus PostgreSQL's CONTEXT line, when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyError {
    pub error: SqlError,
    pub context: Option<String>,
}

impl From<SqlError> for CopyError {
    fn from(error: SqlError) -> Self {
        CopyError { error, context: None }
    }
}

impl From<StorageError> for CopyError {
    fn from(e: StorageError) -> Self {
        CopyError { error: e.into(), context: None }
    }
}

impl std::fmt::Display for CopyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.context {
            Some(c) => write!(f, "{} (context: {c})", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

/// `s` cut to PostgreSQL's display limit (at a character boundary) with "...".
fn limit_printout(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    if s.len() <= MAX_DISPLAY {
        return s.into_owned();
    }
    let mut end = MAX_DISPLAY;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Where a table column's value comes from.
enum Slot {
    /// The k-th field of each line.
    Field(usize),
    Null,
    Expr(Expr),
    Sequence(String),
}

/// A target column: name, engine type, stored type, nullability.
struct Target {
    name: String,
    ty: SqlType,
    data_type: DataType,
    force_not_null: bool,
    force_null: bool,
}

/// Converted rows waiting to be written, with their line numbers (and raw lines, kept
/// only when CHECK constraints may need them for an error context).
#[derive(Default)]
struct Batch {
    rows: Vec<Vec<Value>>,
    lines: Vec<(u64, Range<usize>)>,
    text: Vec<u8>,
}

/// A COPY FROM STDIN in progress.
pub struct CopyIn {
    table: Arc<TableInfo>,
    /// The relation name error contexts show.
    label: String,
    targets: Vec<Target>,
    slots: Vec<Slot>,
    /// Table columns whose not-null check waits for the sequence value.
    sequence_columns: Vec<(usize, String)>,
    checks: Vec<(String, Expr)>,
    keep_lines: bool,
    header: HeaderChoice,
    decoder: LineDecoder,
    ctx: ExecCtx,
    batch: Batch,
    tx: Option<Box<dyn Transaction>>,
    in_block: bool,
    count: u64,
}

impl CopyIn {
    /// The number of columns the client sends (for CopyInResponse).
    pub fn columns(&self) -> usize {
        self.targets.len()
    }

    fn line_context(&self, line: u64, raw: Option<&[u8]>) -> String {
        match raw {
            Some(raw) => format!("COPY {}, line {line}: \"{}\"", self.label, limit_printout(raw)),
            None => format!("COPY {}, line {line}", self.label),
        }
    }

    fn error_at(&self, error: SqlError, line: u64, raw: Option<&[u8]>) -> CopyError {
        CopyError { error, context: Some(self.line_context(line, raw)) }
    }

    /// Converts one complete line into a row of the batch (sync; no storage access).
    fn take_line(&mut self, line: Range<usize>) -> Result<(), CopyError> {
        let lineno = self.decoder.line_number();
        let bad_format = |m: &str| SqlError::new("22P04", m.to_string());
        let fields = match self.decoder.split(&line) {
            Ok(n) => n,
            Err(e) => {
                let raw = self.decoder.line(&line).to_vec();
                return Err(self.error_at(bad_format(&e.message), lineno, Some(&raw)));
            }
        };
        if lineno == 1 && self.header != HeaderChoice::False {
            if self.header == HeaderChoice::Match {
                self.match_header(&line, fields)?;
            }
            return Ok(());
        }
        if fields > self.targets.len() {
            let raw = self.decoder.line(&line).to_vec();
            return Err(self.error_at(bad_format("extra data after last expected column"), lineno, Some(&raw)));
        }
        let mut values: Vec<Value> = Vec::with_capacity(self.targets.len());
        for (k, target) in self.targets.iter().enumerate() {
            if k >= fields {
                let raw = self.decoder.line(&line).to_vec();
                let e = bad_format(&format!("missing data for column \"{}\"", target.name));
                return Err(self.error_at(e, lineno, Some(&raw)));
            }
            let mut field = self.decoder.field(k);
            if target.force_not_null && field.is_none() {
                field = Some(self.decoder.null_text());
            } else if target.force_null && field == Some(self.decoder.null_text()) {
                field = None;
            }
            let value = match field {
                None => Value::Null,
                Some(bytes) => {
                    let converted = match std::str::from_utf8(bytes) {
                        Ok(text) => crate::format::parse_text(text, &target.ty)
                            .map_err(|e| input_error(e, text, &target.ty))
                            .and_then(|v| assign_value(v, &target.data_type)),
                        Err(e) => Err(invalid_utf8(bytes, e)),
                    };
                    match converted {
                        Ok(v) => v,
                        Err(error) => {
                            let context = format!(
                                "COPY {}, line {lineno}, column {}: \"{}\"",
                                self.label,
                                target.name,
                                limit_printout(bytes)
                            );
                            return Err(CopyError { error, context: Some(context) });
                        }
                    }
                }
            };
            values.push(value);
        }
        let mut row = Vec::with_capacity(self.slots.len());
        for (slot, column) in self.slots.iter().zip(self.table.schema.columns()) {
            row.push(match slot {
                Slot::Field(k) => std::mem::replace(&mut values[*k], Value::Null),
                Slot::Null | Slot::Sequence(_) => Value::Null,
                Slot::Expr(e) => {
                    let v = self.ctx.env().eval(e, &[]).and_then(|v| assign_value(v, &column.data_type));
                    v.map_err(|e| self.error_at(e, lineno, None))?
                }
            });
        }
        for (pos, (value, column)) in row.iter().zip(self.table.schema.columns()).enumerate() {
            if value.is_null() && !column.nullable && !matches!(self.slots[pos], Slot::Sequence(_)) {
                let e = SqlError::new(
                    sqlstate::NOT_NULL_VIOLATION,
                    format!(
                        "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                        column.name, self.table.name
                    ),
                );
                let raw = self.decoder.line(&line).to_vec();
                return Err(self.error_at(e, lineno, Some(&raw)));
            }
        }
        let range = if self.keep_lines {
            let start = self.batch.text.len();
            self.batch.text.extend_from_slice(self.decoder.line(&line));
            start..self.batch.text.len()
        } else {
            0..0
        };
        self.batch.rows.push(row);
        self.batch.lines.push((lineno, range));
        Ok(())
    }

    fn match_header(&self, line: &Range<usize>, fields: usize) -> Result<(), CopyError> {
        let raw = self.decoder.line(line).to_vec();
        let fail = |m: String| self.error_at(SqlError::new("22P04", m), 1, Some(&raw));
        if fields != self.targets.len() {
            return Err(fail(format!(
                "wrong number of fields in header line: got {fields}, expected {}",
                self.targets.len()
            )));
        }
        for (i, target) in self.targets.iter().enumerate() {
            match self.decoder.field(i) {
                None => {
                    return Err(fail(format!(
                        "column name mismatch in header line field {}: got null value (\"{}\"), expected \"{}\"",
                        i + 1,
                        String::from_utf8_lossy(self.decoder.null_text()),
                        target.name
                    )))
                }
                Some(name) if name != target.name.as_bytes() => {
                    return Err(fail(format!(
                        "column name mismatch in header line field {}: got \"{}\", expected \"{}\"",
                        i + 1,
                        String::from_utf8_lossy(name),
                        target.name
                    )))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// PostgreSQL's integer input functions name the value when it is out of range.
fn input_error(e: SqlError, text: &str, ty: &SqlType) -> SqlError {
    if e.code == sqlstate::NUMERIC_VALUE_OUT_OF_RANGE && matches!(ty, SqlType::Int2 | SqlType::Int4 | SqlType::Int8) {
        return SqlError::new(e.code, format!("value \"{}\" is out of range for type {}", text.trim(), ty.name()));
    }
    e
}

fn invalid_utf8(bytes: &[u8], e: std::str::Utf8Error) -> SqlError {
    let at = e.valid_up_to();
    let first = bytes[at];
    let len = match first {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    };
    let shown: Vec<String> = bytes[at..(at + len).min(bytes.len())].iter().map(|b| format!("0x{b:02x}")).collect();
    SqlError::new("22021", format!("invalid byte sequence for encoding \"UTF8\": {}", shown.join(" ")))
}

/// A COPY TO: its rows, encoded one line at a time.
pub struct CopyOut {
    columns: Vec<String>,
    types: Vec<SqlType>,
    rows: std::vec::IntoIter<Vec<Value>>,
    /// The rows still to come of a streamed query (see [`crate::streaming`]).
    stream: Option<crate::streaming::QueryStream>,
    encoder: RowEncoder,
    header: bool,
    count: u64,
}

impl CopyOut {
    /// The number of columns (for CopyOutResponse).
    pub fn columns(&self) -> usize {
        self.columns.len()
    }

    /// Appends the next line (the header first, if asked for) to `out`; false when done.
    /// A streamed query reads its next rows through `session` when those it holds run
    /// out; an error there ends the COPY (the client gets it instead of CopyDone).
    pub async fn next_line(&mut self, session: &mut Session, out: &mut Vec<u8>) -> Result<bool, SqlError> {
        if self.header {
            self.header = false;
            self.encoder.header(&self.columns, out);
            return Ok(true);
        }
        loop {
            if let Some(row) = self.rows.next() {
                self.count += 1;
                self.encoder.row(&row, &self.types, out);
                return Ok(true);
            }
            let Some(stream) = self.stream.as_mut() else { return Ok(false) };
            let batch = session.next_rows(stream).await;
            let batch = match batch {
                Ok(batch) => batch,
                Err(e) => {
                    self.stream = None;
                    return Err(e);
                }
            };
            if batch.is_empty() {
                self.stream = None;
                return Ok(false);
            }
            self.rows = batch.into_iter();
        }
    }

    /// The command tag, once every line was taken.
    pub fn tag(&self) -> String {
        format!("COPY {}", self.count)
    }
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn object_name(parts: &[String]) -> sqlparser::ast::ObjectName {
    sqlparser::ast::ObjectName::from(
        parts.iter().map(|p| sqlparser::ast::Ident::with_quote('"', p.clone())).collect::<Vec<_>>(),
    )
}

/// The answer to COPY forms Orbit does not implement.
fn check_supported(stmt: &CopyStatement) -> Result<(), SqlError> {
    match &stmt.target {
        CopyTarget::Client => {}
        CopyTarget::File(_) => {
            let (dir, role) =
                if stmt.from { ("from", "pg_read_server_files") } else { ("to", "pg_write_server_files") };
            return Err(SqlError::new(sqlstate::FEATURE_NOT_SUPPORTED, format!("COPY {dir} a file is not supported"))
                .with_hint(format!(
                    "PostgreSQL allows it only to superusers and members of {role}; use COPY {} or psql's \\copy.",
                    if stmt.from { "FROM STDIN" } else { "TO STDOUT" }
                )));
        }
        CopyTarget::Program(_) => {
            return Err(SqlError::new(
                sqlstate::FEATURE_NOT_SUPPORTED,
                format!("COPY {} PROGRAM is not supported", if stmt.from { "FROM" } else { "TO" }),
            )
            .with_hint("Use COPY FROM STDIN / TO STDOUT and run the program on the client."));
        }
    }
    if stmt.options.format == CopyFormat::Binary {
        return Err(SqlError::not_supported("COPY in BINARY format").with_hint("Use FORMAT text or FORMAT csv."));
    }
    if stmt.has_where {
        return Err(SqlError::not_supported("COPY FROM with WHERE"));
    }
    Ok(())
}

/// Positions (in `names`) of the option's columns; PostgreSQL's errors when one is unknown
/// or not copied.
fn option_columns(
    option: &str,
    wanted: &[String],
    names: &[String],
    relation: Option<&str>,
) -> Result<Vec<bool>, SqlError> {
    let mut flags = vec![false; names.len()];
    for w in wanted {
        match names.iter().position(|n| n == w) {
            Some(i) => flags[i] = true,
            None => {
                return Err(match relation {
                    Some(_) => SqlError::new(
                        sqlstate::INVALID_COLUMN_REFERENCE,
                        format!("{option} column \"{w}\" not referenced by COPY"),
                    ),
                    None => SqlError::new(sqlstate::UNDEFINED_COLUMN, format!("column \"{w}\" does not exist")),
                })
            }
        }
    }
    Ok(flags)
}

impl Session {
    /// Starts a COPY FROM STDIN. On error the statement has failed (the block is aborted).
    pub async fn copy_in_start(&mut self, sql: &str, extended: bool) -> Result<CopyIn, CopyError> {
        let prepared = self.copy_in_prepare(sql);
        let mut copy = match prepared {
            Ok(copy) => copy,
            Err(e) => {
                if !extended {
                    let _ = self.sync().await;
                }
                if self.transaction_status() != TransactionStatus::Failed {
                    self.copy_statement_failed().await;
                }
                return Err(e.into());
            }
        };
        let (mut tx, in_block) = self.begin_copy_in(extended).await?;
        if let Err(e) = tx.bulk_load(&copy.table.storage_name).await {
            let _ = self.end_copy_in(tx, in_block, false).await;
            return Err(e.into());
        }
        copy.tx = Some(tx);
        copy.in_block = in_block;
        Ok(copy)
    }

    fn copy_in_prepare(&self, sql: &str) -> Result<CopyIn, SqlError> {
        if self.transaction_status() == TransactionStatus::Failed {
            return Err(SqlError::new(
                sqlstate::IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        let stmt = parse_copy(sql)?;
        if !stmt.from {
            return Err(SqlError::new(sqlstate::INTERNAL_ERROR, "COPY TO started as COPY FROM"));
        }
        check_supported(&stmt)?;
        let CopySource::Table { name, columns } = &stmt.source else {
            return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "syntax error at or near \"FROM\""));
        };
        let cat = self.engine.catalog();
        let mut binder = self.binder(&cat, &[]);
        let info = binder.lookup_table(&object_name(name)).map_err(|e| {
            if e.code == sqlstate::WRONG_OBJECT_TYPE {
                SqlError::new(
                    sqlstate::WRONG_OBJECT_TYPE,
                    format!("cannot copy to view \"{}\"", name.last().cloned().unwrap_or_default()),
                )
                .with_hint("To enable copying to a view, provide an INSTEAD OF INSERT trigger.")
            } else {
                e
            }
        })?;
        let cols = info.columns();
        let positions: Vec<usize> = match columns {
            None => (0..cols.len()).filter(|i| info.hidden != Some(*i)).collect(),
            Some(list) => {
                let mut out = Vec::with_capacity(list.len());
                for c in list {
                    let pos = info.schema.column_position(c).filter(|p| info.hidden != Some(*p)).ok_or_else(|| {
                        SqlError::new(
                            sqlstate::UNDEFINED_COLUMN,
                            format!("column \"{c}\" of relation \"{}\" does not exist", info.name),
                        )
                    })?;
                    if out.contains(&pos) {
                        return Err(SqlError::new(
                            sqlstate::DUPLICATE_COLUMN,
                            format!("column \"{c}\" specified more than once"),
                        ));
                    }
                    out.push(pos);
                }
                out
            }
        };
        let names: Vec<String> = positions.iter().map(|p| cols[*p].name.clone()).collect();
        let column_types = info.column_types();
        let opts = &stmt.options;
        let not_null = option_columns("FORCE_NOT_NULL", &opts.force_not_null, &names, Some(&info.name));
        let force_null = option_columns("FORCE_NULL", &opts.force_null, &names, Some(&info.name));
        let (not_null, force_null) = (not_null?, force_null?);
        let targets: Vec<Target> = positions
            .iter()
            .enumerate()
            .map(|(k, p)| Target {
                name: cols[*p].name.clone(),
                ty: column_types.get(*p).cloned().unwrap_or_else(|| SqlType::from_data_type(&cols[*p].data_type)),
                data_type: cols[*p].data_type.clone(),
                force_not_null: not_null[k],
                force_null: force_null[k],
            })
            .collect();
        let mut slots = Vec::with_capacity(cols.len());
        let mut sequence_columns = Vec::new();
        for (i, c) in cols.iter().enumerate() {
            if let Some(k) = positions.iter().position(|p| *p == i) {
                slots.push(Slot::Field(k));
                continue;
            }
            let slot = if info.hidden == Some(i) {
                Slot::Sequence(format!("{}.{ROWID}", info.storage_name))
            } else {
                match &c.default {
                    None => Slot::Null,
                    Some(ColumnDefault::Value(v)) => Slot::Expr(Expr::Literal(v.clone())),
                    Some(ColumnDefault::Expression(sql)) => match crate::dml::sequence_of(sql) {
                        Some(seq) => Slot::Sequence(seq),
                        None => {
                            let e = crate::parse::parse_expr(self.engine.dialect, sql)?;
                            Slot::Expr(binder.bind_expr(&e, &Scope::default(), None)?.0)
                        }
                    },
                }
            };
            if let Slot::Sequence(seq) = &slot {
                sequence_columns.push((i, seq.clone()));
            }
            slots.push(slot);
        }
        let scope = Scope {
            cols: cols
                .iter()
                .zip(info.column_types())
                .enumerate()
                .map(|(i, (c, t))| ScopeCol {
                    table: Some(info.name.clone()),
                    name: c.name.clone(),
                    ty: t,
                    hidden: info.hidden == Some(i),
                })
                .collect(),
        };
        let mut checks = Vec::new();
        for (name, sql) in &info.checks {
            let e = crate::parse::parse_expr(self.engine.dialect, sql)?;
            checks.push((name.clone(), binder.bind_expr(&e, &scope, None)?.0));
        }
        let decoder = LineDecoder::new(DecodeOptions {
            csv: opts.csv(),
            delimiter: opts.delimiter,
            quote: opts.quote,
            escape: opts.escape,
            null: opts.null.as_bytes().to_vec(),
        });
        let ctx = ExecCtx::new(
            Vec::new(),
            Default::default(),
            crate::expr::functions::now_micros(),
            self.cancel_flag(),
            self.session_info(),
        );
        let keep_lines = !checks.is_empty();
        Ok(CopyIn {
            label: info.name.clone(),
            table: info,
            targets,
            slots,
            sequence_columns,
            checks,
            keep_lines,
            header: opts.header,
            decoder,
            ctx,
            batch: Batch::default(),
            tx: None,
            in_block: false,
            count: 0,
        })
    }

    /// Takes one piece of the client's data.
    pub async fn copy_in_data(&mut self, copy: &mut CopyIn, data: &[u8]) -> Result<(), CopyError> {
        copy.decoder.push(data);
        self.copy_in_drain(copy, false).await
    }

    async fn copy_in_drain(&mut self, copy: &mut CopyIn, eof: bool) -> Result<(), CopyError> {
        loop {
            let line = match copy.decoder.next_line(eof) {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => {
                    let mut error = SqlError::new("22P04", e.message);
                    error.hint = e.hint;
                    return Err(copy.error_at(error, copy.decoder.current_line(), None));
                }
            };
            copy.take_line(line)?;
            if copy.batch.rows.len() >= BATCH_ROWS {
                self.copy_in_flush(copy).await?;
            }
        }
        Ok(())
    }

    /// Writes the batch: sequence values, CHECK constraints, then the storage inserts.
    async fn copy_in_flush(&mut self, copy: &mut CopyIn) -> Result<(), CopyError> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(SqlError::new(sqlstate::QUERY_CANCELED, "canceling statement due to user request").into());
        }
        let batch = std::mem::take(&mut copy.batch);
        if batch.rows.is_empty() {
            copy.batch = batch;
            return Ok(());
        }
        let mut rows = batch.rows;
        let n = rows.len() as i64;
        for (pos, seq) in &copy.sequence_columns {
            let mut next = catalog::next_values(&self.engine.storage, seq, n).await?;
            for row in rows.iter_mut() {
                row[*pos] = Value::Int(next);
                next += 1;
            }
        }
        if !copy.checks.is_empty() {
            for (row, (lineno, range)) in rows.iter().zip(&batch.lines) {
                for (name, check) in &copy.checks {
                    let result = copy.ctx.env().eval(check, row).map_err(|e| copy.error_at(e, *lineno, None))?;
                    if let Value::Bool(false) = result {
                        let e = SqlError::new(
                            sqlstate::CHECK_VIOLATION,
                            format!(
                                "new row for relation \"{}\" violates check constraint \"{name}\"",
                                copy.table.name
                            ),
                        );
                        return Err(copy.error_at(e, *lineno, Some(&batch.text[range.clone()])));
                    }
                }
            }
        }
        let table = copy.table.storage_name.clone();
        let Some(tx) = copy.tx.as_mut() else {
            return Err(SqlError::new(sqlstate::INTERNAL_ERROR, "COPY without a transaction").into());
        };
        for (row, (lineno, _)) in rows.into_iter().zip(&batch.lines) {
            if let Err(e) = tx.bulk_insert(&table, row).await {
                let error = match e {
                    StorageError::DuplicateKey { .. } => SqlError::new(
                        sqlstate::UNIQUE_VIOLATION,
                        format!("duplicate key value violates unique constraint \"{}_pkey\"", copy.table.name),
                    ),
                    StorageError::UniqueViolation { index, .. } => SqlError::new(
                        sqlstate::UNIQUE_VIOLATION,
                        format!("duplicate key value violates unique constraint \"{index}\""),
                    ),
                    other => other.into(),
                };
                let label = copy.label.clone();
                return Err(CopyError { error, context: Some(format!("COPY {label}, line {lineno}")) });
            }
            copy.count += 1;
        }
        let mut batch_text = batch.text;
        batch_text.clear();
        copy.batch = Batch { rows: Vec::with_capacity(BATCH_ROWS), lines: batch.lines, text: batch_text };
        copy.batch.lines.clear();
        Ok(())
    }

    /// The client's CopyDone: the rest of the data, then commit (or leave it to the
    /// block). Returns the command tag. On error, call [`Session::copy_in_abort`].
    pub async fn copy_in_finish(&mut self, copy: &mut CopyIn) -> Result<String, CopyError> {
        self.copy_in_drain(copy, true).await?;
        self.copy_in_flush(copy).await?;
        let Some(mut tx) = copy.tx.take() else {
            return Err(SqlError::new(sqlstate::INTERNAL_ERROR, "COPY without a transaction").into());
        };
        if let Err(e) = tx.bulk_flush(&copy.table.storage_name).await {
            copy.tx = Some(tx);
            return Err(e.into());
        }
        self.end_copy_in(tx, copy.in_block, true).await?;
        // A bulk load's commit gives the table a new storage id.
        if copy.in_block {
            self.block_copies.push(copy.table.storage_name.clone());
        } else {
            self.engine.refresh_table(&copy.table.storage_name).await?;
        }
        Ok(format!("COPY {}", copy.count))
    }

    /// Ends a failed COPY FROM: nothing of it stays; a block is aborted.
    pub async fn copy_in_abort(&mut self, mut copy: CopyIn) {
        match copy.tx.take() {
            Some(tx) => {
                let _ = self.end_copy_in(tx, copy.in_block, false).await;
            }
            None => self.copy_statement_failed().await,
        }
    }

    /// The error for the client's CopyFail.
    pub fn copy_in_client_failure(copy: &CopyIn, message: &str) -> CopyError {
        let error = SqlError::new(sqlstate::QUERY_CANCELED, format!("COPY from stdin failed: {message}"));
        copy.error_at(error, copy.decoder.current_line(), None)
    }

    /// The error for a message other than CopyData/CopyDone/CopyFail during COPY FROM.
    pub fn copy_in_unexpected_message(copy: &CopyIn, tag: u8) -> CopyError {
        let error = SqlError::new("08P01", format!("unexpected message type 0x{tag:02X} during COPY from stdin"));
        copy.error_at(error, copy.decoder.current_line(), None)
    }

    /// Runs a COPY TO STDOUT. On error the statement has failed (the block is aborted).
    pub async fn copy_out(&mut self, sql: &str, extended: bool) -> Result<CopyOut, SqlError> {
        if !extended {
            self.sync().await?;
        }
        let prepared = self.copy_out_query(sql);
        let (stmt, query, relation) = match prepared {
            Ok(p) => p,
            Err(e) => {
                if self.transaction_status() != TransactionStatus::Failed {
                    self.copy_statement_failed().await;
                }
                return Err(e);
            }
        };
        self.request_streaming();
        let output = if extended {
            self.execute_extended(&query, &[], &[]).await?
        } else {
            self.execute_with_params(&query, &[], &[]).await?
        };
        let stream = self.take_stream();
        let (columns, rows) = match output {
            QueryOutput::Rows { columns, rows, .. } => (columns, rows),
            _ => {
                self.copy_statement_failed().await;
                return Err(SqlError::not_supported("COPY of a statement without RETURNING")
                    .with_hint("COPY query must have a RETURNING clause."));
            }
        };
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        if let statement::ForceQuote::Columns(wanted) = &stmt.options.force_quote {
            if let Err(e) = option_columns("FORCE_QUOTE", wanted, &names, relation.as_deref()) {
                self.copy_statement_failed().await;
                return Err(e);
            }
        }
        let encoder = RowEncoder::new(&stmt.options, &names);
        Ok(CopyOut {
            types: columns.into_iter().map(|c| c.ty).collect(),
            columns: names,
            rows: rows.into_iter(),
            stream,
            encoder,
            header: stmt.options.header == HeaderChoice::True,
            count: 0,
        })
    }

    /// The query a COPY TO runs, and the relation name when it copies a table.
    fn copy_out_query(&self, sql: &str) -> Result<(CopyStatement, String, Option<String>), SqlError> {
        if self.transaction_status() == TransactionStatus::Failed {
            return Err(SqlError::new(
                sqlstate::IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        let stmt = parse_copy(sql)?;
        check_supported(&stmt)?;
        match &stmt.source {
            CopySource::Query(q) => {
                let first = q.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("").to_ascii_lowercase();
                if !matches!(first.as_str(), "select" | "with" | "values" | "table" | "insert" | "update" | "delete") {
                    return Err(SqlError::new(
                        sqlstate::SYNTAX_ERROR,
                        format!("syntax error at or near \"{}\"", q.split_whitespace().next().unwrap_or(q)),
                    ));
                }
                let q = q.clone();
                Ok((stmt, q, None))
            }
            CopySource::Table { name, columns } => {
                let cat = self.engine.catalog();
                let binder = self.binder(&cat, &[]);
                let info = binder.lookup_table(&object_name(name)).map_err(|e| {
                    if e.code == sqlstate::WRONG_OBJECT_TYPE {
                        SqlError::new(
                            sqlstate::WRONG_OBJECT_TYPE,
                            format!("cannot copy from view \"{}\"", name.last().cloned().unwrap_or_default()),
                        )
                        .with_hint("Try the COPY (SELECT ...) TO variant.")
                    } else {
                        e
                    }
                })?;
                let cols = info.columns();
                let selected: Vec<String> = match columns {
                    None => cols
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| info.hidden != Some(*i))
                        .map(|(_, c)| c.name.clone())
                        .collect(),
                    Some(list) => {
                        let mut out: Vec<String> = Vec::new();
                        for c in list {
                            if info.schema.column_position(c).filter(|p| info.hidden != Some(*p)).is_none() {
                                return Err(SqlError::new(
                                    sqlstate::UNDEFINED_COLUMN,
                                    format!("column \"{c}\" of relation \"{}\" does not exist", info.name),
                                ));
                            }
                            if out.contains(c) {
                                return Err(SqlError::new(
                                    sqlstate::DUPLICATE_COLUMN,
                                    format!("column \"{c}\" specified more than once"),
                                ));
                            }
                            out.push(c.clone());
                        }
                        out
                    }
                };
                let qualified: Vec<String> = info.storage_name.splitn(3, '.').skip(1).map(quote_ident).collect();
                let list: Vec<String> = selected.iter().map(|c| quote_ident(c)).collect();
                let query = if list.is_empty() {
                    format!("SELECT FROM {}", qualified.join("."))
                } else {
                    format!("SELECT {} FROM {}", list.join(", "), qualified.join("."))
                };
                let relation = info.name.clone();
                Ok((stmt, query, Some(relation)))
            }
        }
    }
}

#[cfg(test)]
mod tests;
