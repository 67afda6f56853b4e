//! Sends a shard's request to wherever the shard is active: the local handler when this
//! node owns it, the owner's RPC server otherwise.
//!
//! The placement comes from the [`PlacementCache`]. A NotOwner or Fenced refusal drops the
//! entry, looks the owner up again and retries with the fresh placement (at most
//! `max_attempts` sends in all); when the fresh lookup gives the same placement that just
//! refused, the refusal is the answer ([`ClusterError::Refused`]). A failed forward drops
//! the entry too; it is retried only when the request cannot have reached the owner (the
//! connection was refused) and the owner has changed: a request that may have run is
//! never sent twice.

use crate::client::{ForwardOutcome, RpcClient};
use crate::error::{ClusterError, ClusterResult};
use crate::placement::{Placement, PlacementCache};
use crate::server::ShardHandler;
use crate::types::{ForwardRefusal, ForwardRequest, ShardRef};
use bytes::Bytes;
use std::sync::Arc;

/// Sends at most this many times per request by default.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

pub struct Router {
    local_node_id: String,
    local: Arc<dyn ShardHandler>,
    placements: Arc<PlacementCache>,
    client: Arc<RpcClient>,
    max_attempts: u32,
}

impl Router {
    pub fn new(
        local_node_id: impl Into<String>,
        local: Arc<dyn ShardHandler>,
        placements: Arc<PlacementCache>,
        client: Arc<RpcClient>,
    ) -> Self {
        Router { local_node_id: local_node_id.into(), local, placements, client, max_attempts: DEFAULT_MAX_ATTEMPTS }
    }

    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn placements(&self) -> &Arc<PlacementCache> {
        &self.placements
    }

    /// Runs `payload` (a `protocol` request) on the shard's owner and returns its reply.
    pub async fn dispatch(&self, shard: &ShardRef, protocol: &str, payload: Bytes) -> ClusterResult<Bytes> {
        let mut placement = self.placements.get(shard).await?;
        let mut attempt = 1;
        loop {
            let request = ForwardRequest {
                shard: shard.clone(),
                fencing_token: placement.fencing_token,
                protocol: protocol.to_string(),
                payload: payload.clone(),
            };
            let failure = match self.send(&placement, &request).await {
                Ok(Ok(reply)) => return Ok(reply),
                Ok(Err(refusal @ ForwardRefusal::Failed(_))) => {
                    return Err(ClusterError::Refused { shard: shard.clone(), refusal })
                }
                Ok(Err(refusal)) => Failure::Refused(refusal),
                // The request itself is at fault, not the placement.
                Err(error @ (ClusterError::MessageTooLarge { .. } | ClusterError::InvalidMessage(_))) => {
                    return Err(error)
                }
                Err(error) => Failure::Error(error),
            };
            if attempt >= self.max_attempts || !failure.may_retry() {
                self.placements.invalidate_placement(shard, &placement);
                return Err(failure.into_error(shard));
            }
            let Ok(fresh) = self.placements.refresh_after(shard, &placement).await else {
                self.placements.invalidate_placement(shard, &placement);
                return Err(failure.into_error(shard));
            };
            let changed = match &failure {
                Failure::Refused(_) => fresh != placement,
                Failure::Error(_) => fresh.node_id != placement.node_id,
            };
            if !changed {
                if matches!(failure, Failure::Error(_)) {
                    // The directory still names the unreachable node: keep it out of the cache.
                    self.placements.invalidate_placement(shard, &fresh);
                }
                return Err(failure.into_error(shard));
            }
            tracing::debug!(%shard, from = %placement.node_id, to = %fresh.node_id, "cluster: placement changed, retrying");
            placement = fresh;
            attempt += 1;
        }
    }

    async fn send(&self, placement: &Placement, request: &ForwardRequest) -> ClusterResult<ForwardOutcome> {
        if placement.node_id == self.local_node_id {
            let outcome = self
                .local
                .handle(&request.shard, request.fencing_token, &request.protocol, request.payload.clone())
                .await;
            return Ok(outcome);
        }
        self.client.forward(&placement.rpc_address, request).await
    }
}

/// Why one send did not bring a reply.
enum Failure {
    Refused(ForwardRefusal),
    Error(ClusterError),
}

impl Failure {
    /// Refusals are retried on a new placement; of the errors only a refused connection,
    /// which the request cannot have crossed.
    fn may_retry(&self) -> bool {
        matches!(self, Failure::Refused(_) | Failure::Error(ClusterError::Connect { .. }))
    }

    fn into_error(self, shard: &ShardRef) -> ClusterError {
        match self {
            Failure::Refused(refusal) => ClusterError::Refused { shard: shard.clone(), refusal },
            Failure::Error(error) => error,
        }
    }
}
