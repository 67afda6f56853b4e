//! Users: the registry the listener authenticates against (kept in `_system`'s `_users`
//! collection, one document per user with its PBKDF2 password hash and its access
//! levels, loaded at start and written through), `/_api/user` CRUD with per-database
//! and per-collection access levels (`rw`, `ro`, `none`), and `POST /_open/auth[/renew]`.

use super::auth::{hash_password, verify_password, Credentials};
use super::params::{bool_attr, str_attr, Req};
use super::response::{HttpResult, Reply};
use super::SharedState;
use crate::error::{num, AqlError, AqlResult};
use crate::store::{DocStore, TxnOptions, WriteOptions};
use crate::value::{Object, Value};
use axum::http::Method;
use parking_lot::{Mutex, RwLock};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub const USERS_COLLECTION: &str = "_users";

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub name: String,
    pub active: bool,
    pub extra: Value,
    pub password: Value,
    /// Database name (or "*") → its level and collection levels (collection or "*").
    pub databases: BTreeMap<String, DbAccess>,
    /// Access tokens: `{id, name, valid_until, created_at, fingerprint, active, hash}`
    /// (the SHA-256 of the token, never the token).
    pub tokens: Vec<Value>,
}

#[derive(Debug, Clone, Default)]
pub struct DbAccess {
    pub level: Option<String>,
    pub collections: BTreeMap<String, String>,
}

/// The users, in memory and in `_users`.
pub struct Users {
    store: Option<Arc<DocStore>>,
    map: RwLock<BTreeMap<String, UserRecord>>,
    /// Passwords already checked (user → SHA-256 of the password and the salt of the
    /// hash it matched), so Basic auth does not run PBKDF2 on every request; a changed
    /// password has a new salt, so an entry of the old one never matches again.
    verified: Mutex<HashMap<String, (Vec<u8>, String)>>,
}

fn digest(password: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, password.as_bytes()).as_ref().to_vec()
}

/// The `_key` of a user's document: the name hex-encoded (any name is a valid key so).
fn user_key(name: &str) -> String {
    name.bytes().map(|b| format!("{b:02x}")).collect()
}

fn valid_user_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 256 && !name.chars().any(|c| c.is_control())
}

impl UserRecord {
    fn new(name: &str, password: &str, active: bool, extra: Value) -> UserRecord {
        UserRecord {
            name: name.to_string(),
            active,
            extra,
            password: hash_password(password),
            databases: BTreeMap::new(),
            tokens: Vec::new(),
        }
    }

    fn to_doc(&self) -> Value {
        let databases: Object = self
            .databases
            .iter()
            .map(|(db, a)| {
                let collections: Object = a.collections.iter().map(|(c, l)| (c.clone(), Value::str(l))).collect();
                let level = a.level.clone().map(Value::String).unwrap_or(Value::Null);
                (db.clone(), Value::object([("permission", level), ("collections", Value::Object(collections))]))
            })
            .collect();
        Value::object([
            ("_key", Value::String(user_key(&self.name))),
            ("user", Value::str(&self.name)),
            ("active", Value::Bool(self.active)),
            ("extra", self.extra.clone()),
            ("authData", Value::object([("simple", self.password.clone())])),
            ("databases", Value::Object(databases)),
            ("accessTokens", Value::Array(self.tokens.clone())),
        ])
    }

    fn from_doc(doc: &Value) -> Option<UserRecord> {
        let name = doc.get("user")?.as_str()?.to_string();
        let mut databases = BTreeMap::new();
        if let Some(dbs) = doc.get("databases").and_then(Value::as_object) {
            for (db, a) in dbs {
                let level = a.get("permission").and_then(Value::as_str).map(str::to_string);
                let collections = a
                    .get("collections")
                    .and_then(Value::as_object)
                    .map(|o| o.iter().filter_map(|(c, l)| l.as_str().map(|l| (c.clone(), l.to_string()))).collect())
                    .unwrap_or_default();
                databases.insert(db.clone(), DbAccess { level, collections });
            }
        }
        Some(UserRecord {
            name,
            active: bool_attr(doc, "active", true),
            extra: doc.get("extra").cloned().unwrap_or_else(|| Value::Object(Object::new())),
            password: doc.get("authData").and_then(|a| a.get("simple")).cloned().unwrap_or_default(),
            databases,
            tokens: doc.get("accessTokens").and_then(Value::as_array).map(<[Value]>::to_vec).unwrap_or_default(),
        })
    }

