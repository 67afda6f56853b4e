//! MySQL system variables: MySQL 8.0's defaults, their scopes and how SET checks a value.
//!
//! Every variable has a kind (boolean, integer or string), a scope (both, GLOBAL only,
//! SESSION only) and may be read-only. A session starts with a copy of the server's global
//! values ([`super::ServerState::globals`]); `SET GLOBAL` changes the server-wide value in
//! memory (not persisted, not seen by sessions already open — as in MySQL). A few values
//! are computed when read (`warning_count`, `last_insert_id`, `hostname`, ...), see
//! [`super::MySqlSession::variable`].
//!
//! The engine itself is UTF-8 and UTC: the character-set and time-zone variables accept
//! only values that mean that (utf8mb4, utf8mb3, ascii, binary; SYSTEM or a zero offset);
//! the isolation level is recorded and reported (statements run at READ COMMITTED).

use crate::error::SqlError;
use orbit_storage::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Read as 0/1, shown as OFF/ON by SHOW VARIABLES.
    Bool,
    Int,
    Str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Both,
    Global,
    Session,
}

pub struct Var {
    pub name: &'static str,
    pub kind: Kind,
    pub scope: Scope,
    pub read_only: bool,
    pub default: &'static str,
}

const fn v(name: &'static str, kind: Kind, scope: Scope, read_only: bool, default: &'static str) -> Var {
    Var { name, kind, scope, read_only, default }
}

use Kind::{Bool as B, Int as I, Str as S};
use Scope::{Both as BOTH, Global as GLOBAL, Session as SESSION};

pub const VERSION: &str = "8.0.36-Orbit";
pub const DEFAULT_SQL_MODE: &str =
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

