//! INSERT, UPDATE and DELETE as mutations of the model, from statements whose names are
//! resolved and whose values are bound: the primary key split into partition and
//! clustering values (with Cassandra's errors for missing, null or unset key parts),
//! null as a tombstone, unset as "leave the column alone".

use super::bind::Bound;
use crate::error::{CqlError, CqlResult};
use crate::model::{ColumnOp, ColumnWrite, CqlValue, Mutation, MutationOp, Slice};
use crate::schema::{ColumnDef, ColumnKind, TableDef};
use std::ops::Bound as Range;
use std::sync::Arc;

fn sorted_keys(table: &TableDef, kind: ColumnKind) -> Vec<&ColumnDef> {
    let mut cols: Vec<&ColumnDef> = table.columns.iter().filter(|c| c.kind == kind).collect();
    cols.sort_by_key(|c| c.position);
    cols
}

fn find<'a>(values: &'a [(String, Bound)], name: &str) -> Option<&'a Bound> {
    values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// The partition key values from `values`, in key order.
pub fn partition_key(table: &TableDef, values: &[(String, Bound)]) -> CqlResult<Vec<CqlValue>> {
    let cols = sorted_keys(table, ColumnKind::PartitionKey);
    let missing: Vec<&str> = cols.iter().filter(|c| find(values, &c.name).is_none()).map(|c| c.name.as_str()).collect();
    if !missing.is_empty() {
        return Err(CqlError::invalid(format!("Some partition key parts are missing: {}", missing.join(", "))));
    }
    cols.iter().map(|c| key_value(c, find(values, &c.name))).collect()
}

/// The clustering values present in `values`: a prefix of the clustering columns.
pub fn clustering_prefix(table: &TableDef, values: &[(String, Bound)]) -> CqlResult<Vec<CqlValue>> {
    let mut out = Vec::new();
    let mut gap: Option<&str> = None;
    for c in sorted_keys(table, ColumnKind::Clustering) {
        match (find(values, &c.name), gap) {
            (None, _) => gap = gap.or(Some(&c.name)),
            (Some(_), Some(missing)) => {
                return Err(CqlError::invalid(format!(
                "PRIMARY KEY column \"{}\" cannot be restricted as preceding column \"{missing}\" is not restricted",
                c.name
            )))
            }
            (Some(v), None) => out.push(key_value(c, Some(v))?),
        }
    }
    Ok(out)
}

fn full_clustering(table: &TableDef, values: &[(String, Bound)]) -> CqlResult<Vec<CqlValue>> {
    // A restricted column after an unrestricted one is reported first, as Cassandra does.
    let prefix = clustering_prefix(table, values)?;
    let cols = sorted_keys(table, ColumnKind::Clustering);
    let missing: Vec<&str> = cols.iter().filter(|c| find(values, &c.name).is_none()).map(|c| c.name.as_str()).collect();
    if !missing.is_empty() {
        return Err(CqlError::invalid(format!("Some clustering keys are missing: {}", missing.join(", "))));
    }
    Ok(prefix)
}

fn key_value(column: &ColumnDef, value: Option<&Bound>) -> CqlResult<CqlValue> {
    match value {
        Some(Bound::Value(v)) => Ok(v.clone()),
        Some(Bound::Unset) => Err(CqlError::invalid(format!("Invalid unset value for column {}", column.name))),
        _ => Err(CqlError::invalid(format!("Invalid null value in condition for column {}", column.name))),
    }
}

fn column_write(table: &TableDef, name: &str, value: &Bound) -> CqlResult<Option<ColumnWrite>> {
    let def = table.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
    let op = match value {
        Bound::Unset => return Ok(None),
        Bound::Null => ColumnOp::Delete,
        Bound::Value(v) => {
            if def.ty.unfrozen() != &crate::types::CqlType::Counter && !v.is_of(&def.ty) {
                return Err(CqlError::invalid(format!("Invalid value for column {name} of type {}", def.ty)));
            }
            ColumnOp::Set(v.clone())
        }
    };
    Ok(Some(ColumnWrite { column: def.name.clone(), op }))
}

