//! A version: the live tables of every level at one moment. Versions are immutable and
//! shared (`Arc`); a flush or compaction builds the next one and swaps it in, so a
//! reader holding an older version keeps reading its (still open) tables undisturbed.

use super::sstable::Table;
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub(crate) struct Version {
    /// Level 0 oldest first (tables may overlap); deeper levels in ascending key order,
    /// non-overlapping.
    pub levels: Vec<Vec<Arc<Table>>>,
}

impl Version {
    pub(crate) fn empty(levels: usize) -> Self {
        Version { levels: vec![Vec::new(); levels] }
    }

    pub(crate) fn manifest_levels(&self) -> Vec<Vec<u64>> {
        self.levels.iter().map(|l| l.iter().map(|t| t.number).collect()).collect()
    }

    pub(crate) fn level_bytes(&self, level: usize) -> u64 {
        self.levels.get(level).map_or(0, |l| l.iter().map(|t| t.file_size).sum())
    }

    pub(crate) fn last_level(&self) -> usize {
        self.levels.len().saturating_sub(1)
    }

    /// This version with a freshly flushed table as the newest of level 0.
    pub(crate) fn with_level0(&self, table: Arc<Table>) -> Version {
        let mut next = self.clone();
        next.levels[0].push(table);
        next
    }

    /// This version with `removed` gone from `level` and `level + 1`, and `added` in
    /// `level + 1`.
    pub(crate) fn with_compaction(&self, level: usize, removed: &HashSet<u64>, added: Vec<Arc<Table>>) -> Version {
        let mut next = self.clone();
        for l in [level, level + 1] {
            next.levels[l].retain(|t| !removed.contains(&t.number));
        }
        next.levels[level + 1].extend(added);
        next.levels[level + 1].sort_by(|a, b| a.smallest.cmp(&b.smallest));
        next
    }

    pub(crate) fn numbers(&self) -> HashSet<u64> {
        self.levels.iter().flatten().map(|t| t.number).collect()
    }
}
