//! The actor-lease layout: ConfigMaps `<config_map_name>-<i>` (i below the shard count),
//! each lease key in the shard its hash picks, under a readable data key, with one JSON
//! record per key.
//!
//! A record is `{"lease": <lease or null>, "v": <writes of this key>, "rv": "<the shard's
//! resourceVersion the write was based on>", "f": <acquisitions of this key>}`. A release,
//! removal or cleanup leaves the record with `"lease": null` (a tombstone), so the
//! counters survive and the version `"<rv>-<v>"` never repeats for a key and the fencing
//! token only grows; even a shard deleted by hand and recreated gets resourceVersions
//! above every earlier one. Records of other keys in a shard are carried through a
//! write as the strings they are, never decoded.

use crate::provider::{AddressableLease, AddressableReference, LeaseError, LeaseResult, LeaseVersion, VersionedLease};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The label every object of a directory carries: its `config_map_name`.
pub const DIRECTORY_LABEL: &str = "orbit.io/directory";
/// The label telling shards ("lease-shard") from node Leases ("node").
pub const ROLE_LABEL: &str = "orbit.io/role";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// The shard count a shard was created with (a directory must be opened with it).
pub const SHARD_COUNT_ANNOTATION: &str = "orbit.io/shard-count";

/// The longest ConfigMap data key the API server accepts.
pub const MAX_DATA_KEY: usize = 253;

/// FNV-1a over the type, a separator and the key: stable across processes and builds.
pub fn shard_of(reference: &AddressableReference, shards: u32) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = reference.addressable_type.bytes().chain(std::iter::once(0xff)).chain(reference.key.bytes());
    for b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % u64::from(shards.max(1))) as u32
}

pub fn shard_name(prefix: &str, index: u32) -> String {
    format!("{prefix}-{index}")
}

/// Letters and digits as they are, every other byte `_XX` (hex): the result uses only
/// characters ConfigMap keys and object names allow, and no input escapes to another's.
pub fn escape(s: &str, lowercase_only: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let plain =
            if lowercase_only { b.is_ascii_lowercase() || b.is_ascii_digit() } else { b.is_ascii_alphanumeric() };
        if plain {
            out.push(b as char);
        } else if lowercase_only {
            out.push_str(&format!("-{b:02x}"));
        } else {
            out.push_str(&format!("_{b:02X}"));
        }
    }
    out
}

/// The data key of a lease: `l.<type>.<key>`, both escaped.
pub fn data_key(reference: &AddressableReference) -> LeaseResult<String> {
    let key = format!("l.{}.{}", escape(&reference.addressable_type, false), escape(&reference.key, false));
    if key.len() > MAX_DATA_KEY {
        return Err(LeaseError::Backend(format!(
            "kubernetes: the lease key {reference} is too long for a ConfigMap key ({} > {MAX_DATA_KEY} characters escaped)",
            key.len()
        )));
    }
    Ok(key)
}

/// One key's record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub lease: Option<AddressableLease>,
    pub v: u64,
    pub rv: String,
    pub f: u64,
}

impl Record {
    pub fn version(&self) -> LeaseVersion {
        LeaseVersion(format!("{}-{}", self.rv, self.v))
    }

    pub fn versioned(&self) -> Option<VersionedLease> {
        self.lease.clone().map(|lease| VersionedLease { lease, version: self.version(), fencing_token: self.f })
    }
}

/// One shard as read from the server (or a new, empty one), changed in memory.
#[derive(Debug, Clone)]
pub struct Shard {
    pub name: String,
    /// The object as read (None: it does not exist yet).
    object: Option<Value>,
    data: Map<String, Value>,
    changed: bool,
}

impl Shard {
    /// The shard `name` from the object the server answered (or none).
    pub fn from_object(name: &str, object: Option<&Value>, shards: u32) -> LeaseResult<Shard> {
        let data = match object {
            None => Map::new(),
            Some(object) => {
                let annotations = object.get("metadata").and_then(|m| m.get("annotations"));
                if let Some(count) = annotations.and_then(|a| a.get(SHARD_COUNT_ANNOTATION)).and_then(Value::as_str) {
                    if count != shards.to_string() {
                        return Err(LeaseError::Config(format!(
                            "kubernetes: shards = {shards}, but ConfigMap {name} was written by a directory of {count} shards \
                             (set shards = {count})"
                        )));
                    }
                }
                match object.get("data") {
                    Some(Value::Object(map)) => map.clone(),
                    Some(Value::Null) | None => Map::new(),
                    Some(_) => {
                        return Err(LeaseError::Corruption(format!("kubernetes: ConfigMap {name}: data is not a map")))
                    }
                }
            }
        };
        Ok(Shard { name: name.to_string(), object: object.cloned(), data, changed: false })
    }

    fn base_version(&self) -> String {
        self.object.as_ref().and_then(super::client::resource_version).unwrap_or("0").to_string()
    }

    pub fn changed(&self) -> bool {
        self.changed
    }

    /// The record of `reference` (a default one when the key was never written).
    pub fn record(&self, reference: &AddressableReference) -> LeaseResult<Record> {
        let key = data_key(reference)?;
        self.record_at(&key, Some(reference))
    }