    /// The effective level on database `db`.
    pub fn db_level(&self, db: &str) -> &str {
        self.databases
            .get(db)
            .and_then(|a| a.level.as_deref())
            .or_else(|| self.databases.get("*").and_then(|a| a.level.as_deref()))
            .unwrap_or("none")
    }

    fn collection_level(&self, db: &str, collection: &str) -> String {
        let explicit =
            |d: &str| self.databases.get(d).and_then(|a| a.collections.get(collection).or(a.collections.get("*")));
        explicit(db).or_else(|| explicit("*")).cloned().unwrap_or_else(|| self.db_level(db).to_string())
    }

    fn public(&self) -> Object {
        let mut o = Object::new();
        o.insert("user".into(), Value::str(&self.name));
        o.insert("active".into(), Value::Bool(self.active));
        o.insert("extra".into(), self.extra.clone());
        o
    }
}

impl Users {
    /// Users kept in memory only (tests of the HTTP layer without a store).
    pub fn in_memory(configured: &[(String, String)]) -> Users {
        let users = Users { store: None, map: RwLock::new(BTreeMap::new()), verified: Mutex::new(HashMap::new()) };
        users.seed(configured);
        users
    }

    /// Loads `_users` of `_system` and seeds the configured users (all written back).
    pub async fn load(store: Arc<DocStore>, configured: &[(String, String)]) -> AqlResult<Users> {
        let mut map = BTreeMap::new();
        let mut txn = store.begin("_system", TxnOptions::default()).await?;
        let mut resume: Option<Vec<u8>> = None;
        loop {
            let page = txn.scan(USERS_COLLECTION, resume.as_deref(), 1000).await?;
            for doc in &page.docs {
                if let Some(u) = UserRecord::from_doc(doc) {
                    map.insert(u.name.clone(), u);
                }
            }
            match page.resume {
                Some(r) => resume = Some(r),
                None => break,
            }
        }
        txn.rollback().await?;
        let users = Users { store: Some(store), map: RwLock::new(map), verified: Mutex::new(HashMap::new()) };
        for name in users.seed(configured) {
            let record = users.get(&name).ok_or_else(|| AqlError::internal("seeded user vanished"))?;
            users.persist(&record).await?;
        }
        Ok(users)
    }

    /// Adds the configured users (their configured password wins), or `root` with an
    /// empty password when nothing is configured or stored; answers the names changed.
    fn seed(&self, configured: &[(String, String)]) -> Vec<String> {
        let mut map = self.map.write();
        let mut changed = Vec::new();
        let mut wanted: Vec<(String, String)> = configured.to_vec();
        if wanted.is_empty() && map.is_empty() {
            wanted.push(("root".into(), String::new()));
        }
        for (name, password) in wanted {
            let mut record = map
                .remove(&name)
                .unwrap_or_else(|| UserRecord::new(&name, &password, true, Value::Object(Object::new())));
            record.password = hash_password(&password);
            record.active = true;
            record.databases.entry("*".into()).or_default().level = Some("rw".into());
            record.databases.entry("*".into()).or_default().collections.insert("*".into(), "rw".into());
            changed.push(name.clone());
            map.insert(name, record);
        }
        changed
    }

    pub fn get(&self, name: &str) -> Option<UserRecord> {
        self.map.read().get(name).cloned()
    }

    /// Whether `password` is `name`'s and the user is active.
    pub fn check_password(&self, name: &str, password: &str) -> bool {
        let stored = match self.map.read().get(name) {
            Some(record) if record.active => record.password.clone(),
            _ => return false,
        };
        let salt = stored.get("salt").and_then(Value::as_str).unwrap_or_default().to_string();
        let d = digest(password);
        if self.verified.lock().get(name).is_some_and(|(known, known_salt)| known == &d && known_salt == &salt) {
            return true;
        }
        let ok = verify_password(&stored, password);
        if ok {
            self.verified.lock().insert(name.to_string(), (d, salt));
        }
        ok
    }

    /// Whether `secret` is `name`'s password or one of its valid access tokens.
    pub fn check_secret(&self, name: &str, secret: &str) -> bool {
        self.check_password(name, secret) || (secret.starts_with("v1.") && self.check_token(name, secret))
    }

    /// Who `name` with `secret` is: `name` when the secret is theirs; with an empty name,
    /// the user of a valid access token (as ArangoDB accepts them).
    pub fn secret_user(&self, name: &str, secret: &str) -> Option<String> {
        if self.check_secret(name, secret) {
            return Some(name.to_string());
        }
        let user = if name.is_empty() { super::token::token_user(secret)? } else { return None };
        self.check_token(&user, secret).then_some(user)
    }

