//! The one way this backend changes an object: GET it, decide, then write with the
//! resourceVersion that was read as the precondition (PUT, or DELETE with
//! preconditions), or POST when it did not exist. A 409 (someone else wrote the object,
//! or created it first) or a 404 on the write (deleted meanwhile) starts over from the
//! GET, so the decision is always taken again on what is stored now: a change to other
//! keys of a shard is merged, a change to the same key is seen and decided on, never
//! overwritten.

use super::client::{resource_version, ApiClient, Resource, WriteOutcome};
use crate::provider::{LeaseError, LeaseResult};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Attempts before a change that keeps conflicting gives up.
pub const MAX_ATTEMPTS: u32 = 200;

/// What a decision on the stored object asks for.
pub enum Step<T> {
    /// Write nothing; answer T.
    Keep(T),
    /// Store this object (its resourceVersion is set from the one read); answer T.
    Put(Value, T),
    /// Delete the object read; answer T.
    Delete(T),
}

/// Changes `name` by `decide`, called on every attempt with the object as stored.
pub async fn modify<T>(
    client: &ApiClient,
    resource: Resource,
    name: &str,
    mut decide: impl FnMut(Option<&Value>) -> LeaseResult<Step<T>>,
) -> LeaseResult<T> {
    for attempt in 0..MAX_ATTEMPTS {
        let current = client.get(resource, name).await?;
        let outcome = match decide(current.as_ref())? {
            Step::Keep(answer) => return Ok(answer),
            Step::Put(mut object, answer) => {
                let written = match current.as_ref().and_then(resource_version) {
                    None => client.create(resource, name, &object).await?,
                    Some(rv) => {
                        set_resource_version(&mut object, rv);
                        client.replace(resource, name, &object).await?
                    }
                };
                (written, answer)
            }
            Step::Delete(answer) => match current.as_ref().and_then(resource_version) {
                None => return Ok(answer),
                Some(rv) => (client.delete(resource, name, rv).await?, answer),
            },
        };
        match outcome {
            (WriteOutcome::Done(_), answer) => return Ok(answer),
            (WriteOutcome::Conflict | WriteOutcome::Missing, _) => back_off(attempt).await,
        }
    }
    Err(LeaseError::Unavailable(format!(
        "kubernetes: {} {name} kept changing under {MAX_ATTEMPTS} attempts to write it",
        resource.kind()
    )))
}

fn set_resource_version(object: &mut Value, rv: &str) {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
}

/// A short random pause growing with the attempt (at most ~32 ms), so writers that
/// collide on a shard spread out.
async fn back_off(attempt: u32) {
    static SEED: AtomicU64 = AtomicU64::new(0x2545_f491_4f6c_dd1d);
    let mut x = SEED.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    let ceiling_us = 500u64 << attempt.min(6);
    tokio::time::sleep(Duration::from_micros(x % ceiling_us)).await;
}
