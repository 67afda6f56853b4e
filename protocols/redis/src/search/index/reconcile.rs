//! Bringing an index back from a snapshot [`Image`] at start, with the keyspace as the
//! truth. [`Restoring::new`] takes the snapshot's vector indexes (the HNSW graphs as they
//! were: nothing is re-inserted) after checking they match the definition; then every
//! covered hash is offered ([`Restoring::offer`]): a hash whose vectors are bit for bit
//! those the snapshot holds under its key keeps its document id and its place in the
//! graphs, any other is indexed afresh (its old vectors removed); [`Restoring::finish`]
//! removes every vector no offered hash claimed (deleted keys, renamed keys, hashes that
//! no longer parse). The result therefore holds exactly the keyspace's hashes however old
//! the snapshot was, and prefilter values always come from the hashes themselves.

use super::{HashState, SearchIndex};
use crate::error::RedisResult;
use crate::search::schema::IndexDef;
use crate::search::snapshot::Image;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// How an index came to be at start, for FT.INFO.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreReport {
    /// True when a snapshot was loaded (else the index was rebuilt from the keyspace).
    pub from_snapshot: bool,
    /// Why a stored snapshot was not used, when there was one.
    pub refused: Option<String>,
    /// Reading and decoding the snapshot.
    pub snapshot_read: Duration,
    /// Scanning the covered hashes and reconciling (or inserting) them.
    pub scan: Duration,
    /// Hashes whose snapshot vectors were kept.
    pub kept: u64,
    /// Vectors inserted (new or changed hashes; every vector when rebuilt).
    pub inserted: u64,
    /// Snapshot vectors removed (changed, deleted or unparsable hashes).
    pub removed: u64,
}

/// An index being restored from a snapshot.
pub struct Restoring {
    index: SearchIndex,
    /// Key → document id of the snapshot's documents no hash has claimed yet.
    unclaimed: HashMap<Vec<u8>, u64>,
    kept: u64,
    inserted: u64,
    removed: u64,
}

impl Restoring {
    /// An index over `def` holding `image`'s vectors; refuses an image whose vector
    /// fields, configurations or ids do not fit the definition.
    pub fn new(def: IndexDef, image: Image) -> RedisResult<Result<Restoring, String>> {
        let mut index = SearchIndex::new(def)?;
        Ok(Self::adopt(&mut index, image).map(|unclaimed| Restoring {
            index,
            unclaimed,
            kept: 0,
            inserted: 0,
            removed: 0,
        }))
    }

    fn adopt(index: &mut SearchIndex, image: Image) -> Result<HashMap<Vec<u8>, u64>, String> {
        let expected: Vec<(usize, &orbit_vector::VectorIndexConfig)> =
            index.vectors.iter().map(|(position, v)| (*position, v.config())).collect();
        let found: Vec<(usize, &orbit_vector::VectorIndexConfig)> =
            image.vectors.iter().map(|(position, v)| (*position, v.config())).collect();
        if expected != found {
            return Err("its vector fields do not match the definition".into());
        }
        if image.next_id == 0 {
            return Err("document id 0".into());
        }
        let mut unclaimed = HashMap::with_capacity(image.docs.len());
        let mut ids = HashSet::with_capacity(image.docs.len());
        for (id, key) in image.docs {
            if id == 0 || id >= image.next_id || !ids.insert(id) {
                return Err(format!("document id {id} is out of range or repeated"));
            }
            if unclaimed.insert(key, id).is_some() {
                return Err("a key is listed twice".into());
            }
        }
        if image.vectors.iter().any(|(_, v)| v.iter().any(|(id, _)| id >= image.next_id)) {
            return Err("a vector id is out of range".into());
        }
        index.vectors = image.vectors;
        index.next_id = image.next_id;
        Ok(unclaimed)
    }

    /// Reconciles one covered hash of the keyspace.
    pub fn offer(&mut self, key: &[u8], state: &HashState) {
        let claimed = self.unclaimed.remove(key);
        let index = &mut self.index;
        let Some((values, vectors)) = index.parse(&state.fields) else {
            if let Some(id) = claimed {
                self.removed += index.remove_vectors(id) as u64;
            }
            index.failures += 1;
            return;
        };
        if let Some(id) = claimed {
            if holds_exactly(index, id, &vectors) {
                index.add_doc(id, key, state.expire_at_ms, values);
                self.kept += 1;
                return;
            }
            self.removed += index.remove_vectors(id) as u64;
        }
        let count = vectors.len() as u64;
        if index.insert_parsed(key, state.expire_at_ms, values, vectors) {
            self.inserted += count;
        }
    }

