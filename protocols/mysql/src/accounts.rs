//! MySQL accounts: who may log in and with which password.
//!
//! Accounts live in the storage table `__orbit_mysql_users` (name → SHA1(SHA1(password))
//! for mysql_native_password and SHA256(SHA256(password)) for caching_sha2_password's
//! fast path; never the password itself), so CREATE USER survives restarts. Configured
//! users (`[mysql.users]`, `ORBIT_MYSQL_USERS`) are written at start. With no account
//! at all, `root` logs in with an empty password, as a MySQL initialised with
//! `--initialize-insecure`. The account statements (CREATE USER, ALTER USER, DROP USER,
//! SET PASSWORD) are recognised here from their first tokens; everything else goes to
//! the SQL engine.

use crate::wire::auth::{native_stored_hash, sha2_stored_hash};
use orbit_sql::SqlError;
use orbit_storage::{ColumnDef, DataType, StorageError, TableDef, TableStorage, Value};
use std::sync::Arc;

pub const USERS_TABLE: &str = "__orbit_mysql_users";

/// The stored verifiers of one account; `None` hashes: no password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub native: Option<[u8; 20]>,
    pub sha2: Option<[u8; 32]>,
}

impl Account {
    pub fn with_password(name: &str, password: &str) -> Account {
        if password.is_empty() {
            return Account { name: name.to_string(), native: None, sha2: None };
        }
        Account {
            name: name.to_string(),
            native: Some(native_stored_hash(password.as_bytes())),
            sha2: Some(sha2_stored_hash(password.as_bytes())),
        }
    }

    fn to_row(&self) -> Vec<Value> {
        let bytes = |b: Option<&[u8]>| b.map(|b| Value::Bytes(b.to_vec())).unwrap_or(Value::Null);
        vec![Value::Text(self.name.clone()), bytes(self.native.as_ref().map(|h| &h[..])), bytes(self.sha2.as_ref().map(|h| &h[..]))]
    }

    fn from_row(row: &[Value]) -> Option<Account> {
        let name = match row.first()? {
            Value::Text(s) => s.clone(),
            _ => return None,
        };
        let native = match row.get(1)? {
            Value::Bytes(b) => Some(<[u8; 20]>::try_from(b.as_slice()).ok()?),
            _ => None,
        };
        let sha2 = match row.get(2)? {
            Value::Bytes(b) => Some(<[u8; 32]>::try_from(b.as_slice()).ok()?),
            _ => None,
        };
        Some(Account { name, native, sha2 })
    }
}

/// The account store over the protocol's storage.
#[derive(Clone)]
pub struct Accounts {
    storage: Arc<dyn TableStorage>,
}

