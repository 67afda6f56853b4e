//! SELECT's WHERE and ORDER BY as a [`SelectPlan`]: equality on every partition key
//! column picks the partition; equality on a clustering prefix and one range on the next
//! clustering column make the slice (a DESC column's `>` is an end bound in clustering
//! order); ORDER BY may only follow or reverse the clustering order. Violations answer
//! Cassandra's messages.

use super::plan::{SelectPlan, Selection};
use crate::error::{CqlError, CqlResult};
use crate::model::{CqlValue, Slice};
use crate::schema::{ClusteringOrder, ColumnDef, ColumnKind, TableDef};
use std::ops::Bound;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
    /// `IN (...)`: the value is a `CqlValue::List` of the candidates.
    In,
    /// `CONTAINS` / `CONTAINS KEY` on a collection (filtering only).
    Contains,
    ContainsKey,
}

/// `column op value`, the value bound; or, when `with` names the clustering columns
/// after `column`, the multi-column `(column, with...) op value` whose value is the tuple
/// (a list of tuples for IN) — see [`super::multi_column`].
#[derive(Debug, Clone, PartialEq)]
pub struct Restriction {
    pub column: String,
    pub op: Op,
    pub value: CqlValue,
    pub with: Vec<String>,
}

impl Restriction {
    pub fn single(column: impl Into<String>, op: Op, value: CqlValue) -> Restriction {
        Restriction { column: column.into(), op, value, with: Vec::new() }
    }

    /// The bound values this restriction adds after the equality prefix.
    fn bound_values(&self) -> CqlResult<Vec<CqlValue>> {
        if self.with.is_empty() {
            return Ok(vec![self.value.clone()]);
        }
        super::multi_column::tuple_values(self)
            .ok_or_else(|| CqlError::invalid(format!("Invalid null value in condition for column {}", self.column)))
    }
}

/// The most partitions one `IN` (or a product of them) may name.
const MAX_IN_PARTITIONS: usize = 100;

const FILTERING: &str = "Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING";

fn keys(table: &TableDef, kind: ColumnKind) -> Vec<&ColumnDef> {
    let mut cols: Vec<&ColumnDef> = table.columns.iter().filter(|c| c.kind == kind).collect();
    cols.sort_by_key(|c| c.position);
    cols
}

/// Plans `SELECT columns FROM table WHERE restrictions ORDER BY order LIMIT limit`
/// (`columns` empty for `*`).
pub fn plan(
    table: &Arc<TableDef>,
    columns: &[String],
    restrictions: &[Restriction],
    order: &[(String, ClusteringOrder)],
    limit: Option<u64>,
) -> CqlResult<SelectPlan> {
    plan_filtered(table, columns, restrictions, order, limit, false)
}

