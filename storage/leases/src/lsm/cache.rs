//! A block cache shared by every table of a store: decoded data blocks by
//! (table number, block index), least recently used evicted first, bounded in bytes.
//! Hits and misses feed `RecordStore::cache_stats`.

use super::memtable::Entry;
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub(crate) type Block = Arc<Vec<Entry>>;
type BlockId = (u64, u32);

struct Slot {
    block: Block,
    bytes: usize,
    tick: u64,
}

#[derive(Default)]
struct Lru {
    slots: HashMap<BlockId, Slot>,
    by_tick: BTreeMap<u64, BlockId>,
    bytes: usize,
    tick: u64,
}

pub(crate) struct BlockCache {
    capacity: usize,
    lru: Mutex<Lru>,
}

pub(crate) fn block_bytes(block: &[Entry]) -> usize {
    block.iter().map(|(k, v)| k.len() + v.as_ref().map_or(0, Vec::len) + 48).sum()
}

impl BlockCache {
    /// A cache holding at most `capacity` bytes of decoded blocks (0: caches nothing).
    pub(crate) fn new(capacity: usize) -> Self {
        BlockCache { capacity, lru: Mutex::new(Lru::default()) }
    }

    pub(crate) fn get(&self, id: BlockId) -> Option<Block> {
        let mut lru = self.lru.lock();
        lru.tick += 1;
        let tick = lru.tick;
        let slot = lru.slots.get_mut(&id)?;
        let old = std::mem::replace(&mut slot.tick, tick);
        let block = slot.block.clone();
        lru.by_tick.remove(&old);
        lru.by_tick.insert(tick, id);
        Some(block)
    }

    pub(crate) fn insert(&self, id: BlockId, block: Block) {
        let bytes = block_bytes(&block);
        if bytes > self.capacity / 4 {
            return;
        }
        let mut lru = self.lru.lock();
        lru.tick += 1;
        let tick = lru.tick;
        if let Some(old) = lru.slots.insert(id, Slot { block, bytes, tick }) {
            lru.by_tick.remove(&old.tick);
            lru.bytes -= old.bytes;
        }
        lru.by_tick.insert(tick, id);
        lru.bytes += bytes;
        while lru.bytes > self.capacity {
            let Some((_, victim)) = lru.by_tick.pop_first() else { break };
            if let Some(slot) = lru.slots.remove(&victim) {
                lru.bytes -= slot.bytes;
            }
        }
    }

    /// Forgets the blocks of a table that is no longer live.
    pub(crate) fn evict_table(&self, table: u64) {
        let mut lru = self.lru.lock();
        let ids: Vec<BlockId> = lru.slots.keys().filter(|(t, _)| *t == table).copied().collect();
        for id in ids {
            if let Some(slot) = lru.slots.remove(&id) {
                lru.by_tick.remove(&slot.tick);
                lru.bytes -= slot.bytes;
            }
        }
    }
}
