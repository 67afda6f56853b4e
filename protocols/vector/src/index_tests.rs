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

/// A seeded generator of uniform vectors in [-1, 1)^dim.
fn random_vectors(count: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    };
    (0..count).map(|_| (0..dim).map(|_| next()).collect()).collect()
}

/// An HNSW index that uses its graph from the first vector on (ef_construction 64 keeps
/// debug-build tests quick).
fn hnsw(dim: usize, metric: Metric) -> VectorIndex {
    let mut config = VectorIndexConfig::new(dim, metric, IndexKind::Hnsw);
    config.exact_threshold = 0;
    config.ef_construction = 64;
    VectorIndex::new(config).expect("valid config")
}

/// Vector `i` gets id `3i + 1` (ids are not slot numbers).
fn id_of(i: usize) -> u64 {
    i as u64 * 3 + 1
}

fn filled(mut index: VectorIndex, vectors: &[Vec<f32>]) -> VectorIndex {
    for (i, v) in vectors.iter().enumerate() {
        index.insert(id_of(i), v).expect("insert");
    }
    index
}

/// Mean recall@k of `search` against `exact_search` over `queries`.
fn recall(index: &VectorIndex, queries: &[Vec<f32>], k: usize, ef: Option<usize>) -> f64 {
    let mut found = 0usize;
    for q in queries {
        let truth = ids(&index.exact_search(q, k, None).expect("exact"));
        let approx = ids(&index.search(q, k, ef, None).expect("search"));
        assert_eq!(approx.len(), k);
        found += approx.iter().filter(|id| truth.contains(id)).count();
    }
    found as f64 / (queries.len() * k) as f64
}

/// 5,000 uniform 64-d vectors under L2, built once for every test that reads them
/// (ef_construction 64 keeps the debug build to a few seconds).
fn shared() -> &'static (Vec<Vec<f32>>, VectorIndex) {
    static SHARED: std::sync::OnceLock<(Vec<Vec<f32>>, VectorIndex)> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let vectors = random_vectors(5_000, 64, 42);
        let mut config = VectorIndexConfig::new(64, Metric::L2, IndexKind::Hnsw);
        config.ef_construction = 64;
        let index = filled(VectorIndex::new(config).expect("valid config"), &vectors);
        (vectors, index)
    })
}

#[test]
fn hnsw_recall_at_10_on_5000_random_64d_vectors() {
    let (_, index) = shared();
    let queries = random_vectors(100, 64, 4242);
    let r = recall(index, &queries, 10, Some(200));
    assert!(r >= 0.95, "recall@10 {r}");
    // The graph is what answers: a tiny ef finds less than exact search does.
    assert!(recall(index, &queries, 10, Some(10)) < r);
}

#[test]
fn hnsw_recall_for_cosine_and_inner_product() {
    let vectors = random_vectors(1_500, 16, 7);
    let queries = random_vectors(50, 16, 77);
    for metric in [Metric::Cosine, Metric::InnerProduct, Metric::L1] {
        let index = filled(hnsw(16, metric), &vectors);
        let r = recall(&index, &queries, 10, Some(100));
        assert!(r >= 0.95, "{metric:?} recall@10 {r}");
    }
}

#[test]
fn every_vector_finds_itself_first() {
    let (vectors, index) = shared();
    for (i, v) in vectors.iter().enumerate().step_by(97) {
        let hits = index.search(v, 1, None, None).expect("search");
        assert_eq!(ids(&hits), vec![id_of(i)]);
        assert_eq!(hits[0].distance, 0.0);
    }
}

#[test]
fn below_the_threshold_and_for_flat_searches_are_exact() {
    let vectors = random_vectors(600, 8, 3);
    let queries = random_vectors(20, 8, 33);
    let hnsw_small =
        filled(VectorIndex::new(VectorIndexConfig::new(8, Metric::L2, IndexKind::Hnsw)).expect("ok"), &vectors);
    let flat_index = filled(flat(8, Metric::L2), &vectors);
    for q in &queries {
        let truth = flat_index.exact_search(q, 7, None).expect("exact");
        assert_eq!(hnsw_small.search(q, 7, Some(1), None).expect("search"), truth);
        assert_eq!(flat_index.search(q, 7, Some(1), None).expect("search"), truth);
    }
}

#[test]
fn same_inserts_build_the_same_index() {
    let vectors = random_vectors(1_200, 16, 11);
    let a = filled(hnsw(16, Metric::L2), &vectors);
    let b = filled(hnsw(16, Metric::L2), &vectors);
    assert_eq!(a.snapshot(), b.snapshot());
    for q in random_vectors(20, 16, 111) {
        assert_eq!(a.search(&q, 10, None, None), b.search(&q, 10, None, None));
    }
    let mut config = hnsw(16, Metric::L2).config().clone();
    config.seed = 99;
    let other_seed = filled(VectorIndex::new(config).expect("ok"), &vectors);
    assert_ne!(a.snapshot(), other_seed.snapshot());
}