    fn record_at(&self, key: &str, reference: Option<&AddressableReference>) -> LeaseResult<Record> {
        match self.data.get(key) {
            None => Ok(Record::default()),
            Some(Value::String(text)) => {
                let record: Record = serde_json::from_str(text).map_err(|e| {
                    LeaseError::Corruption(format!(
                        "kubernetes: ConfigMap {} key {key} does not decode: {e}",
                        self.name
                    ))
                })?;
                if let (Some(lease), Some(reference)) = (&record.lease, reference) {
                    if &lease.reference != reference {
                        return Err(LeaseError::Corruption(format!(
                            "kubernetes: ConfigMap {} key {key} holds the lease of {}",
                            self.name, lease.reference
                        )));
                    }
                }
                Ok(record)
            }
            Some(_) => {
                Err(LeaseError::Corruption(format!("kubernetes: ConfigMap {} key {key} is not a string", self.name)))
            }
        }
    }

    /// The stored lease of `reference`.
    pub fn current(&self, reference: &AddressableReference) -> LeaseResult<Option<VersionedLease>> {
        Ok(self.record(reference)?.versioned())
    }

    fn write_record(&mut self, reference: &AddressableReference, record: &Record) -> LeaseResult<()> {
        let text = serde_json::to_string(record)
            .map_err(|e| LeaseError::Backend(format!("kubernetes: cannot encode the record of {reference}: {e}")))?;
        self.data.insert(data_key(reference)?, Value::String(text));
        self.changed = true;
        Ok(())
    }

    /// Stores `lease`: a new version; an acquisition also a new fencing token.
    pub fn put_lease(&mut self, lease: &AddressableLease, acquisition: bool) -> LeaseResult<VersionedLease> {
        let mut record = self.record(&lease.reference)?;
        record.v += 1;
        record.rv = self.base_version();
        if acquisition {
            record.f += 1;
        }
        record.lease = Some(lease.clone());
        self.write_record(&lease.reference, &record)?;
        Ok(VersionedLease { lease: lease.clone(), version: record.version(), fencing_token: record.f })
    }

    /// Leaves a tombstone for a stored lease; false (nothing changed) when there is none.
    pub fn remove_lease(&mut self, reference: &AddressableReference) -> LeaseResult<bool> {
        let mut record = self.record(reference)?;
        if record.lease.is_none() {
            return Ok(false);
        }
        record.v += 1;
        record.rv = self.base_version();
        record.lease = None;
        self.write_record(reference, &record)?;
        Ok(true)
    }

    /// Every stored lease of this shard (tombstones skipped).
    pub fn leases(&self) -> LeaseResult<Vec<AddressableLease>> {
        let mut out = Vec::new();
        for key in self.data.keys() {
            if let Some(lease) = self.record_at(key, None)?.lease {
                out.push(lease);
            }
        }
        Ok(out)
    }

    /// Records that do not decode, sit under another key than their lease's, or in the
    /// wrong shard.
    pub fn problems(&self, index: u32, shards: u32) -> Vec<String> {
        let mut problems = Vec::new();
        for key in self.data.keys() {
            match self.record_at(key, None) {
                Err(e) => problems.push(e.to_string()),
                Ok(Record { lease: Some(lease), .. }) => {
                    if data_key(&lease.reference).ok().as_deref() != Some(key.as_str()) {
                        problems
                            .push(format!("ConfigMap {} key {key} holds the lease of {}", self.name, lease.reference));
                    }
                    if shard_of(&lease.reference, shards) != index {
                        problems.push(format!("{} is in ConfigMap {}, not in its shard", lease.reference, self.name));
                    }
                }
                Ok(_) => {}
            }
        }
        problems
    }

    /// The object to PUT (the one read, with the new data; its resourceVersion is the
    /// precondition) or POST (a new one).
    pub fn to_object(&self, namespace: &str, directory: &str, shards: u32) -> Value {
        match &self.object {
            Some(object) => {
                let mut object = object.clone();
                if let Some(map) = object.as_object_mut() {
                    map.insert("data".into(), Value::Object(self.data.clone()));
                }
                object
            }
            None => json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": self.name,
                    "namespace": namespace,
                    "labels": {
                        DIRECTORY_LABEL: directory,
                        ROLE_LABEL: "lease-shard",
                        MANAGED_BY_LABEL: "orbit",
                    },
                    "annotations": { SHARD_COUNT_ANNOTATION: shards.to_string() },
                },
                "data": Value::Object(self.data.clone()),
            }),
        }
    }

    /// Bytes of data (the API server refuses a ConfigMap over 1 MiB).
    pub fn data_bytes(&self) -> usize {
        self.data.iter().map(|(k, v)| k.len() + v.as_str().map_or(0, str::len)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_keys_are_valid_and_distinct() {
        let refs = [
            AddressableReference::new("a", "b.c"),
            AddressableReference::new("a.b", "c"),
            AddressableReference::new("a\0", "\0é"),
            AddressableReference::new("", ""),
        ];
        let keys: Vec<String> = refs.iter().map(|r| data_key(r).expect("key")).collect();
        for key in &keys {
            assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)), "{key}");
        }
        let unique: std::collections::BTreeSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "{keys:?}");
        assert!(data_key(&AddressableReference::new("t", "x".repeat(300))).is_err());
    }

    #[test]
    fn the_shard_of_a_key_is_stable() {
        let r = AddressableReference::new("shard", "k1");
        assert_eq!(shard_of(&r, 16), shard_of(&r.clone(), 16));
        assert_eq!(shard_of(&r, 1), 0);
        let spread: std::collections::BTreeSet<u32> =
            (0..200).map(|i| shard_of(&AddressableReference::new("t", format!("k{i}")), 16)).collect();
        assert_eq!(spread.len(), 16, "200 keys reach every one of 16 shards");
    }
}