/// The variables, sorted by name (SHOW VARIABLES lists them in this order).
pub const VARIABLES: &[Var] = &[
    v("auto_increment_increment", I, BOTH, false, "1"),
    v("auto_increment_offset", I, BOTH, false, "1"),
    v("autocommit", B, BOTH, false, "1"),
    v("big_tables", B, BOTH, false, "0"),
    v("character_set_client", S, BOTH, false, "utf8mb4"),
    v("character_set_connection", S, BOTH, false, "utf8mb4"),
    v("character_set_database", S, BOTH, false, "utf8mb4"),
    v("character_set_filesystem", S, BOTH, false, "binary"),
    v("character_set_results", S, BOTH, false, "utf8mb4"),
    v("character_set_server", S, BOTH, false, "utf8mb4"),
    v("character_set_system", S, GLOBAL, true, "utf8mb3"),
    v("collation_connection", S, BOTH, false, "utf8mb4_0900_ai_ci"),
    v("collation_database", S, BOTH, false, "utf8mb4_0900_ai_ci"),
    v("collation_server", S, BOTH, false, "utf8mb4_0900_ai_ci"),
    v("connect_timeout", I, GLOBAL, false, "10"),
    v("datadir", S, GLOBAL, true, "/var/lib/orbit/mysql/"),
    v("default_authentication_plugin", S, GLOBAL, true, "caching_sha2_password"),
    v("default_storage_engine", S, BOTH, false, "InnoDB"),
    v("default_tmp_storage_engine", S, BOTH, false, "InnoDB"),
    v("div_precision_increment", I, BOTH, false, "4"),
    v("error_count", I, SESSION, true, "0"),
    v("explicit_defaults_for_timestamp", B, BOTH, false, "1"),
    v("foreign_key_checks", B, BOTH, false, "1"),
    v("group_concat_max_len", I, BOTH, false, "1024"),
    v("have_openssl", S, GLOBAL, true, "DISABLED"),
    v("have_ssl", S, GLOBAL, true, "DISABLED"),
    v("hostname", S, GLOBAL, true, "localhost"),
    v("identity", I, SESSION, false, "0"),
    v("init_connect", S, GLOBAL, false, ""),
    v("innodb_lock_wait_timeout", I, BOTH, false, "50"),
    v("innodb_version", S, GLOBAL, true, "8.0.36"),
    v("interactive_timeout", I, BOTH, false, "28800"),
    v("last_insert_id", I, SESSION, false, "0"),
    v("license", S, GLOBAL, true, "GPL"),
    v("local_infile", B, GLOBAL, false, "0"),
    v("lock_wait_timeout", I, BOTH, false, "31536000"),
    v("log_bin", B, GLOBAL, true, "0"),
    v("lower_case_file_system", B, GLOBAL, true, "0"),
    v("lower_case_table_names", I, GLOBAL, true, "0"),
    v("max_allowed_packet", I, GLOBAL, false, "67108864"),
    v("max_connections", I, GLOBAL, false, "151"),
    v("max_execution_time", I, BOTH, false, "0"),
    v("net_buffer_length", I, BOTH, false, "16384"),
    v("net_read_timeout", I, BOTH, false, "30"),
    v("net_write_timeout", I, BOTH, false, "60"),
    v("performance_schema", B, GLOBAL, true, "0"),
    v("port", I, GLOBAL, true, "3306"),
    v("protocol_version", I, GLOBAL, true, "10"),
    v("query_cache_size", I, GLOBAL, false, "0"),
    v("query_cache_type", S, BOTH, false, "OFF"),
    v("read_only", B, GLOBAL, false, "0"),
    v("server_id", I, GLOBAL, false, "1"),
    v("session_track_schema", B, BOTH, false, "1"),
    v("session_track_system_variables", S, BOTH, false, "time_zone,autocommit,character_set_client,character_set_results,character_set_connection"),
    v("session_track_transaction_info", S, BOTH, false, "OFF"),
    v("socket", S, GLOBAL, true, "/tmp/mysql.sock"),
    v("sql_auto_is_null", B, BOTH, false, "0"),
    v("sql_mode", S, BOTH, false, DEFAULT_SQL_MODE),
    v("sql_notes", B, BOTH, false, "1"),
    v("sql_quote_show_create", B, BOTH, false, "1"),
    v("sql_safe_updates", B, BOTH, false, "0"),
    v("sql_select_limit", I, BOTH, false, "18446744073709551615"),
    v("sql_warnings", B, BOTH, false, "0"),
    v("storage_engine", S, BOTH, false, "InnoDB"),
    v("system_time_zone", S, GLOBAL, true, "UTC"),
    v("time_zone", S, BOTH, false, "SYSTEM"),
    v("timestamp", I, SESSION, false, "0"),
    v("transaction_isolation", S, BOTH, false, "REPEATABLE-READ"),
    v("transaction_read_only", B, BOTH, false, "0"),
    v("tx_isolation", S, BOTH, false, "REPEATABLE-READ"),
    v("tx_read_only", B, BOTH, false, "0"),
    v("unique_checks", B, BOTH, false, "1"),
    v("version", S, GLOBAL, true, VERSION),
    v("version_comment", S, GLOBAL, true, "Orbit"),
    v("version_compile_machine", S, GLOBAL, true, "x86_64"),
    v("version_compile_os", S, GLOBAL, true, "Linux"),
    v("wait_timeout", I, BOTH, false, "28800"),
    v("warning_count", I, SESSION, true, "0"),
];

/// SQL modes `SET sql_mode` accepts (MySQL 8.0's list plus the combination modes).
const SQL_MODES: &[&str] = &[
    "ALLOW_INVALID_DATES",
    "ANSI_QUOTES",
    "ERROR_FOR_DIVISION_BY_ZERO",
    "HIGH_NOT_PRECEDENCE",
    "IGNORE_SPACE",
    "NO_AUTO_VALUE_ON_ZERO",
    "NO_BACKSLASH_ESCAPES",
    "NO_DIR_IN_CREATE",
    "NO_ENGINE_SUBSTITUTION",
    "NO_UNSIGNED_SUBTRACTION",
    "NO_ZERO_DATE",
    "NO_ZERO_IN_DATE",
    "ONLY_FULL_GROUP_BY",
    "PAD_CHAR_TO_FULL_LENGTH",
    "PIPES_AS_CONCAT",
    "REAL_AS_FLOAT",
    "STRICT_ALL_TABLES",
    "STRICT_TRANS_TABLES",
    "TIME_TRUNCATE_FRACTIONAL",
    "ANSI",
    "TRADITIONAL",
];

