//! Function calls and type hints as terms (`VALUES (intAsBlob(1), fromJson(?))`,
//! `WHERE t < maxTimeuuid('2024-01-01')`, `toDate((timestamp)?)`): a call resolves
//! against what its arguments are known to be and the receiving column's type, each
//! argument is bound against the chosen overload's parameter type, and the result is read
//! as the column's type. While PREPARE plans a statement nothing is called (Cassandra
//! runs functions when values are bound), so a marker's stand-in never reaches one.

use super::bind::Bound;
use super::functions::{self, literal_text, Arg, ArgType, Fit};
use super::translate::{sample, Terms};
use crate::error::{CqlError, CqlResult};
use crate::parse::ast::{Literal, Term};
use crate::types::CqlType;

/// A term's CQL text, as Cassandra shows it in messages and selection column names.
pub fn term_text(term: &Term) -> String {
    let list = |items: &[Term]| items.iter().map(term_text).collect::<Vec<_>>().join(", ");
    match term {
        Term::Literal(lit) => literal_text(lit),
        Term::Marker(_) => "?".into(),
        Term::List(items) => format!("[{}]", list(items)),
        Term::Set(items) => format!("{{{}}}", list(items)),
        Term::Tuple(items) => format!("({})", list(items)),
        Term::Map(entries) => {
            let entries: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}: {}", term_text(k), term_text(v))).collect();
            format!("{{{}}}", entries.join(", "))
        }
        Term::Udt(fields) => {
            let fields: Vec<String> = fields.iter().map(|(f, v)| format!("{f}: {}", term_text(v))).collect();
            format!("{{{}}}", fields.join(", "))
        }
        Term::Function { name, args } => format!("{name}({})", list(args)),
        Term::TypeHint(ty, inner) => format!("({ty}){}", term_text(inner)),
        Term::Binary { op, left, right } => {
            let op = if *op == crate::parse::ast::BinaryOp::Add { "+" } else { "-" };
            format!("{} {op} {}", term_text(left), term_text(right))
        }
        Term::Column(c) => c.clone(),
    }
}

/// What resolution knows of a term before it is bound: a literal's kind, a hint's or a
/// nested call's type, or nothing (markers, nulls, collections, `fromJson()`).
pub fn arg_of(term: &Term) -> CqlResult<Arg<'_>> {
    let ty = match term {
        Term::Literal(Literal::Null) => ArgType::Untyped,
        Term::Literal(lit) => ArgType::Literal(lit),
        Term::TypeHint(ty, _) => ArgType::Typed(ty.clone()),
        Term::Function { name, .. } if name.rsplit('.').next() == Some("fromjson") => ArgType::Untyped,
        Term::Function { name, args } => {
            let args = args.iter().map(arg_of).collect::<CqlResult<Vec<_>>>()?;
            match functions::resolve(name, &args, None)? {
                Some(f) => ArgType::Typed(f.ret),
                None => ArgType::Untyped,
            }
        }
        _ => ArgType::Untyped,
    };
    Ok(Arg { ty, text: term_text(term) })
}

impl Terms<'_> {
    /// `name(args)` for a value of `receiver`.
    pub(super) fn call(&self, name: &str, args: &[Term], receiver: &CqlType) -> CqlResult<Bound> {
        if functions::is_aggregate(name) {
            return Err(CqlError::invalid("Aggregation function are not supported in the where clause"));
        }
        if matches!(name, "token" | "system.token") {
            return self.token(args, receiver);
        }
        let hints = args.iter().map(arg_of).collect::<CqlResult<Vec<_>>>()?;
        let f = functions::resolve(name, &hints, Some(receiver))?
            .ok_or_else(|| CqlError::invalid(format!("Unknown function {name} called")))?;
        if functions::fit(receiver, &f.ret) == Fit::No {
            return Err(CqlError::invalid(format!(
                "Type error: cannot assign result of function {} (type {}) to {} (type {receiver})",
                f.qualified_name(),
                f.ret,
                self.column.borrow()
            )));
        }
        let mut values = Vec::with_capacity(args.len());
        for (arg, param) in args.iter().zip(&f.args) {
            values.push(match self.value(arg, param)? {
                Bound::Value(v) => Some(v),
                Bound::Null => None,
                Bound::Unset => {
                    return Err(CqlError::invalid(format!(
                        "Invalid unset value for argument in call to function {}",
                        f.name
                    )))
                }
            });
        }
        if self.binder.is_some() {
            return Ok(Bound::Value(sample(receiver)));
        }
        match f.call(&values)? {
            None => Ok(Bound::Null),
            Some(v) => functions::coerce(v, receiver).map(Bound::Value),
        }
    }

    /// `token(k1, k2...)`: the Murmur3 token (a bigint) of a partition key of the table
    /// the term is for.
    fn token(&self, args: &[Term], receiver: &CqlType) -> CqlResult<Bound> {
        let key = self.key.borrow().clone();
        if args.len() != key.len() {
            return Err(CqlError::invalid(format!(
                "Invalid number of arguments in call to function system.token: {} required but {} provided",
                key.len(),
                args.len()
            )));
        }
        if functions::fit(receiver, &CqlType::Bigint) == Fit::No {
            return Err(CqlError::invalid(format!(
                "Type error: cannot assign result of function system.token (type bigint) to {} (type {receiver})",
                self.column.borrow()
            )));
        }
        let mut values = Vec::with_capacity(args.len());
        for (arg, ty) in args.iter().zip(&key) {
            match self.value(arg, ty)? {
                Bound::Value(v) => values.push(v),
                _ => return Err(CqlError::invalid("Invalid null value for argument in call to function token")),
            }
        }
        if self.binder.is_some() {
            return Ok(Bound::Value(sample(receiver)));
        }
        let token = crate::model::keys::token_of(&crate::model::keys::serialize_partition_key(&values)?);
        functions::coerce(crate::model::CqlValue::Bigint(token), receiver).map(Bound::Value)
    }

    /// `(hint) term` for a value of `receiver`: the hint must fit the term and the
    /// receiver, and the term is then bound as the receiver's type (as Cassandra's
    /// `TypeCast` does).
    pub(super) fn hinted(&self, hint: &CqlType, inner: &Term, receiver: &CqlType) -> CqlResult<Bound> {
        if arg_of(inner)?.fit(hint) == Fit::No {
            return Err(CqlError::invalid(format!("Cannot cast value {} to type {hint}", term_text(inner))));
        }
        if functions::fit(receiver, hint) == Fit::No {
            return Err(CqlError::invalid(format!(
                "Cannot assign value ({hint}){} to {} of type {receiver}",
                term_text(inner),
                self.column.borrow()
            )));
        }
        self.value(inner, receiver)
    }
}
