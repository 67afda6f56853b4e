//! The SQL dialect a session speaks, chosen by its listener: PostgreSQL's or MySQL's.
//!
//! The dialect decides how statement text is tokenized and parsed (sqlparser's dialect:
//! backticks and `#` comments for MySQL, dollar quoting for PostgreSQL), how unquoted
//! identifiers fold (PostgreSQL lowercases them; MySQL keeps table names as written and
//! compares column names case-insensitively), and which literals, operators, functions,
//! type names and session variables the binder and the session accept. The engine
//! behind it — catalog, planner, executor, storage — is one and the same.

use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Dialect {
    #[default]
    PostgreSql,
    MySql,
}

impl Dialect {
    /// The sqlparser dialect that tokenizes and parses this dialect's statements.
    pub fn parser(self) -> &'static dyn sqlparser::dialect::Dialect {
        match self {
            Dialect::PostgreSql => &PostgreSqlDialect {},
            Dialect::MySql => &MySqlDialect {},
        }
    }

    pub fn is_mysql(self) -> bool {
        self == Dialect::MySql
    }
}
