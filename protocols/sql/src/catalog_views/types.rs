//! The built-in types as pg_type lists them, and `format_type`.

/// One row of [`TYPES`].
pub type TypeRow = (i64, &'static str, &'static str, i64, char, i64, i64, char);

/// (oid, typname, SQL name as format_type prints it, typlen, typcategory, typelem,
/// typarray, typstorage)
pub const TYPES: &[TypeRow] = &[
    (16, "bool", "boolean", 1, 'B', 0, 1000, 'p'),
    (17, "bytea", "bytea", -1, 'U', 0, 1001, 'x'),
    (18, "char", "\"char\"", 1, 'Z', 0, 1002, 'p'),
    (19, "name", "name", 64, 'S', 18, 1003, 'p'),
    (20, "int8", "bigint", 8, 'N', 0, 1016, 'p'),
    (21, "int2", "smallint", 2, 'N', 0, 1005, 'p'),
    (22, "int2vector", "int2vector", -1, 'A', 21, 1006, 'p'),
    (23, "int4", "integer", 4, 'N', 0, 1007, 'p'),
    (24, "regproc", "regproc", 4, 'N', 0, 1008, 'p'),
    (25, "text", "text", -1, 'S', 0, 1009, 'x'),
    (26, "oid", "oid", 4, 'N', 0, 1028, 'p'),
    (30, "oidvector", "oidvector", -1, 'A', 26, 1013, 'p'),
    (114, "json", "json", -1, 'U', 0, 199, 'x'),
    (700, "float4", "real", 4, 'N', 0, 1021, 'p'),
    (701, "float8", "double precision", 8, 'N', 0, 1022, 'p'),
    (705, "unknown", "unknown", -2, 'X', 0, 0, 'p'),
    (1042, "bpchar", "character", -1, 'S', 0, 1014, 'x'),
    (1043, "varchar", "character varying", -1, 'S', 0, 1015, 'x'),
    (1082, "date", "date", 4, 'D', 0, 1182, 'p'),
    (1083, "time", "time without time zone", 8, 'D', 0, 1183, 'p'),
    (1114, "timestamp", "timestamp without time zone", 8, 'D', 0, 1115, 'p'),
    (1184, "timestamptz", "timestamp with time zone", 8, 'D', 0, 1185, 'p'),
    (1186, "interval", "interval", 16, 'T', 0, 1187, 'p'),
    (1700, "numeric", "numeric", -1, 'N', 0, 1231, 'm'),
    (2205, "regclass", "regclass", 4, 'N', 0, 2210, 'p'),
    (2206, "regtype", "regtype", 4, 'N', 0, 2211, 'p'),
    (2950, "uuid", "uuid", 16, 'U', 0, 2951, 'p'),
    (3802, "jsonb", "jsonb", -1, 'U', 0, 3807, 'x'),
    (4089, "regnamespace", "regnamespace", 4, 'N', 0, 4090, 'p'),
    (1000, "_bool", "boolean[]", -1, 'A', 16, 0, 'x'),
    (1001, "_bytea", "bytea[]", -1, 'A', 17, 0, 'x'),
    (1005, "_int2", "smallint[]", -1, 'A', 21, 0, 'x'),
    (1007, "_int4", "integer[]", -1, 'A', 23, 0, 'x'),
    (1009, "_text", "text[]", -1, 'A', 25, 0, 'x'),
    (1014, "_bpchar", "character[]", -1, 'A', 1042, 0, 'x'),
    (1015, "_varchar", "character varying[]", -1, 'A', 1043, 0, 'x'),
    (1016, "_int8", "bigint[]", -1, 'A', 20, 0, 'x'),
    (1021, "_float4", "real[]", -1, 'A', 700, 0, 'x'),
    (1022, "_float8", "double precision[]", -1, 'A', 701, 0, 'x'),
    (1028, "_oid", "oid[]", -1, 'A', 26, 0, 'x'),
    (1115, "_timestamp", "timestamp without time zone[]", -1, 'A', 1114, 0, 'x'),
    (1182, "_date", "date[]", -1, 'A', 1082, 0, 'x'),
    (1183, "_time", "time without time zone[]", -1, 'A', 1083, 0, 'x'),
    (1185, "_timestamptz", "timestamp with time zone[]", -1, 'A', 1184, 0, 'x'),
    (1187, "_interval", "interval[]", -1, 'A', 1186, 0, 'x'),
    (1231, "_numeric", "numeric[]", -1, 'A', 1700, 0, 'x'),
    (199, "_json", "json[]", -1, 'A', 114, 0, 'x'),
    (2951, "_uuid", "uuid[]", -1, 'A', 2950, 0, 'x'),
    (3807, "_jsonb", "jsonb[]", -1, 'A', 3802, 0, 'x'),
    // pgvector's, listed by pg_type in databases that created the extension.
    (VECTOR_OID, "vector", "vector", -1, 'U', 0, VECTOR_ARRAY_OID, 'e'),
    (VECTOR_ARRAY_OID, "_vector", "vector[]", -1, 'A', VECTOR_OID, 0, 'x'),
];

const VECTOR_OID: i64 = crate::vector::VECTOR_OID as i64;
const VECTOR_ARRAY_OID: i64 = crate::vector::VECTOR_ARRAY_OID as i64;

/// Whether a row of [`TYPES`] belongs to the vector extension.
pub fn is_extension_type(oid: i64) -> bool {
    oid == VECTOR_OID || oid == VECTOR_ARRAY_OID
}

pub fn by_oid(oid: i64) -> Option<&'static TypeRow> {
    TYPES.iter().find(|t| t.0 == oid)
}

/// Type OID of a type name as written in SQL (`int4`, `integer`, `varchar`, ...).
pub fn oid_by_name(name: &str) -> Option<i64> {
    let n = name.trim().to_ascii_lowercase();
    let n = n.strip_prefix("pg_catalog.").unwrap_or(&n);
    let alias = match n {
        "int" | "integer" => "int4",
        "smallint" => "int2",
        "bigint" => "int8",
        "real" => "float4",
        "double precision" => "float8",
        "boolean" => "bool",
        "character varying" => "varchar",
        "character" => "bpchar",
        "decimal" => "numeric",
        other => other,
    };
    TYPES.iter().find(|t| t.1 == alias || t.2 == alias).map(|t| t.0)
}

/// PostgreSQL's format_type(type_oid, typmod).
pub fn format_type(oid: i64, typmod: Option<i64>) -> String {
    let Some(t) = by_oid(oid) else { return "???".into() };
    let m = typmod.filter(|m| *m >= 0);
    match (t.0, m) {
        (1043, Some(m)) => format!("character varying({})", m - 4),
        (1042, Some(m)) => format!("character({})", m - 4),
        (1700, Some(m)) => format!("numeric({},{})", (m - 4) >> 16, (m - 4) & 0xffff),
        (VECTOR_OID, Some(m)) => format!("vector({m})"),
        _ => t.2.to_string(),
    }
}
