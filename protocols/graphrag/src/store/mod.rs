//! The storage layout of knowledge graphs in the GraphRAG instance: [`keys`] says where
//! each row lives, [`records`] how it is encoded (with [`codec`]); the knowledge graph
//! itself is an orbit-graph graph in its own table. [`Store`] resolves the engine's table
//! once and reads typed rows inside a caller's transaction.

pub mod codec;
pub mod keys;
pub mod records;

use crate::error::GraphRagResult;
use orbit_storage::engine::{KeyRange, KvPair};
use orbit_storage::{ColumnDef, DataType, StorageError, TableDef, TableHandle, TableStorage, Transaction};
use records::{ChunkRecord, DocRecord, EntityRecord, KgRecord, PairRecord};
use std::ops::Bound;
use std::sync::Arc;

/// Pairs one scan call reads.
const SCAN_PAGE: usize = 1024;

/// The engine's raw-keyspace table.
#[derive(Clone)]
pub struct Store {
    pub storage: Arc<dyn TableStorage>,
    pub handle: TableHandle,
}

impl Store {
    /// Resolves the table, creating it when missing.
    pub async fn open(storage: Arc<dyn TableStorage>) -> GraphRagResult<Store> {
        if storage.table_schema(keys::TABLE).await?.is_none() {
            let def = TableDef::new(keys::TABLE)
                .column(ColumnDef::new("entry", DataType::Bytes).not_null())
                .primary_key(&["entry"]);
            match storage.create_table(&def).await {
                Ok(_) | Err(StorageError::TableExists(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let handle = storage.table_handle(keys::TABLE).await?;
        Ok(Store { storage, handle })
    }

    pub async fn get(&self, tx: &mut dyn Transaction, key: &[u8]) -> GraphRagResult<Option<Vec<u8>>> {
        Ok(tx.kv_get(&self.handle, key).await?)
    }

    pub async fn put(&self, tx: &mut dyn Transaction, key: &[u8], value: Vec<u8>) -> GraphRagResult<()> {
        Ok(tx.kv_put(&self.handle, key, value).await?)
    }

    pub async fn delete(&self, tx: &mut dyn Transaction, key: &[u8]) -> GraphRagResult<()> {
        Ok(tx.kv_delete(&self.handle, key).await?)
    }

    /// Every pair of `range`, read a page at a time.
    pub async fn scan(&self, tx: &mut dyn Transaction, range: KeyRange) -> GraphRagResult<Vec<KvPair>> {
        self.scan_limit(tx, range, usize::MAX).await
    }

    /// At most `limit` pairs of `range`, read a page at a time.
    pub async fn scan_limit(
        &self,
        tx: &mut dyn Transaction,
        mut range: KeyRange,
        limit: usize,
    ) -> GraphRagResult<Vec<KvPair>> {
        let mut out = Vec::new();
        while out.len() < limit {
            let page = SCAN_PAGE.min(limit - out.len());
            let batch = tx.kv_scan(&self.handle, &range, false, page).await?;
            let done = batch.len() < page;
            if let Some((last, _)) = batch.last() {
                range.start = Bound::Excluded(last.clone());
            }
            out.extend(batch);
            if done {
                break;
            }
        }
        Ok(out)
    }

    pub async fn kg(&self, tx: &mut dyn Transaction, name: &str) -> GraphRagResult<Option<KgRecord>> {
        self.get(tx, &keys::catalog(name)).await?.map(|b| KgRecord::decode(&b)).transpose()
    }

    pub async fn put_kg(&self, tx: &mut dyn Transaction, name: &str, rec: &KgRecord) -> GraphRagResult<()> {
        self.put(tx, &keys::catalog(name), rec.encode()).await
    }

    pub async fn doc(&self, tx: &mut dyn Transaction, kg: u32, doc_id: &str) -> GraphRagResult<Option<DocRecord>> {
        self.get(tx, &keys::doc(kg, doc_id)).await?.map(|b| DocRecord::decode(&b)).transpose()
    }

    pub async fn chunk(&self, tx: &mut dyn Transaction, kg: u32, number: u64) -> GraphRagResult<Option<ChunkRecord>> {
        self.get(tx, &keys::chunk(kg, number)).await?.map(|b| ChunkRecord::decode(&b)).transpose()
    }

    pub async fn entity(&self, tx: &mut dyn Transaction, kg: u32, key: &str) -> GraphRagResult<Option<EntityRecord>> {
        self.get(tx, &keys::entity(kg, key)).await?.map(|b| EntityRecord::decode(&b)).transpose()
    }

    pub async fn pair(
        &self,
        tx: &mut dyn Transaction,
        kg: u32,
        a: &str,
        b: &str,
    ) -> GraphRagResult<Option<PairRecord>> {
        self.get(tx, &keys::pair(kg, a, b)).await?.map(|b| PairRecord::decode(&b)).transpose()
    }
}
