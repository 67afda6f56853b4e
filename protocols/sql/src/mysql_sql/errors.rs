//! MySQL's error texts and SQLSTATEs for errors the shared engine raises in PostgreSQL's
//! words. [`translate`] runs on every error of a MySQL-dialect statement; errors that
//! were already built in MySQL's form (the ones carrying a MySQL SQLSTATE or errno)
//! pass unchanged.
//!
//! The MySQL listener maps SQLSTATE → error number in one table. What each SQLSTATE
//! means here (and where `mysql_errno` pins the number because the SQLSTATE is shared;
//! the errors built here pin their number in any case, so a table that only knows
//! PostgreSQL's SQLSTATEs still reports them right):
//!
//! | SQLSTATE | MySQL errno and situation |
//! |---|---|
//! | 42000 | 1064 syntax error ("You have an error in your SQL syntax; ..."); 1305 "FUNCTION x does not exist" carries errno 1305; 1046 no database selected carries 1046 |
//! | 42S02 | 1146 "Table 'db.t' doesn't exist"; 1051 "Unknown table 'db.t'" (DROP) carries 1051 |
//! | 42S22 | 1054 "Unknown column 'x' in 'field list'" |
//! | 42S01 | 1050 "Table 't' already exists" |
//! | 42S21 | 1060 "Duplicate column name 'c'" |
//! | 23000 | 1062 "Duplicate entry 'v' for key 't.k'"; 1048 "Column 'c' cannot be null" carries 1048 |
//! | 21S01 | 1136 "Column count doesn't match value count at row 1" |
//! | 21000 | 1241 "Operand should contain 1 column(s)"; 1242 "Subquery returns more than 1 row" carries 1242 |
//! | 22003 | 1264 out of range (carries 1264); 1690 "BIGINT UNSIGNED value is out of range" carries 1690 |
//! | 22001 | 1406 "Data too long for column" (carries 1406) |
//! | 22012 | 1365 "Division by 0" |
//! | 01000 | 1265 "Data truncated for column" (carries 1265) |
//! | HY000 | 1364 "Field 'c' doesn't have a default value", 1366 "Incorrect integer value", 1205 "Lock wait timeout exceeded" — each carries its errno |
//! | 40001 | 1213 "Deadlock found when trying to get lock; try restarting transaction" |
//! | 0A000 | 1235 "This version of MySQL doesn't yet support '...'" |

use crate::error::{sqlstate, SqlError};

pub const SYNTAX: &str = "42000";
pub const NO_SUCH_TABLE: &str = "42S02";
pub const BAD_FIELD: &str = "42S22";
pub const TABLE_EXISTS: &str = "42S01";
pub const DUP_FIELDNAME: &str = "42S21";
pub const INTEGRITY: &str = "23000";
pub const VALUE_COUNT: &str = "21S01";
pub const CARDINALITY: &str = "21000";
pub const DATA_TRUNCATED: &str = "01000";
pub const GENERAL: &str = "HY000";
pub const DEADLOCK: &str = "40001";

/// 1064 with MySQL's "near" text: the statement from the error's position on.
pub fn syntax_error(near: &str) -> SqlError {
    let near: String = near.chars().take(80).collect();
    SqlError::new(
        SYNTAX,
        format!(
            "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{near}' at line 1"
        ),
    )
}

/// The syntax error of `sql` at its 1-based character `position` (or at its end).
pub fn syntax_error_at(sql: &str, position: Option<usize>) -> SqlError {
    let near = match position {
        Some(p) if p >= 1 => sql.chars().skip(p - 1).collect::<String>(),
        _ => String::new(),
    };
    let mut e = syntax_error(near.trim_end_matches(';')).with_mysql_errno(1064);
    let line = position.map(|p| sql.chars().take(p.saturating_sub(1)).filter(|c| *c == '\n').count() + 1).unwrap_or(1);
    if line > 1 {
        e.message = e.message.replace(" at line 1", &format!(" at line {line}"));
    }
    e
}

pub fn no_such_table(db: &str, table: &str) -> SqlError {
    SqlError::new(NO_SUCH_TABLE, format!("Table '{db}.{table}' doesn't exist")).with_mysql_errno(1146)
}

pub fn unknown_table(db: &str, table: &str) -> SqlError {
    SqlError::new(NO_SUCH_TABLE, format!("Unknown table '{db}.{table}'")).with_mysql_errno(1051)
}

pub fn unknown_column(name: &str, clause: &str) -> SqlError {
    SqlError::new(BAD_FIELD, format!("Unknown column '{name}' in '{clause}'")).with_mysql_errno(1054)
}

pub fn table_exists(table: &str) -> SqlError {
    SqlError::new(TABLE_EXISTS, format!("Table '{table}' already exists")).with_mysql_errno(1050)
}

pub fn duplicate_entry(value: &str, key: &str) -> SqlError {
    SqlError::new(INTEGRITY, format!("Duplicate entry '{value}' for key '{key}'")).with_mysql_errno(1062)
}

/// 1365 Division by 0 (strict mode's INSERT/UPDATE).
pub fn division_by_zero() -> SqlError {
    SqlError::new(sqlstate::DIVISION_BY_ZERO, "Division by 0").with_mysql_errno(1365)
}

pub fn cannot_be_null(column: &str) -> SqlError {
    SqlError::new(INTEGRITY, format!("Column '{column}' cannot be null")).with_mysql_errno(1048)
}

pub fn no_default(column: &str) -> SqlError {
    SqlError::new(GENERAL, format!("Field '{column}' doesn't have a default value")).with_mysql_errno(1364)
}