pub fn lookup(name: &str) -> Option<&'static Var> {
    VARIABLES.iter().find(|v| v.name.eq_ignore_ascii_case(name))
}

/// The stored form of a default (Bool and Int as integers).
pub fn default_value(var: &Var) -> Value {
    typed(var, var.default)
}

fn typed(var: &Var, text: &str) -> Value {
    match var.kind {
        Kind::Bool | Kind::Int => match text.parse::<i64>() {
            Ok(n) => Value::Int(n),
            // sql_select_limit's default is u64::MAX.
            Err(_) => text.parse::<bigdecimal::BigDecimal>().map(Value::Decimal).unwrap_or_else(|_| Value::Text(text.to_string())),
        },
        Kind::Str => Value::Text(text.to_string()),
    }
}

pub fn unknown(name: &str) -> SqlError {
    SqlError::new("HY000", format!("Unknown system variable '{name}'")).with_mysql_errno(1193)
}

pub fn read_only(name: &str) -> SqlError {
    SqlError::new("HY000", format!("Variable '{name}' is a read only variable")).with_mysql_errno(1238)
}

pub fn session_only(name: &str) -> SqlError {
    SqlError::new("HY000", format!("Variable '{name}' is a SESSION variable")).with_mysql_errno(1238)
}

pub fn global_only(name: &str) -> SqlError {
    SqlError::new("HY000", format!("Variable '{name}' is a GLOBAL variable and should be set with SET GLOBAL"))
        .with_mysql_errno(1229)
}

fn wrong_value(name: &str, value: &str) -> SqlError {
    SqlError::new("42000", format!("Variable '{name}' can't be set to the value of '{value}'")).with_mysql_errno(1231)
}

fn wrong_type(name: &str) -> SqlError {
    SqlError::new("42000", format!("Incorrect argument type to variable '{name}'")).with_mysql_errno(1232)
}