/// [`plan`] with `ALLOW FILTERING`: restrictions that neither pick partitions nor make
/// the clustering slice become filters over the rows read, instead of an error.
pub fn plan_filtered(
    table: &Arc<TableDef>,
    columns: &[String],
    restrictions: &[Restriction],
    order: &[(String, ClusteringOrder)],
    limit: Option<u64>,
    allow_filtering: bool,
) -> CqlResult<SelectPlan> {
    let mut filters = Vec::new();
    let mut keyed = Vec::new();
    let mut split = Vec::with_capacity(restrictions.len());
    for r in restrictions {
        if let Some(eqs) = super::multi_column::split_eq(r) {
            split.extend(eqs);
        } else if !r.with.is_empty() && r.op != Op::In && !uniform_order(table, r) {
            // A tuple slice over columns of mixed clustering order is no single slice:
            // read the first column's range and filter the rows by the whole tuple.
            filters.push(r.clone());
            let first = super::multi_column::tuple_values(r).and_then(|v| v.into_iter().next());
            let op = if matches!(r.op, Op::Gt | Op::Ge) { Op::Ge } else { Op::Le };
            split.push(Restriction::single(r.column.clone(), op, first.unwrap_or(CqlValue::Empty)));
        } else {
            split.push(r.clone());
        }
    }
    for r in &split {
        let def =
            table.column(&r.column).ok_or_else(|| CqlError::invalid(format!("Undefined column name {}", r.column)))?;
        let on_key = !matches!(def.kind, ColumnKind::Regular | ColumnKind::Static);
        let clustering_in = def.kind == ColumnKind::Clustering && r.op == Op::In;
        if on_key && !matches!(r.op, Op::Contains | Op::ContainsKey) && !clustering_in {
            keyed.push(r.clone());
        } else if allow_filtering || clustering_in {
            filters.push(r.clone());
        } else if def.kind == ColumnKind::Clustering {
            return Err(CqlError::invalid(
                "Cannot restrict clustering columns by a CONTAINS relation without a secondary index or filtering",
            ));
        } else {
            return Err(CqlError::invalid(FILTERING));
        }
    }
    let pk_cols = keys(table, ColumnKind::PartitionKey);
    let on_pk = |r: &Restriction| pk_cols.iter().any(|c| c.name == r.column);
    let pk_complete =
        pk_cols.iter().all(|c| keyed.iter().any(|r| r.column == c.name && matches!(r.op, Op::Eq | Op::In)));
    if allow_filtering && !pk_complete {
        // A partial partition key (or ranges on it) can only filter a scan.
        filters.extend(keyed.iter().filter(|r| on_pk(r)).cloned());
        keyed.retain(|r| !on_pk(r));
    }
    let ck_cols = keys(table, ColumnKind::Clustering);
    if allow_filtering && !pk_complete && keyed.iter().any(|r| ck_cols.iter().any(|c| c.name == r.column)) {
        filters.append(&mut keyed);
    }
    if allow_filtering {
        // Clustering restrictions past what makes one slice (an equality prefix, then
        // one range) filter the rows of that slice.
        let mut in_slice = true;
        for c in &ck_cols {
            let on: Vec<usize> = (0..keyed.len()).filter(|&i| keyed[i].column == c.name).collect();
            if !in_slice {
                for i in on.into_iter().rev() {
                    filters.push(keyed.remove(i));
                }
                continue;
            }
            match on.as_slice() {
                [] => in_slice = false,
                [i] if keyed[*i].op == Op::Eq && keyed[*i].with.is_empty() => {}
                _ if on.iter().all(|&i| matches!(keyed[i].op, Op::Lt | Op::Le | Op::Gt | Op::Ge)) => in_slice = false,
                _ => in_slice = false,
            }
        }
    }
    let mut plan = plan_keys(table, columns, &keyed, order, limit)?;
    plan.filters = filters;
    Ok(plan)
}