/// `INSERT INTO t (names) VALUES (values) [USING TTL n]`.
pub fn insert(table: &Arc<TableDef>, values: &[(String, Bound)], ttl: Option<u32>) -> CqlResult<Mutation> {
    if table.is_counter {
        return Err(CqlError::invalid("INSERT statements are not allowed on counter tables, use UPDATE instead"));
    }
    let partition_key = partition_key(table, values)?;
    // Only static columns besides the partition key (no clustering column given): the
    // partition's static row, as Cassandra allows.
    let statics_only = sorted_keys(table, ColumnKind::Clustering).iter().all(|c| find(values, &c.name).is_none())
        && values.iter().all(|(n, _)| {
            table.column(n).is_some_and(|c| matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Static))
        })
        && values.iter().any(|(n, _)| table.column(n).is_some_and(|c| c.kind == ColumnKind::Static));
    let clustering = if statics_only { Vec::new() } else { full_clustering(table, values)? };
    let mut columns = Vec::new();
    for (name, value) in values {
        let is_key =
            table.column(name).is_some_and(|c| matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Clustering));
        if !is_key {
            columns.extend(column_write(table, name, value)?);
        }
    }
    Ok(Mutation {
        table: table.clone(),
        partition_key,
        timestamp: 0,
        ttl,
        op: MutationOp::Write { clustering, marker: !statics_only, columns },
    })
}

/// `UPDATE t [USING TTL n] SET ops WHERE key = ...` for one row (`key` names the
/// primary key columns; a statement changing only static columns may omit the
/// clustering columns).
pub fn update(
    table: &Arc<TableDef>,
    key: &[(String, Bound)],
    ops: Vec<ColumnWrite>,
    ttl: Option<u32>,
) -> CqlResult<Mutation> {
    let partition_key = partition_key(table, key)?;
    let statics_only = ops.iter().all(|w| table.column(&w.column).is_some_and(|c| c.kind == ColumnKind::Static));
    let clustering = if statics_only { clustering_prefix(table, key)? } else { full_clustering(table, key)? };
    for w in &ops {
        match table.column(&w.column).map(|c| c.kind) {
            None => return Err(CqlError::invalid(format!("Undefined column name {}", w.column))),
            Some(ColumnKind::PartitionKey | ColumnKind::Clustering) => {
                return Err(CqlError::invalid(format!("PRIMARY KEY part {} found in SET part", w.column)))
            }
            _ => {}
        }
        if table.is_counter != matches!(w.op, ColumnOp::CounterAdd(_)) && !matches!(w.op, ColumnOp::Delete) {
            return Err(CqlError::invalid(if table.is_counter {
                format!(
                    "Cannot set the value of counter column {} (counters can only be incremented/decremented, not set)",
                    w.column
                )
            } else {
                format!("Invalid operation (counter update) for non counter column {}", w.column)
            }));
        }
    }
    Ok(Mutation {
        table: table.clone(),
        partition_key,
        timestamp: 0,
        ttl,
        op: MutationOp::Write { clustering, marker: false, columns: ops },
    })
}

