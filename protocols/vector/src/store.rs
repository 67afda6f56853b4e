//! The vectors of an index in slots: one contiguous `f32` array (slot `s` holds
//! `data[s·dim .. (s+1)·dim]`), the caller id of every slot and whether it is live.
//!
//! A removed or replaced id keeps its slot (dead) because the HNSW graph still walks
//! through it; a replacement takes a new slot. [`crate::VectorIndex`] compacts the store
//! (and rebuilds the graph) when too many slots are dead.

use std::collections::HashMap;

/// Slots of vectors; slot numbers are `u32` so graph links stay small.
#[derive(Debug, Clone)]
pub(crate) struct VectorStore {
    dim: usize,
    ids: Vec<u64>,
    live: Vec<bool>,
    data: Vec<f32>,
    slot_of: HashMap<u64, u32>,
}

impl VectorStore {
    pub fn new(dim: usize) -> Self {
        VectorStore { dim, ids: Vec::new(), live: Vec::new(), data: Vec::new(), slot_of: HashMap::new() }
    }

    /// A store from snapshot parts; `None` when the parts disagree (lengths, or a live id
    /// twice).
    pub fn from_parts(dim: usize, ids: Vec<u64>, live: Vec<bool>, data: Vec<f32>) -> Option<Self> {
        if ids.len() != live.len() || Some(data.len()) != ids.len().checked_mul(dim) || ids.len() > u32::MAX as usize {
            return None;
        }
        let mut slot_of = HashMap::new();
        for (slot, (&id, &is_live)) in ids.iter().zip(&live).enumerate() {
            if is_live && slot_of.insert(id, slot as u32).is_some() {
                return None;
            }
        }
        Some(VectorStore { dim, ids, live, data, slot_of })
    }

    /// Slots ever used, live or dead.
    pub fn slot_count(&self) -> usize {
        self.ids.len()
    }

    pub fn live_count(&self) -> usize {
        self.slot_of.len()
    }

    pub fn dead_count(&self) -> usize {
        self.ids.len() - self.slot_of.len()
    }

    /// Whether another slot can be taken (slot numbers are `u32`, `u32::MAX` is "none").
    pub fn has_room(&self) -> bool {
        self.ids.len() < (u32::MAX - 1) as usize
    }

    /// Appends a live slot for `id` (the caller has killed any earlier slot of `id`).
    pub fn push(&mut self, id: u64, vector: &[f32]) -> u32 {
        let slot = self.ids.len() as u32;
        self.ids.push(id);
        self.live.push(true);
        self.data.extend_from_slice(vector);
        self.slot_of.insert(id, slot);
        slot
    }

    /// Marks the live slot of `id` dead; its slot number, if it had one.
    pub fn kill(&mut self, id: u64) -> Option<u32> {
        let slot = self.slot_of.remove(&id)?;
        if let Some(live) = self.live.get_mut(slot as usize) {
            *live = false;
        }
        Some(slot)
    }

    pub fn slot(&self, id: u64) -> Option<u32> {
        self.slot_of.get(&id).copied()
    }

    pub fn id(&self, slot: u32) -> u64 {
        self.ids.get(slot as usize).copied().unwrap_or(u64::MAX)
    }

    pub fn is_live(&self, slot: u32) -> bool {
        self.live.get(slot as usize).copied().unwrap_or(false)
    }

    /// The vector in `slot` (empty for a slot that does not exist).
    pub fn vector(&self, slot: u32) -> &[f32] {
        let start = slot as usize * self.dim;
        self.data.get(start..start + self.dim).unwrap_or(&[])
    }

    /// `(id, vector)` of every live slot, in slot order.
    pub fn live_vectors(&self) -> impl Iterator<Item = (u64, &[f32])> + '_ {
        self.data
            .chunks_exact(self.dim.max(1))
            .zip(self.ids.iter().zip(&self.live))
            .filter(|(_, (_, live))| **live)
            .map(|(vector, (id, _))| (*id, vector))
    }

    /// The store without its dead slots, live ones kept in slot order.
    pub fn compacted(&self) -> VectorStore {
        let mut store = VectorStore::new(self.dim);
        for (id, vector) in self.live_vectors() {
            store.push(id, vector);
        }
        store
    }

    pub fn ids(&self) -> &[u64] {
        &self.ids
    }

    pub fn live_flags(&self) -> &[bool] {
        &self.live
    }

    pub fn data(&self) -> &[f32] {
        &self.data
    }
}