#[test]
fn k_larger_than_the_index_and_k_zero() {
    let mut index = hnsw(2, Metric::L2);
    assert!(index.search(&[0.0, 0.0], 5, None, None).expect("empty").is_empty());
    for i in 0..5u64 {
        index.insert(i, &[i as f32, 0.0]).expect("insert");
    }
    assert_eq!(ids(&index.search(&[0.0, 0.0], 50, None, None).expect("search")), vec![0, 1, 2, 3, 4]);
    assert!(index.search(&[0.0, 0.0], 0, None, None).expect("search").is_empty());
}

#[test]
fn removed_ids_are_never_returned_and_compaction_keeps_answers_right() {
    let vectors = random_vectors(1_500, 16, 5);
    let queries = random_vectors(30, 16, 55);
    let mut index = filled(hnsw(16, Metric::L2), &vectors);
    let removed = |i: usize| i % 10 == 3;
    for i in (0..vectors.len()).filter(|&i| removed(i)) {
        assert!(index.remove(id_of(i)));
    }
    assert_eq!(index.len(), 1_350);
    assert_eq!(index.dead_count(), 150);
    for q in &queries {
        let hits = index.search(q, 10, Some(100), None).expect("search");
        assert!(hits.iter().all(|h| (h.id - 1) % 30 != 9), "a removed id came back");
    }
    assert!(recall(&index, &queries, 10, Some(100)) >= 0.95);
    // Past a fifth dead, the graph is rebuilt from the live vectors.
    for i in (0..vectors.len()).filter(|&i| i % 10 == 4) {
        index.remove(id_of(i));
    }
    assert_eq!(index.dead_count(), 300, "exactly a fifth dead: not yet");
    index.remove(id_of(5));
    assert_eq!(index.len(), 1_199);
    assert_eq!(index.dead_count(), 0);
    assert!(recall(&index, &queries, 10, Some(100)) >= 0.95);
    assert_eq!(index.get(id_of(3)), None);
    assert_eq!(index.get(id_of(6)), Some(vectors[6].as_slice()));
    let reloaded = VectorIndex::from_snapshot(&index.snapshot()).expect("load");
    assert_eq!(reloaded.search(&queries[0], 10, None, None), index.search(&queries[0], 10, None, None));
    // A rebuild gives the graph of a fresh index fed the surviving vectors in order.
    let survivors: Vec<(u64, Vec<f32>)> = index.iter().map(|(id, v)| (id, v.to_vec())).collect();
    let mut fresh = hnsw(16, Metric::L2);
    for (id, v) in &survivors {
        fresh.insert(*id, v).expect("insert");
    }
    index.rebuild();
    assert_eq!(index.snapshot(), fresh.snapshot());
}

#[test]
fn compaction_survives_removing_most_of_the_index() {
    let vectors = random_vectors(2_000, 16, 41);
    let queries = random_vectors(30, 16, 411);
    let mut index = filled(hnsw(16, Metric::Cosine), &vectors);
    for i in (0..vectors.len()).filter(|&i| i % 5 != 0) {
        index.remove(id_of(i));
    }
    assert_eq!(index.len(), 400);
    assert!(index.dead_count() * 5 <= index.len() + index.dead_count());
    for q in &queries {
        assert_eq!(index.search(q, 10, Some(400), None), index.exact_search(q, 10, None));
    }
    assert!(recall(&index, &queries, 10, Some(64)) >= 0.95);
    for i in (0..vectors.len()).filter(|&i| i % 5 == 0) {
        index.remove(id_of(i));
    }
    assert!(index.is_empty());
    assert!(index.search(&queries[0], 10, None, None).expect("search").is_empty());
    index.insert(7, &queries[1]).expect("insert");
    assert_eq!(ids(&index.search(&queries[1], 3, None, None).expect("search")), vec![7]);
}

#[test]
fn replaced_vectors_are_found_where_they_now_are() {
    let vectors = random_vectors(1_500, 16, 9);
    let mut index = filled(hnsw(16, Metric::L2), &vectors);
    let far: Vec<f32> = vec![10.0; 16];
    for i in [0usize, 700, 1_499] {
        let moved: Vec<f32> = far.iter().map(|x| x + i as f32 * 0.001).collect();
        index.insert(id_of(i), &moved).expect("replace");
        assert_eq!(index.get(id_of(i)), Some(moved.as_slice()));
    }
    assert_eq!(index.len(), 1_500);
    let near_far = index.search(&far, 3, None, None).expect("search");
    assert_eq!(ids(&near_far), vec![id_of(0), id_of(700), id_of(1_499)]);
    let near_old = index.search(&vectors[700], 5, None, None).expect("search");
    assert!(!ids(&near_old).contains(&id_of(700)));
}

