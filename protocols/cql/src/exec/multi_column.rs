//! Multi-column relations on clustering columns — `(b, c) = (1, 2)`, `(b, c) > (1, 2)`,
//! `(b, c) IN ((1, 2), (3, 4))` — bound into a [`Restriction`] on the first column whose
//! `with` names the others: the value is the tuple of the values (a list of tuples for
//! IN). The columns must be clustering columns in PRIMARY KEY order, as Cassandra
//! requires, and tuples must have as many elements as there are columns.

use super::bind::Bound;
use super::select::{Op, Restriction};
use super::translate::Terms;
use crate::error::{CqlError, CqlResult};
use crate::model::CqlValue;
use crate::parse::ast::{Operator, Relation, Term};
use crate::schema::{ColumnDef, ColumnKind, TableDef};
use crate::types::CqlType;

fn columns<'t>(t: &'t TableDef, names: &[String]) -> CqlResult<Vec<&'t ColumnDef>> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let def = t.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
        if def.kind != ColumnKind::Clustering {
            return Err(CqlError::invalid(format!(
                "Multi-column relations can only be applied to clustering columns but was applied to: {name}"
            )));
        }
        out.push(def);
    }
    let in_order = out.windows(2).all(|w| w[1].position == w[0].position + 1);
    if !in_order {
        return Err(CqlError::invalid(format!(
            "Clustering columns must appear in the PRIMARY KEY order in multi-column relations: ({})",
            names.join(", ")
        )));
    }
    Ok(out)
}

/// One tuple of values for `cols`, from a tuple term (each element bound for its column,
/// as a marker in it is named by that column) or a marker of the whole tuple.
fn tuple(t: &TableDef, terms: &Terms<'_>, cols: &[&ColumnDef], term: &Term) -> CqlResult<Vec<CqlValue>> {
    let null = |c: &ColumnDef| CqlError::invalid(format!("Invalid null value in condition for column {}", c.name));
    let unset = |c: &ColumnDef| CqlError::invalid(format!("Invalid unset value for column {}", c.name));
    let items = match term {
        Term::Tuple(items) => {
            if items.len() != cols.len() {
                return Err(CqlError::invalid(format!(
                    "Expected {} elements in value tuple, but got {}",
                    cols.len(),
                    items.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for (c, item) in cols.iter().zip(items) {
                match terms.value_of(t, &c.name, item, &c.ty)? {
                    Bound::Value(v) => out.push(v),
                    Bound::Unset => return Err(unset(c)),
                    Bound::Null => return Err(null(c)),
                }
            }
            return Ok(out);
        }
        other => {
            let ty = CqlType::Tuple(cols.iter().map(|c| c.ty.clone()).collect());
            match terms.value_of(t, &cols[0].name, other, &ty)? {
                Bound::Value(CqlValue::Tuple(items)) => items,
                Bound::Unset => return Err(unset(cols[0])),
                _ => return Err(null(cols[0])),
            }
        }
    };
    cols.iter().zip(items).map(|(c, v)| v.ok_or_else(|| null(c))).collect()
}

/// `(names) op value` bound.
pub fn restriction(t: &TableDef, terms: &Terms<'_>, names: &[String], r: &Relation) -> CqlResult<Restriction> {
    let cols = columns(t, names)?;
    let Some(first) = cols.first() else {
        return Err(CqlError::syntax("Empty column list in a multi-column relation"));
    };
    let with = cols[1..].iter().map(|c| c.name.clone()).collect();
    let (op, value) = match r.op {
        Operator::In => {
            let tuples = match &r.value {
                Term::Tuple(items) => {
                    items.iter().map(|item| tuple(t, terms, &cols, item)).collect::<CqlResult<Vec<_>>>()?
                }
                marker => {
                    let ty = CqlType::List(Box::new(CqlType::Tuple(cols.iter().map(|c| c.ty.clone()).collect())));
                    match terms.value_of(t, &first.name, marker, &ty)? {
                        Bound::Value(CqlValue::List(items)) => items
                            .into_iter()
                            .map(|item| match item {
                                CqlValue::Tuple(values) => values
                                    .into_iter()
                                    .zip(&cols)
                                    .map(|(v, c)| {
                                        v.ok_or_else(|| {
                                            CqlError::invalid(format!(
                                                "Invalid null value in condition for column {}",
                                                c.name
                                            ))
                                        })
                                    })
                                    .collect(),
                                _ => Err(CqlError::invalid("Invalid IN value: expected tuples")),
                            })
                            .collect::<CqlResult<Vec<_>>>()?,
                        _ => return Err(CqlError::invalid("Invalid null value for IN restriction")),
                    }
                }
            };
            let list = tuples.into_iter().map(|v| CqlValue::Tuple(v.into_iter().map(Some).collect())).collect();
            (Op::In, CqlValue::List(list))
        }
        Operator::Eq | Operator::Lt | Operator::Lte | Operator::Gt | Operator::Gte => {
            let op = match r.op {
                Operator::Eq => Op::Eq,
                Operator::Lt => Op::Lt,
                Operator::Lte => Op::Le,
                Operator::Gt => Op::Gt,
                _ => Op::Ge,
            };
            (op, CqlValue::Tuple(tuple(t, terms, &cols, &r.value)?.into_iter().map(Some).collect()))
        }
        Operator::Neq => {
            return Err(CqlError::invalid(format!("Unsupported \"!=\" relation: ({}) != ...", names.join(", "))))
        }
        _ => return Err(CqlError::invalid(format!("Unsupported relation on ({})", names.join(", ")))),
    };
    if cols.len() == 1 {
        // `(b) op (v)` is `b op v`.
        let unwrap = |v: CqlValue| match v {
            CqlValue::Tuple(mut items) if items.len() == 1 => items.pop().flatten().unwrap_or(CqlValue::Empty),
            other => other,
        };
        let value = match value {
            CqlValue::List(items) if op == Op::In => CqlValue::List(items.into_iter().map(unwrap).collect()),
            other => unwrap(other),
        };
        return Ok(Restriction::single(first.name.clone(), op, value));
    }
    Ok(Restriction { column: first.name.clone(), op, value, with })
}

/// The values of a multi-column restriction's tuple (`Some` for EQ and slices).
pub fn tuple_values(r: &Restriction) -> Option<Vec<CqlValue>> {
    match &r.value {
        CqlValue::Tuple(items) if !r.with.is_empty() => items.iter().cloned().collect::<Option<Vec<_>>>(),
        _ => None,
    }
}

/// An equality on several columns as one equality per column.
pub fn split_eq(r: &Restriction) -> Option<Vec<Restriction>> {
    if r.op != Op::Eq || r.with.is_empty() {
        return None;
    }
    let values = tuple_values(r)?;
    let names = std::iter::once(&r.column).chain(&r.with);
    Some(
        names
            .zip(values)
            .map(|(column, value)| Restriction { column: column.clone(), op: Op::Eq, value, with: Vec::new() })
            .collect(),
    )
}
