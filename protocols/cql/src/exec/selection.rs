//! SELECT's selectors over read rows: plain columns, `writetime()` / `ttl()` from the
//! cells' metadata, constants and native function calls over other selectors, and the
//! aggregates (`count`, `min`, `max`, `sum`, `avg`) folded over
//! every selected row into one result row, as Cassandra answers them (an aggregate over
//! no rows is one row with count 0 and null min/max; non-aggregate selectors next to an
//! aggregate take the first row's values).

use super::functions::coerce;
use super::plan::{AggregateFn, SelectExpr, SelectItem};
use super::result::cell;
use crate::error::{CqlError, CqlResult};
use crate::model::value::cql_cmp;
use crate::model::{ColumnData, CqlValue, RowData};
use crate::schema::{ColumnKind, TableDef};
use crate::types::CqlType;
use bytes::Bytes;
use num_bigint::BigInt;
use std::cmp::Ordering;

/// One result cell of a non-aggregate selector.
pub fn item_cell(table: &TableDef, row: &RowData, item: &SelectItem, now: i64) -> CqlResult<Option<Bytes>> {
    if let SelectExpr::Column(i) = item.expr {
        let def = table.columns.get(i).ok_or_else(|| CqlError::server("selected column out of range"))?;
        return cell(row, def);
    }
    let value = eval(table, Some(row), &item.expr, now, &mut std::iter::empty())?;
    Ok(value.map(|v| Bytes::from(v.to_native())))
}

/// The value of `expr` over `row` (`None` when an aggregate read no row); aggregates
/// take their folded values from `folded`, in the order [`aggregates`] lists them.
fn eval(
    table: &TableDef,
    row: Option<&RowData>,
    expr: &SelectExpr,
    now: i64,
    folded: &mut dyn Iterator<Item = Option<CqlValue>>,
) -> CqlResult<Option<CqlValue>> {
    let column = |i: usize| table.columns.get(i).ok_or_else(|| CqlError::server("selected column out of range"));
    if let SelectExpr::CountRows | SelectExpr::Aggregate(..) = expr {
        return folded.next().ok_or_else(|| CqlError::server("aggregate outside a fold"));
    }
    if let SelectExpr::Value(v) = expr {
        return Ok(v.clone());
    }
    if let SelectExpr::Call(f, args) = expr {
        let mut values = Vec::with_capacity(args.len());
        for (arg, param) in args.iter().zip(&f.args) {
            values.push(eval(table, row, arg, now, folded)?.map(|v| coerce(v, param)).transpose()?);
        }
        return f.call(&values);
    }
    if let SelectExpr::Field(inner, i) = expr {
        return Ok(match eval(table, row, inner, now, folded)? {
            Some(CqlValue::Udt(fields)) => fields.into_iter().nth(*i).and_then(|(_, v)| v),
            _ => None,
        });
    }
    let Some(row) = row else { return Ok(None) };
    Ok(match expr {
        SelectExpr::Column(i) => row.value(table, &column(*i)?.name)?,
        SelectExpr::WriteTime(i) | SelectExpr::Ttl(i) => {
            let def = column(*i)?;
            if !matches!(def.kind, ColumnKind::Regular | ColumnKind::Static) {
                return Err(CqlError::invalid(format!(
                    "Cannot use selection function on PRIMARY KEY part {}",
                    def.name
                )));
            }
            let Some(ColumnData::Cell(c)) = row.columns.get(&def.name) else { return Ok(None) };
            match expr {
                SelectExpr::WriteTime(_) => Some(CqlValue::Bigint(c.timestamp)),
                _ => c.expiry.as_ref().map(|e| CqlValue::Int((e.at - now).clamp(0, i64::from(i32::MAX)) as i32)),
            }
        }
        SelectExpr::Token => {
            let key = crate::model::keys::serialize_partition_key(&row.partition_key)?;
            Some(CqlValue::Bigint(crate::model::keys::token_of(&key)))
        }
        SelectExpr::Element(i, key) => match row.value(table, &column(*i)?.name)? {
            Some(CqlValue::Map(entries)) => {
                entries.into_iter().find(|(k, _)| cql_cmp(k, key) == Ordering::Equal).map(|(_, v)| v)
            }
            Some(CqlValue::Set(items)) => items.into_iter().find(|e| cql_cmp(e, key) == Ordering::Equal),
            _ => None,
        },
        _ => return Err(CqlError::server("unhandled selector")),
    })
}

