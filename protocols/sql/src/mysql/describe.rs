//! A table as MySQL describes it: its columns with MySQL type names, keys, defaults and
//! extras (SHOW COLUMNS, DESCRIBE, information_schema.COLUMNS), its indexes (SHOW INDEX,
//! information_schema.STATISTICS) and SHOW CREATE TABLE in MySQL 8's formatting.
//!
//! A column's type is its declared MySQL type text when the table keeps one (option
//! `mysql.type.<column>`, written by MySQL's CREATE TABLE), else derived from the storage
//! type. AUTO_INCREMENT columns are the ones with a `mysql.auto_increment.<column>`
//! option or a sequence default (SERIAL).

use crate::catalog::TableInfo;
use crate::mysql_sql::types::{OPT_AUTO_INCREMENT_PREFIX, OPT_TYPE_PREFIX};
use crate::types::SqlType;
use orbit_storage::{ColumnDefault, DataType};

const OPT_COMMENT_PREFIX: &str = "mysql.comment.";
const OPT_COLLATION_PREFIX: &str = "mysql.collation.";
const OPT_ON_UPDATE_PREFIX: &str = "mysql.on_update.";
const OPT_TABLE_PREFIX: &str = "mysql.table.";
pub const DEFAULT_COLLATION: &str = "utf8mb4_0900_ai_ci";

#[derive(Debug, Clone)]
pub struct MyColumn {
    pub name: String,
    pub position: usize,
    /// "int unsigned", "varchar(20)".
    pub column_type: String,
    /// "int", "varchar".
    pub data_type: String,
    pub nullable: bool,
    /// PRI, UNI, MUL or "".
    pub key: &'static str,
    /// The default as SHOW COLUMNS prints it (None = NULL).
    pub default: Option<String>,
    /// The default is an expression (CURRENT_TIMESTAMP), not a literal.
    pub default_is_expr: bool,
    pub extra: String,
    pub auto_increment: bool,
    pub collation: Option<String>,
    pub comment: String,
    pub char_max_length: Option<i64>,
    pub octet_length: Option<i64>,
    pub numeric_precision: Option<i64>,
    pub numeric_scale: Option<i64>,
    pub datetime_precision: Option<i64>,
}

/// An index as MySQL lists it: PRIMARY first.
#[derive(Debug, Clone)]
pub struct MyIndex {
    pub name: String,
    pub unique: bool,
    pub columns: Vec<String>,
}

fn derived_type(dt: &DataType) -> String {
    match dt {
        DataType::Bool => "tinyint(1)".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal { precision, scale } => {
            format!("decimal({},{})", precision.unwrap_or(65), scale.unwrap_or(if precision.is_some() { 0 } else { 30 }))
        }
        DataType::Text => "text".into(),
        DataType::Varchar(Some(n)) => format!("varchar({n})"),
        DataType::Varchar(None) => "longtext".into(),
        DataType::Char(n) => format!("char({})", n.unwrap_or(1)),
        DataType::Bytes => "blob".into(),
        DataType::Date => "date".into(),
        DataType::Time => "time".into(),
        DataType::Timestamp => "datetime".into(),
        DataType::TimestampTz => "timestamp".into(),
        DataType::Interval => "time".into(),
        DataType::Uuid => "char(36)".into(),
        DataType::Json | DataType::Jsonb | DataType::Array(_) => "json".into(),
    }
}

fn is_string(data_type: &str) -> bool {
    matches!(
        data_type,
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set"
    )
}

/// CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION.
fn sizes(column_type: &str, data_type: &str) -> (Option<i64>, Option<i64>, Option<i64>, Option<i64>) {
    let args: Vec<i64> = column_type
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(a, _)| a.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    let unsigned = column_type.contains("unsigned");
    match data_type {
        "char" | "varchar" | "binary" | "varbinary" => (Some(args.first().copied().unwrap_or(1)), None, None, None),
        "tinytext" | "tinyblob" => (Some(255), None, None, None),
        "text" | "blob" => (Some(65535), None, None, None),
        "mediumtext" | "mediumblob" => (Some(16777215), None, None, None),
        "longtext" | "longblob" | "json" => (Some(4294967295), None, None, None),
        "tinyint" => (None, Some(3), Some(0), None),
        "smallint" => (None, Some(5), Some(0), None),
        "mediumint" => (None, Some(if unsigned { 8 } else { 7 }), Some(0), None),
        "int" => (None, Some(10), Some(0), None),
        "bigint" => (None, Some(if unsigned { 20 } else { 19 }), Some(0), None),
        "decimal" => (None, Some(args.first().copied().unwrap_or(10)), Some(args.get(1).copied().unwrap_or(0)), None),
        "float" => (None, Some(12), None, None),
        "double" => (None, Some(22), None, None),
        "datetime" | "timestamp" | "time" => (None, None, None, Some(args.first().copied().unwrap_or(0))),
        _ => (None, None, None, None),
    }
}