fn plan_keys(
    table: &Arc<TableDef>,
    columns: &[String],
    restrictions: &[Restriction],
    order: &[(String, ClusteringOrder)],
    limit: Option<u64>,
) -> CqlResult<SelectPlan> {
    let indexes = if columns.is_empty() {
        (0..table.columns.len()).collect()
    } else {
        columns
            .iter()
            .map(|n| {
                table
                    .columns
                    .iter()
                    .position(|c| &c.name == n)
                    .ok_or_else(|| CqlError::invalid(format!("Undefined column name {n}")))
            })
            .collect::<CqlResult<Vec<_>>>()?
    };

    let candidates = |name: &str| {
        restrictions.iter().find(|r| r.column == name && matches!(r.op, Op::Eq | Op::In)).map(|r| {
            match (&r.op, &r.value) {
                (Op::In, CqlValue::List(items)) => items.clone(),
                _ => vec![r.value.clone()],
            }
        })
    };
    let pk_cols = keys(table, ColumnKind::PartitionKey);
    let pk_values: Vec<Option<Vec<CqlValue>>> = pk_cols.iter().map(|c| candidates(&c.name)).collect();
    if restrictions.iter().any(|r| !matches!(r.op, Op::Eq | Op::In) && pk_cols.iter().any(|c| c.name == r.column)) {
        return Err(CqlError::invalid(
            "Only EQ and IN relation are supported on the partition key (unless you use the token() function or allow filtering)",
        ));
    }
    let mut in_partitions = Vec::new();
    let partition = if pk_values.iter().all(Option::is_some) {
        let mut keys: Vec<Vec<CqlValue>> = vec![Vec::new()];
        for values in pk_values.into_iter().flatten() {
            keys = keys
                .into_iter()
                .flat_map(|prefix| {
                    values.iter().map(move |v| {
                        let mut k = prefix.clone();
                        k.push(v.clone());
                        k
                    })
                })
                .collect();
            if keys.len() > MAX_IN_PARTITIONS {
                return Err(CqlError::invalid(format!(
                    "Select query cannot be completed because it selects more than {MAX_IN_PARTITIONS} partitions"
                )));
            }
        }
        if keys.len() == 1 {
            keys.pop()
        } else {
            keys.dedup();
            in_partitions = keys;
            None
        }
    } else if pk_values.iter().any(Option::is_some) {
        // Part of a composite partition key: only a filtered scan could answer it.
        return Err(CqlError::invalid(FILTERING));
    } else {
        None
    };

    let ck_cols = keys(table, ColumnKind::Clustering);
    let mut prefix = Vec::new();
    let mut range: Option<(&ColumnDef, Vec<&Restriction>)> = None;
    let mut unrestricted: Option<&str> = None;
    for c in &ck_cols {
        let on_column: Vec<&Restriction> = restrictions.iter().filter(|r| r.column == c.name).collect();
        if on_column.is_empty() {
            unrestricted = unrestricted.or(Some(&c.name));
            continue;
        }
        if let Some((prev, _)) = &range {
            return Err(CqlError::invalid(format!(
                "Clustering column \"{}\" cannot be restricted (preceding column \"{}\" is restricted by a non-EQ relation)",
                c.name, prev.name
            )));
        }
        if let Some(missing) = unrestricted {
            return Err(CqlError::invalid(format!(
                "PRIMARY KEY column \"{}\" cannot be restricted as preceding column \"{missing}\" is not restricted",
                c.name
            )));
        }
        match on_column.iter().find(|r| r.op == Op::Eq) {
            Some(r) if on_column.len() == 1 => prefix.push(r.value.clone()),
            Some(_) => {
                return Err(CqlError::invalid(format!(
                    "Column \"{}\" cannot be restricted by both an equality and an inequality relation",
                    c.name
                )))
            }
            None => range = Some((c, on_column)),
        }
    }
    let has_partitions = partition.is_some() || !in_partitions.is_empty();
    if !has_partitions && (!prefix.is_empty() || range.is_some()) {
        return Err(CqlError::invalid(FILTERING));
    }
    let mut slice = slice_of(prefix, range)?;

    if !order.is_empty() {
        if !has_partitions {
            return Err(CqlError::invalid(
                "ORDER BY is only supported when the partition key is restricted by an EQ or an IN.",
            ));
        }
        let mut reversed = None;
        for (i, (name, wanted)) in order.iter().enumerate() {
            let Some(c) = ck_cols.get(i).filter(|c| &c.name == name) else {
                if !ck_cols.iter().any(|c| &c.name == name) {
                    return Err(CqlError::invalid(format!(
                        "Order by is currently only supported on the clustered columns of the PRIMARY KEY, got {name}"
                    )));
                }
                return Err(CqlError::invalid(format!("Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY ({name})")));
            };
            let flips = c.order != *wanted;
            if *reversed.get_or_insert(flips) != flips {
                return Err(CqlError::invalid("Unsupported order by relation"));
            }
        }
        slice.reversed = reversed.unwrap_or(false);
    }
    Ok(SelectPlan {
        table: table.clone(),
        columns: indexes,
        partition,
        in_partitions,
        slice,
        limit,
        selection: Selection::Columns,
        filters: Vec::new(),
        distinct: false,
        group_by: 0,
        per_partition_limit: None,
        json: false,
        tokens: (Bound::Unbounded, Bound::Unbounded),
    })
}

/// Whether a secondary index answers these restrictions without ALLOW FILTERING, as
/// Cassandra decides: one restriction an index can look up (EQ or IN on an indexed
/// column, CONTAINS on an indexed collection's values, CONTAINS KEY on its keys), and
/// besides it only equalities on the partition key and, once that is complete,
/// restrictions on clustering columns. (Orbit answers the lookup by filtering a scan: the
/// same rows, read in token order.)
pub fn index_answers(table: &TableDef, restrictions: &[Restriction]) -> bool {
    use crate::schema::IndexTarget;
    let usable = |r: &Restriction| {
        r.with.is_empty()
            && table.indexes.iter().any(|i| {
                i.column == r.column
                    && match (r.op, i.target) {
                        (Op::Eq | Op::In, IndexTarget::Values | IndexTarget::Full) => {
                            let multi_cell = table.column(&r.column).is_some_and(|c| c.ty.is_multi_cell());
                            !multi_cell || i.target == IndexTarget::Full
                        }
                        (Op::Contains, IndexTarget::Values) => true,
                        (Op::ContainsKey, IndexTarget::Keys) => true,
                        _ => false,
                    }
            })
    };
    let Some(used) = restrictions.iter().position(usable) else { return false };
    let kind = |r: &Restriction| table.column(&r.column).map(|c| c.kind);
    let pk_cols = keys(table, ColumnKind::PartitionKey);
    let pk_complete = pk_cols.iter().all(|c| {
        restrictions.iter().any(|r| r.column == c.name && r.with.is_empty() && matches!(r.op, Op::Eq | Op::In))
    });
    restrictions.iter().enumerate().filter(|(i, _)| *i != used).all(|(_, r)| match kind(r) {
        Some(ColumnKind::PartitionKey) => matches!(r.op, Op::Eq | Op::In),
        Some(ColumnKind::Clustering) => pk_complete && !matches!(r.op, Op::Contains | Op::ContainsKey),
        _ => false,
    })
}

