//! The SELECT clause as result columns: `*`, plain columns, or items — columns,
//! `writetime`/`ttl`, `token`, collection elements, user-type fields, aggregates (over
//! any selector), constants, and native scalar functions (over columns, constants, other
//! calls and aggregates), `toJson` and `CAST` — each with the type and the column name
//! Cassandra gives it (`system.blobasint(system.intasblob(v))`, `cast(v as float)`,
//! `writetime(v)`, `u.f`).

use super::bind::Bound;
use super::functions::{self, cast, json, literal_type, Arg, ArgType};
use super::plan::{AggregateFn, SelectExpr, SelectItem};
use super::selection::numeric_result;
use super::term_call::{arg_of, term_text};
use super::translate::Terms;
use crate::error::{CqlError, CqlResult};
use crate::parse::ast::{Literal, SelectItem as RawItem, Selector, Term};
use crate::schema::TableDef;
use crate::types::CqlType;

pub(super) enum Chosen {
    All,
    Columns(Vec<usize>),
    Items(Vec<SelectItem>),
}

pub(super) fn column_index(t: &TableDef, name: &str) -> CqlResult<usize> {
    t.columns
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))
}

/// The selectors of a SELECT: `*`, plain columns, or items with names and types.
pub(super) fn selection(t: &TableDef, terms: &Terms<'_>, items: &[RawItem]) -> CqlResult<Chosen> {
    if items.is_empty() || (items.len() == 1 && items[0].selector == Selector::Star && items[0].alias.is_none()) {
        return Ok(Chosen::All);
    }
    if items.iter().all(|i| i.alias.is_none() && matches!(i.selector, Selector::Column(_))) {
        let names = items.iter().filter_map(|i| match &i.selector {
            Selector::Column(c) => Some(c.as_str()),
            _ => None,
        });
        return Ok(Chosen::Columns(names.map(|n| column_index(t, n)).collect::<CqlResult<Vec<_>>>()?));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let (name, ty, expr) = selector(t, terms, &item.selector, None)?;
        out.push(SelectItem { name: item.alias.clone().unwrap_or(name), ty, expr });
    }
    Ok(Chosen::Items(out))
}

/// A selected constant: bound against the type the enclosing call expects, or the
/// literal's own type.
fn constant(t: &TableDef, terms: &Terms<'_>, term: &Term, expected: Option<&CqlType>) -> CqlResult<Selected> {
    let own = || match term {
        Term::TypeHint(ty, _) => Some(ty.clone()),
        Term::Literal(lit) => literal_type(lit),
        _ => None,
    };
    let Some(ty) = expected.cloned().or_else(own) else {
        return Err(CqlError::invalid(format!(
            "Cannot infer type for term {} in selection clause (try using a cast to force a type)",
            term_text(term)
        )));
    };
    let value = match terms.value_of(t, "[selection]", term, &ty)? {
        Bound::Value(v) => Some(v),
        Bound::Null => None,
        Bound::Unset => return Err(CqlError::invalid("Invalid unset value in selection clause")),
    };
    Ok((term_text(term), ty, SelectExpr::Value(value)))
}

type Selected = (String, CqlType, SelectExpr);

/// One selector as (result column name, type, expression); `expected` is the parameter
/// type when the selector is a function's argument.
fn selector(t: &TableDef, terms: &Terms<'_>, sel: &Selector, expected: Option<&CqlType>) -> CqlResult<Selected> {
    Ok(match sel {
        Selector::Column(c) => {
            let i = column_index(t, c)?;
            (c.clone(), t.columns[i].ty.clone(), SelectExpr::Column(i))
        }
        Selector::Term(term) => return constant(t, terms, term, expected),
        Selector::Function { name, args } => return function(t, terms, name, args),
        Selector::Cast(inner, to) => {
            let (arg, from, expr) = selector(t, terms, inner, None)?;
            match cast::cast_function(&arg, &from, to)? {
                None => (arg, from, expr),
                Some(f) => (f.column_name(&[arg]), f.ret.clone(), SelectExpr::Call(f, vec![expr])),
            }
        }
        Selector::Element(inner, key) => {
            let Selector::Column(c) = inner.as_ref() else {
                return Err(CqlError::not_supported("element selection of this selector"));
            };
            let i = column_index(t, c)?;
            let (key_ty, result_ty) = match t.columns[i].ty.unfrozen() {
                CqlType::Map(k, v) => (k.as_ref().clone(), v.as_ref().clone()),
                CqlType::Set(e) => (e.as_ref().clone(), e.as_ref().clone()),
                _ => {
                    return Err(CqlError::invalid(format!(
                        "Invalid element selection: {c} is of type {} is not a collection",
                        t.columns[i].ty
                    )))
                }
            };
            let Bound::Value(key_value) = terms.value_of(t, c, key, &key_ty)? else {
                return Err(CqlError::invalid("Invalid null value for element selection"));
            };
            let shown = match key {
                Term::Literal(Literal::Str(text)) => format!("'{text}'"),
                Term::Literal(Literal::Integer(n)) => n.clone(),
                _ => "?".to_string(),
            };
            (format!("{c}[{shown}]"), result_ty, SelectExpr::Element(i, key_value))
        }
        Selector::Field(inner, field) => {
            let (name, ty, expr) = selector(t, terms, inner, None)?;
            let CqlType::Udt { fields, .. } = ty.unfrozen() else {
                return Err(CqlError::invalid(format!(
                    "Invalid field selection: {name} of type {ty} is not a user type"
                )));
            };
            let Some(i) = fields.iter().position(|(f, _)| f == field) else {
                return Err(CqlError::invalid(format!("{name} of type {ty} has no field {field}")));
            };
            (format!("{name}.{field}"), fields[i].1.clone(), SelectExpr::Field(Box::new(expr), i))
        }
        Selector::Star => return Err(CqlError::syntax("* cannot be combined with other selectors")),
        _ => return Err(CqlError::not_supported("this selector")),
    })
}

