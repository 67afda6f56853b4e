//! Roles: CREATE ROLE / CREATE USER, ALTER ROLE / ALTER USER, DROP ROLE / DROP USER, and
//! the password verifiers a wire listener checks logins against.
//!
//! Roles are rows of the storage table `__orbit_roles` (one row per role, keyed by name),
//! next to the catalog's other `__orbit_*` tables, so they survive restarts. A password is
//! never stored in clear: it becomes a SCRAM-SHA-256 verifier in PostgreSQL's format
//! (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, RFC 5802/7677) and, when
//! the session's `password_encryption` is `md5` (the listener sets it when md5
//! authentication is configured), also PostgreSQL's md5 hash (`md5` + md5(password ||
//! user)). A password given already hashed in one of these forms (what psql's
//! `\password` sends) is stored as given.
//!
//! Role statements take effect at once, like the catalog's other changes (PostgreSQL
//! makes them transactional). The bootstrap superuser `postgres` (oid 10) exists from
//! the first start. Other roles get oids from 16384 up.

use crate::error::{sqlstate, SqlError};
use crate::session::{cmd, Session};
use crate::QueryOutput;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use orbit_storage::{ColumnDef, DataType, StorageError, TableDef, TableStorage, Value};
use ring::{digest, hmac, pbkdf2};
use sqlparser::ast::{self, Statement};
use sqlparser::tokenizer::{Token, TokenWithSpan};
use std::num::NonZeroU32;
use std::sync::Arc;

pub const ROLES: &str = "__orbit_roles";
/// The sequence (a row of `__orbit_sequences`) role oids are drawn from.
const OID_SEQUENCE: &str = "__orbit_role_oid";
const FIRST_OID: i64 = 16384;
pub const BOOTSTRAP_SUPERUSER: &str = "postgres";
pub const BOOTSTRAP_OID: i64 = 10;
/// PostgreSQL's default `scram_iterations`.
pub const SCRAM_ITERATIONS: u32 = 4096;
const SCRAM_SALT_LEN: usize = 16;

/// One role as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub name: String,
    pub oid: i64,
    pub login: bool,
    pub superuser: bool,
    pub create_db: bool,
    pub create_role: bool,
    pub inherit: bool,
    pub replication: bool,
    pub bypass_rls: bool,
    /// -1: no limit.
    pub connection_limit: i64,
    /// SCRAM-SHA-256 verifier in PostgreSQL's text form.
    pub scram: Option<String>,
    /// `md5` followed by 32 hex digits.
    pub md5: Option<String>,
}

impl Role {
    fn new(name: &str, oid: i64) -> Role {
        Role {
            name: name.to_string(),
            oid,
            login: false,
            superuser: false,
            create_db: false,
            create_role: false,
            inherit: true,
            replication: false,
            bypass_rls: false,
            connection_limit: -1,
            scram: None,
            md5: None,
        }
    }

    /// True when the role has a password of any kind.
    pub fn has_password(&self) -> bool {
        self.scram.is_some() || self.md5.is_some()
    }

    /// Whether `password` (in clear) is this role's password.
    pub fn check_password(&self, password: &str) -> bool {
        if let Some(verifier) = self.scram.as_deref().and_then(ScramVerifier::parse) {
            return verifier.matches(password);
        }
        match &self.md5 {
            Some(hash) => constant_time_eq(md5_hash(password, &self.name).as_bytes(), hash.as_bytes()),
            None => false,
        }
    }

    fn to_row(&self) -> Vec<Value> {
        let text = |v: &Option<String>| v.clone().map(Value::Text).unwrap_or(Value::Null);
        vec![
            Value::Text(self.name.clone()),
            Value::Int(self.oid),
            Value::Bool(self.login),
            Value::Bool(self.superuser),
            Value::Bool(self.create_db),
            Value::Bool(self.create_role),
            Value::Bool(self.inherit),
            Value::Bool(self.replication),
            Value::Bool(self.bypass_rls),
            Value::Int(self.connection_limit),
            text(&self.scram),
            text(&self.md5),
        ]
    }