pub fn value_count(row: usize) -> SqlError {
    SqlError::new(VALUE_COUNT, format!("Column count doesn't match value count at row {row}")).with_mysql_errno(1136)
}

pub fn unsigned_out_of_range(expr: &str) -> SqlError {
    SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, format!("BIGINT UNSIGNED value is out of range in '{expr}'"))
        .with_mysql_errno(1690)
}

pub fn function_does_not_exist(db: &str, name: &str) -> SqlError {
    SqlError::new(SYNTAX, format!("FUNCTION {db}.{name} does not exist")).with_mysql_errno(1305)
}

/// Whether an error is already in MySQL's form.
fn is_mysql(e: &SqlError) -> bool {
    e.mysql_errno.is_some()
        || matches!(
            e.code,
            SYNTAX | NO_SUCH_TABLE | BAD_FIELD | TABLE_EXISTS | DUP_FIELDNAME | INTEGRITY | VALUE_COUNT | DATA_TRUNCATED | GENERAL
        )
}

/// The first `"..."`-quoted name of a PostgreSQL message.
fn quoted(msg: &str) -> Option<&str> {
    let start = msg.find('"')? + 1;
    let len = msg[start..].find('"')?;
    Some(&msg[start..start + len])
}

/// MySQL's form of an engine error. `db` is the session's current database.
pub fn translate(e: SqlError, db: &str) -> SqlError {
    if is_mysql(&e) {
        return e;
    }
    let msg = e.message.as_str();
    let name = quoted(msg).unwrap_or("").to_string();
    let out = match e.code {
        sqlstate::UNDEFINED_TABLE if msg.starts_with("relation") || msg.starts_with("table") => {
            let (d, t) = match name.rsplit_once('.') {
                Some((d, t)) => (d.to_string(), t.to_string()),
                None => (db.to_string(), name.clone()),
            };
            no_such_table(&d, &t)
        }
        sqlstate::UNDEFINED_TABLE if msg.starts_with("missing FROM-clause entry") => unknown_column(&name, "field list"),
        sqlstate::UNDEFINED_COLUMN => unknown_column(&name, "field list"),
        sqlstate::GROUPING_ERROR if msg.contains("must appear in the GROUP BY") => {
            let full = if name.contains('.') && !db.is_empty() { format!("{db}.{name}") } else { name.clone() };
            SqlError::new(SYNTAX, format!("'{full}' isn't in GROUP BY")).with_mysql_errno(1055)
        }
        sqlstate::DUPLICATE_TABLE => table_exists(&name),
        sqlstate::DUPLICATE_COLUMN => {
            SqlError::new(DUP_FIELDNAME, format!("Duplicate column name '{name}'")).with_mysql_errno(1060)
        }
        sqlstate::AMBIGUOUS_COLUMN => SqlError::new(
            INTEGRITY,
            format!("Column '{name}' in field list is ambiguous"),
        )
        .with_mysql_errno(1052),
        sqlstate::UNDEFINED_FUNCTION if msg.starts_with("function ") => {
            let f = msg.trim_start_matches("function ").split(['(', ' ']).next().unwrap_or("").to_string();
            function_does_not_exist(db, &f)
        }
        sqlstate::CARDINALITY_VIOLATION if msg.contains("more than one row") => {
            SqlError::new(CARDINALITY, "Subquery returns more than 1 row").with_mysql_errno(1242)
        }
        sqlstate::SYNTAX_ERROR
            if msg.contains("subquery must return only one column")
                || msg == "subquery has too many columns"
                || msg == "subquery has too few columns" =>
        {
            SqlError::new(CARDINALITY, "Operand should contain 1 column(s)").with_mysql_errno(1241)
        }
        sqlstate::SERIALIZATION_FAILURE | sqlstate::DEADLOCK_DETECTED => {
            SqlError::new(DEADLOCK, "Deadlock found when trying to get lock; try restarting transaction")
        }
        sqlstate::DIVISION_BY_ZERO => SqlError::new(sqlstate::DIVISION_BY_ZERO, "Division by 0").with_mysql_errno(1365),
        sqlstate::NOT_NULL_VIOLATION => cannot_be_null(&name),
        sqlstate::FEATURE_NOT_SUPPORTED => {
            let what = msg.trim_end_matches(" is not supported");
            SqlError::new(sqlstate::FEATURE_NOT_SUPPORTED, format!("This version of MySQL doesn't yet support '{what}'"))
                .with_mysql_errno(1235)
        }
        sqlstate::INVALID_SCHEMA_NAME => {
            SqlError::new(SYNTAX, format!("Unknown database '{name}'")).with_mysql_errno(1049)
        }
        sqlstate::NUMERIC_VALUE_OUT_OF_RANGE => {
            SqlError::new(sqlstate::NUMERIC_VALUE_OUT_OF_RANGE, format!("Out of range value: {msg}")).with_mysql_errno(1690)
        }
        _ => return e,
    };
    out
}

/// The MySQL error number of an error as the listener's table would give it (tests).
#[cfg(test)]
pub fn errno_of(e: &SqlError) -> u16 {
    e.mysql_errno.unwrap_or(match e.code {
        SYNTAX => 1064,
        NO_SUCH_TABLE => 1146,
        BAD_FIELD => 1054,
        TABLE_EXISTS => 1050,
        INTEGRITY => 1062,
        VALUE_COUNT => 1136,
        CARDINALITY => 1241,
        DEADLOCK => 1213,
        _ => 1105,
    })
}
