//! How a compare-and-swap decided by the primary reaches the backup.
//!
//! The mirror does not replay the caller's write: it copies the primary's state of the
//! key as it is after that write, and writes it to the backup by compare-and-swap on the
//! backup's version read before the primary was read (a try_acquire expecting that
//! version, or a release of it). When another mirror of the key (another process's, on
//! a shared backup) wrote meanwhile, the swap fails and the copy starts again from fresh
//! reads. So a slow mirror never leaves an older state of the key on the backup after a
//! newer one, and when a strict-mode write returns, the backup holds the key's state of
//! that moment or a later one.

use crate::provider::{AcquireOutcome, AddressableReference, LeaseError, LeaseResult};
use crate::registry::LeaseBackend;

/// Attempts before a copy gives up (each failed one means another mirror wrote the key).
const ROUNDS: usize = 8;

/// Copies the primary's state of `reference` to the backup.
pub async fn copy_key(primary: LeaseBackend, backup: LeaseBackend, reference: AddressableReference) -> LeaseResult<()> {
    for _ in 0..ROUNDS {
        let seen = backup.addressable.get_versioned_lease(&reference).await?;
        let current = primary.addressable.get_versioned_lease(&reference).await?;
        let copied = match (current, seen) {
            (None, None) => true,
            (Some(p), Some(b)) if p.lease == b.lease => true,
            (Some(p), seen) => matches!(
                backup.addressable.try_acquire(&p.lease, seen.as_ref().map(|b| &b.version)).await?,
                AcquireOutcome::Acquired(_)
            ),
            (None, Some(b)) => backup.addressable.release_if_owner(&reference, &b.version).await?,
        };
        if copied {
            return Ok(());
        }
    }
    Err(LeaseError::Unavailable(format!(
        "composite: the backup's copy of {reference} changed {ROUNDS} times while it was being mirrored"
    )))
}
