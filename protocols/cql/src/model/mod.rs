//! The wide-column model over `TableStorage`: values and their native encoding
//! ([`value`], [`native`]), order-preserving keys and Murmur3 tokens ([`keys`],
//! [`murmur3`]), the schema catalog ([`catalog`], stored as [`schema_codec`]), and
//! Cassandra's cell storage semantics: where cells live ([`space`], [`cells`]), writes
//! ([`store`]), reads and paging ([`read`]), lightweight transactions ([`lwt`]) and
//! secondary indexes ([`index`]); roles of CREATE ROLE ([`roles`]). Everything lives in one storage table's raw keyspace
//! and every write of a statement or BATCH is one storage transaction.

pub mod catalog;
pub mod cells;
pub mod codec;
pub mod index;
pub mod keys;
pub mod lwt;
pub mod murmur3;
pub mod native;
pub mod read;
pub mod roles;
pub mod schema_codec;
pub mod space;
pub mod store;
pub mod value;

pub use catalog::Catalog;
pub use read::{ColumnData, Page, Position, RowData, Slice};
pub use store::{ColumnOp, ColumnWrite, Mutation, MutationOp, Store, WriteBatch};
pub use value::CqlValue;

use crate::error::CqlResult;
use orbit_storage::TableStorage;
use std::sync::Arc;

/// The catalog and the cell store of one CQL storage.
pub struct Model {
    pub catalog: Arc<Catalog>,
    pub store: Store,
}

impl Model {
    /// Opens (or creates) the CQL storage's catalog and store.
    pub async fn open(storage: Arc<dyn TableStorage>) -> CqlResult<Model> {
        let catalog = Catalog::open(storage.clone()).await?;
        let store = Store::new(storage, catalog.handle().clone());
        Ok(Model { catalog, store })
    }

    /// DROP TABLE and the removal of its cells; `false` when it did not exist and
    /// `if_exists` was given.
    pub async fn drop_table(&self, keyspace: &str, name: &str, if_exists: bool) -> CqlResult<bool> {
        match self.catalog.drop_table(keyspace, name, if_exists).await? {
            Some(table) => {
                self.store.purge_table(&table.id).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// DROP KEYSPACE and the removal of its tables' cells.
    pub async fn drop_keyspace(&self, name: &str, if_exists: bool) -> CqlResult<bool> {
        match self.catalog.drop_keyspace(name, if_exists).await? {
            Some(tables) => {
                for table in tables {
                    self.store.purge_table(&table.id).await?;
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// TRUNCATE: removes every cell of the table.
    pub async fn truncate(&self, keyspace: &str, name: &str) -> CqlResult<()> {
        let table = self
            .catalog
            .table(keyspace, name)
            .ok_or_else(|| crate::error::CqlError::invalid(format!("Table '{keyspace}.{name}' doesn't exist")))?;
        self.store.purge_table(&table.id).await?;
        Ok(())
    }
}

#[cfg(test)]
mod store_tests;