/// The aggregates within `expr`, in evaluation order.
fn aggregates<'e>(expr: &'e SelectExpr, out: &mut Vec<&'e SelectExpr>) {
    match expr {
        SelectExpr::CountRows | SelectExpr::Aggregate(..) => out.push(expr),
        SelectExpr::Call(_, args) => args.iter().for_each(|a| aggregates(a, out)),
        SelectExpr::Field(inner, _) => aggregates(inner, out),
        _ => {}
    }
}

/// The running state of an aggregate SELECT.
pub struct Fold<'a> {
    table: &'a TableDef,
    items: &'a [SelectItem],
    rows: i64,
    /// The first row read and its time: selectors outside aggregates take its values.
    first: Option<(RowData, i64)>,
    /// Every aggregate of the items, in evaluation order, with its state.
    states: Vec<(&'a SelectExpr, State)>,
}

#[derive(Default)]
struct State {
    count: i64,
    best: Option<CqlValue>,
    sum: Option<CqlValue>,
}

impl<'a> Fold<'a> {
    pub fn new(table: &'a TableDef, items: &'a [SelectItem]) -> Fold<'a> {
        let mut nodes = Vec::new();
        for item in items {
            aggregates(&item.expr, &mut nodes);
        }
        let states = nodes.into_iter().map(|n| (n, State::default())).collect();
        Fold { table, items, rows: 0, first: None, states }
    }

    pub fn add(&mut self, row: &RowData, now: i64) -> CqlResult<()> {
        self.rows += 1;
        if self.first.is_none() {
            self.first = Some((row.clone(), now));
        }
        for (expr, state) in self.states.iter_mut() {
            let SelectExpr::Aggregate(f, arg, _) = *expr else { continue };
            let f = *f;
            let Some(value) = eval(self.table, Some(row), arg, now, &mut std::iter::empty())? else { continue };
            state.count += 1;
            match f {
                AggregateFn::Count => {}
                AggregateFn::Min | AggregateFn::Max => {
                    let wanted = if f == AggregateFn::Min { Ordering::Less } else { Ordering::Greater };
                    if state.best.as_ref().is_none_or(|b| cql_cmp(&value, b) == wanted) {
                        state.best = Some(value);
                    }
                }
                AggregateFn::Sum | AggregateFn::Avg => {
                    state.sum = Some(match state.sum.take() {
                        None => value,
                        Some(acc) => add(&acc, &value)?,
                    });
                }
            }
        }
        Ok(())
    }

    /// The one result row.
    pub fn finish(self) -> CqlResult<Vec<Option<Bytes>>> {
        let mut folded = Vec::with_capacity(self.states.len());
        for (expr, state) in self.states {
            folded.push(match expr {
                SelectExpr::Aggregate(f, _, ty) => match f {
                    AggregateFn::Count => Some(CqlValue::Bigint(state.count)),
                    AggregateFn::Min | AggregateFn::Max => state.best,
                    AggregateFn::Sum => Some(state.sum.unwrap_or(zero(ty)?)),
                    AggregateFn::Avg => Some(match state.sum {
                        None => zero(ty)?,
                        Some(sum) => divide(&sum, state.count)?,
                    }),
                },
                _ => Some(CqlValue::Bigint(self.rows)),
            });
        }
        let mut folded = folded.into_iter();
        let (first, now) = match &self.first {
            Some((row, now)) => (Some(row), *now),
            None => (None, 0),
        };
        let mut out = Vec::with_capacity(self.items.len());
        for item in self.items {
            let value = eval(self.table, first, &item.expr, now, &mut folded)?;
            out.push(value.map(|v| Bytes::from(v.to_native())));
        }
        Ok(out)
    }
}

/// The type `sum`/`avg` answer for a column type, or why the column cannot be summed.
pub fn numeric_result(ty: &CqlType, function: &str) -> CqlResult<CqlType> {
    match ty.unfrozen() {
        CqlType::Counter => Ok(CqlType::Bigint),
        t @ (CqlType::Int
        | CqlType::Bigint
        | CqlType::Smallint
        | CqlType::Tinyint
        | CqlType::Varint
        | CqlType::Decimal
        | CqlType::Float
        | CqlType::Double) => Ok(t.clone()),
        other => Err(CqlError::invalid(format!(
            "Invalid call to function {function}, none of its type signatures match (known type signatures: system.{function} : (int) -> int, ...) for argument of type {other}"
        ))),
    }
}