/// Checks `value` for `var` and returns the value to store (names normalized).
pub fn check(var: &Var, value: &Value) -> Result<Value, SqlError> {
    let name = var.name;
    let text = match value {
        Value::Null => None,
        Value::Text(s) => Some(s.clone()),
        Value::Int(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Decimal(d) => Some(d.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => return Err(wrong_type(name)),
    };
    match var.kind {
        Kind::Bool => {
            let t = text.ok_or_else(|| wrong_value(name, "NULL"))?;
            match t.to_ascii_uppercase().as_str() {
                "1" | "ON" | "TRUE" => Ok(Value::Int(1)),
                "0" | "OFF" | "FALSE" => Ok(Value::Int(0)),
                _ if matches!(value, Value::Text(_)) => Err(wrong_value(name, &t)),
                _ => Err(wrong_value(name, &t)),
            }
        }
        Kind::Int => {
            let t = text.ok_or_else(|| wrong_type(name))?;
            if matches!(value, Value::Text(_)) && t.parse::<i128>().is_err() {
                return Err(wrong_type(name));
            }
            match t.parse::<i64>() {
                Ok(n) if n >= 0 => Ok(Value::Int(n)),
                Ok(_) => Ok(Value::Int(0)),
                Err(_) if t.parse::<u64>().is_ok() => Ok(typed(var, &t)),
                Err(_) => Err(wrong_type(name)),
            }
        }
        Kind::Str => check_text(name, text),
    }
}

fn check_text(name: &str, text: Option<String>) -> Result<Value, SqlError> {
    match name {
        "character_set_results" if text.is_none() => Ok(Value::Null),
        n if n.starts_with("character_set_") => {
            let t = text.ok_or_else(|| wrong_value(name, "NULL"))?;
            Ok(Value::Text(charset(&t)?.to_string()))
        }
        n if n.starts_with("collation_") => {
            let t = text.ok_or_else(|| wrong_value(name, "NULL"))?;
            Ok(Value::Text(collation(&t)?))
        }
        "sql_mode" => {
            let t = text.unwrap_or_default();
            let mut modes = Vec::new();
            for m in t.split(',').map(str::trim).filter(|m| !m.is_empty()) {
                let up = m.to_ascii_uppercase();
                if !SQL_MODES.contains(&up.as_str()) {
                    return Err(wrong_value(name, m));
                }
                if !modes.contains(&up) {
                    modes.push(up);
                }
            }
            Ok(Value::Text(modes.join(",")))
        }
        "time_zone" => {
            let t = text.ok_or_else(|| wrong_value(name, "NULL"))?;
            use crate::mysql_sql::time_zone;
            // A named zone is unknown, as in a MySQL without the zone tables.
            match time_zone::offset_micros(&t) {
                Some(_) => Ok(Value::Text(t)),
                None => Err(SqlError::new("HY000", format!("Unknown or incorrect time zone: '{t}'")).with_mysql_errno(1298)),
            }
        }
        "transaction_isolation" | "tx_isolation" => {
            let t = text.ok_or_else(|| wrong_value(name, "NULL"))?;
            let norm = t.to_ascii_uppercase().replace(' ', "-");
            match norm.as_str() {
                "READ-UNCOMMITTED" | "READ-COMMITTED" | "REPEATABLE-READ" | "SERIALIZABLE" => Ok(Value::Text(norm)),
                _ => Err(wrong_value(name, &t)),
            }
        }
        _ => Ok(text.map(Value::Text).unwrap_or(Value::Null)),
    }
}


/// A character set name the engine speaks (everything is UTF-8 underneath).
pub fn charset(name: &str) -> Result<&'static str, SqlError> {
    let n = name.to_ascii_lowercase();
    Ok(match n.as_str() {
        "utf8mb4" => "utf8mb4",
        "utf8" | "utf8mb3" => "utf8mb3",
        "ascii" => "ascii",
        "binary" => "binary",
        "latin1" | "latin2" | "cp1250" | "cp1251" | "cp1252" | "gbk" | "big5" | "sjis" | "ucs2" | "utf16"
        | "utf32" | "euckr" | "koi8r" | "greek" | "hebrew" => {
            return Err(SqlError::not_supported(format!("character set '{name}' (the server speaks utf8mb4)")))
        }
        _ => return Err(SqlError::new("42000", format!("Unknown character set: '{name}'")).with_mysql_errno(1115)),
    })
}

/// A collation name (`utf8mb4_*`, `utf8mb3_*`/`utf8_*`, `ascii_*`, `binary`).
pub fn collation(name: &str) -> Result<String, SqlError> {
    let n = name.to_ascii_lowercase();
    let known = n == "binary"
        || super::show::COLLATIONS.iter().any(|c| c.0 == n)
        || ["utf8mb4_", "utf8mb3_", "utf8_", "ascii_"].iter().any(|p| n.starts_with(p));
    if !known {
        return Err(SqlError::new("HY000", format!("Unknown collation: '{name}'")).with_mysql_errno(1273));
    }
    Ok(n.replacen("utf8_", "utf8mb3_", 1))
}

/// The default collation of a character set.
pub fn default_collation(charset: &str) -> &'static str {
    match charset {
        "utf8mb3" => "utf8mb3_general_ci",
        "ascii" => "ascii_general_ci",
        "binary" => "binary",
        _ => "utf8mb4_0900_ai_ci",
    }
}

/// How SHOW VARIABLES prints a value.
pub fn show_text(var: &Var, value: &Value) -> String {
    match (var.kind, value) {
        (Kind::Bool, Value::Int(n)) => if *n != 0 { "ON" } else { "OFF" }.to_string(),
        (_, Value::Null) => String::new(),
        (_, Value::Int(n)) => n.to_string(),
        (_, Value::Text(s)) => s.clone(),
        (_, Value::Decimal(d)) => d.to_string(),
        (_, other) => format!("{other:?}"),
    }
}
