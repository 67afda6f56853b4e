//! Users and their passwords: the ones the configuration names (or, with none, `neo4j`
//! with the password `password`) and the ones `CREATE USER` adds, which live in a small
//! table of this protocol's storage with PBKDF2-HMAC-SHA256 hashes (random salt), so a
//! password is never stored. A stored user of a configured name overrides it (ALTER USER
//! on `neo4j` changes its password for good).

use crate::error::{CypherError, CypherResult, ErrorKind};
use orbit_storage::{ColumnDef, DataType, ScanOptions, StorageError, TableDef, TableStorage, Value};
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;

const TABLE: &str = "cypher_users";
const ITERATIONS: u32 = 10_000;
const SALT: usize = 16;
const HASH: usize = 32;

pub struct UserStore {
    storage: Arc<dyn TableStorage>,
    configured: BTreeMap<String, String>,
}

/// One user as `SHOW USERS` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub change_required: bool,
}

fn iterations() -> NonZeroU32 {
    NonZeroU32::new(ITERATIONS).unwrap_or(NonZeroU32::MIN)
}

fn hash(password: &str) -> CypherResult<Vec<u8>> {
    let mut salt = [0u8; SALT];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| CypherError::new(ErrorKind::Database, "no randomness for a password salt"))?;
    let mut out = [0u8; HASH];
    ring::pbkdf2::derive(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations(), &salt, password.as_bytes(), &mut out);
    let mut stored = salt.to_vec();
    stored.extend_from_slice(&out);
    Ok(stored)
}

fn matches(stored: &[u8], password: &str) -> bool {
    let (Some(salt), Some(expected)) = (stored.get(..SALT), stored.get(SALT..)) else { return false };
    ring::pbkdf2::verify(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations(), salt, password.as_bytes(), expected).is_ok()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl UserStore {
    pub async fn open(
        storage: Arc<dyn TableStorage>,
        configured: &BTreeMap<String, String>,
    ) -> CypherResult<UserStore> {
        if storage.table_schema(TABLE).await?.is_none() {
            let def = TableDef::new(TABLE)
                .column(ColumnDef::new("name", DataType::Text).not_null())
                .column(ColumnDef::new("hash", DataType::Bytes).not_null())
                .column(ColumnDef::new("change_required", DataType::Bool).not_null())
                .primary_key(&["name"]);
            match storage.create_table(&def).await {
                Ok(_) | Err(StorageError::TableExists(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut configured = configured.clone();
        if configured.is_empty() {
            configured.insert("neo4j".into(), "password".into());
        }
        Ok(UserStore { storage, configured })
    }

    async fn stored(&self, name: &str) -> CypherResult<Option<(Vec<u8>, bool)>> {
        let row = self.storage.get(TABLE, &[Value::Text(name.into())]).await?;
        Ok(match row.as_deref() {
            Some([_, Value::Bytes(h), Value::Bool(c)]) => Some((h.clone(), *c)),
            _ => None,
        })
    }

    pub async fn verify(&self, name: &str, password: &str) -> bool {
        match self.stored(name).await {
            Ok(Some((h, _))) => matches(&h, password),
            Ok(None) => self.configured.get(name).is_some_and(|p| constant_time_eq(p.as_bytes(), password.as_bytes())),
            Err(_) => false,
        }
    }

    pub async fn exists(&self, name: &str) -> CypherResult<bool> {
        Ok(self.configured.contains_key(name) || self.stored(name).await?.is_some())
    }

    /// Creates or replaces a stored user.
    pub async fn put(&self, name: &str, password: &str, change_required: bool) -> CypherResult<()> {
        let row = vec![Value::Text(name.into()), Value::Bytes(hash(password)?), Value::Bool(change_required)];
        self.storage.upsert(TABLE, row).await?;
        Ok(())
    }

    pub async fn set_change_required(&self, name: &str, change_required: bool) -> CypherResult<()> {
        if let Some((h, _)) = self.stored(name).await? {
            let row = vec![Value::Text(name.into()), Value::Bytes(h), Value::Bool(change_required)];
            self.storage.upsert(TABLE, row).await?;
        }
        Ok(())
    }

    pub fn is_configured(&self, name: &str) -> bool {
        self.configured.contains_key(name)
    }

    pub async fn drop(&self, name: &str) -> CypherResult<bool> {
        Ok(self.storage.delete(TABLE, &[Value::Text(name.into())]).await?.is_some())
    }

    pub async fn list(&self) -> CypherResult<Vec<UserInfo>> {
        let mut out: BTreeMap<String, bool> = self.configured.keys().map(|n| (n.clone(), false)).collect();
        for row in self.storage.scan(TABLE, &ScanOptions::default()).await? {
            if let [Value::Text(n), _, Value::Bool(c)] = row.as_slice() {
                out.insert(n.clone(), *c);
            }
        }
        Ok(out.into_iter().map(|(name, change_required)| UserInfo { name, change_required }).collect())
    }
}
