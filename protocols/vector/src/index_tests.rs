//! Tests of [`crate::VectorIndex`]: the front's contract (dimensions, replacement,
//! removal, filters), HNSW recall against exact search, determinism, and snapshots.

use crate::{Hit, IndexKind, Metric, VectorError, VectorIndex, VectorIndexConfig};

fn flat(dim: usize, metric: Metric) -> VectorIndex {
    VectorIndex::new(VectorIndexConfig::new(dim, metric, IndexKind::Flat)).expect("valid config")
}

fn ids(hits: &[Hit]) -> Vec<u64> {
    hits.iter().map(|h| h.id).collect()
}

#[test]
fn rejects_bad_configs() {
    for (dim, m) in [(0, 16), (3, 1), (3, 0), (crate::index::MAX_DIM + 1, 16)] {
        let mut config = VectorIndexConfig::new(dim, Metric::L2, IndexKind::Hnsw);
        config.m = m;
        assert!(matches!(VectorIndex::new(config), Err(VectorError::InvalidParameter(_))), "dim {dim} m {m}");
    }
    let mut config = VectorIndexConfig::new(3, Metric::L2, IndexKind::Hnsw);
    config.ef_search = 0;
    assert!(VectorIndex::new(config).is_err());
}

#[test]
fn rejects_wrong_dimensions_and_non_finite_values() {
    let mut index = flat(3, Metric::L2);
    assert_eq!(index.insert(1, &[1.0, 2.0]), Err(VectorError::DimensionMismatch { expected: 3, actual: 2 }));
    assert_eq!(index.insert(1, &[1.0, f32::NAN, 0.0]), Err(VectorError::NonFinite));
    assert_eq!(index.insert(1, &[1.0, f32::INFINITY, 0.0]), Err(VectorError::NonFinite));
    assert!(index.is_empty());
    index.insert(1, &[1.0, 2.0, 3.0]).expect("insert");
    assert_eq!(
        index.search(&[1.0, 2.0, 3.0, 4.0], 1, None, None),
        Err(VectorError::DimensionMismatch { expected: 3, actual: 4 })
    );
    assert_eq!(index.exact_search(&[f32::NEG_INFINITY, 0.0, 0.0], 1, None), Err(VectorError::NonFinite));
}

#[test]
fn insert_get_replace_remove() {
    let mut index = flat(2, Metric::L2);
    index.insert(10, &[0.0, 0.0]).expect("insert");
    index.insert(20, &[5.0, 5.0]).expect("insert");
    assert_eq!(index.len(), 2);
    assert_eq!(index.get(20), Some(&[5.0f32, 5.0][..]));
    assert_eq!(index.get(30), None);

    index.insert(20, &[0.5, 0.0]).expect("replace");
    assert_eq!(index.len(), 2);
    assert_eq!(index.get(20), Some(&[0.5f32, 0.0][..]));
    let hits = index.search(&[1.0, 0.0], 2, None, None).expect("search");
    assert_eq!(ids(&hits), vec![20, 10]);
    assert!((hits[0].distance - 0.5).abs() < 1e-6);

    assert!(index.remove(20));
    assert!(!index.remove(20));
    assert_eq!(index.len(), 1);
    assert_eq!(index.get(20), None);
    assert_eq!(ids(&index.search(&[1.0, 0.0], 5, None, None).expect("search")), vec![10]);
}

#[test]
fn search_among_candidates() {
    let mut index = flat(1, Metric::L1);
    for id in 0..20u64 {
        index.insert(id, &[id as f32]).expect("insert");
    }
    let hits = index.search_among(&[10.0], 2, &[3, 17, 12, 12, 99, 8]).expect("search");
    assert_eq!(ids(&hits), vec![8, 12]);
}
