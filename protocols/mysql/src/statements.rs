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

/// How much long data one connection may hold across all its statements, in
/// max_allowed_packets (MySQL bounds each parameter by max_allowed_packet; this bounds
/// the sum as well, which MySQL does not).
const LONG_DATA_PACKETS_PER_CONNECTION: usize = 4;

pub(crate) struct Prepared {
    pub statement: orbit_sql::PreparedStatement,
    pub params: Vec<SqlType>,
    pub bound_types: Option<Vec<ParamType>>,
    pub long_data: HashMap<u16, Vec<u8>>,
    /// What went wrong in a COM_STMT_SEND_LONG_DATA (which has no answer): reported by
    /// every COM_STMT_EXECUTE until COM_STMT_RESET, as in MySQL.
    pub long_data_error: Option<SqlError>,
}

pub(crate) struct Statements {
    next_id: u32,
    by_id: HashMap<u32, Prepared>,
    max_allowed_packet: usize,
    /// The bytes of long data held by all statements.
    long_data_bytes: usize,
}

impl Statements {
    pub fn new(max_allowed_packet: usize) -> Self {
        Statements { next_id: 0, by_id: HashMap::new(), max_allowed_packet, long_data_bytes: 0 }
    }

    fn add(&mut self, statement: Prepared) -> Option<u32> {
        if self.by_id.len() >= MAX_STATEMENTS {
            return None;
        }
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.by_id.insert(self.next_id, statement);
        Some(self.next_id)
    }

    /// COM_STMT_SEND_LONG_DATA. An unknown statement is ignored (as in MySQL); a parameter
    /// out of range, or data past max_allowed_packet, puts the statement in error and
    /// frees what it held.
    pub fn append_long_data(&mut self, id: u32, param: u16, data: &[u8]) {
        let Some(s) = self.by_id.get_mut(&id) else { return };
        if s.long_data_error.is_some() {
            return;
        }
        let error = if usize::from(param) >= s.params.len() {
            Some(SqlError::new("HY000", "Incorrect arguments to mysqld_stmt_send_long_data").with_mysql_errno(ER_WRONG_ARGUMENTS))
        } else {
            let held = s.long_data.get(&param).map_or(0, Vec::len);
            let total = self.long_data_bytes.saturating_add(data.len());
            let cap = self.max_allowed_packet.saturating_mul(LONG_DATA_PACKETS_PER_CONNECTION);
            (held.saturating_add(data.len()) > self.max_allowed_packet || total > cap).then(long_data_too_long)
        };
        match error {
            Some(e) => {
                s.long_data_error = Some(e);
                let freed: usize = s.long_data.drain().map(|(_, v)| v.len()).sum();
                self.long_data_bytes = self.long_data_bytes.saturating_sub(freed);
            }
            None => {
                s.long_data.entry(param).or_default().extend_from_slice(data);
                self.long_data_bytes = self.long_data_bytes.saturating_add(data.len());
            }
        }
    }

    /// Frees the long data of statement `id` (after an execute used it).
    fn clear_long_data(&mut self, id: u32) {
        if let Some(s) = self.by_id.get_mut(&id) {
            let freed: usize = s.long_data.drain().map(|(_, v)| v.len()).sum();
            self.long_data_bytes = self.long_data_bytes.saturating_sub(freed);
        }
    }

    pub fn close(&mut self, id: u32) {
        self.clear_long_data(id);
        self.by_id.remove(&id);
    }

    /// Forgets long data and its error; false for an unknown id.
    pub fn reset(&mut self, id: u32) -> bool {
        self.clear_long_data(id);
        match self.by_id.get_mut(&id) {
            Some(s) => {
                s.long_data_error = None;
                true
            }
            None => false,
        }
    }
}

/// MySQL's Item_param::set_longdata error.
fn long_data_too_long() -> SqlError {
    SqlError::new(
        "HY000",
        "Parameter of prepared statement which is set through mysql_send_long_data() is longer than 'max_allowed_packet' bytes",
    )
    .with_mysql_errno(ER_UNKNOWN_ERROR)
}

/// COM_STMT_PREPARE_OK counts parameters and columns in two bytes each.
fn check_counts(params: usize, columns: usize) -> Result<(), SqlError> {
    if params > usize::from(u16::MAX) {
        return Err(SqlError::new("HY000", "Prepared statement contains too many placeholders").with_mysql_errno(ER_PS_MANY_PARAM));
    }
    if columns > usize::from(u16::MAX) {
        return Err(SqlError::new("HY000", "Too many columns").with_mysql_errno(ER_TOO_MANY_FIELDS));
    }
    Ok(())
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
        if let Err(e) = check_counts(description.params.len(), description.columns.len()) {
            return self.error(seq, &e);
        }
        let prepared = Prepared {
            statement,
            params: description.params.clone(),
            bound_types: None,
            long_data: HashMap::new(),
            long_data_error: None,
        };
        let Some(id) = self.statements.add(prepared) else {
            let e = SqlError::new("42000", format!("Can't create more than max_prepared_stmt_count statements (current value: {MAX_STATEMENTS})"))
                .with_mysql_errno(ER_MAX_PREPARED_STMT_COUNT_REACHED);
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
        if let Some(e) = statement.long_data_error.clone() {
            return self.error(seq, &e);
        }
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
        let freed: usize = statement.long_data.drain().map(|(_, v)| v.len()).sum();
        self.statements.long_data_bytes = self.statements.long_data_bytes.saturating_sub(freed);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_that_do_not_fit_the_prepare_ok_packet_are_refused() {
        assert!(check_counts(65535, 65535).is_ok());
        let params = check_counts(65536, 1).expect_err("65536 placeholders");
        assert_eq!(crate::errors::classify(&params), (1390, "HY000"));
        assert_eq!(params.message, "Prepared statement contains too many placeholders");
        let columns = check_counts(0, 70000).expect_err("70000 columns");
        assert_eq!(crate::errors::classify(&columns), (1117, "HY000"));
        assert_eq!(crate::errors::classify(&long_data_too_long()), (1105, "HY000"));
    }
}
