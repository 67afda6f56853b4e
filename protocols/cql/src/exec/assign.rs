//! UPDATE's assignments and DELETE's element targets as cell operations: `c = v`,
//! counters (`c = c + n`, `c = c - n`), collection element writes (`l = l + [..]`,
//! `l = [..] + l`, `s = s - {..}`, `m = m + {..}`, `m[k] = v`, `l[i] = v`) and element
//! deletes (`DELETE m[k]`, `DELETE l[i]`), never a read-modify-write of the whole
//! collection. Frozen collections only take whole values, as in Cassandra.

use super::bind::Bound;
use super::translate::Terms;
use crate::error::{CqlError, CqlResult};
use crate::model::{ColumnOp, ColumnWrite, CqlValue};
use crate::parse::ast::{AssignTarget, AssignValue, Term};
use crate::schema::{ColumnDef, TableDef};
use crate::types::CqlType;

fn column<'a>(t: &'a TableDef, name: &str) -> CqlResult<&'a ColumnDef> {
    t.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))
}

fn shown(value: &AssignValue, name: &str) -> String {
    match value {
        AssignValue::Set(_) => format!("{name} = ..."),
        AssignValue::Append(_) => format!("{name} = {name} + ..."),
        AssignValue::Prepend(_) => format!("{name} = ... + {name}"),
        AssignValue::Remove(_) => format!("{name} = {name} - ..."),
    }
}

/// The elements of a collection-valued bound term (`None` when unset: no operation).
fn elements(bound: Bound) -> CqlResult<Option<CqlValue>> {
    match bound {
        Bound::Value(v) => Ok(Some(v)),
        Bound::Unset => Ok(None),
        Bound::Null => Err(CqlError::invalid("Invalid null value for collection operation")),
    }
}

/// One assignment of UPDATE's SET; `None` when its value is unset.
pub fn assignment(
    t: &TableDef,
    terms: &Terms<'_>,
    target: &AssignTarget,
    value: &AssignValue,
) -> CqlResult<Option<ColumnWrite>> {
    let (name, element) = match target {
        AssignTarget::Column(name) => (name, None),
        AssignTarget::Element(name, key) => (name, Some(key)),
        AssignTarget::Field(..) => return Err(CqlError::not_supported("setting a field of a non-frozen user type")),
    };
    let def = column(t, name)?;
    if matches!(def.kind, crate::schema::ColumnKind::PartitionKey | crate::schema::ColumnKind::Clustering) {
        return Err(CqlError::invalid(format!("PRIMARY KEY part {name} found in SET part")));
    }
    let write = |op| Ok(Some(ColumnWrite { column: def.name.clone(), op }));
    if let Some(key) = element {
        let AssignValue::Set(term) = value else {
            return Err(CqlError::invalid(format!(
                "Invalid operation ({}) for collection element",
                shown(value, name)
            )));
        };
        return element_write(t, terms, def, key, Some(term));
    }
    let ty = &def.ty;
    let frozen = matches!(ty, CqlType::Frozen(_));
    let term = match value {
        AssignValue::Set(term) => {
            if ty == &CqlType::Counter {
                return Err(CqlError::invalid(format!(
                    "Cannot set the value of counter column {name} (counters can only be incremented/decremented, not set)"
                )));
            }
            return match terms.value_of(t, name, term, ty)? {
                Bound::Value(v) => write(ColumnOp::Set(v)),
                Bound::Null => write(ColumnOp::Delete),
                Bound::Unset => Ok(None),
            };
        }
        AssignValue::Append(term) | AssignValue::Prepend(term) | AssignValue::Remove(term) => term,
    };
    let removing = matches!(value, AssignValue::Remove(_));
    if ty == &CqlType::Counter {
        if matches!(value, AssignValue::Prepend(_)) {
            return Err(CqlError::invalid(format!(
                "Invalid operation ({}) for counter column {name}",
                shown(value, name)
            )));
        }
        return match terms.value_of(t, name, term, &CqlType::Counter)? {
            Bound::Value(CqlValue::Counter(n) | CqlValue::Bigint(n)) => {
                write(ColumnOp::CounterAdd(if removing { n.wrapping_neg() } else { n }))
            }
            Bound::Unset => Ok(None),
            _ => Err(CqlError::invalid(format!("Invalid null value for counter increment on {name}"))),
        };
    }
    if frozen || !matches!(ty, CqlType::List(_) | CqlType::Set(_) | CqlType::Map(..)) {
        return Err(CqlError::invalid(format!(
            "Invalid operation ({}) for {} column {name}",
            shown(value, name),
            if frozen { "frozen collection" } else { "non counter" }
        )));
    }
    let op = match (ty, value) {
        (CqlType::List(_), AssignValue::Append(_)) => match elements(terms.value_of(t, name, term, ty)?)? {
            Some(CqlValue::List(items)) => ColumnOp::Append(items),
            _ => return Ok(None),
        },
        (CqlType::List(_), AssignValue::Prepend(_)) => match elements(terms.value_of(t, name, term, ty)?)? {
            Some(CqlValue::List(items)) => ColumnOp::Prepend(items),
            _ => return Ok(None),
        },
        (CqlType::List(_), AssignValue::Remove(_)) => match elements(terms.value_of(t, name, term, ty)?)? {
            Some(CqlValue::List(items)) => ColumnOp::RemoveValues(items),
            _ => return Ok(None),
        },
        (CqlType::Set(_), AssignValue::Append(_)) => match elements(terms.value_of(t, name, term, ty)?)? {
            Some(CqlValue::Set(items)) => ColumnOp::AddElements(items),
            _ => return Ok(None),
        },
        (CqlType::Set(_), AssignValue::Remove(_)) => match elements(terms.value_of(t, name, term, ty)?)? {
            Some(CqlValue::Set(items)) => ColumnOp::RemoveKeys(items),
            _ => return Ok(None),
        },
        (CqlType::Map(..), AssignValue::Append(_)) => match elements(terms.value_of(t, name, term, ty)?)? {
            Some(CqlValue::Map(entries)) => ColumnOp::PutEntries(entries),
            _ => return Ok(None),
        },
        (CqlType::Map(key, _), AssignValue::Remove(_)) => {
            let keys = CqlType::Set(key.clone());
            match elements(terms.value_of(t, name, term, &keys)?)? {
                Some(CqlValue::Set(items)) => ColumnOp::RemoveKeys(items),
                _ => return Ok(None),
            }
        }
        _ => {
            return Err(CqlError::invalid(format!(
                "Invalid operation ({}) for {} column {name}",
                shown(value, name),
                ty
            )))
        }
    };
    write(op)
}

