//! What a session does for hnsw indexes around its transactions: it notes the indexed
//! tables a statement writes, marks their indexes for a rebuild when the transaction
//! commits (forgets them when it rolls back), and hands the executor its `hnsw.ef_search`.

use crate::catalog::TableInfo;
use crate::exec::Services;
use crate::Session;

impl Session {
    /// Notes a write to `info` (a no-op for tables without hnsw indexes).
    pub(crate) fn note_vector_write(&mut self, info: &TableInfo) {
        if info.schema.options.iter().any(|(k, v)| k.starts_with(super::hnsw::OPT_PREFIX) && !v.is_empty()) {
            self.vector_writes.insert(info.storage_name.clone());
        }
    }

    /// The open transaction ended: committed, or not.
    pub(crate) fn vector_writes_ended(&mut self, committed: bool) {
        let tables = std::mem::take(&mut self.vector_writes);
        if committed {
            for table in tables {
                self.engine.vectors.mark_changed(&table);
            }
        }
    }

    /// `hnsw.ef_search` of this session (pgvector's default 40).
    pub(crate) fn ef_search(&self) -> usize {
        self.setting_ref("hnsw.ef_search")
            .and_then(|v| super::hnsw::ef_search(v).ok())
            .unwrap_or(super::hnsw::DEFAULT_EF_SEARCH)
    }

    /// What the executor's prefetch phase reaches beyond the transaction.
    pub(crate) fn services(&self) -> Services<'_> {
        Services {
            functions: &self.engine.functions,
            vectors: &self.engine.vectors,
            storage: &self.engine.storage,
            ef_search: self.ef_search(),
        }
    }
}