/// Whether the columns of a multi-column restriction share one clustering order.
fn uniform_order(table: &TableDef, r: &Restriction) -> bool {
    let order = |name: &str| table.column(name).map(|c| c.order);
    let first = order(&r.column);
    r.with.iter().all(|n| order(n) == first)
}

/// Whether `row` passes every ALLOW FILTERING restriction.
pub fn matches(table: &TableDef, row: &crate::model::RowData, filters: &[Restriction]) -> CqlResult<bool> {
    use crate::model::value::cql_cmp;
    use std::cmp::Ordering;
    for f in filters {
        let value = if f.with.is_empty() {
            row.value(table, &f.column)?
        } else {
            // The row's tuple of the restricted columns, compared as a tuple.
            let mut items = vec![row.value(table, &f.column)?];
            for n in &f.with {
                items.push(row.value(table, n)?);
            }
            Some(CqlValue::Tuple(items))
        };
        let Some(value) = value else { return Ok(false) };
        let ok = match f.op {
            Op::Eq => cql_cmp(&value, &f.value) == Ordering::Equal,
            Op::Lt => cql_cmp(&value, &f.value) == Ordering::Less,
            Op::Le => cql_cmp(&value, &f.value) != Ordering::Greater,
            Op::Gt => cql_cmp(&value, &f.value) == Ordering::Greater,
            Op::Ge => cql_cmp(&value, &f.value) != Ordering::Less,
            Op::In => match &f.value {
                CqlValue::List(items) => items.iter().any(|i| cql_cmp(&value, i) == Ordering::Equal),
                _ => false,
            },
            Op::Contains => match &value {
                CqlValue::List(items) | CqlValue::Set(items) => {
                    items.iter().any(|i| cql_cmp(i, &f.value) == Ordering::Equal)
                }
                CqlValue::Map(entries) => entries.iter().any(|(_, v)| cql_cmp(v, &f.value) == Ordering::Equal),
                _ => false,
            },
            Op::ContainsKey => match &value {
                CqlValue::Map(entries) => entries.iter().any(|(k, _)| cql_cmp(k, &f.value) == Ordering::Equal),
                _ => false,
            },
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

pub(crate) fn slice_of(prefix: Vec<CqlValue>, range: Option<(&ColumnDef, Vec<&Restriction>)>) -> CqlResult<Slice> {
    let whole = |p: &Vec<CqlValue>| if p.is_empty() { Bound::Unbounded } else { Bound::Included(p.clone()) };
    let Some((column, bounds)) = range else {
        return Ok(Slice { start: whole(&prefix), end: whole(&prefix), reversed: false });
    };
    let (mut start, mut end) = (whole(&prefix), whole(&prefix));
    let (mut has_lower, mut has_upper) = (false, false);
    for r in bounds {
        let mut at = prefix.clone();
        at.extend(r.bound_values()?);
        let lower_in_value_order = matches!(r.op, Op::Gt | Op::Ge);
        let inclusive = matches!(r.op, Op::Ge | Op::Le);
        let bound = if inclusive { Bound::Included(at) } else { Bound::Excluded(at) };
        let seen = if lower_in_value_order { &mut has_lower } else { &mut has_upper };
        if *seen {
            return Err(CqlError::invalid(format!(
                "More than one restriction was found for the {} bound on {}",
                if lower_in_value_order { "start" } else { "end" },
                column.name
            )));
        }
        *seen = true;
        if lower_in_value_order == (column.order == ClusteringOrder::Asc) {
            start = bound;
        } else {
            end = bound;
        }
    }
    Ok(Slice { start, end, reversed: false })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::table_def::{build, DeclaredColumn};
    use crate::types::CqlType;
    use std::collections::BTreeMap;

    fn table(order: ClusteringOrder) -> Arc<TableDef> {
        let d = |n: &str| DeclaredColumn { name: n.into(), ty: CqlType::Int, is_static: false };
        let ck = [("c1".to_string(), ClusteringOrder::Asc), ("c2".to_string(), order)];
        Arc::new(
            build("ks", "t", vec![d("k"), d("c1"), d("c2"), d("v")], &["k".into()], &ck, BTreeMap::new(), 0).unwrap(),
        )
    }

    fn r(column: &str, op: Op, v: i32) -> Restriction {
        Restriction::single(column, op, CqlValue::Int(v))
    }

    fn ints(v: &[i32]) -> Vec<CqlValue> {
        v.iter().map(|i| CqlValue::Int(*i)).collect()
    }

    #[test]
    fn ranges_become_slices_in_clustering_order() {
        let asc = plan(
            &table(ClusteringOrder::Asc),
            &[],
            &[r("k", Op::Eq, 1), r("c1", Op::Eq, 2), r("c2", Op::Gt, 3)],
            &[],
            None,
        )
        .unwrap();
        assert_eq!(asc.partition, Some(ints(&[1])));
        assert_eq!(asc.slice.start, Bound::Excluded(ints(&[2, 3])));
        assert_eq!(asc.slice.end, Bound::Included(ints(&[2])));
        // On a DESC column, `c2 > 3` ends the slice (larger values come first).
        let desc = plan(
            &table(ClusteringOrder::Desc),
            &[],
            &[r("k", Op::Eq, 1), r("c1", Op::Eq, 2), r("c2", Op::Gt, 3), r("c2", Op::Le, 9)],
            &[],
            None,
        )
        .unwrap();
        assert_eq!(desc.slice.start, Bound::Included(ints(&[2, 9])));
        assert_eq!(desc.slice.end, Bound::Excluded(ints(&[2, 3])));
        let whole =
            plan(&table(ClusteringOrder::Asc), &["v".into(), "k".into()], &[r("k", Op::Eq, 1)], &[], Some(5)).unwrap();
        assert_eq!((whole.columns, whole.slice), (vec![3, 0], Slice::all()));
        assert_eq!(plan(&table(ClusteringOrder::Asc), &[], &[], &[], None).unwrap().partition, None);
    }

    #[test]
    fn order_by_reverses_or_is_refused() {
        let t = table(ClusteringOrder::Asc);
        let k = [r("k", Op::Eq, 1)];
        let p = plan(&t, &[], &k, &[("c1".into(), ClusteringOrder::Desc), ("c2".into(), ClusteringOrder::Desc)], None)
            .unwrap();
        assert!(p.slice.reversed);
        let e = plan(&t, &[], &k, &[("c1".into(), ClusteringOrder::Desc), ("c2".into(), ClusteringOrder::Asc)], None)
            .unwrap_err();
        assert_eq!(e.message(), "Unsupported order by relation");
        let e = plan(&t, &[], &[], &[("c1".into(), ClusteringOrder::Desc)], None).unwrap_err();
        assert!(e.message().starts_with("ORDER BY is only supported"));
    }

    #[test]
    fn invalid_restrictions_answer_cassandras_messages() {
        let t = table(ClusteringOrder::Asc);
        let msg = |rs: &[Restriction]| plan(&t, &[], rs, &[], None).unwrap_err().message().to_string();
        assert!(msg(&[r("v", Op::Eq, 1)]).contains("ALLOW FILTERING"));
        assert!(msg(&[r("c1", Op::Eq, 1)]).contains("ALLOW FILTERING"));
        assert!(msg(&[r("k", Op::Eq, 1), r("c2", Op::Eq, 1)]).contains("preceding column \"c1\" is not restricted"));
        assert!(msg(&[r("k", Op::Eq, 1), r("c1", Op::Gt, 1), r("c2", Op::Eq, 1)])
            .contains("restricted by a non-EQ relation"));
        assert!(msg(&[r("k", Op::Gt, 1)]).starts_with("Only EQ and IN relation"));
        assert!(msg(&[r("k", Op::Eq, 1), r("c1", Op::Gt, 1), r("c1", Op::Ge, 2)]).contains("More than one restriction"));
    }
}