/// `m[k] = v`, `l[i] = v` (with a value) or `DELETE m[k]`, `DELETE l[i]` (without).
pub fn element_write(
    t: &TableDef,
    terms: &Terms<'_>,
    def: &ColumnDef,
    key: &Term,
    value: Option<&Term>,
) -> CqlResult<Option<ColumnWrite>> {
    let name = &def.name;
    let write = |op| Ok(Some(ColumnWrite { column: name.clone(), op }));
    let key_value = |ty: &CqlType| match terms.value_of(t, name, key, ty)? {
        Bound::Value(v) => Ok(Some(v)),
        Bound::Unset => Ok(None),
        Bound::Null => Err(CqlError::invalid(format!("Invalid null value for {name} element"))),
    };
    match &def.ty {
        CqlType::Map(kt, vt) => {
            let Some(k) = key_value(kt)? else { return Ok(None) };
            match value.map(|v| terms.value_of(t, name, v, vt)).transpose()? {
                None | Some(Bound::Null) => write(ColumnOp::RemoveKeys(vec![k])),
                Some(Bound::Value(v)) => write(ColumnOp::PutEntries(vec![(k, v)])),
                Some(Bound::Unset) => Ok(None),
            }
        }
        CqlType::List(et) => {
            let Some(CqlValue::Int(i)) = key_value(&CqlType::Int)? else { return Ok(None) };
            let index =
                usize::try_from(i).map_err(|_| CqlError::invalid(format!("Invalid negative list index {i}")))?;
            match value.map(|v| terms.value_of(t, name, v, et)).transpose()? {
                None | Some(Bound::Null) => write(ColumnOp::SetIndex(index, None)),
                Some(Bound::Value(v)) => write(ColumnOp::SetIndex(index, Some(v))),
                Some(Bound::Unset) => Ok(None),
            }
        }
        CqlType::Set(_) if value.is_none() => Err(CqlError::invalid(format!(
            "Invalid operation: deleting an element of set {name} by subscript (use {name} = {name} - {{...}})"
        ))),
        other => Err(CqlError::invalid(format!(
            "Invalid operation for {name} element: column of type {other} is not a non-frozen list or map"
        ))),
    }
}
