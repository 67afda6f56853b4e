//! Which member serves, and how its versions and fencing tokens look from outside.
//!
//! The two members count versions and fencing tokens independently (both are often small
//! counters), so a version the primary gave out may equal an unrelated version of the
//! backup. The Composite therefore tags every version with its member (`p.` / `b.`) and
//! hands a member only its own versions: a version of the other member becomes one that
//! matches nothing, so after a failover a holder's renewal or release with a primary
//! version is refused, never applied to a backup lease that happens to share the number.
//!
//! Fencing tokens served by the backup are lifted by [`BACKUP_FENCING_BASE`], so they are
//! above every token the primary gave out (whatever history the primary had before the
//! backup was attached, and whatever fast mode failed to mirror): tokens never go
//! backwards across a failover.

use crate::provider::{AcquireOutcome, LeaseVersion, RenewOutcome, VersionedLease};

/// Added to the backup's fencing tokens (2^40: no key is acquired that often on a primary).
pub const BACKUP_FENCING_BASE: u64 = 1 << 40;

/// What a version of the other member is turned into before it reaches a member.
const FOREIGN: &str = "composite-foreign:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Primary,
    Backup,
}

impl Role {
    fn tag(self) -> &'static str {
        match self {
            Role::Primary => "p.",
            Role::Backup => "b.",
        }
    }

    fn fencing_base(self) -> u64 {
        match self {
            Role::Primary => 0,
            Role::Backup => BACKUP_FENCING_BASE,
        }
    }

    /// The member's own version for a version the Composite gave out.
    pub fn inward(self, version: &LeaseVersion) -> LeaseVersion {
        match version.0.strip_prefix(self.tag()) {
            Some(own) => LeaseVersion(own.to_string()),
            None => LeaseVersion(format!("{FOREIGN}{}", version.0)),
        }
    }

    /// A member's lease as the Composite gives it out.
    pub fn outward(self, lease: VersionedLease) -> VersionedLease {
        VersionedLease {
            version: LeaseVersion(format!("{}{}", self.tag(), lease.version.0)),
            fencing_token: lease.fencing_token.saturating_add(self.fencing_base()),
            lease: lease.lease,
        }
    }

    pub fn outward_acquire(self, outcome: AcquireOutcome) -> AcquireOutcome {
        match outcome {
            AcquireOutcome::Acquired(v) => AcquireOutcome::Acquired(self.outward(v)),
            AcquireOutcome::HeldBy(v) => AcquireOutcome::HeldBy(self.outward(v)),
        }
    }

    pub fn outward_renew(self, outcome: RenewOutcome) -> RenewOutcome {
        match outcome {
            RenewOutcome::Renewed(v) => RenewOutcome::Renewed(self.outward(v)),
            RenewOutcome::NotOwner(v) => RenewOutcome::NotOwner(v.map(|v| self.outward(v))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::lease;

    #[test]
    fn versions_of_one_member_never_reach_the_other() {
        let v = Role::Primary.outward(VersionedLease {
            lease: lease("t", "k", "n", 5),
            version: LeaseVersion("7".into()),
            fencing_token: 3,
        });
        assert_eq!((v.version.0.as_str(), v.fencing_token), ("p.7", 3));
        assert_eq!(Role::Primary.inward(&v.version), LeaseVersion("7".into()));
        assert_ne!(Role::Backup.inward(&v.version), LeaseVersion("7".into()));
        assert_ne!(Role::Backup.inward(&LeaseVersion("7".into())), LeaseVersion("7".into()));
        let b = Role::Backup.outward(VersionedLease { fencing_token: 1, ..v });
        assert_eq!(b.fencing_token, BACKUP_FENCING_BASE + 1);
        assert_eq!(Role::Backup.inward(&b.version), LeaseVersion("p.7".into()), "the tag is the backup's own");
    }
}