/// The indexes of a table: PRIMARY (when the table has a declared key), then the others.
pub fn indexes(info: &TableInfo) -> Vec<MyIndex> {
    let s = &info.schema;
    let mut out = Vec::new();
    if info.hidden.is_none() {
        let cols: Vec<String> = s.primary_key_names().iter().map(|c| c.to_string()).collect();
        if !cols.is_empty() {
            out.push(MyIndex { name: "PRIMARY".into(), unique: true, columns: cols });
        }
    }
    for ix in &s.indexes {
        let cols = s.index_column_names(ix).iter().map(|c| c.to_string()).collect();
        out.push(MyIndex { name: ix.name.clone(), unique: ix.unique, columns: cols });
    }
    out
}

pub fn columns(info: &TableInfo) -> Vec<MyColumn> {
    let s = &info.schema;
    let opts = &s.options;
    let ix = indexes(info);
    let mut out = Vec::new();
    for (i, c) in s.columns().enumerate() {
        if info.hidden == Some(i) {
            continue;
        }
        let column_type =
            opts.get(&format!("{OPT_TYPE_PREFIX}{}", c.name)).cloned().unwrap_or_else(|| derived_type(&c.data_type));
        let data_type = column_type.split(['(', ' ']).next().unwrap_or("").to_ascii_lowercase();
        let key = if ix.first().is_some_and(|x| x.name == "PRIMARY" && x.columns.contains(&c.name)) {
            "PRI"
        } else if ix.iter().any(|x| x.unique && x.columns.len() == 1 && x.columns[0] == c.name) {
            "UNI"
        } else if ix.iter().any(|x| x.columns.first() == Some(&c.name)) {
            "MUL"
        } else {
            ""
        };
        let seq_default = matches!(&c.default, Some(ColumnDefault::Expression(e)) if e.starts_with("nextval("));
        let auto_increment = opts.contains_key(&format!("{OPT_AUTO_INCREMENT_PREFIX}{}", c.name)) || seq_default;
        let (default, default_is_expr) = match &c.default {
            _ if auto_increment => (None, false),
            None => (None, false),
            Some(ColumnDefault::Value(v)) => (crate::mysql_sql::format::text(v), false),
            Some(ColumnDefault::Expression(e)) => {
                let up = e.to_ascii_uppercase();
                let e = if up.starts_with("CURRENT_TIMESTAMP") || up.starts_with("NOW(") { "CURRENT_TIMESTAMP".to_string() } else { e.clone() };
                (Some(e), true)
            }
        };
        let mut extra = Vec::new();
        if auto_increment {
            extra.push("auto_increment".to_string());
        }
        if default_is_expr {
            extra.push("DEFAULT_GENERATED".to_string());
        }
        if let Some(u) = opts.get(&format!("{OPT_ON_UPDATE_PREFIX}{}", c.name)) {
            let u = if u.to_ascii_uppercase().starts_with("CURRENT_TIMESTAMP") { "CURRENT_TIMESTAMP".to_string() } else { u.clone() };
            extra.push(format!("on update {u}"));
        }
        let collation = is_string(&data_type).then(|| {
            opts.get(&format!("{OPT_COLLATION_PREFIX}{}", c.name)).cloned().unwrap_or_else(|| DEFAULT_COLLATION.into())
        });
        let (len, prec, scale, dtp) = sizes(&column_type, &data_type);
        let octet = len.map(|l| if is_string(&data_type) && !data_type.ends_with("text") { l * 4 } else { l });
        out.push(MyColumn {
            name: c.name.clone(),
            position: out.len() + 1,
            column_type,
            data_type,
            nullable: c.nullable,
            key,
            default,
            default_is_expr,
            extra: extra.join(" "),
            auto_increment,
            collation,
            comment: opts.get(&format!("{OPT_COMMENT_PREFIX}{}", c.name)).cloned().unwrap_or_default(),
            char_max_length: len,
            octet_length: octet,
            numeric_precision: prec,
            numeric_scale: scale,
            datetime_precision: dtp,
        });
    }
    out
}

/// The MySQL type of a computed column (a view's).
fn sql_type_name(ty: &SqlType) -> String {
    match ty {
        SqlType::Bool => "tinyint(1)".into(),
        SqlType::Int2 => "smallint".into(),
        SqlType::Int4 => "int".into(),
        SqlType::Int8 => "bigint".into(),
        SqlType::Float4 => "float".into(),
        SqlType::Float8 => "double".into(),
        SqlType::Numeric => "decimal(65,30)".into(),
        SqlType::Varchar | SqlType::Bpchar | SqlType::Unknown => "varchar(255)".into(),
        SqlType::Bytea | SqlType::Vector(_) => "longblob".into(),
        SqlType::Date => "date".into(),
        SqlType::Time | SqlType::Interval => "time".into(),
        SqlType::Timestamp => "datetime".into(),
        SqlType::TimestampTz => "timestamp".into(),
        SqlType::Uuid => "char(36)".into(),
        SqlType::Json | SqlType::Jsonb | SqlType::Array(_) => "json".into(),
        SqlType::Text => "longtext".into(),
    }
}