    fn from_row(row: &[Value]) -> Option<Role> {
        let flag = |i: usize| matches!(row.get(i), Some(Value::Bool(true)));
        let text = |i: usize| match row.get(i) {
            Some(Value::Text(s)) => Some(s.clone()),
            _ => None,
        };
        let int = |i: usize| match row.get(i) {
            Some(Value::Int(n)) => *n,
            _ => -1,
        };
        Some(Role {
            name: text(0)?,
            oid: int(1),
            login: flag(2),
            superuser: flag(3),
            create_db: flag(4),
            create_role: flag(5),
            inherit: flag(6),
            replication: flag(7),
            bypass_rls: flag(8),
            connection_limit: int(9),
            scram: text(10),
            md5: text(11),
        })
    }
}

fn table_def() -> TableDef {
    let mut def = TableDef::new(ROLES).column(ColumnDef::new("name", DataType::Text).not_null()).primary_key(&["name"]);
    def.columns.extend([
        ColumnDef::new("oid", DataType::Int64),
        ColumnDef::new("login", DataType::Bool),
        ColumnDef::new("superuser", DataType::Bool),
        ColumnDef::new("createdb", DataType::Bool),
        ColumnDef::new("createrole", DataType::Bool),
        ColumnDef::new("inherit", DataType::Bool),
        ColumnDef::new("replication", DataType::Bool),
        ColumnDef::new("bypassrls", DataType::Bool),
        ColumnDef::new("connlimit", DataType::Int64),
        ColumnDef::new("scram", DataType::Text),
        ColumnDef::new("md5", DataType::Text),
    ]);
    def
}

