//! MySQL's SHOW statements and DESCRIBE, as result sets in MySQL 8's shapes.
//!
//! Databases, tables, columns, indexes, CREATE TABLE/DATABASE/VIEW and TABLE STATUS
//! come from the catalog ([`super::describe`]); variables, status, warnings, engines,
//! character sets, collations, the process list and grants from [`super::server`].
//! `LIKE 'pattern'` filters the first column (case-insensitively, as MySQL's
//! utf8mb4_0900_ai_ci does) and `WHERE expr` runs as a query over the rows, with the
//! column names as written in MySQL (compared case-insensitively).

use super::describe::{self, backtick};
use crate::error::SqlError;
use crate::session::Session;
use crate::types::SqlType;
use crate::{Column, QueryOutput};
use orbit_storage::Value;
use sqlparser::ast::{self, ShowStatementFilter, Statement};
use std::sync::Arc;

/// (Collation, Charset, Id, Default, Sortlen, Pad_attribute) of the collations shown.
pub const COLLATIONS: &[(&str, &str, i64, &str, i64, &str)] = &[
    ("ascii_bin", "ascii", 65, "", 1, "PAD SPACE"),
    ("ascii_general_ci", "ascii", 11, "Yes", 1, "PAD SPACE"),
    ("binary", "binary", 63, "Yes", 1, "NO PAD"),
    ("utf8mb3_bin", "utf8mb3", 83, "", 1, "PAD SPACE"),
    ("utf8mb3_general_ci", "utf8mb3", 33, "Yes", 1, "PAD SPACE"),
    ("utf8mb3_unicode_ci", "utf8mb3", 192, "", 8, "PAD SPACE"),
    ("utf8mb4_0900_ai_ci", "utf8mb4", 255, "Yes", 0, "NO PAD"),
    ("utf8mb4_0900_as_ci", "utf8mb4", 305, "", 0, "NO PAD"),
    ("utf8mb4_0900_as_cs", "utf8mb4", 278, "", 0, "NO PAD"),
    ("utf8mb4_0900_bin", "utf8mb4", 309, "", 1, "NO PAD"),
    ("utf8mb4_bin", "utf8mb4", 46, "", 1, "PAD SPACE"),
    ("utf8mb4_general_ci", "utf8mb4", 45, "", 1, "PAD SPACE"),
    ("utf8mb4_unicode_520_ci", "utf8mb4", 246, "", 8, "PAD SPACE"),
    ("utf8mb4_unicode_ci", "utf8mb4", 224, "", 8, "PAD SPACE"),
];

/// (Charset, Description, Default collation, Maxlen).
pub const CHARSETS: &[(&str, &str, &str, i64)] = &[
    ("ascii", "US ASCII", "ascii_general_ci", 1),
    ("binary", "Binary pseudo charset", "binary", 1),
    ("utf8mb3", "UTF-8 Unicode", "utf8mb3_general_ci", 3),
    ("utf8mb4", "UTF-8 Unicode", "utf8mb4_0900_ai_ci", 4),
];

const ROUTINE_STATUS: &[&str] = &[
    "Db", "Name", "Type", "Definer", "Modified", "Created", "Security_type", "Comment", "character_set_client",
    "collation_connection", "Database Collation",
];
const TRIGGERS: &[&str] = &[
    "Trigger", "Event", "Table", "Statement", "Timing", "Created", "sql_mode", "Definer", "character_set_client",
    "collation_connection", "Database Collation",
];
const EVENTS: &[&str] = &[
    "Db", "Name", "Definer", "Time zone", "Type", "Execute at", "Interval value", "Interval field", "Starts", "Ends",
    "Status", "Originator", "character_set_client", "collation_connection", "Database Collation",
];

pub(crate) fn syntax(what: &str) -> SqlError {
    SqlError::new("42000", format!("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{what}'"))
        .with_mysql_errno(1064)
}

