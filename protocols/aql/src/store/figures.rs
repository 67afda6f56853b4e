//! A collection's index figures (`GET /_api/collection/{name}/figures`): per index, how
//! many entries it holds and the bytes its keys and values take in storage, counted by
//! scanning the index's key space in pages. The primary index is the [`keys::PRIMARY`]
//! space, the edge index the [`keys::EDGE_REL`] entries (the adjacency itself lives in
//! the graph model), persistent and TTL indexes their [`keys::INDEX`] entries; a geo
//! index keeps no entries of its own.

use super::keys;
use super::DocTxn;
use crate::error::AqlResult;
use orbit_storage::engine::KeyRange;
use std::ops::Bound;

const PAGE: usize = 1000;

/// One index's figures; `id` is the number in "collection/N".
#[derive(Debug, Clone, PartialEq)]
pub struct IndexFigures {
    pub id: u32,
    pub ty: &'static str,
    pub count: u64,
    pub size: u64,
}

impl DocTxn {
    async fn range_figures(&mut self, handle: &orbit_storage::TableHandle, range: KeyRange) -> AqlResult<(u64, u64)> {
        let (mut count, mut size) = (0u64, 0u64);
        let mut range = range;
        loop {
            let entries = self.tx()?.kv_scan(handle, &range, false, PAGE).await?;
            let full = entries.len() >= PAGE;
            let mut last = None;
            for (key, value) in entries {
                count += 1;
                size += (key.len() + value.len()) as u64;
                last = Some(key);
            }
            match last {
                Some(key) if full => range.start = Bound::Excluded(key),
                _ => return Ok((count, size)),
            }
        }
    }

    /// The figures of every index of `collection`, primary (and edge) first.
    pub async fn index_figures(&mut self, collection: &str) -> AqlResult<Vec<IndexFigures>> {
        let coll = self.db.collection(collection)?;
        let handle = coll.handle();
        let mut out = Vec::new();
        let (count, size) = self.range_figures(&handle, keys::space(keys::PRIMARY)).await?;
        out.push(IndexFigures { id: 0, ty: "primary", count, size });
        if coll.is_edge() {
            let (count, size) = self.range_figures(&handle, keys::space(keys::EDGE_REL)).await?;
            out.push(IndexFigures { id: 1, ty: "edge", count, size });
        }
        for def in coll.indexes().iter() {
            let (count, size) = if def.has_entries() {
                self.range_figures(&handle, KeyRange::prefix(&keys::index_prefix(def.n, &[]))).await?
            } else {
                (0, 0)
            };
            out.push(IndexFigures { id: def.n, ty: def.type_name(), count, size });
        }
        Ok(out)
    }
}
