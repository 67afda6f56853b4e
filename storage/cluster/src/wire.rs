//! The protobuf messages of the node RPC, derived by hand (no .proto build step), and
//! their conversions to the crate's types with every field validated.
//!
//! The service, in .proto form (package `orbit.cluster.v1`):
//!
//! ```text
//! service NodeRpc { rpc Forward(ForwardRequest) returns (ForwardResponse); }
//! message ShardRef { string addressable_type = 1; string key = 2; }
//! message ForwardRequest { ShardRef shard = 1; uint64 fencing_token = 2; string protocol = 3; bytes payload = 4; }
//! message ForwardResponse { oneof outcome { Reply reply = 1; NotOwner not_owner = 2; Fenced fenced = 3; Failed failed = 4; } }
//! message Reply { bytes payload = 1; }
//! message NotOwner { string owner_node_id = 1; string owner_rpc_address = 2; }  // empty: owner unknown
//! message Fenced { uint64 current_token = 1; }
//! message Failed { string message = 1; }
//! ```
//!
//! Transport-level problems (a malformed or oversize message, an unknown method) are gRPC
//! statuses, not outcomes.

use crate::config::{MAX_ADDRESSABLE_TYPE_LEN, MAX_NODE_FIELD_LEN, MAX_PROTOCOL_LEN, MAX_SHARD_KEY_LEN};
use crate::error::ClusterError;
use crate::types::{ForwardRefusal, ForwardRequest, OwnerHint, ShardRef};
use bytes::Bytes;

/// The HTTP/2 path of the Forward method.
pub const FORWARD_PATH: &str = "/orbit.cluster.v1.NodeRpc/Forward";

