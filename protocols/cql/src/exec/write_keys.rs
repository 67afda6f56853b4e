//! The WHERE clause of UPDATE and DELETE as the rows it names: equality and IN on the
//! primary key columns expand into every combination of their values (an empty IN names
//! none), and, for DELETE, a range on the clustering column after an equality prefix is a
//! clustering slice (a range tombstone). Other relations answer Cassandra's messages.

use super::bind::Bound;
use super::multi_column;
use super::select::{self, Op, Restriction};
use super::translate::{restriction, Terms};
use super::write;
use crate::error::{CqlError, CqlResult};
use crate::model::{CqlValue, Slice};
use crate::parse::ast::{Operator, Relation, RelationTarget};
use crate::schema::{ColumnDef, ColumnKind, TableDef};

/// How many rows one UPDATE or DELETE may name through IN lists.
const MAX_WRITE_KEYS: usize = 65_536;

/// The statement a WHERE clause belongs to (their rules differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Update,
    Delete,
}

/// The rows a write names: one list of `(column, value)` key values per row (a partition
/// key and a clustering prefix), and the ranges of a ranged DELETE ([`slice_for`] makes
/// each key's slice of them).
#[derive(Debug, Clone, PartialEq)]
pub struct WriteKeys {
    pub keys: Vec<Vec<(String, Bound)>>,
    pub ranges: Vec<Restriction>,
    /// The kind of key column restricted by IN, if any (conditions refuse IN); the
    /// partition key's when both are.
    pub in_on: Option<ColumnKind>,
}

fn sorted(t: &TableDef, kind: ColumnKind) -> Vec<&ColumnDef> {
    let mut cols: Vec<&ColumnDef> = t.columns.iter().filter(|c| c.kind == kind).collect();
    cols.sort_by_key(|c| c.position);
    cols
}

