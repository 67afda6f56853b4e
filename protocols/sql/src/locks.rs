//! Row locks: PostgreSQL's READ COMMITTED behaviour for UPDATE and DELETE.
//!
//! Storage transactions are optimistic (a write-write conflict fails the later commit
//! with 40001). PostgreSQL instead makes a second UPDATE of a row wait for the first
//! transaction to end and then apply itself to the row's newest version; pgbench's
//! tpcb-like script relies on that (every transaction updates one of a few branch rows).
//! So UPDATE and DELETE lock the rows they change until their transaction ends, and a
//! statement that had to wait, or that read rows another commit has changed since,
//! re-reads them through a fresh snapshot ([`orbit_storage::Transaction::refresh_snapshot`])
//! once it holds their locks (see `Session::execute_modify`). A wait that would close a
//! cycle answers 40P01 "deadlock detected", as PostgreSQL does.

use crate::error::{sqlstate, SqlError};
use crate::expr::compare::HashKey;
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

type LockKey = (String, Vec<HashKey>);

#[derive(Default)]
struct State {
    holder: HashMap<LockKey, u64>,
    held: HashMap<u64, Vec<LockKey>>,
    /// Who each waiting owner waits for.
    waits: HashMap<u64, u64>,
}

/// The row locks of one engine; owners are sessions ([`RowLocks::new_owner`]).
#[derive(Default)]
pub struct RowLocks {
    state: Mutex<State>,
    released: Notify,
    next_owner: AtomicU64,
}

/// What [`RowLocks::lock_all`] found.
pub struct Locked {
    /// Some lock was held by another owner and had to be waited for.
    pub waited: bool,
    /// Every key was already held by this owner before the call.
    pub all_held_before: bool,
}

impl RowLocks {
    pub fn new_owner(&self) -> u64 {
        self.next_owner.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Locks every key of `table` for `owner`, waiting for other owners to release them.
    pub async fn lock_all(
        &self,
        owner: u64,
        table: &str,
        keys: &[Vec<HashKey>],
        cancel: &AtomicBool,
    ) -> Result<Locked, SqlError> {
        let mut result = Locked { waited: false, all_held_before: true };
        let mut done: HashSet<&Vec<HashKey>> = HashSet::new();
        for key in keys {
            if !done.insert(key) {
                continue;
            }
            let lock_key = (table.to_string(), key.clone());
            loop {
                let notified = self.released.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                {
                    let mut st = self.state.lock();
                    match st.holder.get(&lock_key).copied() {
                        Some(h) if h == owner => break,
                        None => {
                            st.holder.insert(lock_key.clone(), owner);
                            st.held.entry(owner).or_default().push(lock_key.clone());
                            st.waits.remove(&owner);
                            result.all_held_before = false;
                            break;
                        }
                        Some(h) => {
                            let mut at = h;
                            for _ in 0..st.waits.len() + 1 {
                                if at == owner {
                                    st.waits.remove(&owner);
                                    return Err(SqlError::new(sqlstate::DEADLOCK_DETECTED, "deadlock detected")
                                        .with_detail(format!(
                                            "Process {owner} waits for ShareLock on a row of \"{table}\"; blocked by process {h}."
                                        )));
                                }
                                match st.waits.get(&at) {
                                    Some(&next) => at = next,
                                    None => break,
                                }
                            }
                            st.waits.insert(owner, h);
                        }
                    }
                }
                result.waited = true;
                let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
                if cancel.load(Ordering::Relaxed) {
                    self.state.lock().waits.remove(&owner);
                    return Err(SqlError::new(sqlstate::QUERY_CANCELED, "canceling statement due to user request"));
                }
            }
        }
        Ok(result)
    }

    /// Releases every lock of `owner` (its transaction ended).
    pub fn release(&self, owner: u64) {
        let mut st = self.state.lock();
        st.waits.remove(&owner);
        // Whoever waited for this owner waits for nobody until it looks again (a stale
        // edge would make this owner's next transaction see a false deadlock).
        st.waits.retain(|_, holder| *holder != owner);
        let Some(keys) = st.held.remove(&owner) else { return };
        for k in keys {
            st.holder.remove(&k);
        }
        drop(st);
        self.released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::compare::row_key;
    use orbit_storage::Value;
    use std::sync::Arc;

    #[tokio::test]
    async fn second_locker_waits_and_cycles_are_deadlocks() {
        let locks = Arc::new(RowLocks::default());
        let (a, b) = (locks.new_owner(), locks.new_owner());
        let no = AtomicBool::new(false);
        let k1 = vec![row_key(&[Value::Int(1)])];
        let k2 = vec![row_key(&[Value::Int(2)])];
        let r = locks.lock_all(a, "t", &k1, &no).await.unwrap();
        assert!(!r.waited && !r.all_held_before);
        assert!(locks.lock_all(a, "t", &k1, &no).await.unwrap().all_held_before);
        locks.lock_all(b, "t", &k2, &no).await.unwrap();
        let l2 = locks.clone();
        let k1b = k1.clone();
        let waiter = tokio::spawn(async move {
            let no = AtomicBool::new(false);
            l2.lock_all(b, "t", &k1b, &no).await.map(|r| r.waited)
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let e = locks.lock_all(a, "t", &k2, &no).await.err().unwrap();
        assert_eq!(e.code, "40P01");
        locks.release(a);
        assert!(waiter.await.unwrap().unwrap());
        // b holds k1 and k2; c waits for b; b's release clears c's edge, so b's next
        // transaction may wait for c without a false deadlock.
        let c = locks.new_owner();
        let l3 = locks.clone();
        let k1c = k1.clone();
        let third = tokio::spawn(async move {
            let no = AtomicBool::new(false);
            l3.lock_all(c, "t", &k1c, &no).await.map(|r| r.waited)
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(locks.state.lock().waits.get(&c), Some(&b));
        locks.release(b);
        assert!(locks.state.lock().waits.get(&c).is_none());
        assert!(third.await.unwrap().unwrap());
        locks.lock_all(b, "t", &k2, &no).await.unwrap();
        let l4 = locks.clone();
        let k1d = k1.clone();
        let b_again = tokio::spawn(async move {
            let no = AtomicBool::new(false);
            l4.lock_all(b, "t", &k1d, &no).await.map(|r| r.waited)
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        locks.release(c);
        assert!(b_again.await.unwrap().unwrap(), "b waited for c, no deadlock");
        locks.release(b);
        assert!(locks.state.lock().holder.is_empty());
    }
}