/// Creates `__orbit_roles` with the bootstrap superuser on first use.
pub async fn ensure_table(storage: &Arc<dyn TableStorage>) -> Result<(), SqlError> {
    if storage.table_schema(ROLES).await?.is_some() {
        return Ok(());
    }
    match storage.create_table(&table_def()).await {
        Ok(_) | Err(StorageError::TableExists(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let mut postgres = Role::new(BOOTSTRAP_SUPERUSER, BOOTSTRAP_OID);
    postgres.login = true;
    postgres.superuser = true;
    postgres.create_db = true;
    postgres.create_role = true;
    postgres.replication = true;
    postgres.bypass_rls = true;
    if storage.get(ROLES, &[Value::Text(BOOTSTRAP_SUPERUSER.into())]).await?.is_none() {
        storage.upsert(ROLES, postgres.to_row()).await?;
    }
    Ok(())
}

/// The role named `name`, if there is one.
pub async fn get(storage: &Arc<dyn TableStorage>, name: &str) -> Result<Option<Role>, SqlError> {
    Ok(storage.get(ROLES, &[Value::Text(name.to_string())]).await?.as_deref().and_then(Role::from_row))
}

/// Every role, ordered by name (for pg_roles, pg_user, pg_authid views).
pub async fn list(storage: &Arc<dyn TableStorage>) -> Result<Vec<Role>, SqlError> {
    Ok(storage.scan(ROLES, &Default::default()).await?.iter().filter_map(|r| Role::from_row(r)).collect())
}

impl crate::Engine {
    /// The role a client logs in as, if it exists.
    pub async fn role(&self, name: &str) -> Result<Option<Role>, SqlError> {
        get(&self.storage, name).await
    }

    /// Every role (for the catalog views).
    pub async fn roles(&self) -> Result<Vec<Role>, SqlError> {
        list(&self.storage).await
    }

    /// See [`ensure_configured_user`].
    pub async fn ensure_configured_user(&self, name: &str, password: &str, with_md5: bool) -> Result<(), SqlError> {
        ensure_configured_user(&self.storage, name, password, with_md5).await
    }
}

async fn next_oid(storage: &Arc<dyn TableStorage>) -> Result<i64, SqlError> {
    Ok(FIRST_OID - 1 + crate::catalog::next_values(storage, OID_SEQUENCE, 1).await?)
}

/// A user from the server's configuration: created (LOGIN SUPERUSER) when missing, else
/// given LOGIN and this password. `with_md5` also stores the md5 hash.
pub async fn ensure_configured_user(
    storage: &Arc<dyn TableStorage>,
    name: &str,
    password: &str,
    with_md5: bool,
) -> Result<(), SqlError> {
    let mut role = match get(storage, name).await? {
        Some(role) => role,
        None => {
            let mut role = Role::new(name, next_oid(storage).await?);
            role.superuser = true;
            role.create_db = true;
            role.create_role = true;
            role
        }
    };
    role.login = true;
    let current = role.scram.as_deref().and_then(ScramVerifier::parse);
    if !current.is_some_and(|v| v.matches(password)) {
        role.scram = Some(ScramVerifier::new(password).to_string());
    }
    role.md5 = if with_md5 { Some(md5_hash(password, name)) } else { None };
    storage.upsert(ROLES, role.to_row()).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Password formats

/// A SCRAM-SHA-256 verifier: what the server keeps instead of the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

impl ScramVerifier {
    /// A verifier for `password` with a fresh random salt.
    pub fn new(password: &str) -> ScramVerifier {
        ScramVerifier::with_salt(password, &random_bytes::<SCRAM_SALT_LEN>(), SCRAM_ITERATIONS)
    }

    pub fn with_salt(password: &str, salt: &[u8], iterations: u32) -> ScramVerifier {
        let salted = salted_password(password, salt, iterations);
        let client_key = hmac_sha256(&salted, b"Client Key");
        ScramVerifier {
            iterations,
            salt: salt.to_vec(),
            stored_key: digest::digest(&digest::SHA256, &client_key).as_ref().to_vec(),
            server_key: hmac_sha256(&salted, b"Server Key"),
        }
    }

    /// Parses `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
    pub fn parse(text: &str) -> Option<ScramVerifier> {
        let rest = text.strip_prefix("SCRAM-SHA-256$")?;
        let (params, keys) = rest.split_once('$')?;
        let (iterations, salt) = params.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        let verifier = ScramVerifier {
            iterations: iterations.parse().ok().filter(|n| *n > 0)?,
            salt: BASE64.decode(salt).ok()?,
            stored_key: BASE64.decode(stored).ok()?,
            server_key: BASE64.decode(server).ok()?,
        };
        (verifier.stored_key.len() == 32 && verifier.server_key.len() == 32).then_some(verifier)
    }

    /// Whether `password` produces this verifier.
    pub fn matches(&self, password: &str) -> bool {
        let other = ScramVerifier::with_salt(password, &self.salt, self.iterations);
        constant_time_eq(&other.stored_key, &self.stored_key) && constant_time_eq(&other.server_key, &self.server_key)
    }
}

impl std::fmt::Display for ScramVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            BASE64.encode(&self.salt),
            BASE64.encode(&self.stored_key),
            BASE64.encode(&self.server_key)
        )
    }
}

/// Hi(Normalize(password), salt, i) of RFC 5802, with SASLprep as PostgreSQL applies it
/// (a password SASLprep rejects is used as is).
/// `N` bytes from the system's secure random generator (salts, nonces).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut out)
        .expect("the system random generator works");
    out
}

pub fn salted_password(password: &str, salt: &[u8], iterations: u32) -> Vec<u8> {
    let normalized = stringprep::saslprep(password).map(|c| c.into_owned()).unwrap_or_else(|_| password.to_string());
    let mut out = vec![0u8; digest::SHA256_OUTPUT_LEN];
    let iterations = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
    pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, iterations, salt, normalized.as_bytes(), &mut out);
    out
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data).as_ref().to_vec()
}

/// PostgreSQL's stored md5 password: `md5` + hex(md5(password || user)).
pub fn md5_hash(password: &str, user: &str) -> String {
    format!("md5{:x}", md5::compute(format!("{password}{user}")))
}

/// What an md5-authenticating client sends for a stored hash and the 4-byte salt:
/// `md5` + hex(md5(hex-part-of-stored || salt)).
pub fn md5_response(stored: &str, salt: &[u8; 4]) -> String {
    let inner = stored.strip_prefix("md5").unwrap_or(stored);
    let mut data = inner.as_bytes().to_vec();
    data.extend_from_slice(salt);
    format!("md5{:x}", md5::compute(data))
}