#[test]
fn selective_filters_answer_exactly() {
    let (_, index) = shared();
    let rare = |id: u64| id % 211 == 7;
    for q in random_vectors(10, 64, 21) {
        let hits = index.search(&q, 10, None, Some(&rare)).expect("search");
        assert_eq!(hits, index.exact_search(&q, 10, Some(&rare)).expect("exact"));
        assert!(hits.iter().all(|h| rare(h.id)));
    }
    let none = |_: u64| false;
    assert!(index.search(&[0.0; 64], 10, None, Some(&none)).expect("search").is_empty());
}

#[test]
fn broad_filters_walk_the_graph_and_report_only_passing_ids() {
    let (_, index) = shared();
    let half = |id: u64| id & 1 == 0;
    let queries = random_vectors(30, 64, 23);
    let mut found = 0usize;
    for q in &queries {
        let hits = index.search(q, 10, Some(200), Some(&half)).expect("search");
        assert_eq!(hits.len(), 10);
        assert!(hits.iter().all(|h| half(h.id)));
        assert!(hits.windows(2).all(|w| w[0].distance <= w[1].distance));
        let truth = ids(&index.exact_search(q, 10, Some(&half)).expect("exact"));
        found += hits.iter().filter(|h| truth.contains(&h.id)).count();
    }
    let r = found as f64 / (queries.len() * 10) as f64;
    assert!(r >= 0.95, "filtered recall {r}");
}

#[test]
fn a_loaded_snapshot_answers_like_the_original() {
    let (vectors, index) = shared();
    let bytes = index.snapshot();
    let loaded = VectorIndex::from_snapshot(&bytes).expect("load");
    assert_eq!(loaded.len(), index.len());
    assert_eq!(loaded.config(), index.config());
    assert_eq!(loaded.get(id_of(17)), Some(vectors[17].as_slice()));
    assert_eq!(loaded.snapshot(), bytes);
    let odd = |id: u64| id % 2 == 1;
    for q in random_vectors(30, 64, 31) {
        assert_eq!(loaded.search(&q, 10, Some(50), None), index.search(&q, 10, Some(50), None));
        assert_eq!(loaded.search(&q, 10, None, Some(&odd)), index.search(&q, 10, None, Some(&odd)));
    }
}

#[test]
fn snapshots_keep_dead_slots_and_flat_indexes() {
    let vectors = random_vectors(1_200, 8, 13);
    let mut index = filled(hnsw(8, Metric::Cosine), &vectors);
    for i in 0..100 {
        index.remove(id_of(i * 7));
    }
    index.insert(id_of(3), &[1.0; 8]).expect("replace");
    let loaded = VectorIndex::from_snapshot(&index.snapshot()).expect("load");
    assert_eq!(loaded.dead_count(), index.dead_count());
    for q in random_vectors(20, 8, 131) {
        assert_eq!(loaded.search(&q, 5, None, None), index.search(&q, 5, None, None));
    }
    let flat_index = filled(flat(8, Metric::L1), &vectors[..50]);
    let loaded = VectorIndex::from_snapshot(&flat_index.snapshot()).expect("load");
    assert_eq!(loaded.config().kind, IndexKind::Flat);
    assert_eq!(loaded.search(&vectors[9], 3, None, None), flat_index.search(&vectors[9], 3, None, None));
    let empty = hnsw(4, Metric::L2);
    assert!(VectorIndex::from_snapshot(&empty.snapshot()).expect("load").is_empty());
}

#[test]
fn truncated_or_flipped_snapshots_are_refused() {
    let vectors = random_vectors(100, 3, 17);
    let index = filled(hnsw(3, Metric::L2), &vectors);
    let bytes = index.snapshot();
    for len in 0..bytes.len() {
        assert!(
            matches!(VectorIndex::from_snapshot(&bytes[..len]), Err(VectorError::CorruptSnapshot(_))),
            "truncated to {len}"
        );
    }
    for i in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[i] ^= 1 << (i % 8);
        assert!(VectorIndex::from_snapshot(&flipped).is_err(), "bit flip at byte {i}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(VectorIndex::from_snapshot(&longer).is_err());
    assert!(VectorIndex::from_snapshot(b"not a snapshot at all").is_err());
}

#[test]
fn a_huge_ef_is_bounded_by_the_index() {
    let vectors = random_vectors(50, 4, 19);
    let index = filled(hnsw(4, Metric::L2), &vectors);
    let hits = index.search(&vectors[7], 3, Some(usize::MAX), None).expect("search");
    assert_eq!(hits, index.exact_search(&vectors[7], 3, None).expect("exact"));
}

#[test]
fn an_index_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<VectorIndex>();
    let (_, index) = shared();
    let q = random_vectors(1, 64, 29).remove(0);
    let expected = index.search(&q, 10, None, None).expect("search");
    let answers: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(|| index.search(&q, 10, None, None))).collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    assert!(answers.iter().all(|a| a.as_ref() == Ok(&expected)));
}