    /// Whether `token` is an active, unexpired access token of the active user `name`.
    pub fn check_token(&self, name: &str, token: &str) -> bool {
        let hash = super::token::token_hash(token);
        let now = super::auth::now_seconds();
        match self.map.read().get(name) {
            Some(record) if record.active => record.tokens.iter().any(|t| {
                bool_attr(t, "active", false)
                    && t.get("valid_until").is_none_or(|v| v.as_f64().is_some_and(|v| v > now as f64))
                    && t.get("hash")
                        .and_then(Value::as_str)
                        .is_some_and(|h| orbit_protocol_api::secret::constant_time_eq(h.as_bytes(), hash.as_bytes()))
            }),
            _ => false,
        }
    }

    pub fn is_active(&self, name: &str) -> bool {
        self.map.read().get(name).is_some_and(|u| u.active)
    }

    /// The level of `user` on database `db` ("rw", "ro" or "none").
    pub fn db_level(&self, user: &str, db: &str) -> String {
        self.map.read().get(user).map(|u| u.db_level(db).to_string()).unwrap_or_else(|| "none".into())
    }

    /// The level of `user` on `collection` of `db`: its own grant, else the database's.
    pub fn collection_level(&self, user: &str, db: &str, collection: &str) -> String {
        self.map.read().get(user).map(|u| u.collection_level(db, collection)).unwrap_or_else(|| "none".into())
    }

    async fn persist(&self, record: &UserRecord) -> AqlResult<()> {
        let Some(store) = &self.store else { return Ok(()) };
        let mut txn = store.begin("_system", TxnOptions::default()).await?;
        let key = user_key(&record.name);
        let doc = record.to_doc();
        let options = WriteOptions::default();
        if txn.get(USERS_COLLECTION, &key).await?.is_some() {
            txn.replace(USERS_COLLECTION, &key, doc, &options).await?;
        } else {
            txn.insert(USERS_COLLECTION, doc, &options).await?;
        }
        txn.commit().await
    }

    async fn forget(&self, name: &str) -> AqlResult<()> {
        let Some(store) = &self.store else { return Ok(()) };
        let mut txn = store.begin("_system", TxnOptions::default()).await?;
        txn.remove(USERS_COLLECTION, &user_key(name), &WriteOptions::default()).await?;
        txn.commit().await
    }

    /// Stores `record` (new or changed).
    pub async fn put(&self, record: UserRecord) -> AqlResult<()> {
        self.persist(&record).await?;
        self.verified.lock().remove(&record.name);
        self.map.write().insert(record.name.clone(), record);
        Ok(())
    }

    /// Creates `name` if missing (inactive users stay so) and grants `level` on `db`.
    pub async fn ensure_with_access(&self, name: &str, password: &str, active: bool, db: &str) -> AqlResult<()> {
        let mut record = match self.get(name) {
            Some(r) => r,
            None => UserRecord::new(name, password, active, Value::Object(Object::new())),
        };
        record.databases.entry(db.to_string()).or_default().level = Some("rw".into());
        self.put(record).await
    }

    /// Drops every grant on database `db` (it was dropped).
    pub async fn forget_database(&self, db: &str) -> AqlResult<()> {
        let affected: Vec<UserRecord> =
            self.map.read().values().filter(|u| u.databases.contains_key(db)).cloned().collect();
        for mut record in affected {
            record.databases.remove(db);
            self.put(record).await?;
        }
        Ok(())
    }
}

fn not_found(name: &str) -> AqlError {
    AqlError::with_status(num::USER_NOT_FOUND, 404, format!("user '{name}' not found"))
}

fn user_reply(status: u16, record: &UserRecord) -> Reply {
    Reply::ok_object(status, record.public())
}

/// Whether the request's user may manage users (rw on `_system`); a user may always
/// read their own record.
pub fn check_admin(state: &SharedState, req: &Req, target: Option<&str>) -> AqlResult<()> {
    let Some(user) = req.user.as_deref() else { return Ok(()) };
    if state.users.db_level(user, "_system") == "rw" {
        return Ok(());
    }
    if req.method == Method::GET && target == Some(user) {
        return Ok(());
    }
    Err(AqlError::with_status(num::FORBIDDEN, 403, "forbidden"))
}

