//! Cluster nodes as coordination.k8s.io/v1 Lease objects, one per node:
//! `<config_map_name>-node-<id>` (the id escaped to a DNS name), with `spec.holderIdentity`
//! the node id, `spec.renewTime` the time of the write and `spec.leaseDurationSeconds`
//! what is left of the node's lease then (at least 1: the API server refuses 0), so
//! `kubectl get leases` shows who is alive. The whole [`NodeInfo`] (address, status,
//! capabilities, exact expiry in milliseconds) is the annotation [`NODE_ANNOTATION`],
//! which is what the directory reads back.

use super::shards::{escape, DIRECTORY_LABEL, MANAGED_BY_LABEL, ROLE_LABEL};
use crate::provider::{now_millis, LeaseError, LeaseResult, NodeId, NodeInfo};
use serde_json::{json, Value};

pub const NODE_ANNOTATION: &str = "orbit.io/node";

/// The longest object name the API server accepts.
const MAX_NAME: usize = 253;

/// The Lease name of a node.
pub fn node_object_name(prefix: &str, node_id: &NodeId) -> LeaseResult<String> {
    let escaped = escape(&node_id.0, true);
    let name = if escaped.is_empty() { format!("{prefix}-node") } else { format!("{prefix}-node-{escaped}") };
    if name.len() > MAX_NAME {
        return Err(LeaseError::Backend(format!(
            "kubernetes: the node id {node_id} is too long for a Lease name ({} > {MAX_NAME} characters escaped)",
            name.len()
        )));
    }
    Ok(name)
}

/// The Lease object of `node` (to POST, or to PUT over `existing` keeping its metadata).
pub fn node_object(
    name: &str,
    namespace: &str,
    directory: &str,
    node: &NodeInfo,
    existing: Option<&Value>,
) -> LeaseResult<Value> {
    let info = serde_json::to_string(node)
        .map_err(|e| LeaseError::Backend(format!("kubernetes: cannot encode node {}: {e}", node.node_id)))?;
    let now = now_millis();
    let left_secs = node.lease_expires_at.saturating_sub(now).saturating_add(999) / 1000;
    let spec = json!({
        "holderIdentity": node.node_id.0,
        "leaseDurationSeconds": left_secs.clamp(1, i64::from(i32::MAX)),
        "renewTime": micro_time(now),
    });
    let mut object = match existing {
        Some(existing) => existing.clone(),
        None => json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": { DIRECTORY_LABEL: directory, ROLE_LABEL: "node", MANAGED_BY_LABEL: "orbit" },
            },
        }),
    };
    let Some(map) = object.as_object_mut() else {
        return Err(LeaseError::Corruption(format!("kubernetes: Lease {name} is not an object")));
    };
    map.insert("spec".into(), spec);
    let metadata = map.entry("metadata").or_insert_with(|| json!({}));
    let Some(metadata) = metadata.as_object_mut() else {
        return Err(LeaseError::Corruption(format!("kubernetes: Lease {name}: metadata is not an object")));
    };
    let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
    if !annotations.is_object() {
        *annotations = json!({});
    }
    if let Some(a) = annotations.as_object_mut() {
        a.insert(NODE_ANNOTATION.into(), Value::String(info));
    }
    Ok(object)
}

/// The node a Lease object holds.
pub fn decode_node(object: &Value) -> LeaseResult<NodeInfo> {
    let name = super::client::object_name(object).unwrap_or("?");
    let text = object
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(NODE_ANNOTATION))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            LeaseError::Corruption(format!("kubernetes: Lease {name} has no {NODE_ANNOTATION} annotation"))
        })?;
    serde_json::from_str(text).map_err(|e| {
        LeaseError::Corruption(format!("kubernetes: Lease {name}: {NODE_ANNOTATION} does not decode: {e}"))
    })
}

/// A Kubernetes MicroTime ("2006-01-02T15:04:05.000000Z") for unix milliseconds.
pub fn micro_time(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z", rem / 3600, rem % 3600 / 60, rem % 60, ms * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::NodeStatus;

    #[test]
    fn micro_times() {
        assert_eq!(micro_time(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(micro_time(951_782_400_123), "2000-02-29T00:00:00.123000Z");
        assert_eq!(micro_time(1_798_761_599_000), "2026-12-31T23:59:59.000000Z");
    }

    #[test]
    fn node_names_are_dns_names_and_distinct() {
        let names: Vec<String> = ["n1", "N1", "node\0one", "a-b", ""]
            .iter()
            .map(|id| node_object_name("orbit-data", &NodeId::new(*id)).expect("name"))
            .collect();
        for name in &names {
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{name}");
            assert!(name.as_bytes().last().is_some_and(u8::is_ascii_alphanumeric), "{name}");
        }
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn a_node_round_trips_through_its_lease() {
        let node = NodeInfo {
            node_id: NodeId::new("n1"),
            address: "10.0.0.1:7000".into(),
            status: NodeStatus::Draining,
            capabilities: vec!["shard".into()],
            started_at: 5,
            lease_expires_at: i64::MAX / 2,
        };
        let object = node_object("orbit-data-node-n1", "orbit", "orbit-data", &node, None).expect("object");
        assert_eq!(decode_node(&object).expect("decode"), node);
        assert_eq!(object["spec"]["holderIdentity"], "n1");
        assert_eq!(object["spec"]["leaseDurationSeconds"], i64::from(i32::MAX));
    }
}
