//! The owner's fencing check: which token a forwarded request may carry.
//!
//! Fencing tokens only grow per shard (the lease directory gives a larger one to every
//! later acquisition). A request carrying an older token than the owner holds comes from a
//! sender with a stale placement: [`ForwardRefusal::Fenced`] tells it the current token. A
//! newer token means the shard was acquired again after this node's activation, so this
//! node no longer owns it: [`ForwardRefusal::NotOwner`].

use crate::types::ForwardRefusal;

/// Checks `carried` against the token this node holds for the shard (`None`: the shard is
/// not active here).
pub fn check_token(held: Option<u64>, carried: u64) -> Result<(), ForwardRefusal> {
    match held {
        None => Err(ForwardRefusal::NotOwner { owner: None }),
        Some(held) if carried < held => Err(ForwardRefusal::Fenced { current_token: held }),
        Some(held) if carried > held => Err(ForwardRefusal::NotOwner { owner: None }),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_tokens_are_fenced_newer_ones_mean_not_owner() {
        assert_eq!(check_token(Some(5), 5), Ok(()));
        assert_eq!(check_token(Some(5), 4), Err(ForwardRefusal::Fenced { current_token: 5 }));
        assert_eq!(check_token(Some(5), 6), Err(ForwardRefusal::NotOwner { owner: None }));
        assert_eq!(check_token(None, 1), Err(ForwardRefusal::NotOwner { owner: None }));
    }
}