impl Accounts {
    /// Opens (creating on first use) the accounts table.
    pub async fn open(storage: Arc<dyn TableStorage>) -> Result<Accounts, SqlError> {
        if storage.table_schema(USERS_TABLE).await?.is_none() {
            let def = TableDef::new(USERS_TABLE)
                .column(ColumnDef::new("name", DataType::Text).not_null())
                .column(ColumnDef::new("native", DataType::Bytes))
                .column(ColumnDef::new("sha2", DataType::Bytes))
                .primary_key(&["name"]);
            match storage.create_table(&def).await {
                Ok(_) | Err(StorageError::TableExists(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Accounts { storage })
    }

    /// The account `name`; with no account stored at all, `root` without a password.
    pub async fn lookup(&self, name: &str) -> Result<Option<Account>, SqlError> {
        if let Some(row) = self.storage.get(USERS_TABLE, &[Value::Text(name.to_string())]).await? {
            return Ok(Account::from_row(&row));
        }
        if name == "root" && self.is_empty().await? {
            return Ok(Some(Account { name: "root".into(), native: None, sha2: None }));
        }
        Ok(None)
    }

    async fn is_empty(&self) -> Result<bool, SqlError> {
        Ok(self.storage.scan(USERS_TABLE, &orbit_storage::ScanOptions::all().limit(1)).await?.is_empty())
    }

    /// Creates or replaces an account.
    pub async fn put(&self, account: &Account) -> Result<(), SqlError> {
        self.storage.upsert(USERS_TABLE, account.to_row()).await?;
        Ok(())
    }

    /// Removes an account; false when there was none.
    pub async fn remove(&self, name: &str) -> Result<bool, SqlError> {
        Ok(self.storage.delete(USERS_TABLE, &[Value::Text(name.to_string())]).await?.is_some())
    }

    pub async fn exists(&self, name: &str) -> Result<bool, SqlError> {
        Ok(self.storage.get(USERS_TABLE, &[Value::Text(name.to_string())]).await?.is_some())
    }

    /// Runs an account statement, or returns `None` when `sql` is not one.
    pub async fn execute(&self, sql: &str) -> Option<Result<(), SqlError>> {
        let statement = parse_account_statement(sql)?;
        Some(self.apply(statement).await)
    }

    async fn apply(&self, statement: Result<AccountStatement, SqlError>) -> Result<(), SqlError> {
        match statement? {
            AccountStatement::Create { users, if_not_exists } => {
                let mut failed = Vec::new();
                for (name, password) in &users {
                    if self.exists(name).await? {
                        if !if_not_exists {
                            failed.push(format!("'{name}'@'%'"));
                        }
                        continue;
                    }
                    self.put(&Account::with_password(name, password.as_deref().unwrap_or(""))).await?;
                }
                if !failed.is_empty() {
                    return Err(operation_failed("CREATE USER", &failed));
                }
                Ok(())
            }
            AccountStatement::Alter { users, if_exists } => {
                let mut failed = Vec::new();
                for (name, password) in &users {
                    if !self.exists(name).await? {
                        if !if_exists {
                            failed.push(format!("'{name}'@'%'"));
                        }
                        continue;
                    }
                    if let Some(password) = password {
                        self.put(&Account::with_password(name, password)).await?;
                    }
                }
                if !failed.is_empty() {
                    return Err(operation_failed("ALTER USER", &failed));
                }
                Ok(())
            }
            AccountStatement::Drop { users, if_exists } => {
                let mut failed = Vec::new();
                for name in &users {
                    if !self.remove(name).await? && !if_exists {
                        failed.push(format!("'{name}'@'%'"));
                    }
                }
                if !failed.is_empty() {
                    return Err(operation_failed("DROP USER", &failed));
                }
                Ok(())
            }
        }
    }
}

fn operation_failed(what: &str, users: &[String]) -> SqlError {
    SqlError::new("HY000", format!("Operation {what} failed for {}", users.join(","))).with_mysql_errno(1396)
}

#[derive(Debug, PartialEq)]
enum AccountStatement {
    Create { users: Vec<(String, Option<String>)>, if_not_exists: bool },
    Alter { users: Vec<(String, Option<String>)>, if_exists: bool },
    Drop { users: Vec<String>, if_exists: bool },
}

/// Tokens of an account statement: words, quoted strings, `@`, `,` (and `;` at the end).
#[derive(Debug, PartialEq, Clone)]
enum Tok {
    Word(String),
    Quoted(String),
    At,
    Comma,
    Other(char),
}

fn tokenize(sql: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == ';' {
            chars.next();
        } else if c == '\'' || c == '"' || c == '`' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next()? {
                    q if q == c => {
                        if chars.peek() == Some(&c) {
                            chars.next();
                            s.push(c);
                        } else {
                            break;
                        }
                    }
                    '\\' if c != '`' => s.push(chars.next()?),
                    other => s.push(other),
                }
            }
            out.push(Tok::Quoted(s));
        } else if c.is_alphanumeric() || c == '_' || c == '%' || c == '.' || c == '$' {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || c == '_' || c == '%' || c == '.' || c == '$' || c == '-' {
                    s.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Tok::Word(s));
        } else {
            chars.next();
            out.push(match c {
                '@' => Tok::At,
                ',' => Tok::Comma,
                other => Tok::Other(other),
            });
        }
    }
    Some(out)
}

fn syntax_error(sql: &str) -> SqlError {
    let near: String = sql.chars().take(80).collect();
    SqlError::new(
        "42000",
        format!(
            "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for \
             the right syntax to use near '{near}' at line 1"
        ),
    )
    .with_mysql_errno(1064)
}