fn level_arg(body: &Value) -> AqlResult<String> {
    match str_attr(body, "grant") {
        Some(l @ ("rw" | "ro" | "none")) => Ok(l.to_string()),
        _ => Err(AqlError::bad_parameter("invalid or missing 'grant': expecting \"rw\", \"ro\" or \"none\"")),
    }
}

/// `/_api/user[/{user}[/database[/{db}[/{collection}]]]]`; `rest` follows `/_api/user`.
pub async fn handle(state: &SharedState, req: &Req) -> HttpResult {
    let rest = &req.segments[2.min(req.segments.len())..];
    match rest {
        [] if req.is(&Method::GET) => {
            check_admin(state, req, None)?;
            let list: Vec<Value> = state.users.map.read().values().map(|u| Value::Object(u.public())).collect();
            Ok(Reply::ok(200, vec![("result", Value::Array(list))]))
        }
        [] if req.method == Method::POST => {
            check_admin(state, req, None)?;
            let body = req.body_object()?;
            let name = str_attr(&body, "user").unwrap_or("");
            if !valid_user_name(name) {
                return Err(AqlError::with_status(num::USER_INVALID_NAME, 400, "invalid user name"));
            }
            if state.users.get(name).is_some() {
                return Err(AqlError::with_status(num::USER_DUPLICATE, 409, "duplicate user"));
            }
            let extra = body.get("extra").cloned().unwrap_or_else(|| Value::Object(Object::new()));
            let record =
                UserRecord::new(name, str_attr(&body, "passwd").unwrap_or(""), bool_attr(&body, "active", true), extra);
            state.users.put(record.clone()).await?;
            Ok(user_reply(201, &record))
        }
        [name] => {
            // A user may change their own password (only that), as in ArangoDB.
            let own_password = req.method == Method::PATCH
                && req.user.as_deref() == Some(name.as_str())
                && req.body_object()?.as_object().is_some_and(|o| o.keys().all(|k| k == "passwd"));
            if !own_password {
                check_admin(state, req, Some(name))?;
            }
            let existing = state.users.get(name).ok_or_else(|| not_found(name))?;
            match req.method {
                Method::GET | Method::HEAD => Ok(user_reply(200, &existing)),
                Method::PUT | Method::PATCH => {
                    let body = req.body_object()?;
                    let mut record = existing;
                    let replace = req.method == Method::PUT;
                    if let Some(pw) = str_attr(&body, "passwd") {
                        record.password = hash_password(pw);
                    } else if replace {
                        record.password = hash_password("");
                    }
                    if let Some(Value::Bool(a)) = body.get("active") {
                        record.active = *a;
                    } else if replace {
                        record.active = true;
                    }
                    match (body.get("extra"), &mut record.extra) {
                        (Some(Value::Object(new)), Value::Object(old)) if !replace => {
                            for (k, v) in new {
                                old.insert(k.clone(), v.clone());
                            }
                        }
                        (Some(extra), _) => record.extra = extra.clone(),
                        (None, _) if replace => record.extra = Value::Object(Object::new()),
                        (None, _) => {}
                    }
                    state.users.put(record.clone()).await?;
                    Ok(user_reply(200, &record))
                }
                Method::DELETE => {
                    state.users.forget(name).await?;
                    state.users.map.write().remove(name.as_str());
                    state.users.verified.lock().remove(name.as_str());
                    Ok(Reply::ok(202, vec![]))
                }
                _ => Err(method_not_allowed()),
            }
        }
        [name, db_word, tail @ ..] if db_word == "database" => {
            check_admin(state, req, Some(name))?;
            let record = state.users.get(name).ok_or_else(|| not_found(name))?;
            access(state, req, record, tail).await
        }
        _ => Err(super::router::unknown_path(req)),
    }
}

fn method_not_allowed() -> AqlError {
    AqlError::with_status(num::HTTP_METHOD_NOT_ALLOWED, 405, "method not supported")
}

