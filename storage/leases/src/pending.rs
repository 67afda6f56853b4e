//! TEMPORARY stand-in for the `cow_btree` module while it is being written: the same
//! type names and configuration fields, and `open` answers
//! [`LeaseError::NotSupported`]. Removed as soon as the real module lands.

pub mod cow_btree {
    use crate::provider::{LeaseError, LeaseResult};
    use crate::store::{RecordOp, RecordStore};
    use serde::Deserialize;
    use std::path::PathBuf;

    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct CowBTreeConfig {
        pub data_dir: PathBuf,
        pub max_keys_per_node: usize,
        pub wal_buffer_size: usize,
        pub snapshot_interval: u64,
        pub sync_writes: bool,
    }

    impl Default for CowBTreeConfig {
        fn default() -> Self {
            CowBTreeConfig {
                data_dir: PathBuf::from("data/leases/cow_btree"),
                max_keys_per_node: 64,
                wal_buffer_size: 1 << 20,
                snapshot_interval: 1000,
                sync_writes: false,
            }
        }
    }

    impl CowBTreeConfig {
        pub fn validate(&self) -> LeaseResult<()> {
            Ok(())
        }
    }

    pub struct CowBTreeStore;

    impl CowBTreeStore {
        pub fn open(_config: CowBTreeConfig) -> LeaseResult<Self> {
            Err(LeaseError::NotSupported("the cow_btree persistence backend".into()))
        }
    }

    impl RecordStore for CowBTreeStore {
        fn backend_name(&self) -> &'static str {
            "cow_btree"
        }
        fn get(&self, _: &[u8]) -> LeaseResult<Option<Vec<u8>>> {
            Err(LeaseError::NotSupported("cow_btree".into()))
        }
        fn scan_prefix(&self, _: &[u8]) -> LeaseResult<Vec<(Vec<u8>, Vec<u8>)>> {
            Err(LeaseError::NotSupported("cow_btree".into()))
        }
        fn apply(&self, _: &[RecordOp]) -> LeaseResult<()> {
            Err(LeaseError::NotSupported("cow_btree".into()))
        }
        fn flush(&self) -> LeaseResult<()> {
            Ok(())
        }
    }
}
