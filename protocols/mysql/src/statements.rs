//! Prepared statements of one connection (COM_STMT_PREPARE / EXECUTE / SEND_LONG_DATA /
//! RESET / CLOSE): ids, the engine's description (parameter types, result columns), the
//! parameter types the client bound last (reused when new-params-bound is 0) and long
//! data sent ahead of an execute.

use crate::connection::Connection;
use crate::wire::consts::*;
use crate::wire::{ColumnDef, ColumnType, ParamType, StmtPrepareOk};
use orbit_sql::{SqlError, SqlType, Value};
use std::collections::HashMap;

/// How many statements one connection may hold (MySQL's max_prepared_stmt_count is
/// server-wide, 16382 by default).
const MAX_STATEMENTS: usize = 16382;

pub(crate) struct Prepared {
    pub statement: orbit_sql::PreparedStatement,
    pub params: Vec<SqlType>,
    pub bound_types: Option<Vec<ParamType>>,
    pub long_data: HashMap<u16, Vec<u8>>,
}

#[derive(Default)]
pub(crate) struct Statements {
    next_id: u32,
    by_id: HashMap<u32, Prepared>,
}

impl Statements {
    fn add(&mut self, statement: Prepared) -> Option<u32> {
        if self.by_id.len() >= MAX_STATEMENTS {
            return None;
        }
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.by_id.insert(self.next_id, statement);
        Some(self.next_id)
    }

    pub fn append_long_data(&mut self, id: u32, param: u16, data: &[u8]) {
        if let Some(s) = self.by_id.get_mut(&id) {
            if usize::from(param) < s.params.len() {
                s.long_data.entry(param).or_default().extend_from_slice(data);
            }
        }
    }

    pub fn close(&mut self, id: u32) {
        self.by_id.remove(&id);
    }

    /// Forgets long data; false for an unknown id.
    pub fn reset(&mut self, id: u32) -> bool {
        match self.by_id.get_mut(&id) {
            Some(s) => {
                s.long_data.clear();
                true
            }
            None => false,
        }
    }
}

impl Connection {
    /// COM_STMT_PREPARE: parsed and described by the engine; answered with the
    /// statement id, the parameter definitions and the result columns.
    pub(crate) async fn prepare(&mut self, sql: &str, seq: u8) {
        let statement = match self.session.prepare(sql, &[]).await {
            Ok(d) => d,
            Err(e) => return self.error(seq, &e),
        };
        let description = statement.description.clone();
        let prepared = Prepared {
            statement,
            params: description.params.clone(),
            bound_types: None,
            long_data: HashMap::new(),
        };
        let Some(id) = self.statements.add(prepared) else {
            let e = SqlError::new("42000", format!("Can't create more than max_prepared_stmt_count statements (current value: {MAX_STATEMENTS})"))
                .with_mysql_errno(1461);
            return self.error(seq, &e);
        };
        let ok = StmtPrepareOk {
            statement_id: id,
            num_columns: description.columns.len() as u16,
            num_params: description.params.len() as u16,
            warnings: 0,
        };
        let mut seq = self.writer.write(seq, &ok.encode());
        let eof_needed = self.caps & CLIENT_DEPRECATE_EOF == 0;
        if !description.params.is_empty() {
            for _ in &description.params {
                let mut def = ColumnDef::new("?", ColumnType::VarString);
                def.charset = u16::from(BINARY_COLLATION);
                def.length = 0;
                seq = self.writer.write(seq, &def.encode());
            }
            if eof_needed {
                let eof = crate::wire::EofPacket { warnings: 0, status: self.status() };
                seq = self.writer.write(seq, &eof.encode(self.caps));
            }
        }
        if !description.columns.is_empty() {
            for column in &description.columns {
                seq = self.writer.write(seq, &crate::column_defs::column_def(column).encode());
            }
            if eof_needed {
                let eof = crate::wire::EofPacket { warnings: 0, status: self.status() };
                self.writer.write(seq, &eof.encode(self.caps));
            }
        }
    }

    /// COM_STMT_EXECUTE: decodes the parameters, runs the statement, answers with a
    /// binary result set or an OK.
    pub(crate) async fn execute(&mut self, id: u32, _flags: u8, rest: &[u8], seq: u8) {
        let Some(statement) = self.statements.by_id.get_mut(&id) else {
            let e = SqlError::new("HY000", format!("Unknown prepared statement handler ({id}) given to mysqld_stmt_execute"))
                .with_mysql_errno(1243);
            return self.error(seq, &e);
        };
        let decoded = crate::wire::decode_execute_params(
            rest,
            statement.params.len(),
            statement.bound_types.as_deref(),
            &statement.long_data,
        );
        let (wire_values, types) = match decoded {
            Ok(d) => d,
            Err(_) => {
                let e = SqlError::new("HY000", "Incorrect arguments to mysqld_stmt_execute").with_mysql_errno(1210);
                return self.error(seq, &e);
            }
        };
        statement.bound_types = Some(types);
        statement.long_data.clear();
        let mut values: Vec<Value> = Vec::with_capacity(wire_values.len());
        let mut param_types: Vec<SqlType> = Vec::with_capacity(wire_values.len());
        for (wire, expected) in wire_values.iter().zip(&statement.params) {
            match crate::values::param_value(wire, expected) {
                Ok((v, t)) => {
                    values.push(v);
                    param_types.push(t);
                }
                Err(e) => return self.error(seq, &e),
            }
        }
        // The statement stays in the table while it runs: take it out and put it back.
        let Some(prepared) = self.statements.by_id.remove(&id) else { return };
        let result = self.session.execute_prepared(&prepared.statement, &param_types, &values).await;
        self.statements.by_id.insert(id, prepared);
        match result {
            Ok(output) => {
                self.send_output(output, seq, false, true);
            }
            Err(e) => self.error(seq, &e),
        }
    }
}