pub(crate) fn part_name(p: &ast::ObjectNamePart) -> String {
    match p {
        ast::ObjectNamePart::Identifier(i) => i.value.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn t(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

pub(crate) fn opt(s: Option<String>) -> Value {
    s.map(Value::Text).unwrap_or(Value::Null)
}

/// A result set of text columns (`ints` names the BIGINT ones).
pub(crate) fn result(names: &[&str], ints: &[&str], rows: Vec<Vec<Value>>) -> QueryOutput {
    let columns = names
        .iter()
        .map(|n| Column::new(n.to_string(), if ints.contains(n) { SqlType::Int8 } else { SqlType::Text }))
        .collect();
    QueryOutput::Rows { columns, rows, affected: None }
}

/// MySQL's LIKE over a name: `%`, `_`, backslash escapes; case-insensitive.
pub fn like(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('%') => (0..=t.len()).any(|k| go(&p[1..], &t[k..])),
            Some('_') => !t.is_empty() && go(&p[1..], &t[1..]),
            Some('\\') if p.len() > 1 => !t.is_empty() && eq(p[1], t[0]) && go(&p[2..], &t[1..]),
            Some(c) => !t.is_empty() && eq(*c, t[0]) && go(&p[1..], &t[1..]),
        }
    }
    fn eq(a: char, b: char) -> bool {
        a.to_lowercase().eq(b.to_lowercase())
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

fn filter_of(opts: &ast::ShowStatementOptions) -> Option<&ShowStatementFilter> {
    match &opts.filter_position {
        Some(ast::ShowStatementFilterPosition::Infix(f) | ast::ShowStatementFilterPosition::Suffix(f)) => Some(f),
        None => None,
    }
}

fn like_of(f: Option<&ShowStatementFilter>) -> Option<&str> {
    match f {
        Some(ShowStatementFilter::Like(p) | ShowStatementFilter::ILike(p) | ShowStatementFilter::NoKeyword(p)) => Some(p),
        _ => None,
    }
}

/// The next AUTO_INCREMENT value of a table (None without one).
pub(crate) async fn next_auto_increment(
    storage: Arc<dyn orbit_storage::TableStorage>,
    info: &crate::catalog::TableInfo,
) -> Result<Option<u64>, SqlError> {
    let Some(seq) = describe::auto_increment_sequence(info) else { return Ok(None) };
    let row = storage.get(crate::catalog::SEQUENCES, &[Value::Text(seq)]).await?;
    let current = match row.as_ref().and_then(|r| r.get(1)) {
        Some(Value::Int(n)) => *n as u64,
        _ => 0,
    };
    Ok(Some(current + 1))
}

impl Session {
    /// The SHOW statements and DESCRIBE; None for other statements.
    pub(crate) async fn mysql_show(&mut self, stmt: &Statement) -> Option<Result<QueryOutput, SqlError>> {
        let out = match stmt {
            Statement::ShowDatabases { show_options, .. } | Statement::ShowSchemas { show_options, .. } => {
                let mut names: Vec<String> = super::SYSTEM_DATABASES.iter().map(|s| s.to_string()).collect();
                names.extend(self.mysql_user_databases());
                names.sort();
                let f = filter_of(show_options);
                let header = match like_of(f) {
                    Some(p) => format!("Database ({p})"),
                    None => "Database".to_string(),
                };
                let rows = names.into_iter().map(|n| vec![t(n)]).collect();
                self.filtered(result(&[header.as_str()], &[], rows), f).await
            }
            Statement::ShowTables { full, show_options, .. } => self.show_tables(*full, show_options).await,
            Statement::ShowColumns { full, show_options, .. } => {
                let Some(name) = show_options.show_in.as_ref().and_then(|s| s.parent_name.as_ref()) else {
                    return Some(Err(syntax("SHOW COLUMNS")));
                };
                let f = filter_of(show_options);
                match self.show_columns(name, *full) {
                    Ok(out) => self.filtered(out, f).await,
                    Err(e) => Err(e),
                }
            }
            Statement::ExplainTable { table_name, .. } => self.show_columns(table_name, false),
            Statement::ShowCreate { obj_type, obj_name } => self.show_create(obj_type, obj_name).await,
            Statement::ShowVariables { filter, global, .. } => {
                let out = self.show_variables(*global);
                self.filtered(out, filter.as_ref()).await
            }
            Statement::ShowStatus { filter, global, .. } => {
                let out = self.show_status(*global);
                self.filtered(out, filter.as_ref()).await
            }
            Statement::ShowCharset(c) => {
                let rows = CHARSETS.iter().map(|(c, d, co, m)| vec![t(*c), t(*d), t(*co), Value::Int(*m)]).collect();
                let out = result(&["Charset", "Description", "Default collation", "Maxlen"], &["Maxlen"], rows);
                self.filtered(out, c.filter.as_ref()).await
            }
            Statement::ShowCollation { filter } => {
                let rows = COLLATIONS
                    .iter()
                    .map(|(n, c, id, d, s, p)| vec![t(*n), t(*c), Value::Int(*id), t(*d), t("Yes"), Value::Int(*s), t(*p)])
                    .collect();
                let out = result(
                    &["Collation", "Charset", "Id", "Default", "Compiled", "Sortlen", "Pad_attribute"],
                    &["Id", "Sortlen"],
                    rows,
                );
                self.filtered(out, filter.as_ref()).await
            }
            Statement::ShowProcessList { full } => Ok(self.show_processlist(*full)),
            Statement::ShowVariable { variable } => {
                let words: Vec<String> = variable.iter().map(|i| i.value.clone()).collect();
                return self.show_words(&words).await;
            }
            _ => return None,
        };
        Some(out)
    }

    /// The result columns of a MySQL session statement (SHOW and DESCRIBE run to find
    /// them; they change nothing), none for USE/SET/KILL/database statements; None for
    /// the statements the shared describe handles.
    pub(crate) async fn mysql_describe(&mut self, stmt: &Statement) -> Result<Option<Vec<Column>>, SqlError> {
        match stmt {
            Statement::Use(_) | Statement::Set(_) | Statement::Kill { .. } | Statement::CreateDatabase { .. } => Ok(Some(vec![])),
            Statement::ShowVariable { .. }
            | Statement::ShowDatabases { .. }
            | Statement::ShowSchemas { .. }
            | Statement::ShowTables { .. }
            | Statement::ShowColumns { .. }
            | Statement::ExplainTable { .. }
            | Statement::ShowCreate { .. }
            | Statement::ShowVariables { .. }
            | Statement::ShowStatus { .. }
            | Statement::ShowCharset(_)
            | Statement::ShowCollation { .. }
            | Statement::ShowProcessList { .. } => match self.mysql_show(stmt).await {
                Some(Ok(QueryOutput::Rows { columns, .. })) => Ok(Some(columns)),
                Some(Err(e)) => Err(e),
                _ => Ok(Some(vec![])),
            },
            _ => Ok(None),
        }
    }

    /// The SHOW forms sqlparser keeps as a word list.
    async fn show_words(&mut self, words: &[String]) -> Option<Result<QueryOutput, SqlError>> {
        let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
        let l: Vec<&str> = lower.iter().map(String::as_str).collect();
        Some(match l.as_slice() {
            ["warnings", ..] => Ok(self.show_diagnostics(false)),
            ["errors", ..] => Ok(self.show_diagnostics(true)),
            ["count", "warnings"] | ["count", "errors"] => {
                let m = self.mysql.as_deref().expect("mysql");
                let (name, n) = if l[1] == "warnings" {
                    ("@@session.warning_count", m.warning_count())
                } else {
                    ("@@session.error_count", m.error_count())
                };
                Ok(result(&[name], &[name], vec![vec![Value::Int(n as i64)]]))
            }
            ["engines"] | ["storage", "engines"] => Ok(super::server::engines()),
            ["plugins"] => Ok(super::server::plugins()),
            ["grants", rest @ ..] => {
                let who = match rest {
                    ["for", _] => words[words.len() - 1].clone(),
                    _ => format!("{}@{}", self.user, self.mysql_host()),
                };
                Ok(super::server::grants(&who))
            }
            ["index" | "indexes" | "keys", "from" | "in", ..] => {
                let table = &words[2];
                let db = match l.get(3) {
                    Some(&"from") | Some(&"in") => words.get(4).cloned(),
                    _ => None,
                };
                self.show_index(table, db.as_deref())
            }
            ["table", "status", rest @ ..] => {
                let mut db = None;
                let mut pattern = None;
                let mut i = 0;
                while i < rest.len() {
                    match rest[i] {
                        "from" | "in" => db = words.get(2 + i + 1).cloned(),
                        "like" => pattern = words.get(2 + i + 1).cloned(),
                        _ => {}
                    }
                    i += 2;
                }
                self.show_table_status(db.as_deref(), pattern.as_deref()).await
            }
            [m, rest @ ..] if *m == super::rewrite::CREATE_DATABASE => match rest.last() {
                Some(_) => self.show_create_database(&words[words.len() - 1]),
                None => Err(syntax("SHOW CREATE DATABASE")),
            },
            // No stored routines, triggers, events or binary log: empty sets.
            ["procedure" | "function", "status"] => Ok(result(ROUTINE_STATUS, &[], vec![])),
            ["triggers"] | ["events"] => {
                if self.current_database().is_none() {
                    return Some(Err(super::no_database()));
                }
                Ok(result(if l[0] == "triggers" { TRIGGERS } else { EVENTS }, &[], vec![]))
            }
            ["master", "status"] | ["binary", "log", "status"] => {
                Ok(result(&["File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set"], &[], vec![]))
            }
            ["replica" | "slave", "status"] => {
                Ok(result(&["Replica_IO_State", "Source_Host", "Source_User", "Source_Port"], &[], vec![]))
            }
            ["binary" | "master", "logs"] => {
                Err(SqlError::new("HY000", "You are not using binary logging").with_mysql_errno(1381))
            }
            ["open", "tables", ..] => Ok(result(&["Database", "Table", "In_use", "Name_locked"], &[], vec![])),
            ["profiles"] => Ok(result(&["Query_ID", "Duration", "Query"], &[], vec![])),
            _ => Err(SqlError::not_supported(format!("SHOW {}", words.join(" ").to_uppercase()))),
        })
    }

    /// Applies LIKE (first column) or WHERE to a SHOW result.
    async fn filtered(&mut self, out: QueryOutput, f: Option<&ShowStatementFilter>) -> Result<QueryOutput, SqlError> {
        let QueryOutput::Rows { columns, rows, affected } = out else { return Ok(out) };
        let rows = match f {
            None => rows,
            Some(ShowStatementFilter::Where(e)) => self.where_rows(&columns, rows, e).await?,
            Some(other) => {
                let p = like_of(Some(other)).unwrap_or("%");
                rows.into_iter().filter(|r| matches!(r.first(), Some(Value::Text(s)) if like(p, s))).collect()
            }
        };
        Ok(QueryOutput::Rows { columns, rows, affected })
    }

    /// `WHERE expr` over rows: runs `SELECT * FROM <rows> WHERE expr`.
    async fn where_rows(&mut self, columns: &[Column], rows: Vec<Vec<Value>>, e: &ast::Expr) -> Result<Vec<Vec<Value>>, SqlError> {
        const REL: &str = "__orbit_show";
        let stmts = crate::parse::parse(crate::Dialect::MySql, &format!("SELECT * FROM {REL} WHERE {e}"))?;
        let Some(Statement::Query(q)) = stmts.first() else { return Err(syntax("WHERE")) };
        let cols = columns.iter().map(|c| (c.name.to_lowercase(), c.ty.clone())).collect();
        let bound = crate::plan::bind::materialized(cols, rows);
        let plan = {
            let cat = self.engine.catalog();
            let mut b = self.binder(&cat, &[]);
            b.bind_with_relation(REL, bound, q)?.plan
        };
        let mut tx = self.engine.storage.begin().await?;
        let rows = self.run_plan(tx.as_mut(), &plan, &[]).await;
        let _ = tx.rollback().await;
        rows
    }

    /// A database named in a SHOW (or the current one): its canonical name.
    pub(crate) fn show_database(&self, db: Option<&str>) -> Result<String, SqlError> {
        match db {
            Some(d) => self.mysql_database_name(d).or_else(|| self.database_ci(d)).ok_or_else(|| {
                SqlError::new("42000", format!("Unknown database '{d}'")).with_mysql_errno(1049)
            }),
            None => self.current_database().ok_or_else(super::no_database),
        }
    }

    fn database_ci(&self, d: &str) -> Option<String> {
        self.mysql_user_databases().into_iter().find(|x| x.eq_ignore_ascii_case(d))
    }

    /// A table by MySQL name (`t` or `db.t`, or `t` with `db` from a FROM clause).
    pub(crate) fn mysql_table(&self, parts: &[String], db: Option<&str>) -> Result<Arc<crate::catalog::TableInfo>, SqlError> {
        let (db, table) = match parts {
            [t] => (db.map(str::to_string), t.clone()),
            [.., d, t] => (Some(d.clone()), t.clone()),
            [] => return Err(syntax("")),
        };
        let db = self.show_database(db.as_deref())?;
        let cat = self.engine.catalog();
        let q = format!("{}.{db}.{table}", super::CATALOG);
        if let Some(info) = cat.tables.get(&q) {
            return Ok(info.clone());
        }
        let prefix = format!("{}.{db}", super::CATALOG);
        let found = cat.tables_in(&prefix).find(|t| t.name.eq_ignore_ascii_case(&table)).cloned();
        found.ok_or_else(|| SqlError::new("42S02", format!("Table '{db}.{table}' doesn't exist")).with_mysql_errno(1146))
    }

    async fn show_tables(&mut self, full: bool, opts: &ast::ShowStatementOptions) -> Result<QueryOutput, SqlError> {
        let db = opts.show_in.as_ref().and_then(|s| s.parent_name.as_ref()).and_then(|n| n.0.last().map(part_name));
        let db = self.show_database(db.as_deref())?;
        let mut rows: Vec<(String, &str)> = if db == "information_schema" {
            super::info_schema::TABLES.iter().map(|n| (n.to_string(), "SYSTEM VIEW")).collect()
        } else {
            let cat = self.engine.catalog();
            let prefix = format!("{}.{db}", super::CATALOG);
            let mut v: Vec<(String, &str)> = cat.tables_in(&prefix).map(|t| (t.name.clone(), "BASE TABLE")).collect();
            let vp = format!("{prefix}.");
            v.extend(cat.views.keys().filter_map(|k| k.strip_prefix(&vp)).filter(|r| !r.contains('.')).map(|r| (r.to_string(), "VIEW")));
            v
        };
        rows.sort();
        let f = filter_of(opts);
        let mut header = format!("Tables_in_{db}");
        if let Some(p) = like_of(f) {
            header.push_str(&format!(" ({p})"));
        }
        let rows = rows
            .into_iter()
            .map(|(n, k)| if full { vec![t(n), t(k)] } else { vec![t(n)] })
            .collect();
        let out = if full { result(&[header.as_str(), "Table_type"], &[], rows) } else { result(&[header.as_str()], &[], rows) };
        self.filtered(out, f).await
    }

    /// A view's columns by MySQL name (None when there is no such view).
    fn mysql_view_columns(&self, parts: &[String]) -> Option<Vec<describe::MyColumn>> {
        let (db, name) = match parts {
            [n] => (self.current_database()?, n.clone()),
            [.., d, n] => (d.clone(), n.clone()),
            [] => return None,
        };
        let cat = self.engine.catalog();
        let prefix = format!("{}.{db}.", super::CATALOG);
        let q = cat.views.keys().find(|k| k.strip_prefix(&prefix).is_some_and(|v| v.eq_ignore_ascii_case(&name)))?.clone();
        let b = self.binder(&cat, &[]);
        Some(describe::view_columns(&b.view_columns(&q)))
    }

    fn show_columns(&self, name: &ast::ObjectName, full: bool) -> Result<QueryOutput, SqlError> {
        let parts: Vec<String> = name.0.iter().map(part_name).collect();
        let cols = match self.mysql_table(&parts, None) {
            Ok(info) => describe::columns(&info),
            Err(e) => self.mysql_view_columns(&parts).ok_or(e)?,
        };
        let rows = cols
            .into_iter()
            .map(|c| {
                let null = t(if c.nullable { "YES" } else { "NO" });
                if full {
                    vec![
                        t(&c.name),
                        t(&c.column_type),
                        opt(c.collation.clone()),
                        null,
                        t(c.key),
                        opt(c.default.clone()),
                        t(&c.extra),
                        t("select,insert,update,references"),
                        t(&c.comment),
                    ]
                } else {
                    vec![t(&c.name), t(&c.column_type), null, t(c.key), opt(c.default.clone()), t(&c.extra)]
                }
            })
            .collect();
        Ok(if full {
            result(&["Field", "Type", "Collation", "Null", "Key", "Default", "Extra", "Privileges", "Comment"], &[], rows)
        } else {
            result(&["Field", "Type", "Null", "Key", "Default", "Extra"], &[], rows)
        })
    }

    fn show_index(&self, table: &str, db: Option<&str>) -> Result<QueryOutput, SqlError> {
        let parts: Vec<String> = table.split('.').map(str::to_string).collect();
        let info = self.mysql_table(&parts, db)?;
        let cols = describe::columns(&info);
        let mut rows = Vec::new();
        for ix in describe::indexes(&info) {
            for (i, c) in ix.columns.iter().enumerate() {
                let nullable = cols.iter().find(|x| &x.name == c).is_some_and(|x| x.nullable);
                rows.push(vec![
                    t(&info.name),
                    Value::Int(if ix.unique { 0 } else { 1 }),
                    t(&ix.name),
                    Value::Int(i as i64 + 1),
                    t(c),
                    t("A"),
                    Value::Int(0),
                    Value::Null,
                    Value::Null,
                    t(if nullable { "YES" } else { "" }),
                    t("BTREE"),
                    t(""),
                    t(""),
                    t("YES"),
                    Value::Null,
                ]);
            }
        }
        Ok(result(
            &[
                "Table", "Non_unique", "Key_name", "Seq_in_index", "Column_name", "Collation", "Cardinality", "Sub_part",
                "Packed", "Null", "Index_type", "Comment", "Index_comment", "Visible", "Expression",
            ],
            &["Non_unique", "Seq_in_index", "Cardinality", "Sub_part"],
            rows,
        ))
    }

    async fn show_create(&mut self, obj_type: &ast::ShowCreateObject, name: &ast::ObjectName) -> Result<QueryOutput, SqlError> {
        let parts: Vec<String> = name.0.iter().map(part_name).collect();
        match obj_type {
            ast::ShowCreateObject::Table => match self.mysql_table(&parts, None) {
                Ok(info) => {
                    let next = next_auto_increment(self.engine.storage.clone(), &info).await?;
                    let text = describe::create_table(&info, next);
                    Ok(result(&["Table", "Create Table"], &[], vec![vec![t(&info.name), t(text)]]))
                }
                Err(e) => match self.show_create_view(&parts) {
                    Some(out) => Ok(out),
                    None => Err(e),
                },
            },
            ast::ShowCreateObject::View => self.show_create_view(&parts).ok_or_else(|| {
                let db = self.current_database().unwrap_or_default();
                SqlError::new("42S02", format!("Table '{db}.{}' doesn't exist", parts.last().cloned().unwrap_or_default()))
                    .with_mysql_errno(1146)
            }),
            other => Err(SqlError::not_supported(format!("SHOW CREATE {other}"))),
        }
    }

    fn show_create_view(&self, parts: &[String]) -> Option<QueryOutput> {
        let (db, name) = match parts {
            [n] => (self.current_database()?, n.clone()),
            [.., d, n] => (d.clone(), n.clone()),
            [] => return None,
        };
        let cat = self.engine.catalog();
        let q = format!("{}.{db}.{name}", super::CATALOG);
        let view = cat.views.get(&q)?;
        let text = format!(
            "CREATE ALGORITHM=UNDEFINED DEFINER={}@{} SQL SECURITY DEFINER VIEW {} AS {}",
            backtick(&self.user),
            backtick(&self.mysql_host()),
            backtick(&name),
            view.sql
        );
        Some(result(
            &["View", "Create View", "character_set_client", "collation_connection"],
            &[],
            vec![vec![t(name), t(text), t("utf8mb4"), t("utf8mb4_0900_ai_ci")]],
        ))
    }

    fn show_create_database(&self, name: &str) -> Result<QueryOutput, SqlError> {
        let db = self.show_database(Some(name))?;
        let (cs, co) = if db == "information_schema" { ("utf8mb3", "utf8mb3_general_ci") } else { ("utf8mb4", "utf8mb4_0900_ai_ci") };
        let text = format!(
            "CREATE DATABASE {} /*!40100 DEFAULT CHARACTER SET {cs} COLLATE {co} */ /*!80016 DEFAULT ENCRYPTION='N' */",
            backtick(&db)
        );
        Ok(result(&["Database", "Create Database"], &[], vec![vec![t(db), t(text)]]))
    }

    async fn show_table_status(&mut self, db: Option<&str>, pattern: Option<&str>) -> Result<QueryOutput, SqlError> {
        let db = self.show_database(db)?;
        let cat = self.engine.catalog();
        let prefix = format!("{}.{db}", super::CATALOG);
        let mut tables: Vec<Arc<crate::catalog::TableInfo>> =
            cat.tables_in(&prefix).filter(|t| pattern.is_none_or(|p| like(p, &t.name))).cloned().collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        let mut rows = Vec::new();
        for info in tables {
            let next = next_auto_increment(self.engine.storage.clone(), &info).await?;
            let collate = describe::table_option(&info, "collate").unwrap_or_else(|| describe::DEFAULT_COLLATION.into());
            rows.push(vec![
                t(&info.name),
                t(describe::table_option(&info, "engine").unwrap_or_else(|| "InnoDB".into())),
                Value::Int(10),
                t("Dynamic"),
                Value::Int(0),
                Value::Int(0),
                Value::Int(16384),
                Value::Int(0),
                Value::Int(0),
                Value::Int(0),
                next.map(|n| Value::Int(n as i64)).unwrap_or(Value::Null),
                Value::Null,
                Value::Null,
                Value::Null,
                t(collate),
                Value::Null,
                t(""),
                t(describe::table_option(&info, "comment").unwrap_or_default()),
            ]);
        }
        Ok(result(
            &[
                "Name", "Engine", "Version", "Row_format", "Rows", "Avg_row_length", "Data_length", "Max_data_length",
                "Index_length", "Data_free", "Auto_increment", "Create_time", "Update_time", "Check_time", "Collation",
                "Checksum", "Create_options", "Comment",
            ],
            &["Version", "Rows", "Avg_row_length", "Data_length", "Max_data_length", "Index_length", "Data_free", "Auto_increment", "Checksum"],
            rows,
        ))
    }
}