fn zero(ty: &CqlType) -> CqlResult<CqlValue> {
    Ok(match ty {
        CqlType::Int => CqlValue::Int(0),
        CqlType::Bigint => CqlValue::Bigint(0),
        CqlType::Smallint => CqlValue::Smallint(0),
        CqlType::Tinyint => CqlValue::Tinyint(0),
        CqlType::Varint => CqlValue::Varint(BigInt::from(0)),
        CqlType::Decimal => CqlValue::Decimal { unscaled: BigInt::from(0), scale: 0 },
        CqlType::Float => CqlValue::Float(0.0),
        CqlType::Double => CqlValue::Double(0.0),
        other => return Err(CqlError::invalid(format!("Cannot sum values of type {other}"))),
    })
}

/// The widest difference of scales `sum`/`avg` align decimals over (client values pick
/// any scale; aligning 2^31 places would be a 2^31-digit number).
const MAX_SCALE_GAP: i64 = 10_000;

/// `a + b` in the column's own type (integer sums wrap like Cassandra's Java arithmetic).
fn add(a: &CqlValue, b: &CqlValue) -> CqlResult<CqlValue> {
    Ok(match (a, b) {
        (CqlValue::Int(x), CqlValue::Int(y)) => CqlValue::Int(x.wrapping_add(*y)),
        (CqlValue::Bigint(x), CqlValue::Bigint(y)) => CqlValue::Bigint(x.wrapping_add(*y)),
        (CqlValue::Counter(x), CqlValue::Counter(y)) => CqlValue::Counter(x.wrapping_add(*y)),
        (CqlValue::Counter(x), CqlValue::Bigint(y)) => CqlValue::Bigint(x.wrapping_add(*y)),
        (CqlValue::Smallint(x), CqlValue::Smallint(y)) => CqlValue::Smallint(x.wrapping_add(*y)),
        (CqlValue::Tinyint(x), CqlValue::Tinyint(y)) => CqlValue::Tinyint(x.wrapping_add(*y)),
        (CqlValue::Varint(x), CqlValue::Varint(y)) => CqlValue::Varint(x + y),
        (CqlValue::Float(x), CqlValue::Float(y)) => CqlValue::Float(x + y),
        (CqlValue::Double(x), CqlValue::Double(y)) => CqlValue::Double(x + y),
        (CqlValue::Decimal { unscaled: ux, scale: sx }, CqlValue::Decimal { unscaled: uy, scale: sy }) => {
            let scale = (*sx).max(*sy);
            let gap = |s: i32| i64::from(scale) - i64::from(s);
            if gap(*sx).max(gap(*sy)) > MAX_SCALE_GAP {
                return Err(CqlError::invalid("Decimal values too far apart in scale to sum"));
            }
            let up = |u: &BigInt, s: i32| u * BigInt::from(10).pow(gap(s) as u32);
            CqlValue::Decimal { unscaled: up(ux, *sx) + up(uy, *sy), scale }
        }
        _ => return Err(CqlError::server("sum over mixed types")),
    })
}

fn divide(sum: &CqlValue, count: i64) -> CqlResult<CqlValue> {
    let n = count.max(1);
    Ok(match sum {
        CqlValue::Int(x) => CqlValue::Int((i64::from(*x) / n) as i32),
        CqlValue::Bigint(x) | CqlValue::Counter(x) => CqlValue::Bigint(x / n),
        CqlValue::Smallint(x) => CqlValue::Smallint((i64::from(*x) / n) as i16),
        CqlValue::Tinyint(x) => CqlValue::Tinyint((i64::from(*x) / n) as i8),
        CqlValue::Varint(x) => CqlValue::Varint(x / BigInt::from(n)),
        CqlValue::Float(x) => CqlValue::Float(x / n as f32),
        CqlValue::Double(x) => CqlValue::Double(x / n as f64),
        CqlValue::Decimal { unscaled, scale } => {
            // Cassandra divides decimals with up to 32 significant digits.
            let extra = 16i32;
            let scaled = unscaled * BigInt::from(10).pow(extra as u32);
            CqlValue::Decimal { unscaled: scaled / BigInt::from(n), scale: scale + extra }
        }
        _ => return Err(CqlError::server("avg over a non-numeric type")),
    })
}
