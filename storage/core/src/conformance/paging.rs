//! Conformance checks of resumable scans: pages that concatenate to the whole scan,
//! positions that resume exactly (across transactions, concurrent commits, own pending
//! writes and expired rows), index order, and positions that cannot leave the range.

use super::{create_events, create_users, ids, int, seqs, text, user, Storage};
use crate::table::{now_millis, ScanCursor, ScanOptions, ScanOrder, ScanPosition, Transaction};
use crate::value::Value;
use std::ops::Bound;

/// Every page of `cursor`, `size` rows at a time, through `tx`.
async fn pages(tx: &mut dyn Transaction, mut cursor: ScanCursor, size: usize) -> Vec<Vec<Vec<Value>>> {
    let mut out = Vec::new();
    while !cursor.is_done() {
        let rows = cursor.next_page(tx, size).await.expect("page");
        out.push(rows);
        assert!(out.len() < 1000, "the scan does not end");
    }
    out
}

/// Forward and reverse, bounded and not: the pages concatenate to the `Vec` scan, every
/// page but the last is full, and the last page is marked as the last exactly (a page
/// that ends with the range has no position to continue after).
pub async fn paged_scans_resume_exactly(s: Storage) {
    create_events(s.as_ref()).await;
    let all = s.scan("events", &ScanOptions::all()).await.unwrap();
    let b_down = ScanOptions::prefix(vec![text("b")]).reverse();
    let a_to_b = ScanOptions::range(Bound::Excluded(vec![text("a"), int(1)]), Bound::Included(vec![text("b"), int(0)]));
    for options in [ScanOptions::all(), ScanOptions::all().reverse(), b_down, a_to_b] {
        let whole = s.scan("events", &options).await.unwrap();
        for size in [1, 4, 6, 18, 100] {
            let mut tx = s.begin().await.unwrap();
            let cursor = ScanCursor::new("events", ScanOrder::PrimaryKey, options.clone().limit(1));
            let got = pages(tx.as_mut(), cursor, size).await;
            let flat: Vec<_> = got.iter().flatten().cloned().collect();
            assert_eq!(flat, whole, "{options:?} in pages of {size}");
            let full_pages = whole.len().div_ceil(size).max(1);
            assert_eq!(got.len(), full_pages, "{options:?} in pages of {size}: no trailing empty page");
            assert!(got[..got.len() - 1].iter().all(|p| p.len() == size), "{options:?}: short page before the end");
        }
    }
    assert_eq!(all.len(), 18);
    // The page's position continues exactly after its last row.
    let mut tx = s.begin().await.unwrap();
    let first = tx.scan_page("events", &ScanOptions::all(), None, 7).await.unwrap();
    assert_eq!(first.rows, all[..7]);
    let next = first.next.expect("more rows follow");
    let rest = tx.scan_page("events", &ScanOptions::all(), Some(&next), 100).await.unwrap();
    assert_eq!(rest.rows, all[7..]);
    assert!(rest.next.is_none());
    // A position is plain bytes: it round-trips, and positions outside the range only
    // clamp to it (before the range: from its start; after it: nothing).
    let copied = ScanPosition::from_bytes(next.as_bytes().to_vec());
    assert_eq!(tx.scan_page("events", &ScanOptions::all(), Some(&copied), 2).await.unwrap().rows, all[7..9]);
    let only_b = ScanOptions::prefix(vec![text("b")]);
    let a_position = tx.scan_page("events", &ScanOptions::all(), None, 1).await.unwrap().next.unwrap();
    let from_b = tx.scan_page("events", &only_b, Some(&a_position), 100).await.unwrap();
    assert_eq!(seqs(&from_b.rows), [-2, -1, 0, 1, 2, 3].map(|q| ("b".to_string(), q)));
    let c_position = tx.scan_page("events", &ScanOptions::all(), None, 13).await.unwrap().next.unwrap();
    let past_b = tx.scan_page("events", &only_b, Some(&c_position), 100).await.unwrap();
    assert!(past_b.rows.is_empty() && past_b.next.is_none());
    let garbage = ScanPosition::from_bytes(vec![0xff; 40]);
    assert!(tx.scan_page("events", &ScanOptions::all(), Some(&garbage), 5).await.unwrap().rows.is_empty());
    let reversed = tx.scan_page("events", &ScanOptions::all().reverse(), Some(&garbage), 2).await.unwrap();
    assert_eq!(seqs(&reversed.rows), [("c".into(), 3), ("c".into(), 2)]);
}

