//! Cassandra's guard on the size of a BATCH that spans partitions, at Cassandra 4.1's
//! defaults: above `batch_size_warn_threshold` (5 KiB) the answer carries a client
//! warning, above `batch_size_fail_threshold` (50 KiB) the batch is refused with "Batch
//! too large". The size is that of the data written, as Cassandra counts a mutation's
//! cells: each value with its timestamp and TTL fields, and each row's clustering key and
//! liveness. A batch within one partition is not checked (Cassandra skips those too).

use crate::error::{CqlError, CqlResult};
use crate::model::{ColumnOp, CqlValue, Mutation, MutationOp};
use std::collections::BTreeSet;

pub const WARN_THRESHOLD: usize = 5 * 1024;
pub const FAIL_THRESHOLD: usize = 50 * 1024;

/// A cell's fixed fields: timestamp (8), TTL (4) and local deletion time (4).
const CELL_OVERHEAD: usize = 16;

/// The warning to answer with, if any; an error above the fail threshold.
pub fn check<'a>(mutations: impl Iterator<Item = &'a Mutation> + Clone) -> CqlResult<Option<String>> {
    let partitions: BTreeSet<(&[u8; 16], Vec<Vec<u8>>)> =
        mutations.clone().map(|m| (&m.table.id, m.partition_key.iter().map(CqlValue::to_native).collect())).collect();
    if partitions.len() <= 1 {
        return Ok(None);
    }
    let size: usize = mutations.clone().map(data_size).sum();
    if size > FAIL_THRESHOLD {
        return Err(CqlError::invalid("Batch too large"));
    }
    if size <= WARN_THRESHOLD {
        return Ok(None);
    }
    let tables: BTreeSet<String> = mutations.map(|m| format!("{}.{}", m.table.keyspace, m.table.name)).collect();
    let tables: Vec<String> = tables.into_iter().collect();
    Ok(Some(format!(
        "Batch for [{}] is of size {size}, exceeding specified threshold of {WARN_THRESHOLD} by {}.",
        tables.join(", "),
        size - WARN_THRESHOLD
    )))
}

fn value_size(v: &CqlValue) -> usize {
    v.to_native().len()
}

fn data_size(m: &Mutation) -> usize {
    match &m.op {
        MutationOp::Write { clustering, marker, columns } => {
            let key: usize = clustering.iter().map(value_size).sum();
            let liveness = if *marker { CELL_OVERHEAD } else { 0 };
            let cells: usize = columns
                .iter()
                .map(|c| match &c.op {
                    ColumnOp::Set(v) => CELL_OVERHEAD + value_size(v),
                    ColumnOp::Delete | ColumnOp::CounterAdd(_) | ColumnOp::SetIndex(_, None) => CELL_OVERHEAD,
                    ColumnOp::SetIndex(_, Some(v)) => CELL_OVERHEAD + value_size(v),
                    ColumnOp::AddElements(vs)
                    | ColumnOp::RemoveKeys(vs)
                    | ColumnOp::Append(vs)
                    | ColumnOp::Prepend(vs)
                    | ColumnOp::RemoveValues(vs) => vs.iter().map(|v| CELL_OVERHEAD + value_size(v)).sum(),
                    ColumnOp::PutEntries(entries) => {
                        entries.iter().map(|(k, v)| CELL_OVERHEAD + value_size(k) + value_size(v)).sum()
                    }
                })
                .sum();
            key + liveness + cells
        }
        MutationOp::DeleteRow { clustering } => clustering.iter().map(value_size).sum::<usize>() + CELL_OVERHEAD,
        MutationOp::DeleteRange { .. } | MutationOp::DeletePartition => CELL_OVERHEAD,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::table_def::{build, DeclaredColumn};
    use crate::model::ColumnWrite;
    use crate::types::CqlType;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    /// `n` inserts of a 743-character text (cqlpy's test_batch), into `n` partitions or one.
    fn inserts(n: i32, spread: bool) -> Vec<Mutation> {
        let decl = |name: &str, ty| DeclaredColumn { name: name.into(), ty, is_static: false };
        let table = Arc::new(
            build(
                "ks",
                "t",
                vec![decl("k", CqlType::Int), decl("t", CqlType::Text)],
                &["k".into()],
                &[],
                BTreeMap::new(),
                0,
            )
            .unwrap(),
        );
        (0..n)
            .map(|i| Mutation {
                table: table.clone(),
                partition_key: vec![CqlValue::Int(if spread { i } else { 0 })],
                timestamp: 0,
                ttl: None,
                op: MutationOp::Write {
                    clustering: Vec::new(),
                    marker: true,
                    columns: vec![ColumnWrite {
                        column: "t".into(),
                        op: ColumnOp::Set(CqlValue::Text("x".repeat(743))),
                    }],
                },
            })
            .collect()
    }

    #[test]
    fn thresholds_of_cassandra_4_1() {
        assert_eq!(check(inserts(6, true).iter()).unwrap(), None, "4.6 KB is under 5 KiB");
        let warning = check(inserts(10, true).iter()).unwrap().expect("a warning");
        assert!(warning.starts_with("Batch for [ks.t] is of size 7750, exceeding specified threshold of 5120 by 2630"));
        assert_eq!(check(inserts(100, true).iter()).unwrap_err().message(), "Batch too large");
        assert_eq!(check(inserts(100, false).iter()).unwrap(), None, "one partition is not checked");
    }
}