/// A view's columns as MySQL describes them (nullable, no keys or defaults).
pub fn view_columns(cols: &[(String, SqlType)]) -> Vec<MyColumn> {
    cols.iter()
        .enumerate()
        .map(|(i, (name, ty))| {
            let column_type = sql_type_name(ty);
            let data_type = column_type.split(['(', ' ']).next().unwrap_or("").to_string();
            let (len, prec, scale, dtp) = sizes(&column_type, &data_type);
            let string = is_string(&data_type);
            MyColumn {
                name: name.clone(),
                position: i + 1,
                nullable: true,
                key: "",
                default: None,
                default_is_expr: false,
                extra: String::new(),
                auto_increment: false,
                collation: string.then(|| DEFAULT_COLLATION.to_string()),
                comment: String::new(),
                char_max_length: len,
                octet_length: len.map(|l| if string && data_type != "longtext" { l * 4 } else { l }),
                numeric_precision: prec,
                numeric_scale: scale,
                datetime_precision: dtp,
                column_type,
                data_type,
            }
        })
        .collect()
}

/// A table option given at CREATE TABLE (`engine`, `charset`, `collate`, `comment`).
pub fn table_option(info: &TableInfo, key: &str) -> Option<String> {
    info.schema.options.get(&format!("{OPT_TABLE_PREFIX}{key}")).cloned()
}

pub fn backtick(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn quote_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// SHOW CREATE TABLE's text. `next_auto_increment` is the AUTO_INCREMENT table option
/// (shown when above 1).
pub fn create_table(info: &TableInfo, next_auto_increment: Option<u64>) -> String {
    let cols = columns(info);
    let mut lines = Vec::new();
    for c in &cols {
        let mut l = format!("  {} {}", backtick(&c.name), c.column_type);
        if let Some(co) = &c.collation {
            if co != DEFAULT_COLLATION {
                l.push_str(&format!(" COLLATE {co}"));
            }
        }
        if !c.nullable {
            l.push_str(" NOT NULL");
        }
        let blob_like = c.data_type.ends_with("text") || c.data_type.ends_with("blob") || c.data_type == "json";
        match (&c.default, c.default_is_expr) {
            (Some(d), true) => l.push_str(&format!(" DEFAULT {d}")),
            (Some(d), false) => l.push_str(&format!(" DEFAULT {}", quote_string(d))),
            (None, _) if c.nullable && !blob_like && !c.auto_increment => l.push_str(" DEFAULT NULL"),
            _ => {}
        }
        if c.auto_increment {
            l.push_str(" AUTO_INCREMENT");
        }
        if let Some(pos) = c.extra.find("on update ") {
            l.push_str(&format!(" ON UPDATE {}", &c.extra[pos + "on update ".len()..]));
        }
        if !c.comment.is_empty() {
            l.push_str(&format!(" COMMENT {}", quote_string(&c.comment)));
        }
        lines.push(l);
    }
    for ix in indexes(info) {
        let cols = ix.columns.iter().map(|c| backtick(c)).collect::<Vec<_>>().join(",");
        lines.push(if ix.name == "PRIMARY" {
            format!("  PRIMARY KEY ({cols})")
        } else if ix.unique {
            format!("  UNIQUE KEY {} ({cols})", backtick(&ix.name))
        } else {
            format!("  KEY {} ({cols})", backtick(&ix.name))
        });
    }
    let db = info.storage_name.split('.').nth(1).unwrap_or("");
    for fk in crate::mysql_sql::foreign_keys::ForeignKey::of(&info.schema.options) {
        lines.push(format!("  {}", fk.clause(db)));
    }
    for (name, expr) in &info.checks {
        lines.push(format!("  CONSTRAINT {} CHECK ({expr})", backtick(name)));
    }
    let engine = table_option(info, "engine").unwrap_or_else(|| "InnoDB".into());
    let mut text = format!("CREATE TABLE {} (\n{}\n) ENGINE={engine}", backtick(&info.name), lines.join(",\n"));
    if let Some(n) = next_auto_increment.filter(|n| *n > 1) {
        text.push_str(&format!(" AUTO_INCREMENT={n}"));
    }
    let charset = table_option(info, "charset").unwrap_or_else(|| "utf8mb4".into());
    let collate = table_option(info, "collate").unwrap_or_else(|| super::variables::default_collation(&charset).into());
    text.push_str(&format!(" DEFAULT CHARSET={charset} COLLATE={collate}"));
    if let Some(c) = table_option(info, "comment") {
        text.push_str(&format!(" COMMENT={}", quote_string(&c)));
    }
    text
}

/// The sequence behind a table's AUTO_INCREMENT column, if any.
pub fn auto_increment_sequence(info: &TableInfo) -> Option<String> {
    let opts = &info.schema.options;
    for c in info.schema.columns() {
        if let Some(seq) = opts.get(&format!("{OPT_AUTO_INCREMENT_PREFIX}{}", c.name)) {
            return Some(seq.clone());
        }
        if let Some(ColumnDefault::Expression(e)) = &c.default {
            if let Some(rest) = e.strip_prefix("nextval('") {
                return rest.split('\'').next().map(str::to_string);
            }
        }
    }
    None
}