fn is_md5_hash(s: &str) -> bool {
    s.len() == 35 && s.starts_with("md5") && s[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------
// Statements

/// True for the statements this module runs.
pub fn is_role_statement(stmt: &Statement) -> bool {
    matches!(
        stmt,
        Statement::CreateRole(_)
            | Statement::AlterRole { .. }
            | Statement::Drop { object_type: ast::ObjectType::Role | ast::ObjectType::User, .. }
    )
}

/// CREATE USER / ALTER USER are CREATE ROLE / ALTER ROLE (CREATE USER with LOGIN unless
/// NOLOGIN is given); sqlparser reads `USER` in the Snowflake way, so the tokens are
/// rewritten before parsing. `ENCRYPTED` before PASSWORD (always true) is dropped.
pub fn mentions_user_or_encrypted(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    bytes.windows(4).any(|w| w.eq_ignore_ascii_case(b"user"))
        || bytes.windows(9).any(|w| w.eq_ignore_ascii_case(b"encrypted"))
}

pub fn rewrite_user_statements(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let word = |t: &Token, kw: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw));
    let significant: Vec<usize> =
        (0..tokens.len()).filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_))).collect();
    let mut replace_user = Vec::new();
    let mut add_login_before = Vec::new();
    let mut drop_tokens = Vec::new();
    let mut statement_start = true;
    for (n, &i) in significant.iter().enumerate() {
        let t = &tokens[i].token;
        if matches!(t, Token::SemiColon) {
            statement_start = true;
            continue;
        }
        if statement_start {
            statement_start = false;
            let next = significant.get(n + 1).map(|&j| &tokens[j].token);
            let is_create = word(t, "create");
            if (is_create || word(t, "alter")) && next.is_some_and(|t| word(t, "user")) {
                let user_at = significant[n + 1];
                // The statement's tokens, to look for LOGIN / NOLOGIN and ENCRYPTED.
                let end = significant[n..]
                    .iter()
                    .position(|&j| matches!(tokens[j].token, Token::SemiColon))
                    .map(|p| significant[n + p])
                    .unwrap_or(tokens.len());
                if matches!(tokens.get(user_at + 1).map(|t| &t.token), Some(Token::Whitespace(_)) | None) {
                    replace_user.push(user_at);
                    let body = &tokens[user_at..end];
                    if is_create && !body.iter().any(|t| word(&t.token, "login") || word(&t.token, "nologin")) {
                        add_login_before.push(end);
                    }
                }
            }
        }
        if word(t, "encrypted") && significant.get(n + 1).is_some_and(|&j| word(&tokens[j].token, "password")) {
            drop_tokens.push(i);
        }
    }
    if replace_user.is_empty() && drop_tokens.is_empty() {
        return tokens;
    }
    let tokens_len = tokens.len();
    let mut out = Vec::with_capacity(tokens.len() + 2 * add_login_before.len());
    for (i, t) in tokens.into_iter().enumerate() {
        if add_login_before.contains(&i) {
            out.push(TokenWithSpan::new(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space), t.span));
            out.push(TokenWithSpan::new(Token::make_keyword("LOGIN"), t.span));
        }
        if drop_tokens.contains(&i) {
            continue;
        }
        if replace_user.contains(&i) {
            out.push(TokenWithSpan::new(Token::make_keyword("ROLE"), t.span));
        } else {
            out.push(t);
        }
    }
    if let Some(span) = add_login_before.contains(&tokens_len).then(|| out.last().map(|t| t.span)).flatten() {
        out.push(TokenWithSpan::new(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space), span));
        out.push(TokenWithSpan::new(Token::make_keyword("LOGIN"), span));
    }
    out
}