/// The rows `relations` name in `t`.
pub fn write_keys(t: &TableDef, terms: &Terms<'_>, relations: &[Relation], kind: WriteKind) -> CqlResult<WriteKeys> {
    // Per group of key columns (one column, or a multi-column relation's), the candidate
    // value tuples (one for EQ, the list for IN); and the ranges.
    let mut candidates: Vec<(Vec<String>, Vec<Vec<Bound>>)> = Vec::new();
    let mut ranges: Vec<Restriction> = Vec::new();
    let mut in_on: Option<ColumnKind> = None;
    for r in relations {
        let (names, def) = match &r.target {
            RelationTarget::Column(name) => {
                let def = t.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
                (vec![name.clone()], def)
            }
            RelationTarget::Tuple(names) => {
                let bound = multi_column::restriction(t, terms, names, r)?;
                let def = t.column(&bound.column).ok_or_else(|| CqlError::invalid("Undefined column"))?;
                match bound.op {
                    Op::Eq | Op::In => {
                        let tuples = match (&bound.op, bound.value) {
                            (Op::In, CqlValue::List(items)) => items,
                            (_, one) => vec![one],
                        };
                        let tuples = tuples
                            .into_iter()
                            .map(|v| match v {
                                CqlValue::Tuple(items) => {
                                    items.into_iter().map(|i| i.map_or(Bound::Null, Bound::Value)).collect()
                                }
                                other => vec![Bound::Value(other)],
                            })
                            .collect();
                        if bound.op == Op::In && in_on != Some(ColumnKind::PartitionKey) {
                            in_on = Some(ColumnKind::Clustering);
                        }
                        push_candidates(&mut candidates, names.clone(), tuples)?;
                    }
                    _ if kind == WriteKind::Update => {
                        return Err(CqlError::invalid(
                            "Slice restrictions are not supported on the clustering columns in UPDATE statements",
                        ))
                    }
                    _ => ranges.push(bound),
                }
                let _ = def;
                continue;
            }
            RelationTarget::Token(_) => {
                return Err(CqlError::invalid(
                    "The token function cannot be used in WHERE clauses for UPDATE and DELETE statements",
                ))
            }
            _ => return Err(CqlError::invalid("Only column relations are supported in UPDATE and DELETE statements")),
        };
        let name = &names[0];
        if !matches!(def.kind, ColumnKind::PartitionKey | ColumnKind::Clustering) {
            return Err(CqlError::invalid(format!("Non PRIMARY KEY columns found in where clause: {name} ")));
        }
        match r.op {
            Operator::Eq => {
                let value = terms.value_of(t, name, &r.value, &def.ty)?;
                push_candidates(&mut candidates, names, vec![vec![value]])?;
            }
            Operator::In => {
                if in_on != Some(ColumnKind::PartitionKey) {
                    in_on = Some(def.kind);
                }
                let Restriction { value, .. } = restriction(t, terms, name, r)?;
                let CqlValue::List(items) = value else {
                    return Err(CqlError::invalid(format!("Invalid null value for IN restriction on {name}")));
                };
                push_candidates(&mut candidates, names, items.into_iter().map(|v| vec![Bound::Value(v)]).collect())?;
            }
            Operator::Lt | Operator::Lte | Operator::Gt | Operator::Gte => {
                if def.kind == ColumnKind::PartitionKey {
                    return Err(CqlError::invalid(
                        "Only EQ and IN relation are supported on the partition key (unless you use the token() function or allow filtering)",
                    ));
                }
                if kind == WriteKind::Update {
                    return Err(CqlError::invalid(
                        "Slice restrictions are not supported on the clustering columns in UPDATE statements",
                    ));
                }
                ranges.push(restriction(t, terms, name, r)?);
            }
            Operator::Contains | Operator::ContainsKey => {
                let verb = if kind == WriteKind::Update { "UPDATE" } else { "DELETE" };
                let what = if r.op == Operator::Contains { "CONTAINS" } else { "CONTAINS KEY" };
                return Err(CqlError::invalid(format!("Cannot use {verb} with {what}")));
            }
            _ => return Err(CqlError::invalid(format!("Unsupported \"!=\" relation: {name} != ..."))),
        }
    }
    let restricted = |name: &str| candidates.iter().any(|(names, _)| names.iter().any(|n| n == name));
    if let Some(r) = ranges.iter().find(|r| restricted(&r.column)) {
        return Err(CqlError::invalid(format!(
            "Column \"{}\" cannot be restricted by both an equality and an inequality relation",
            r.column
        )));
    }

    // Every combination of the candidates, in key column order.
    let mut keys: Vec<Vec<(String, Bound)>> = vec![Vec::new()];
    for (names, tuples) in &candidates {
        let mut next = Vec::with_capacity(keys.len().saturating_mul(tuples.len()));
        for key in &keys {
            for values in tuples {
                let mut k = key.clone();
                k.extend(names.iter().cloned().zip(values.iter().cloned()));
                next.push(k);
            }
        }
        if next.len() > MAX_WRITE_KEYS {
            return Err(CqlError::invalid(format!("An UPDATE or DELETE may name at most {MAX_WRITE_KEYS} rows")));
        }
        keys = next;
    }

    if !ranges.is_empty() {
        let clustering = sorted(t, ColumnKind::Clustering);
        // The range must be on the clustering column right after the equality prefix,
        // and nothing after it may be restricted.
        let prefix_len = clustering.iter().take_while(|c| restricted(&c.name)).count();
        let column = clustering.get(prefix_len).map_or("", |c| c.name.as_str());
        if let Some(r) = ranges.iter().find(|r| r.column != column) {
            return Err(CqlError::invalid(format!(
                "PRIMARY KEY column \"{}\" cannot be restricted as preceding column \"{column}\" is not restricted",
                r.column
            )));
        }
        if let Some(later) = clustering.iter().skip(prefix_len + 1).find(|c| restricted(&c.name)) {
            return Err(CqlError::invalid(format!(
                "Clustering column \"{}\" cannot be restricted (preceding column \"{column}\" is restricted by a non-EQ relation)",
                later.name
            )));
        }
    }
    Ok(WriteKeys { keys, ranges, in_on })
}

impl WriteKeys {
    /// Cassandra's refusal of IN with IF conditions, when there is one.
    pub fn refuse_in_with_conditions(&self, kind: WriteKind) -> CqlResult<()> {
        let writes = if kind == WriteKind::Delete { "deletions" } else { "updates" };
        match self.in_on {
            Some(ColumnKind::PartitionKey) => {
                Err(CqlError::invalid(format!("IN on the partition key is not supported with conditional {writes}")))
            }
            Some(_) => Err(CqlError::invalid(format!(
                "IN on the clustering key columns is not supported with conditional {writes}"
            ))),
            None => Ok(()),
        }
    }
}

/// Adds a group of candidates, refusing a column restricted twice.
fn push_candidates(
    candidates: &mut Vec<(Vec<String>, Vec<Vec<Bound>>)>,
    names: Vec<String>,
    tuples: Vec<Vec<Bound>>,
) -> CqlResult<()> {
    if let Some(name) = names.iter().find(|n| candidates.iter().any(|(names, _)| names.contains(n))) {
        return Err(CqlError::invalid(format!(
            "{name} cannot be restricted by more than one relation if it includes an Equal"
        )));
    }
    candidates.push((names, tuples));
    Ok(())
}

/// The clustering slice of one key of a ranged DELETE: the key's equality prefix and
/// the ranges on the next column.
pub fn slice_for(t: &TableDef, key: &[(String, Bound)], ranges: &[Restriction]) -> CqlResult<Slice> {
    let prefix = write::clustering_prefix(t, key)?;
    let clustering = sorted(t, ColumnKind::Clustering);
    let column = clustering.get(prefix.len()).copied();
    select::slice_of(prefix, column.map(|c| (c, ranges.iter().collect())))
}