async fn access(state: &SharedState, req: &Req, mut record: UserRecord, tail: &[String]) -> HttpResult {
    match (tail, &req.method) {
        ([], &Method::GET) => {
            let dbs = state.store.databases().await?;
            let full = req.flag("full", false);
            let mut out = Object::new();
            for db in dbs {
                let level = record.db_level(&db.name).to_string();
                if full {
                    let grants = record.databases.get(&db.name);
                    let grant =
                        |c: &str| grants.and_then(|a| a.collections.get(c)).map_or(Value::str("undefined"), Value::str);
                    let mut collections = Object::new();
                    for c in state.store.collections(&db.name).await? {
                        collections.insert(c.name.clone(), grant(&c.name));
                    }
                    collections.insert("*".into(), grant("*"));
                    out.insert(
                        db.name.clone(),
                        Value::object([
                            ("permission", Value::String(level)),
                            ("collections", Value::Object(collections)),
                        ]),
                    );
                } else if level != "none" {
                    out.insert(db.name.clone(), Value::String(level));
                }
            }
            if full {
                let star = record.databases.get("*").and_then(|a| a.level.clone()).unwrap_or_else(|| "none".into());
                out.insert("*".into(), Value::object([("permission", Value::String(star))]));
            }
            Ok(Reply::ok(200, vec![("result", Value::Object(out))]))
        }
        ([db], &Method::GET) => Ok(Reply::ok(200, vec![("result", Value::str(record.db_level(db)))])),
        ([db, collection], &Method::GET) => {
            Ok(Reply::ok(200, vec![("result", Value::String(record.collection_level(db, collection)))]))
        }
        ([db], &Method::PUT) => {
            let level = level_arg(&req.body_object()?)?;
            record.databases.entry(db.clone()).or_default().level = Some(level.clone());
            state.users.put(record).await?;
            Ok(Reply::ok_object(200, Object::from_iter([(db.clone(), Value::String(level))])))
        }
        ([db, collection], &Method::PUT) => {
            let level = level_arg(&req.body_object()?)?;
            record.databases.entry(db.clone()).or_default().collections.insert(collection.clone(), level.clone());
            state.users.put(record).await?;
            Ok(Reply::ok_object(200, Object::from_iter([(format!("{db}/{collection}"), Value::String(level))])))
        }
        ([db], &Method::DELETE) => {
            if let Some(a) = record.databases.get_mut(db.as_str()) {
                a.level = None;
            }
            state.users.put(record).await?;
            Ok(Reply::ok(202, vec![]))
        }
        ([db, collection], &Method::DELETE) => {
            if let Some(a) = record.databases.get_mut(db.as_str()) {
                a.collections.remove(collection.as_str());
            }
            state.users.put(record).await?;
            Ok(Reply::ok(202, vec![]))
        }
        _ => Err(super::router::unknown_path(req)),
    }
}

/// `POST /_open/auth {username, password}` → `{jwt}`; 401 for wrong credentials.
/// `POST /_open/auth/renew` with a valid user token → `{jwt}` valid for a new session
/// period (`{}` for a superuser token: nothing to renew).
pub async fn open_auth(state: &SharedState, req: &Req) -> HttpResult {
    if req.method != Method::POST {
        return Err(method_not_allowed());
    }
    match req.seg(2) {
        None => {}
        Some("renew") => {
            return match state.auth.credentials(req.header("authorization")) {
                Credentials::Token { user: Some(user) } if state.users.is_active(&user) => {
                    Ok(Reply::json(200, Value::object([("jwt", Value::String(state.auth.issue(&user)))])))
                }
                Credentials::Token { user: None } => Ok(Reply::json(200, Value::Object(Object::new()))),
                _ => Err(super::router::not_authorized()),
            };
        }
        Some(_) => return Err(super::router::unknown_path(req)),
    }
    let body = req.body_object()?;
    let username = str_attr(&body, "username").unwrap_or("");
    let password = str_attr(&body, "password").unwrap_or("");
    let Some(user) = state.users.secret_user(username, password) else {
        return Err(AqlError::with_status(num::HTTP_UNAUTHORIZED, 401, "Wrong credentials"));
    };
    Ok(Reply::json(200, Value::object([("jwt", Value::String(state.auth.issue(&user)))])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_and_levels() {
        let users = Users::in_memory(&[]);
        assert!(users.check_password("root", ""));
        assert!(!users.check_password("root", "x"));
        assert_eq!(users.db_level("root", "anything"), "rw");
        let users = Users::in_memory(&[("admin".into(), "pw".into())]);
        assert!(users.get("root").is_none());
        assert!(users.check_password("admin", "pw"));
        assert!(users.check_password("admin", "pw"));
        let mut r = UserRecord::new("u", "p", true, Value::Object(Object::new()));
        assert_eq!(r.db_level("_system"), "none");
        r.databases.entry("_system".into()).or_default().level = Some("ro".into());
        assert_eq!(r.db_level("_system"), "ro");
        assert_eq!(r.collection_level("_system", "c"), "ro");
        let back = UserRecord::from_doc(&r.to_doc()).unwrap();
        assert_eq!(back.db_level("_system"), "ro");
        assert!(verify_password(&back.password, "p"));
    }
}