/// Runs CREATE/ALTER/DROP ROLE (or USER).
pub(crate) async fn execute(session: &mut Session, stmt: &Statement) -> Result<QueryOutput, SqlError> {
    let storage = session.engine.storage.clone();
    let user = session.user.clone();
    let with_md5 = session.setting("password_encryption").is_some_and(|v| v.eq_ignore_ascii_case("md5"));
    match stmt {
        Statement::CreateRole(create) => {
            let actor = check_create_role(&user, &storage).await?;
            for name in &create.names {
                let name = role_name(name)?;
                if get(&storage, &name).await?.is_some() {
                    if create.if_not_exists {
                        session.notice("42710", format!("role \"{name}\" already exists, skipping"));
                        continue;
                    }
                    return Err(SqlError::new(sqlstate::DUPLICATE_OBJECT, format!("role \"{name}\" already exists")));
                }
                if name.starts_with("pg_") {
                    return Err(SqlError::new("42939", format!("role name \"{name}\" is reserved"))
                        .with_detail("Role names starting with \"pg_\" are reserved."));
                }
                let mut role = Role::new(&name, next_oid(&storage).await?);
                role.login = create.login.unwrap_or(false);
                role.inherit = create.inherit.unwrap_or(true);
                role.bypass_rls = create.bypassrls.unwrap_or(false);
                role.create_db = create.create_db.unwrap_or(false);
                role.create_role = create.create_role.unwrap_or(false);
                role.replication = create.replication.unwrap_or(false);
                role.superuser = create.superuser.unwrap_or(false);
                if role.superuser && !actor.superuser {
                    return Err(permission_denied("create", "SUPERUSER"));
                }
                if let Some(limit) = &create.connection_limit {
                    role.connection_limit = connection_limit(limit)?;
                }
                if let Some(password) = &create.password {
                    set_password(session, &mut role, password, with_md5)?;
                }
                storage.upsert(ROLES, role.to_row()).await?;
            }
            Ok(cmd("CREATE ROLE"))
        }
        Statement::AlterRole { name, operation } => {
            let name = crate::plan::bind::ident(name);
            let actor = current_role(&user, &storage).await?;
            let Some(mut role) = get(&storage, &name).await? else {
                return Err(undefined_role(&name));
            };
            let own_password_only = matches!(operation, ast::AlterRoleOperation::WithOptions { options }
                if options.iter().all(|o| matches!(o, ast::RoleOption::Password(_))));
            let allowed = actor.superuser
                || (actor.create_role && !role.superuser)
                || (own_password_only && actor.name == role.name);
            if !allowed {
                return Err(SqlError::new(sqlstate::INSUFFICIENT_PRIVILEGE, "permission denied to alter role")
                    .with_detail(format!("Only roles with the CREATEROLE attribute may alter role \"{name}\".")));
            }
            match operation {
                ast::AlterRoleOperation::WithOptions { options } => {
                    for option in options {
                        match option {
                            ast::RoleOption::BypassRLS(v) => role.bypass_rls = *v,
                            ast::RoleOption::ConnectionLimit(e) => role.connection_limit = connection_limit(e)?,
                            ast::RoleOption::CreateDB(v) => role.create_db = *v,
                            ast::RoleOption::CreateRole(v) => role.create_role = *v,
                            ast::RoleOption::Inherit(v) => role.inherit = *v,
                            ast::RoleOption::Login(v) => role.login = *v,
                            ast::RoleOption::Password(p) => set_password(session, &mut role, p, with_md5)?,
                            ast::RoleOption::Replication(v) => role.replication = *v,
                            ast::RoleOption::SuperUser(v) => {
                                if !actor.superuser {
                                    return Err(permission_denied("alter", "SUPERUSER"));
                                }
                                role.superuser = *v
                            }
                            ast::RoleOption::ValidUntil(_) => return Err(SqlError::not_supported("VALID UNTIL")),
                        }
                    }
                    storage.upsert(ROLES, role.to_row()).await?;
                    Ok(cmd("ALTER ROLE"))
                }
                ast::AlterRoleOperation::RenameRole { role_name } => {
                    let new_name = crate::plan::bind::ident(role_name);
                    if name == user {
                        return Err(SqlError::new(sqlstate::FEATURE_NOT_SUPPORTED, "session user cannot be renamed"));
                    }
                    if get(&storage, &new_name).await?.is_some() {
                        return Err(SqlError::new(
                            sqlstate::DUPLICATE_OBJECT,
                            format!("role \"{new_name}\" already exists"),
                        ));
                    }
                    // The md5 hash includes the role name, so it is void after a rename.
                    if role.md5.take().is_some() {
                        session.notice("01000", "MD5 password cleared because of role rename");
                    }
                    let mut tx = storage.begin().await?;
                    tx.delete(ROLES, &[Value::Text(name.clone())]).await?;
                    role.name = new_name;
                    tx.upsert(ROLES, role.to_row()).await?;
                    tx.commit().await?;
                    Ok(cmd("ALTER ROLE"))
                }
                _ => Err(SqlError::not_supported("ALTER ROLE ... SET / RESET")),
            }
        }
        Statement::Drop { names, if_exists, .. } => {
            check_create_role(&user, &storage).await?;
            for name in names {
                let name = role_name(name)?;
                let Some(role) = get(&storage, &name).await? else {
                    if *if_exists {
                        session.notice("00000", format!("role \"{name}\" does not exist, skipping"));
                        continue;
                    }
                    return Err(undefined_role(&name));
                };
                if name == user {
                    return Err(SqlError::new(sqlstate::OBJECT_IN_USE, "current user cannot be dropped"));
                }
                if role.oid == BOOTSTRAP_OID {
                    return Err(SqlError::new(
                        sqlstate::DEPENDENT_OBJECTS_STILL_EXIST,
                        format!("cannot drop role {name} because it is required by the database system"),
                    ));
                }
                storage.delete(ROLES, &[Value::Text(name)]).await?;
            }
            Ok(cmd("DROP ROLE"))
        }
        _ => Err(SqlError::not_supported("this role statement")),
    }
}

