//! Reading the Redis backend's replies without trusting them: every shape is checked,
//! a reply that is not what the script returns is [`LeaseError::Corruption`] naming the
//! operation, and nothing panics. Also the lease reference's id in keys.

use crate::keys;
use crate::provider::{
    AddressableLease, AddressableReference, LeaseError, LeaseResult, LeaseVersion, NodeId, NodeInfo, VersionedLease,
};
use redis::Value;

/// The id of a reference inside keys: `<byte length of type>:<type>:<key>`.
pub fn reference_id(reference: &AddressableReference) -> String {
    format!("{}:{}:{}", reference.addressable_type.len(), reference.addressable_type, reference.key)
}

/// The reference of an id written by [`reference_id`].
pub fn parse_reference_id(id: &[u8]) -> Option<AddressableReference> {
    let text = std::str::from_utf8(id).ok()?;
    let (len, rest) = text.split_once(':')?;
    let len: usize = len.parse().ok()?;
    let addressable_type = rest.get(..len)?;
    let key = rest.get(len..)?.strip_prefix(':')?;
    Some(AddressableReference::new(addressable_type, key))
}

pub fn corrupt(op: &str, what: impl std::fmt::Display) -> LeaseError {
    LeaseError::Corruption(format!("redis backend: {op}: {what}"))
}

/// The elements of an array reply.
pub fn array(op: &str, value: Value) -> LeaseResult<Vec<Value>> {
    match value {
        Value::Array(items) | Value::Set(items) => Ok(items),
        other => Err(corrupt(op, format!("expected an array, got {other:?}"))),
    }
}

/// A bulk string (None for nil).
pub fn bytes(op: &str, value: Value) -> LeaseResult<Option<Vec<u8>>> {
    match value {
        Value::Nil => Ok(None),
        Value::BulkString(b) => Ok(Some(b)),
        Value::SimpleString(s) => Ok(Some(s.into_bytes())),
        Value::Int(n) => Ok(Some(n.to_string().into_bytes())),
        other => Err(corrupt(op, format!("expected a string, got {other:?}"))),
    }
}

/// An integer, sent as an integer reply or as its decimal text.
pub fn integer(op: &str, value: Value) -> LeaseResult<i64> {
    match value {
        Value::Int(n) => Ok(n),
        Value::BulkString(b) => {
            std::str::from_utf8(&b).ok().and_then(|s| s.parse().ok()).ok_or_else(|| corrupt(op, "not an integer"))
        }
        other => Err(corrupt(op, format!("expected an integer, got {other:?}"))),
    }
}

/// A non-negative counter.
pub fn counter(op: &str, value: Value) -> LeaseResult<u64> {
    u64::try_from(integer(op, value)?).map_err(|_| corrupt(op, "a negative counter"))
}

/// A stored lease from its blob, version and fence.
pub fn versioned_lease(
    op: &str,
    reference: &AddressableReference,
    blob: Vec<u8>,
    version: Value,
    fence: Value,
) -> LeaseResult<VersionedLease> {
    let lease = keys::decode_lease(&keys::lease_key(reference), &blob)?;
    let version = bytes(op, version)?.ok_or_else(|| corrupt(op, format!("{reference} has no version")))?;
    let version = String::from_utf8(version).map_err(|_| corrupt(op, "a version that is not text"))?;
    Ok(VersionedLease { lease, version: LeaseVersion(version), fencing_token: counter(op, fence)? })
}

/// A `{lease, ver, fence}` triple (all nil when absent).
pub fn optional_versioned(
    op: &str,
    reference: &AddressableReference,
    mut items: std::vec::IntoIter<Value>,
) -> LeaseResult<Option<VersionedLease>> {
    let (Some(blob), Some(version), Some(fence)) = (items.next(), items.next(), items.next()) else {
        return Err(corrupt(op, "a short reply"));
    };
    match bytes(op, blob)? {
        None => Ok(None),
        Some(blob) => versioned_lease(op, reference, blob, version, fence).map(Some),
    }
}

/// The leases of an `{id, blob, ...}` reply.
pub fn lease_list(op: &str, value: Value) -> LeaseResult<Vec<AddressableLease>> {
    let items = array(op, value)?;
    if items.len() % 2 != 0 {
        return Err(corrupt(op, "an odd-length lease list"));
    }
    let mut leases = Vec::with_capacity(items.len() / 2);
    let mut items = items.into_iter();
    while let (Some(id), Some(blob)) = (items.next(), items.next()) {
        let id = bytes(op, id)?.ok_or_else(|| corrupt(op, "a nil id"))?;
        let reference =
            parse_reference_id(&id).ok_or_else(|| corrupt(op, format!("malformed id {}", keys::show_key(&id))))?;
        let blob = bytes(op, blob)?.ok_or_else(|| corrupt(op, "a nil lease"))?;
        leases.push(keys::decode_lease(&keys::lease_key(&reference), &blob)?);
    }
    Ok(leases)
}

/// A node from its blob, its id and its separately kept lease expiry.
pub fn node(op: &str, id: &str, info: Vec<u8>, exp: Value) -> LeaseResult<NodeInfo> {
    let node_id = NodeId::new(id);
    let mut node = keys::decode_node(&keys::cluster_node_key(&node_id), &info)?;
    node.lease_expires_at = integer(op, exp)?;
    Ok(node)
}

/// The nodes of an `{id, info, exp, ...}` reply.
pub fn node_list(op: &str, value: Value) -> LeaseResult<Vec<NodeInfo>> {
    let items = array(op, value)?;
    if items.len() % 3 != 0 {
        return Err(corrupt(op, "a node list of the wrong length"));
    }
    let mut nodes = Vec::with_capacity(items.len() / 3);
    let mut items = items.into_iter();
    while let (Some(id), Some(info), Some(exp)) = (items.next(), items.next(), items.next()) {
        let id = bytes(op, id)?.ok_or_else(|| corrupt(op, "a nil node id"))?;
        let id = String::from_utf8(id).map_err(|_| corrupt(op, "a node id that is not text"))?;
        let info = bytes(op, info)?.ok_or_else(|| corrupt(op, "a nil node"))?;
        nodes.push(node(op, &id, info, exp)?);
    }
    nodes.sort_by(|a, b| a.node_id.cmp(&b.node_id));
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_ids_round_trip_for_any_strings() {
        for (t, k) in [("shard", "a"), ("a:b", "c"), ("a", "b:c"), ("", ""), ("a\0", "\0é"), ("é", ":")] {
            let r = AddressableReference::new(t, k);
            assert_eq!(parse_reference_id(reference_id(&r).as_bytes()), Some(r));
        }
        assert_ne!(
            reference_id(&AddressableReference::new("a:b", "c")),
            reference_id(&AddressableReference::new("a", "b:c"))
        );
        for bad in [&b"x:y"[..], b"9:ab:c", b"1:ab", b"", b"\xff"] {
            assert_eq!(parse_reference_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn malformed_replies_are_errors_not_panics() {
        assert!(lease_list("list", Value::Int(3)).is_err());
        assert!(lease_list("list", Value::Array(vec![Value::Nil])).is_err());
        let junk = Value::Array(vec![Value::BulkString(b"1:a:b".to_vec()), Value::BulkString(vec![1, 2, 3])]);
        assert!(matches!(lease_list("list", junk), Err(LeaseError::Corruption(_))));
        assert!(node_list("nodes", Value::Array(vec![Value::Nil, Value::Nil])).is_err());
        assert!(counter("c", Value::Int(-1)).is_err());
        assert!(integer("i", Value::BulkString(b"12x".to_vec())).is_err());
    }
}