/// A position taken in one transaction resumes in another, which sees the commits made
/// in between after the position and none before it; pending writes of the reading
/// transaction are merged in; expired rows are skipped without ending a page early or
/// leaving a position behind.
pub async fn paged_scans_across_transactions(s: Storage) {
    create_users(s.as_ref()).await;
    for id in [10, 20, 30, 40] {
        s.insert("users", user(id, None, Some(id), "n")).await.unwrap();
    }
    let mut t1 = s.begin().await.unwrap();
    let page = t1.scan_page("users", &ScanOptions::all(), None, 2).await.unwrap();
    assert_eq!(ids(&page.rows), [10, 20]);
    let position = page.next.expect("more follow");
    drop(t1);
    s.insert("users", user(15, None, None, "before the position")).await.unwrap();
    s.insert("users", user(25, None, None, "after the position")).await.unwrap();
    s.delete("users", &[int(30)]).await.unwrap();
    let mut t2 = s.begin().await.unwrap();
    t2.insert("users", user(35, None, None, "pending")).await.unwrap();
    t2.delete("users", &[int(40)]).await.unwrap();
    let rest = t2.scan_page("users", &ScanOptions::all(), Some(&position), 10).await.unwrap();
    assert_eq!(ids(&rest.rows), [25, 35]);
    assert!(rest.next.is_none());
    t2.rollback().await.unwrap();
    // Expired rows: skipped inside a page and after its end.
    let mut t = s.begin().await.unwrap();
    t.insert_with_expiry("users", user(50, None, None, "expired"), Some(now_millis() - 1)).await.unwrap();
    t.insert_with_expiry("users", user(60, None, None, "expired"), Some(now_millis() - 1)).await.unwrap();
    t.commit().await.unwrap();
    let mut t = s.begin().await.unwrap();
    let live = t.scan_page("users", &ScanOptions::all(), None, 5).await.unwrap();
    assert_eq!(ids(&live.rows), [10, 15, 20, 25, 40]);
    assert!(live.next.is_none(), "only expired rows follow: the page is the last");
    let first = t.scan_page("users", &ScanOptions::all(), None, 4).await.unwrap();
    assert_eq!(ids(&first.rows), [10, 15, 20, 25]);
    let last = t.scan_page("users", &ScanOptions::all(), first.next.as_ref(), 4).await.unwrap();
    assert_eq!(ids(&last.rows), [40]);
    assert!(last.next.is_none());
}

/// Index order with duplicate values (the position tells rows with one value apart),
/// bounds, reverse, and a unique index.
pub async fn paged_index_scans(s: Storage) {
    create_users(s.as_ref()).await;
    for (id, age) in [(1, 40), (2, 20), (3, 30), (4, 20), (5, 50), (6, 20)] {
        s.insert("users", user(id, Some(&format!("u{id}@x")), Some(age), "n")).await.unwrap();
    }
    let mut tx = s.begin().await.unwrap();
    let by_age = ScanCursor::new("users", ScanOrder::Index("users_age".into()), ScanOptions::all());
    let got = pages(tx.as_mut(), by_age, 1).await;
    assert_eq!(ids(&got.concat()), [2, 4, 6, 3, 1, 5]);
    assert_eq!(got.len(), 6);
    let twenties_down = ScanOptions::prefix(vec![int(20)]).reverse();
    let cursor = ScanCursor::new("users", ScanOrder::Index("users_age".into()), twenties_down);
    assert_eq!(ids(&pages(tx.as_mut(), cursor, 2).await.concat()), [6, 4, 2]);
    let by_email = ScanCursor::new("users", ScanOrder::Index("users_email".into()), ScanOptions::all());
    assert_eq!(ids(&pages(tx.as_mut(), by_email, 4).await.concat()), [1, 2, 3, 4, 5, 6]);
    // A cursor resumed from a kept position, in a later transaction.
    let mut cursor = ScanCursor::new("users", ScanOrder::Index("users_age".into()), ScanOptions::all());
    assert_eq!(ids(&cursor.next_page(tx.as_mut(), 2).await.unwrap()), [2, 4]);
    let kept = cursor.position().cloned();
    drop(tx);
    s.insert("users", user(7, None, Some(20), "joins the twenties")).await.unwrap();
    let mut later = s.begin().await.unwrap();
    let resumed = ScanCursor::new("users", ScanOrder::Index("users_age".into()), ScanOptions::all()).resume(kept);
    assert_eq!(ids(&pages(later.as_mut(), resumed, 10).await.concat()), [6, 7, 3, 1, 5]);
    assert!(later.index_scan_page("users", "missing", &ScanOptions::all(), None, 1).await.is_err());
}