fn role_name(name: &ast::ObjectName) -> Result<String, SqlError> {
    let parts = crate::plan::bind::object_name_parts(name)?;
    match parts.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("invalid role name: {name}"))),
    }
}

fn undefined_role(name: &str) -> SqlError {
    SqlError::new(sqlstate::UNDEFINED_OBJECT, format!("role \"{name}\" does not exist"))
}

fn permission_denied(verb: &str, attribute: &str) -> SqlError {
    SqlError::new(sqlstate::INSUFFICIENT_PRIVILEGE, format!("permission denied to {verb} role")).with_detail(format!(
        "Only roles with the {attribute} attribute may {verb} roles with the {attribute} attribute."
    ))
}

/// The session's role. A session user without a row (trust authentication lets any
/// name in) counts as a superuser, as every such session always has.
async fn current_role(user: &str, storage: &Arc<dyn TableStorage>) -> Result<Role, SqlError> {
    Ok(get(storage, user).await?.unwrap_or_else(|| {
        let mut role = Role::new(user, 0);
        role.superuser = true;
        role.create_role = true;
        role
    }))
}

async fn check_create_role(user: &str, storage: &Arc<dyn TableStorage>) -> Result<Role, SqlError> {
    let actor = current_role(user, storage).await?;
    if !actor.superuser && !actor.create_role {
        return Err(SqlError::new(sqlstate::INSUFFICIENT_PRIVILEGE, "permission denied to create role")
            .with_detail("Only roles with the CREATEROLE attribute may create roles."));
    }
    Ok(actor)
}

fn connection_limit(e: &ast::Expr) -> Result<i64, SqlError> {
    let text = match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.clone(),
            other => other.to_string(),
        },
        ast::Expr::UnaryOp { op: ast::UnaryOperator::Minus, expr } => format!("-{expr}"),
        other => other.to_string(),
    };
    match text.parse::<i64>() {
        Ok(n) if n >= -1 => Ok(n),
        _ => Err(SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, format!("invalid connection limit: {text}"))),
    }
}