/// A function call selector: the aggregates, `token`, `writetime`/`ttl`, `toJson`, and
/// the native scalar functions.
fn function(t: &TableDef, terms: &Terms<'_>, name: &str, args: &[Selector]) -> CqlResult<Selected> {
    let lower = name.to_ascii_lowercase();
    let function = lower.strip_prefix("system.").unwrap_or(&lower).to_string();
    let column_arg = || match args {
        [Selector::Column(c)] => Ok((c.clone(), column_index(t, c)?)),
        _ => Err(CqlError::invalid(format!("Invalid arguments for function {function}"))),
    };
    Ok(match function.as_str() {
        "count"
            if matches!(args, [Selector::Star])
                || matches!(args, [Selector::Term(Term::Literal(lit))] if *lit != Literal::Null) =>
        {
            ("count".to_string(), CqlType::Bigint, SelectExpr::CountRows)
        }
        "count" | "min" | "max" | "sum" | "avg" => {
            let [arg] = args else {
                return Err(CqlError::invalid(format!("Invalid arguments for function {function}")));
            };
            let (arg_name, arg_ty, expr) = selector(t, terms, arg, None)?;
            if expr.is_aggregate() {
                return Err(CqlError::invalid(
                    "aggregate functions cannot be used as arguments of aggregate functions",
                ));
            }
            let f = match function.as_str() {
                "count" => AggregateFn::Count,
                "min" => AggregateFn::Min,
                "max" => AggregateFn::Max,
                "sum" => AggregateFn::Sum,
                _ => AggregateFn::Avg,
            };
            let ty = match f {
                AggregateFn::Count => CqlType::Bigint,
                AggregateFn::Min | AggregateFn::Max => arg_ty,
                _ => numeric_result(&arg_ty, &function)?,
            };
            (format!("system.{function}({arg_name})"), ty.clone(), SelectExpr::Aggregate(f, Box::new(expr), ty))
        }
        "token" => {
            let mut key: Vec<&crate::schema::ColumnDef> = t.partition_key().collect();
            key.sort_by_key(|c| c.position);
            let given: Vec<&str> = args
                .iter()
                .map(|a| match a {
                    Selector::Column(c) => Ok(c.as_str()),
                    _ => Err(CqlError::invalid("Invalid arguments for function token")),
                })
                .collect::<CqlResult<_>>()?;
            if given.len() != key.len() || given.iter().zip(&key).any(|(g, c)| *g != c.name) {
                return Err(CqlError::invalid("The token function arguments must be in the partition key order"));
            }
            (format!("system.token({})", given.join(", ")), CqlType::Bigint, SelectExpr::Token)
        }
        "writetime" => {
            let (c, i) = column_arg()?;
            (format!("writetime({c})"), CqlType::Bigint, SelectExpr::WriteTime(i))
        }
        "ttl" => {
            let (c, i) = column_arg()?;
            (format!("ttl({c})"), CqlType::Int, SelectExpr::Ttl(i))
        }
        "tojson" => {
            let [arg] = args else {
                return Err(CqlError::invalid(format!("toJson() only accepts one argument (got {})", args.len())));
            };
            let (arg_name, ty, expr) = selector(t, terms, arg, None)?;
            let f = json::to_json_function(&ty);
            (f.column_name(&[arg_name]), CqlType::Text, SelectExpr::Call(f, vec![expr]))
        }
        _ => return scalar(t, terms, name, args),
    })
}

/// A native scalar function over selectors: the arguments that are not constants are
/// built first (their types pick the overload), constants are then bound against the
/// overload's parameter types.
fn scalar(t: &TableDef, terms: &Terms<'_>, name: &str, args: &[Selector]) -> CqlResult<Selected> {
    let mut built: Vec<Option<Selected>> = Vec::with_capacity(args.len());
    let mut hints: Vec<Arg<'_>> = Vec::with_capacity(args.len());
    for arg in args {
        match arg {
            Selector::Term(term) => {
                built.push(None);
                hints.push(arg_of(term)?);
            }
            other => {
                let (text, ty, expr) = selector(t, terms, other, None)?;
                hints.push(Arg { ty: ArgType::Typed(ty.clone()), text: text.clone() });
                built.push(Some((text, ty, expr)));
            }
        }
    }
    let f = functions::resolve(name, &hints, None)?
        .ok_or_else(|| CqlError::invalid(format!("Unknown function '{name}'")))?;
    let mut names = Vec::with_capacity(args.len());
    let mut exprs = Vec::with_capacity(args.len());
    for ((arg, done), param) in args.iter().zip(built).zip(&f.args) {
        let (text, _, expr) = match (done, arg) {
            (Some(done), _) => done,
            (None, Selector::Term(term)) => constant(t, terms, term, Some(param))?,
            (None, _) => return Err(CqlError::server("a selector argument was not built")),
        };
        names.push(text);
        exprs.push(expr);
    }
    Ok((f.column_name(&names), f.ret.clone(), SelectExpr::Call(f, exprs)))
}