/// `DELETE [columns] FROM t WHERE key = ... [AND c > x ...]`: columns of one row, a row,
/// a clustering prefix or slice (bounds in clustering order; its direction is ignored),
/// or the partition.
pub fn delete(
    table: &Arc<TableDef>,
    key: &[(String, Bound)],
    columns: Vec<String>,
    slice: Option<Slice>,
) -> CqlResult<Mutation> {
    let partition_key = partition_key(table, key)?;
    let clustering = clustering_prefix(table, key)?;
    let clustering_count = sorted_keys(table, ColumnKind::Clustering).len();
    let op = if !columns.is_empty() {
        let statics_only = columns.iter().all(|n| table.column(n).is_some_and(|c| c.kind == ColumnKind::Static));
        let clustering = if statics_only { clustering } else { full_clustering(table, key)? };
        let mut writes = Vec::with_capacity(columns.len());
        for name in &columns {
            let def = table.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
            if matches!(def.kind, ColumnKind::PartitionKey | ColumnKind::Clustering) {
                return Err(CqlError::invalid(format!(
                    "Invalid identifier {name} for deletion (should not be a PRIMARY KEY part)"
                )));
            }
            writes.push(ColumnWrite { column: def.name.clone(), op: ColumnOp::Delete });
        }
        MutationOp::Write { clustering, marker: false, columns: writes }
    } else if let Some(Slice { start, end, .. }) = slice {
        MutationOp::DeleteRange { start, end }
    } else if clustering.is_empty() {
        MutationOp::DeletePartition
    } else if clustering.len() == clustering_count {
        MutationOp::DeleteRow { clustering }
    } else {
        MutationOp::DeleteRange { start: Range::Included(clustering.clone()), end: Range::Included(clustering) }
    };
    Ok(Mutation { table: table.clone(), partition_key, timestamp: 0, ttl: None, op })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::table_def::{build, DeclaredColumn};
    use crate::schema::ClusteringOrder;
    use crate::types::CqlType;
    use std::collections::BTreeMap;

    fn table() -> Arc<TableDef> {
        let d = |n: &str, ty| DeclaredColumn { name: n.into(), ty, is_static: false };
        let cols = vec![
            d("k", CqlType::Int),
            d("c1", CqlType::Int),
            d("c2", CqlType::Int),
            d("v", CqlType::Text),
            DeclaredColumn { name: "s".into(), ty: CqlType::Int, is_static: true },
        ];
        let ck = [("c1".to_string(), ClusteringOrder::Asc), ("c2".to_string(), ClusteringOrder::Asc)];
        Arc::new(build("ks", "t", cols, &["k".into()], &ck, BTreeMap::new(), 0).unwrap())
    }

    fn val(n: &str, v: i32) -> (String, Bound) {
        (n.into(), Bound::Value(CqlValue::Int(v)))
    }

    #[test]
    fn insert_splits_the_key_and_maps_null_and_unset() {
        let t = table();
        let values =
            vec![val("k", 1), val("c1", 2), val("c2", 3), ("v".into(), Bound::Null), ("s".into(), Bound::Unset)];
        let m = insert(&t, &values, None).unwrap();
        assert_eq!(m.partition_key, vec![CqlValue::Int(1)]);
        let MutationOp::Write { clustering, marker, columns } = m.op else { panic!() };
        assert_eq!(clustering, vec![CqlValue::Int(2), CqlValue::Int(3)]);
        assert!(marker);
        assert_eq!(columns, vec![ColumnWrite { column: "v".into(), op: ColumnOp::Delete }]);
        let e = insert(&t, &[val("c1", 1), val("c2", 1)], None).unwrap_err();
        assert_eq!(e.message(), "Some partition key parts are missing: k");
        let e = insert(&t, &[val("k", 1), val("c1", 1)], None).unwrap_err();
        assert_eq!(e.message(), "Some clustering keys are missing: c2");
        let e = insert(&t, &[("k".into(), Bound::Null), val("c1", 1), val("c2", 1)], None).unwrap_err();
        assert_eq!(e.message(), "Invalid null value in condition for column k");
    }

    #[test]
    fn delete_picks_partition_row_prefix_or_columns() {
        let t = table();
        let kind = |key: Vec<(String, Bound)>, cols: Vec<String>| delete(&t, &key, cols, None).map(|m| m.op);
        assert_eq!(kind(vec![val("k", 1)], vec![]).unwrap(), MutationOp::DeletePartition);
        assert!(matches!(kind(vec![val("k", 1), val("c1", 1)], vec![]).unwrap(), MutationOp::DeleteRange { .. }));
        assert!(matches!(
            kind(vec![val("k", 1), val("c1", 1), val("c2", 2)], vec![]).unwrap(),
            MutationOp::DeleteRow { .. }
        ));
        assert!(matches!(kind(vec![val("k", 1)], vec!["s".into()]).unwrap(), MutationOp::Write { .. }));
        assert!(kind(vec![val("k", 1)], vec!["v".into()]).is_err());
        let e = kind(vec![val("k", 1), val("c2", 1)], vec![]).unwrap_err();
        assert!(e.message().contains("preceding column \"c1\" is not restricted"));
    }

    #[test]
    fn update_rejects_key_columns_and_counter_mixups() {
        let t = table();
        let key = vec![val("k", 1), val("c1", 1), val("c2", 1)];
        let set = |c: &str, op| vec![ColumnWrite { column: c.into(), op }];
        assert!(update(&t, &key, set("v", ColumnOp::Set(CqlValue::Text("x".into()))), None).is_ok());
        let e = update(&t, &key, set("c1", ColumnOp::Set(CqlValue::Int(1))), None).unwrap_err();
        assert_eq!(e.message(), "PRIMARY KEY part c1 found in SET part");
        let e = update(&t, &key, set("v", ColumnOp::CounterAdd(1)), None).unwrap_err();
        assert_eq!(e.message(), "Invalid operation (counter update) for non counter column v");
        assert!(update(&t, &[val("k", 1)], set("s", ColumnOp::Set(CqlValue::Int(1))), None).is_ok());
    }
}