fn set_password(
    session: &mut Session,
    role: &mut Role,
    password: &ast::Password,
    with_md5: bool,
) -> Result<(), SqlError> {
    let text = match password {
        ast::Password::NullPassword => None,
        ast::Password::Password(ast::Expr::Value(v)) => match &v.value {
            ast::Value::SingleQuotedString(s)
            | ast::Value::EscapedStringLiteral(s)
            | ast::Value::DoubleQuotedString(s) => Some(s.clone()),
            ast::Value::DollarQuotedString(s) => Some(s.value.clone()),
            ast::Value::Null => None,
            other => return Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("invalid password: {other}"))),
        },
        ast::Password::Password(other) => {
            return Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("invalid password: {other}")))
        }
    };
    role.scram = None;
    role.md5 = None;
    let Some(text) = text else { return Ok(()) };
    if text.is_empty() {
        session.notice("01000", "empty string is not a valid password, clearing password");
        return Ok(());
    }
    if ScramVerifier::parse(&text).is_some() {
        role.scram = Some(text);
    } else if is_md5_hash(&text) {
        role.md5 = Some(text.to_ascii_lowercase());
    } else {
        role.scram = Some(ScramVerifier::new(&text).to_string());
        if with_md5 {
            role.md5 = Some(md5_hash(&text, &role.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3: user "user", password "pencil".
    #[test]
    fn scram_verifier_matches_rfc_7677() {
        let salt = BASE64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let verifier = ScramVerifier::with_salt("pencil", &salt, 4096);
        let auth_message = "n=user,r=rOprNGfwEbeRWgbNEkqO,\
                            r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,\
                            c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        // ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage); the server checks it
        // with the stored key alone.
        let proof = BASE64.decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=").unwrap();
        let signature = hmac_sha256(&verifier.stored_key, auth_message.as_bytes());
        let client_key: Vec<u8> = proof.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
        assert_eq!(digest::digest(&digest::SHA256, &client_key).as_ref(), verifier.stored_key.as_slice());
        let server_signature = hmac_sha256(&verifier.server_key, auth_message.as_bytes());
        assert_eq!(BASE64.encode(server_signature), "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");

        let text = verifier.to_string();
        assert!(text.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"), "{text}");
        let parsed = ScramVerifier::parse(&text).expect("parses");
        assert_eq!(parsed, verifier);
        assert!(parsed.matches("pencil"));
        assert!(!parsed.matches("pencil2"));
    }

    #[test]
    fn fresh_verifiers_are_salted() {
        let a = ScramVerifier::new("secret");
        let b = ScramVerifier::new("secret");
        assert_ne!(a.salt, b.salt);
        assert_eq!(a.salt.len(), SCRAM_SALT_LEN);
        assert!(a.matches("secret") && b.matches("secret"));
        assert!(ScramVerifier::parse("SCRAM-SHA-256$4096:abc").is_none());
        assert!(ScramVerifier::parse("md5abc").is_none());
    }

    #[test]
    fn md5_format() {
        // PostgreSQL: SELECT 'md5' || md5('secret' || 'alice')
        let hash = md5_hash("secret", "alice");
        assert_eq!(hash, format!("md5{:x}", md5::compute("secretalice")));
        assert!(is_md5_hash(&hash));
        assert_eq!(hash.len(), 35);
        // The client's answer to an md5 challenge: md5(md5(password || user) || salt).
        let salt = [1u8, 2, 3, 4];
        let mut data = format!("{:x}", md5::compute("secretalice")).into_bytes();
        data.extend_from_slice(&salt);
        assert_eq!(md5_response(&hash, &salt), format!("md5{:x}", md5::compute(data)));
        let mut role = Role::new("alice", 1);
        role.md5 = Some(hash);
        assert!(role.check_password("secret"));
        assert!(!role.check_password("Secret"));
    }

    #[test]
    fn create_user_is_create_role_with_login() {
        let parse = |sql: &str| crate::parse::parse(crate::Dialect::PostgreSql, sql).expect("parses");
        let stmts =
            parse("CREATE USER alice WITH PASSWORD 'x'; create user bob nologin; ALTER USER alice PASSWORD NULL");
        match &stmts[0] {
            Statement::CreateRole(c) => {
                assert_eq!(c.login, Some(true));
                assert!(c.password.is_some());
            }
            other => panic!("{other:?}"),
        }
        match &stmts[1] {
            Statement::CreateRole(c) => assert_eq!(c.login, Some(false)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(&stmts[2], Statement::AlterRole { .. }));
        let stmts = parse("CREATE ROLE carol ENCRYPTED PASSWORD 'x'");
        assert!(matches!(&stmts[0], Statement::CreateRole(c) if c.login.is_none() && c.password.is_some()));
        assert!(matches!(&parse("DROP USER IF EXISTS alice")[0], Statement::Drop { .. }));
        // Not a role statement: untouched.
        let stmts = parse("SELECT current_user, user");
        assert!(matches!(&stmts[0], Statement::Query(_)));
    }

    async fn run(s: &mut Session, sql: &str) -> Result<QueryOutput, SqlError> {
        s.execute_batch(sql).await.pop().unwrap()
    }

    #[tokio::test]
    async fn role_statements_store_verifiers() {
        let storage: Arc<dyn TableStorage> =
            orbit_storage::KvTableStorage::open(Arc::new(orbit_storage::MemoryEngine::new())).await.unwrap();
        let engine = crate::Engine::open(storage.clone()).await.unwrap();
        let mut s = Session::new(engine, "postgres", "postgres").unwrap();
        assert_eq!(run(&mut s, "CREATE USER alice PASSWORD 'secret'").await.unwrap().command_tag(), "CREATE ROLE");
        let alice = get(&storage, "alice").await.unwrap().unwrap();
        assert!(alice.login && !alice.superuser && alice.oid >= FIRST_OID);
        assert!(alice.scram.as_deref().unwrap().starts_with("SCRAM-SHA-256$4096:"));
        assert!(alice.md5.is_none(), "md5 only with password_encryption = md5");
        assert!(alice.check_password("secret") && !alice.check_password("wrong"));
        assert_eq!(run(&mut s, "CREATE USER alice").await.unwrap_err().code, sqlstate::DUPLICATE_OBJECT);

        run(&mut s, "SET password_encryption = 'md5'").await.unwrap();
        run(&mut s, "ALTER ROLE alice WITH PASSWORD 'new'").await.unwrap();
        let alice = get(&storage, "alice").await.unwrap().unwrap();
        assert_eq!(alice.md5.as_deref(), Some(md5_hash("new", "alice").as_str()));
        assert!(alice.check_password("new") && !alice.check_password("secret"));
        run(&mut s, "ALTER USER alice PASSWORD NULL").await.unwrap();
        assert!(!get(&storage, "alice").await.unwrap().unwrap().has_password());

        run(&mut s, "CREATE ROLE tmp LOGIN PASSWORD 'p'").await.unwrap();
        run(&mut s, "ALTER ROLE tmp RENAME TO renamed").await.unwrap();
        assert!(get(&storage, "tmp").await.unwrap().is_none());
        let renamed = get(&storage, "renamed").await.unwrap().unwrap();
        assert!(renamed.check_password("p"), "the SCRAM verifier does not depend on the name");
        assert!(renamed.md5.is_none(), "the md5 hash does, so it is cleared");
        run(&mut s, "CREATE ROLE reader").await.unwrap();
        assert!(!get(&storage, "reader").await.unwrap().unwrap().login);
        run(&mut s, "DROP ROLE reader, alice").await.unwrap();
        assert!(get(&storage, "alice").await.unwrap().is_none());
        assert_eq!(run(&mut s, "DROP ROLE alice").await.unwrap_err().code, sqlstate::UNDEFINED_OBJECT);
        run(&mut s, "DROP USER IF EXISTS alice").await.unwrap();
        assert_eq!(run(&mut s, "DROP ROLE postgres").await.unwrap_err().code, sqlstate::OBJECT_IN_USE);
        assert!(get(&storage, BOOTSTRAP_SUPERUSER).await.unwrap().unwrap().superuser);
    }

    /// On a current-thread runtime: the timer must not need the (busy) runtime.
    #[tokio::test]
    async fn statement_timeout_cancels() {
        let storage: Arc<dyn TableStorage> =
            orbit_storage::KvTableStorage::open(Arc::new(orbit_storage::MemoryEngine::new())).await.unwrap();
        let engine = crate::Engine::open(storage).await.unwrap();
        let mut s = Session::new(engine, "postgres", "postgres").unwrap();
        s.execute_batch("SET statement_timeout = '100ms'").await.pop().unwrap().unwrap();
        assert_eq!(s.setting("statement_timeout").as_deref(), Some("100ms"));
        let started = std::time::Instant::now();
        let e = s
            .execute_batch(
                "SELECT count(*) FROM generate_series(1, 3000) a, generate_series(1, 3000) b WHERE a + b < 0",
            )
            .await
            .pop()
            .unwrap()
            .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (sqlstate::QUERY_CANCELED, "canceling statement due to statement timeout")
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        s.execute_batch("SET statement_timeout = 0").await.pop().unwrap().unwrap();
        assert!(s.statement_timeout().is_none());
    }
}