    /// The reconciled index: vectors no hash claimed are removed.
    pub fn finish(mut self) -> (SearchIndex, RestoreReport) {
        let index = &mut self.index;
        let orphans: Vec<u64> = {
            let mut ids: Vec<u64> = index
                .vectors
                .iter()
                .flat_map(|(_, v)| v.iter().map(|(id, _)| id))
                .filter(|id| !index.docs.contains_key(id))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        for id in orphans {
            self.removed += index.remove_vectors(id) as u64;
        }
        self.index.changes.record(self.inserted + self.removed);
        let report = RestoreReport {
            from_snapshot: true,
            refused: None,
            snapshot_read: Duration::ZERO,
            scan: Duration::ZERO,
            kept: self.kept,
            inserted: self.inserted,
            removed: self.removed,
        };
        (self.index, report)
    }
}

/// True when the vector indexes hold, under `id`, exactly `vectors` (bit for bit, slot by
/// slot) and nothing in the other slots.
fn holds_exactly(index: &SearchIndex, id: u64, vectors: &[(usize, Vec<f32>)]) -> bool {
    index.vectors.iter().enumerate().all(|(slot, (_, stored))| {
        let new = vectors.iter().find(|(s, _)| *s == slot).map(|(_, v)| v.as_slice());
        match (stored.get(id), new) {
            (None, None) => true,
            (Some(a), Some(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::schema::IndexDef;

    fn def() -> IndexDef {
        let args: Vec<Vec<u8>> = ["SCHEMA", "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2"]
            .iter()
            .chain(&["DISTANCE_METRIC", "L2", "color", "TAG"])
            .map(|a| a.as_bytes().to_vec())
            .collect();
        IndexDef::parse("idx", 0, &args).expect("def")
    }

    fn hash(v: Option<[f32; 2]>, color: &str) -> HashState {
        let mut fields = vec![(b"color".to_vec(), color.as_bytes().to_vec())];
        if let Some(v) = v {
            fields.push((b"v".to_vec(), v.iter().flat_map(|x| x.to_le_bytes()).collect()));
        }
        HashState { fields, expire_at_ms: None }
    }

    fn built(hashes: &[(&str, HashState)]) -> SearchIndex {
        let mut index = SearchIndex::new(def()).expect("index");
        for (key, state) in hashes {
            index.apply(key.as_bytes(), Some(state));
        }
        index
    }

    /// (key, vector, tags) of a document.
    type Contents = Vec<(Vec<u8>, Option<Vec<f32>>, Vec<String>)>;

    /// Every document of an index, for comparison.
    fn contents(index: &SearchIndex) -> Contents {
        let mut out: Vec<_> = index
            .ids
            .iter()
            .map(|(key, id)| {
                let tags = match index.docs.get(id).and_then(|d| d.values.get(1)) {
                    Some(super::super::Value::Tags(t)) => t.clone(),
                    _ => Vec::new(),
                };
                (key.clone(), index.vectors[0].1.get(*id).map(<[f32]>::to_vec), tags)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn a_stale_snapshot_reconciles_to_exactly_the_keyspace() {
        let old = built(&[
            ("doc:a", hash(Some([1.0, 0.0]), "red")),
            ("doc:b", hash(Some([0.0, 1.0]), "blue")),
            ("doc:c", hash(Some([1.0, 1.0]), "red")),
            ("doc:d", hash(Some([2.0, 2.0]), "red")),
            ("doc:e", hash(Some([0.0, 3.0]), "red")),
        ]);
        let image = old.image();
        let now = [
            ("doc:a", hash(Some([1.0, 0.0]), "green")), // same vector, new tag: kept
            ("doc:b", hash(Some([0.0, -1.0]), "blue")), // changed vector
            ("doc:c", hash(None, "red")),               // vector removed
            ("doc:e", hash(Some([-0.0, 3.0]), "red")),  // -0.0 is another bit pattern
            ("doc:f", hash(Some([5.0, 5.0]), "red")),   // new
            ("doc:g", HashState { fields: vec![(b"v".to_vec(), vec![1, 2, 3])], expire_at_ms: None }),
        ];
        let mut restoring = Restoring::new(def(), image).expect("def").expect("fits");
        for (key, state) in &now {
            restoring.offer(key.as_bytes(), state);
        }
        let (index, report) = restoring.finish();
        let truth = built(&now);
        assert_eq!(contents(&index), contents(&truth));
        assert_eq!((report.kept, report.inserted, report.removed), (1, 3, 4), "{report:?}");
        assert_eq!(index.failures, 1, "doc:g's vector does not parse");
        assert_eq!(index.ids.get(b"doc:a".as_slice()), old.ids.get(b"doc:a".as_slice()), "kept ids stay");
        assert_eq!(index.vectors[0].1.len(), 4);
        assert_eq!(index.changes.pending(), 7);
    }

    #[test]
    fn images_that_do_not_fit_the_definition_are_refused() {
        let index = built(&[("doc:a", hash(Some([1.0, 0.0]), "red")), ("doc:b", hash(Some([0.0, 1.0]), "red"))]);
        let fits = |image: Image| Restoring::new(def(), image).expect("def").is_ok();
        assert!(fits(index.image()));
        let mut repeated = index.image();
        repeated.docs[1].1 = repeated.docs[0].1.clone();
        assert!(!fits(repeated), "a key twice");
        let mut beyond = index.image();
        beyond.next_id = 2;
        assert!(!fits(beyond), "ids at or past next_id");
        let mut moved = index.image();
        moved.vectors[0].0 = 1;
        assert!(!fits(moved), "another schema position");
        let other = IndexDef::parse(
            "idx",
            0,
            &["SCHEMA", "v", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32", "DIM", "2", "DISTANCE_METRIC", "IP"]
                .map(|a| a.as_bytes().to_vec()),
        )
        .expect("def");
        assert!(Restoring::new(other, index.image()).expect("def").is_err(), "another metric");
    }
}