/// `CREATE USER [IF NOT EXISTS] u[@h] [IDENTIFIED [WITH plugin] BY 'pw'], ...`,
/// `ALTER USER [IF EXISTS] u[@h] IDENTIFIED [WITH plugin] BY 'pw', ...`,
/// `DROP USER [IF EXISTS] u[@h], ...`; `None` when `sql` is none of them.
fn parse_account_statement(sql: &str) -> Option<Result<AccountStatement, SqlError>> {
    let head: String = sql.trim_start().chars().take(6).collect::<String>().to_ascii_lowercase();
    if !(head.starts_with("create") || head.starts_with("alter") || head.starts_with("drop")) {
        return None;
    }
    let tokens = tokenize(sql)?;
    let word = |i: usize, w: &str| matches!(tokens.get(i), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w));
    let verb = if word(0, "create") {
        0
    } else if word(0, "alter") {
        1
    } else if word(0, "drop") {
        2
    } else {
        return None;
    };
    if !word(1, "user") {
        return None;
    }
    let mut i = 2;
    let mut conditional = false;
    if word(i, "if") {
        let expected = if verb == 0 { ["not", "exists"].as_slice() } else { ["exists"].as_slice() };
        for (k, w) in expected.iter().enumerate() {
            if !word(i + 1 + k, w) {
                return Some(Err(syntax_error(sql)));
            }
        }
        i += 1 + expected.len();
        conditional = true;
    }
    let mut users: Vec<(String, Option<String>)> = Vec::new();
    loop {
        let name = match tokens.get(i) {
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => w.clone(),
            _ => return Some(Err(syntax_error(sql))),
        };
        i += 1;
        if tokens.get(i) == Some(&Tok::At) {
            match tokens.get(i + 1) {
                Some(Tok::Word(_)) | Some(Tok::Quoted(_)) => i += 2,
                _ => return Some(Err(syntax_error(sql))),
            }
        }
        let mut password = None;
        if verb != 2 && word(i, "identified") {
            i += 1;
            if word(i, "with") {
                i += 2;
            }
            if !word(i, "by") {
                return Some(Err(syntax_error(sql)));
            }
            match tokens.get(i + 1) {
                Some(Tok::Quoted(p)) => password = Some(p.clone()),
                _ => return Some(Err(syntax_error(sql))),
            }
            i += 2;
        }
        users.push((name, password));
        match tokens.get(i) {
            Some(Tok::Comma) => i += 1,
            None => break,
            // Options after the accounts (PASSWORD EXPIRE, ACCOUNT LOCK, ...) are not kept.
            Some(Tok::Word(w)) if verb != 2 => {
                return Some(Err(SqlError::new(
                    "42000",
                    format!("This version of MySQL doesn't yet support 'account option {w}'"),
                )
                .with_mysql_errno(1235)))
            }
            _ => return Some(Err(syntax_error(sql))),
        }
    }
    Some(Ok(match verb {
        0 => AccountStatement::Create { users, if_not_exists: conditional },
        1 => AccountStatement::Alter { users, if_exists: conditional },
        _ => AccountStatement::Drop { users: users.into_iter().map(|(n, _)| n).collect(), if_exists: conditional },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_statements_parse() {
        assert_eq!(
            parse_account_statement("CREATE USER 'bob'@'%' IDENTIFIED BY 'pw', alice IDENTIFIED WITH mysql_native_password BY 'x'")
                .unwrap()
                .unwrap(),
            AccountStatement::Create {
                users: vec![("bob".into(), Some("pw".into())), ("alice".into(), Some("x".into()))],
                if_not_exists: false
            }
        );
        assert_eq!(
            parse_account_statement("drop user if exists 'bob'@'localhost';").unwrap().unwrap(),
            AccountStatement::Drop { users: vec!["bob".into()], if_exists: true }
        );
        assert!(parse_account_statement("SELECT 1").is_none());
        assert!(parse_account_statement("CREATE TABLE user (a int)").is_none());
        assert_eq!(parse_account_statement("CREATE USER 'x' IDENTIFIED BY").unwrap().unwrap_err().mysql_errno, Some(1064));
        assert!(parse_account_statement("CREATE USER 'unterminated").is_none());
    }
}
