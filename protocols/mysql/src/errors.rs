//! The one place engine errors become MySQL ERR packets: the SQLSTATE (PostgreSQL's or
//! MySQL's own, depending on where the engine raised it) decides MySQL's error number,
//! unless the engine pinned one ([`orbit_sql::SqlError::mysql_errno`]). The SQLSTATE
//! sent is MySQL's for that number.

use crate::wire::ErrPacket;
use orbit_sql::SqlError;

/// (error number, SQLSTATE) for an engine error.
pub fn classify(e: &SqlError) -> (u16, &'static str) {
    if let Some(errno) = e.mysql_errno {
        return (errno, state_for_errno(errno, e.code));
    }
    let m = e.message.as_str();
    match e.code {
        "23505" => (1062, "23000"),
        "23000" if m.starts_with("Duplicate entry") => (1062, "23000"),
        "23502" => (1048, "23000"),
        "23000" if m.contains("cannot be null") => (1048, "23000"),
        "23000" => (1451, "23000"),
        "23503" => (1452, "23000"),
        "23514" => (3819, "HY000"),
        "42P01" | "42S02" if m.starts_with("Unknown table") => (1051, "42S02"),
        "42P01" | "42S02" => (1146, "42S02"),
        "42703" | "42S22" => (1054, "42S22"),
        "42702" => (1052, "23000"),
        "42P07" | "42S01" => (1050, "42S01"),
        "42701" => (1060, "42S21"),
        "42601" | "42000" if m.starts_with("You have an error") => (1064, "42000"),
        "42601" => (1064, "42000"),
        "42883" => (1305, "42000"),
        "42000" => (1064, "42000"),
        "3D000" => (1049, "42000"),
        "3F000" => (1049, "42000"),
        "42P04" | "42P06" => (1007, "HY000"),
        "22001" => (1406, "22001"),
        "22003" => (1264, "22003"),
        "22012" => (1365, "22012"),
        "22007" | "22008" => (1292, "22007"),
        "22P02" | "22018" => (1366, "HY000"),
        "21S01" => (1136, "21S01"),
        "21000" => (1242, "21000"),
        "40001" | "40P01" => (1213, "40001"),
        "55P03" => (1205, "HY000"),
        "57014" => (3024, "HY000"),
        "0A000" => (1235, "42000"),
        "28000" | "28P01" => (1045, "28000"),
        "42501" => (1142, "42000"),
        "25001" | "25P01" | "25000" | "25P02" => (1399, "XAE07"),
        _ => (1105, "HY000"),
    }
}

/// MySQL's SQLSTATE for a pinned error number (falls back to the engine's).
fn state_for_errno(errno: u16, engine_state: &'static str) -> &'static str {
    match errno {
        1007 | 1008 | 1105 | 1193 | 1238 | 1364 | 1396 | 1205 => "HY000",
        1049 | 1064 | 1235 | 1046 | 1149 => match errno {
            1046 => "3D000",
            _ => "42000",
        },
        1243 => "HY000",
        1264 | 1690 => "22003",
        1406 => "22001",
        1265 => "01000",
        1062 | 1048 => "23000",
        1146 | 1051 => "42S02",
        1054 => "42S22",
        1045 => "28000",
        1213 => "40001",
        _ if engine_state.len() == 5 => engine_state,
        _ => "HY000",
    }
}

/// The ERR packet for an engine error.
pub fn err_packet(e: &SqlError) -> ErrPacket {
    let (code, state) = classify(e);
    ErrPacket::new(code, state, &e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_map_to_mysql_numbers() {
        assert_eq!(classify(&SqlError::new("23505", "dup")), (1062, "23000"));
        assert_eq!(classify(&SqlError::new("42P01", "x")), (1146, "42S02"));
        assert_eq!(classify(&SqlError::new("42S02", "Unknown table 'd.t'")), (1051, "42S02"));
        assert_eq!(classify(&SqlError::new("40P01", "deadlock")), (1213, "40001"));
        assert_eq!(classify(&SqlError::new("HY000", "Unknown system variable 'x'").with_mysql_errno(1193)), (1193, "HY000"));
        assert_eq!(classify(&SqlError::new("XX000", "?")), (1105, "HY000"));
    }
}
