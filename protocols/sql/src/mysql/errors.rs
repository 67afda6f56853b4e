//! MySQL error numbers of engine errors, for the diagnostics area (SHOW WARNINGS /
//! SHOW ERRORS) and for a listener that wants the same table: the pinned number
//! ([`SqlError::mysql_errno`]) when there is one, else the number MySQL uses for the
//! SQLSTATE, else 1105 (ER_UNKNOWN_ERROR).

use crate::error::SqlError;

pub fn errno(e: &SqlError) -> u16 {
    e.mysql_errno.unwrap_or_else(|| errno_for_sqlstate(e.code))
}

pub fn errno_for_sqlstate(code: &str) -> u16 {
    match code {
        "23505" | "23000" => 1062,
        "23502" => 1048,
        "23503" => 1452,
        "23514" => 3819,
        "42P01" | "42S02" => 1146,
        "42703" | "42S22" => 1054,
        "42601" | "42000" => 1064,
        "42883" => 1305,
        "42P07" | "42S01" => 1050,
        "42701" => 1060,
        "42702" => 1052,
        "42803" => 1055,
        "42501" => 1142,
        "22012" => 1365,
        "22003" => 1264,
        "22001" => 1406,
        "22007" | "22008" => 1292,
        "22P02" => 1366,
        "21000" => 1242,
        "0A000" => 1235,
        "3D000" => 1049,
        "3F000" => 1049,
        "42P04" => 1007,
        "40001" => 1213,
        "40P01" => 1213,
        "57014" => 1317,
        "25006" => 1792,
        _ => 1105,
    }
}

/// A notice of the shared engine as a MySQL diagnostic: the engine's "skipping"
/// notices of IF [NOT] EXISTS become MySQL's notes (1050, 1051); others keep their text
/// with the number of their SQLSTATE. `db` is the current database.
pub fn notice_diagnostic(n: &crate::error::Notice, db: &str) -> super::Diagnostic {
    let quoted = n.message.split('"').nth(1).unwrap_or("").to_string();
    let qualified = |name: &str| if name.contains('.') || db.is_empty() { name.to_string() } else { format!("{db}.{name}") };
    let (code, message) = if n.message.ends_with("already exists, skipping") && n.code == "42P07" {
        (1050, format!("Table '{quoted}' already exists"))
    } else if n.message.ends_with("does not exist, skipping")
        && (n.message.starts_with("table ") || n.message.starts_with("view ") || n.message.starts_with("relation "))
    {
        (1051, format!("Unknown table '{}'", qualified(&quoted)))
    } else if n.code == "23000" && n.message.ends_with("' cannot be null") {
        (1048, n.message.clone())
    } else {
        (errno_for_sqlstate(n.code), n.message.clone())
    };
    super::Diagnostic { level: level(n.severity), code, message }
}

/// The diagnostics level of a notice's severity.
pub fn level(severity: &str) -> &'static str {
    match severity {
        "NOTICE" => "Note",
        "ERROR" => "Error",
        _ => "Warning",
    }
}