#[derive(Clone, PartialEq, prost::Message)]
pub struct ShardRefMessage {
    #[prost(string, tag = "1")]
    pub addressable_type: String,
    #[prost(string, tag = "2")]
    pub key: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ForwardRequestMessage {
    #[prost(message, optional, tag = "1")]
    pub shard: Option<ShardRefMessage>,
    #[prost(uint64, tag = "2")]
    pub fencing_token: u64,
    #[prost(string, tag = "3")]
    pub protocol: String,
    #[prost(bytes = "bytes", tag = "4")]
    pub payload: Bytes,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ForwardResponseMessage {
    #[prost(oneof = "Outcome", tags = "1, 2, 3, 4")]
    pub outcome: Option<Outcome>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Outcome {
    #[prost(message, tag = "1")]
    Reply(ReplyMessage),
    #[prost(message, tag = "2")]
    NotOwner(NotOwnerMessage),
    #[prost(message, tag = "3")]
    Fenced(FencedMessage),
    #[prost(message, tag = "4")]
    Failed(FailedMessage),
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ReplyMessage {
    #[prost(bytes = "bytes", tag = "1")]
    pub payload: Bytes,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct NotOwnerMessage {
    #[prost(string, tag = "1")]
    pub owner_node_id: String,
    #[prost(string, tag = "2")]
    pub owner_rpc_address: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct FencedMessage {
    #[prost(uint64, tag = "1")]
    pub current_token: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct FailedMessage {
    #[prost(string, tag = "1")]
    pub message: String,
}

fn check_len(field: &str, value: &str, limit: usize) -> Result<(), ClusterError> {
    if value.len() > limit {
        return Err(ClusterError::InvalidMessage(format!("{field} is {} bytes, the limit is {limit}", value.len())));
    }
    Ok(())
}

/// Checks a shard reference's fields against their limits.
pub fn validate_shard(shard: &ShardRef) -> Result<(), ClusterError> {
    if shard.addressable_type.is_empty() {
        return Err(ClusterError::InvalidMessage("empty addressable type".into()));
    }
    check_len("addressable type", &shard.addressable_type, MAX_ADDRESSABLE_TYPE_LEN)?;
    check_len("shard key", &shard.key, MAX_SHARD_KEY_LEN)
}

/// Checks a request's fields (not its payload: the message size limit bounds that).
pub fn validate_request(request: &ForwardRequest) -> Result<(), ClusterError> {
    validate_shard(&request.shard)?;
    check_len("protocol", &request.protocol, MAX_PROTOCOL_LEN)
}

impl From<&ForwardRequest> for ForwardRequestMessage {
    fn from(request: &ForwardRequest) -> Self {
        ForwardRequestMessage {
            shard: Some(ShardRefMessage {
                addressable_type: request.shard.addressable_type.clone(),
                key: request.shard.key.clone(),
            }),
            fencing_token: request.fencing_token,
            protocol: request.protocol.clone(),
            payload: request.payload.clone(),
        }
    }
}

impl TryFrom<ForwardRequestMessage> for ForwardRequest {
    type Error = ClusterError;

    fn try_from(message: ForwardRequestMessage) -> Result<Self, ClusterError> {
        let shard = message.shard.ok_or_else(|| ClusterError::InvalidMessage("no shard".into()))?;
        let request = ForwardRequest {
            shard: ShardRef { addressable_type: shard.addressable_type, key: shard.key },
            fencing_token: message.fencing_token,
            protocol: message.protocol,
            payload: message.payload,
        };
        validate_request(&request)?;
        Ok(request)
    }
}

impl From<Result<Bytes, ForwardRefusal>> for ForwardResponseMessage {
    fn from(outcome: Result<Bytes, ForwardRefusal>) -> Self {
        let outcome = match outcome {
            Ok(payload) => Outcome::Reply(ReplyMessage { payload }),
            Err(ForwardRefusal::NotOwner { owner }) => {
                let owner = owner.unwrap_or(OwnerHint { node_id: String::new(), rpc_address: String::new() });
                Outcome::NotOwner(NotOwnerMessage {
                    owner_node_id: owner.node_id,
                    owner_rpc_address: owner.rpc_address,
                })
            }
            Err(ForwardRefusal::Fenced { current_token }) => Outcome::Fenced(FencedMessage { current_token }),
            Err(ForwardRefusal::Failed(message)) => Outcome::Failed(FailedMessage { message }),
        };
        ForwardResponseMessage { outcome: Some(outcome) }
    }
}

impl TryFrom<ForwardResponseMessage> for Result<Bytes, ForwardRefusal> {
    type Error = ClusterError;

    fn try_from(message: ForwardResponseMessage) -> Result<Self, ClusterError> {
        match message.outcome {
            None => Err(ClusterError::InvalidMessage("reply without an outcome".into())),
            Some(Outcome::Reply(reply)) => Ok(Ok(reply.payload)),
            Some(Outcome::NotOwner(not_owner)) => {
                check_len("owner node id", &not_owner.owner_node_id, MAX_NODE_FIELD_LEN)?;
                check_len("owner rpc address", &not_owner.owner_rpc_address, MAX_NODE_FIELD_LEN)?;
                let owner = (!not_owner.owner_node_id.is_empty() && !not_owner.owner_rpc_address.is_empty()).then_some(
                    OwnerHint { node_id: not_owner.owner_node_id, rpc_address: not_owner.owner_rpc_address },
                );
                Ok(Err(ForwardRefusal::NotOwner { owner }))
            }
            Some(Outcome::Fenced(fenced)) => Ok(Err(ForwardRefusal::Fenced { current_token: fenced.current_token })),
            Some(Outcome::Failed(failed)) => Ok(Err(ForwardRefusal::Failed(failed.message))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn request() -> ForwardRequest {
        ForwardRequest {
            shard: ShardRef::new("redis", "s3"),
            fencing_token: 7,
            protocol: "resp".into(),
            payload: Bytes::from_static(b"GET k"),
        }
    }

    #[test]
    fn request_round_trips_through_protobuf() {
        let encoded = ForwardRequestMessage::from(&request()).encode_to_vec();
        let decoded = ForwardRequestMessage::decode(encoded.as_slice()).expect("decode");
        assert_eq!(ForwardRequest::try_from(decoded).expect("valid"), request());
    }

    #[test]
    fn every_outcome_round_trips() {
        let outcomes: Vec<Result<Bytes, ForwardRefusal>> = vec![
            Ok(Bytes::from_static(b"+OK")),
            Err(ForwardRefusal::NotOwner { owner: None }),
            Err(ForwardRefusal::NotOwner { owner: Some(OwnerHint { node_id: "b".into(), rpc_address: "h:1".into() }) }),
            Err(ForwardRefusal::Fenced { current_token: 9 }),
            Err(ForwardRefusal::Failed("boom".into())),
        ];
        for outcome in outcomes {
            let encoded = ForwardResponseMessage::from(outcome.clone()).encode_to_vec();
            let decoded = ForwardResponseMessage::decode(encoded.as_slice()).expect("decode");
            let back: Result<Bytes, ForwardRefusal> = decoded.try_into().expect("valid");
            assert_eq!(back, outcome);
        }
    }

    #[test]
    fn missing_or_oversize_fields_are_refused() {
        let mut message = ForwardRequestMessage::from(&request());
        message.shard = None;
        assert!(matches!(ForwardRequest::try_from(message), Err(ClusterError::InvalidMessage(_))));
        let mut long = request();
        long.protocol = "p".repeat(MAX_PROTOCOL_LEN + 1);
        assert!(matches!(validate_request(&long), Err(ClusterError::InvalidMessage(_))));
        let mut empty = request();
        empty.shard.addressable_type.clear();
        assert!(validate_request(&empty).is_err());
        let no_outcome: Result<Result<Bytes, ForwardRefusal>, _> = ForwardResponseMessage { outcome: None }.try_into();
        assert!(no_outcome.is_err());
    }

    #[test]
    fn garbage_bytes_do_not_decode_into_a_request() {
        for garbage in
            [&b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"[..], b"\x0a\x80\x80\x80\x80\x10", b"\x22\x05ab"]
        {
            assert!(ForwardRequestMessage::decode(garbage).is_err(), "{garbage:?}");
        }
    }
}
