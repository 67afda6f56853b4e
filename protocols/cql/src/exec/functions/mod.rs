//! Cassandra 4.1's native scalar functions, shared by terms (`VALUES (intAsBlob(1))`,
//! `WHERE t > minTimeuuid('2024-01-01')`) and selectors (`SELECT blobAsInt(b)`): each is
//! a [`Function`] with a signature (argument types, return type), a call resolves to one
//! overload from what is known of its arguments the way Cassandra's `FunctionResolver`
//! picks (an exact match first, else the one weak match; otherwise an arity, type or
//! ambiguity error in Cassandra's words), and [`Function::call`] evaluates it over
//! values. [`time`] holds now/uuid/currentX and the timeuuid, date and timestamp
//! conversions, [`bytes`] the `<type>AsBlob`/`blobAs<type>` pairs, [`json`] toJson and
//! fromJson, [`cast`] the CAST conversions.

pub mod bytes;
pub mod cast;
pub mod json;
pub mod time;

pub use time::now_timeuuid;

use crate::error::{CqlError, CqlResult};
use crate::model::CqlValue;
use crate::parse::ast::Literal;
use crate::types::CqlType;

/// The keyspace Cassandra's native functions belong to.
pub const SYSTEM: &str = "system";

/// One overload of a native function.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Lower case, without `system.` (`intasblob`, `castasint`).
    pub name: String,
    pub args: Vec<CqlType>,
    pub ret: CqlType,
    kind: Kind,
}

/// What a function computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Now,
    RandomUuid,
    CurrentTimestamp,
    CurrentDate,
    CurrentTime,
    MinTimeuuid,
    MaxTimeuuid,
    ToTimestamp,
    ToDate,
    ToUnixTimestamp,
    AsBlob,
    BlobAs,
    FromJson,
    ToJson,
    Cast,
}

impl Function {
    fn new(name: &str, args: &[CqlType], ret: CqlType, kind: Kind) -> Function {
        Function { name: name.to_string(), args: args.to_vec(), ret, kind }
    }

    /// `system.name`, as Cassandra names the function in messages and result columns.
    pub fn qualified_name(&self) -> String {
        format!("{SYSTEM}.{}", self.name)
    }

    /// The result column name of a call whose arguments are named `args`:
    /// `system.intasblob(v)`, `cast(v as float)`.
    pub fn column_name(&self, args: &[String]) -> String {
        match self.kind {
            Kind::Cast => format!("cast({} as {})", args.join(", "), self.ret),
            _ => format!("{}({})", self.qualified_name(), args.join(", ")),
        }
    }

    /// `system.intasblob : (int) -> blob`, as Cassandra lists signatures in errors.
    fn signature(&self) -> String {
        let args: Vec<String> = self.args.iter().map(ToString::to_string).collect();
        format!("{} : ({}) -> {}", self.qualified_name(), args.join(", "), self.ret)
    }

    /// The function over argument values (`None` for null); `None` is a null result.
    pub fn call(&self, args: &[Option<CqlValue>]) -> CqlResult<Option<CqlValue>> {
        if args.len() != self.args.len() {
            return Err(CqlError::server(format!("{} called with {} arguments", self.qualified_name(), args.len())));
        }
        let arg = args.first().and_then(Option::as_ref);
        match self.kind {
            Kind::AsBlob => Ok(arg.map(|v| CqlValue::Blob(v.to_native()))),
            Kind::BlobAs => bytes::blob_as(&self.name, &self.ret, arg),
            Kind::FromJson => json::from_json(arg, &self.ret),
            Kind::ToJson => Ok(Some(json::to_json(arg, self.args.first().unwrap_or(&CqlType::Text)))),
            Kind::Cast => match (arg, self.args.first()) {
                (Some(v), Some(from)) => cast::cast(v, from, &self.ret),
                _ => Ok(None),
            },
            kind => time::call(kind, arg),
        }
    }
}

/// How well a value of one type fits where another is expected (Cassandra's
/// `AssignmentTestable.TestResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    No,
    Weak,
    Exact,
}

/// Whether a value of type `given` can stand where `receiver` is expected: the same
/// type exactly, or bytes `receiver` reads unchanged (Cassandra's
/// `isValueCompatibleWith`: a blob reads anything, text reads ascii, uuid reads timeuuid,
/// bigint and timestamp read each other, varint reads int and bigint).
pub fn fit(receiver: &CqlType, given: &CqlType) -> Fit {
    use CqlType as T;
    let (receiver, given) = (receiver.unfrozen(), given.unfrozen());
    if receiver == given {
        return Fit::Exact;
    }
    let weak = matches!(
        (receiver, given),
        (T::Blob, _)
            | (T::Text, T::Ascii)
            | (T::Uuid, T::Timeuuid)
            | (T::Bigint, T::Timestamp)
            | (T::Timestamp, T::Bigint)
            | (T::Varint, T::Int | T::Bigint | T::Timestamp)
    );
    if weak {
        Fit::Weak
    } else {
        Fit::No
    }
}

/// A value of a type that [`fit`] `to` as a value of `to` (its bytes read as `to`).
pub fn coerce(value: CqlValue, to: &CqlType) -> CqlResult<CqlValue> {
    if value.is_of(to) {
        return Ok(value);
    }
    CqlValue::decode_native(to, &value.to_native())
}

/// The type Cassandra gives a literal on its own (`getPreferedTypeFor`): ascii or text
/// for strings, the smallest of int/bigint/varint for integers, double for floats.
pub fn literal_type(lit: &Literal) -> Option<CqlType> {
    Some(match lit {
        Literal::Str(s) if s.is_ascii() => CqlType::Ascii,
        Literal::Str(_) => CqlType::Text,
        Literal::Integer(s) => match s.parse::<i64>() {
            Ok(n) if i32::try_from(n).is_ok() => CqlType::Int,
            Ok(_) => CqlType::Bigint,
            Err(_) => CqlType::Varint,
        },
        Literal::Float(_) | Literal::NaN | Literal::Infinity { .. } => CqlType::Double,
        Literal::Bool(_) => CqlType::Boolean,
        Literal::Uuid(_) => CqlType::Uuid,
        Literal::Blob(_) => CqlType::Blob,
        Literal::Duration(_) => CqlType::Duration,
        Literal::Null => return None,
    })
}

/// How a literal fits a type (Cassandra's `Constants.Literal.testAssignment`: by the
/// literal's kind, not by parsing it).
pub fn literal_fit(lit: &Literal, ty: &CqlType) -> Fit {
    use CqlType as T;
    let ty = ty.unfrozen();
    if literal_type(lit).as_ref() == Some(ty) {
        return Fit::Exact;
    }
    let weak = match lit {
        Literal::Null => !matches!(ty, T::Counter),
        Literal::Str(_) => matches!(ty, T::Ascii | T::Text | T::Inet | T::Date | T::Time | T::Timestamp),
        Literal::Integer(_) => matches!(
            ty,
            T::Bigint
                | T::Counter
                | T::Date
                | T::Decimal
                | T::Double
                | T::Duration
                | T::Float
                | T::Int
                | T::Smallint
                | T::Time
                | T::Timestamp
                | T::Tinyint
                | T::Varint
        ),
        Literal::Uuid(_) => matches!(ty, T::Uuid | T::Timeuuid),
        Literal::Float(_) | Literal::NaN | Literal::Infinity { .. } => matches!(ty, T::Decimal | T::Double | T::Float),
        Literal::Bool(_) => matches!(ty, T::Boolean),
        Literal::Blob(_) => matches!(ty, T::Blob),
        Literal::Duration(_) => matches!(ty, T::Duration),
    };
    if weak {
        Fit::Weak
    } else {
        Fit::No
    }
}

/// What is known of a call's argument before it is evaluated.
#[derive(Debug, Clone)]
pub enum ArgType<'a> {
    /// A column, a function result, a type hint: its type.
    Typed(CqlType),
    /// A literal, which fits types by its kind.
    Literal(&'a Literal),
    /// A bind marker, a null, a collection literal or a `fromJson()`: any type.
    Untyped,
}

/// An argument as resolution sees it, with its text for messages (`v`, `'abc'`, `?`).
#[derive(Debug, Clone)]
pub struct Arg<'a> {
    pub ty: ArgType<'a>,
    pub text: String,
}

impl Arg<'_> {
    /// How the argument fits a parameter of type `param`.
    pub fn fit(&self, param: &CqlType) -> Fit {
        match &self.ty {
            ArgType::Typed(t) => fit(param, t),
            ArgType::Literal(lit) => literal_fit(lit, param),
            ArgType::Untyped => Fit::Weak,
        }
    }
}

/// The name without `system.`, or `None` for a name in another keyspace (Orbit has no
/// user-defined functions).
fn native_name(name: &str) -> Option<&str> {
    match name.split_once('.') {
        None => Some(name),
        Some((ks, rest)) if ks.eq_ignore_ascii_case(SYSTEM) => Some(rest),
        Some(_) => None,
    }
}

/// Every overload named `name` (lower case); `receiver` is the type the call's value is
/// for, when known (fromJson needs it).
fn candidates(name: &str, receiver: Option<&CqlType>) -> CqlResult<Vec<Function>> {
    Ok(match name {
        "tojson" => {
            return Err(CqlError::invalid("toJson() may only be used within the selection clause of SELECT statements"))
        }
        "fromjson" => match receiver {
            None => {
                return Err(CqlError::invalid(
                    "fromJson() cannot be used in the selection clause of a SELECT statement",
                ))
            }
            Some(ty) => vec![Function::new("fromjson", &[CqlType::Text], ty.unfrozen().clone(), Kind::FromJson)],
        },
        _ => {
            let mut all = time::signatures(name);
            all.extend(bytes::signatures(name));
            all.extend(cast::signatures(name));
            all
        }
    })
}

/// True for the aggregate functions (a scalar call site cannot take them).
pub fn is_aggregate(name: &str) -> bool {
    matches!(native_name(name), Some("count" | "min" | "max" | "sum" | "avg"))
}

/// The overload of `name` (as written, lower case, maybe `system.`-qualified) that `args`
/// call, for a value of `receiver` when the call site has one; `None` when no function
/// has that name.
pub fn resolve(name: &str, args: &[Arg<'_>], receiver: Option<&CqlType>) -> CqlResult<Option<Function>> {
    let Some(native) = native_name(name) else { return Ok(None) };
    let all = candidates(native, receiver)?;
    let qualified = format!("{SYSTEM}.{native}");
    if all.len() == 1 {
        let Some(f) = all.into_iter().next() else { return Ok(None) };
        if f.args.len() != args.len() {
            return Err(CqlError::invalid(format!(
                "Invalid number of arguments in call to function {qualified}: {} required but {} provided",
                f.args.len(),
                args.len()
            )));
        }
        for (i, (arg, param)) in args.iter().zip(&f.args).enumerate() {
            if arg.fit(param) == Fit::No {
                return Err(CqlError::invalid(format!(
                    "Type error: {} cannot be passed as argument {i} of function {qualified} of type {param}",
                    arg.text
                )));
            }
        }
        return Ok(Some(f));
    }
    if all.is_empty() {
        return Ok(None);
    }
    let mut weak = Vec::new();
    for f in &all {
        if receiver.is_some_and(|r| fit(r, &f.ret) == Fit::No) || f.args.len() != args.len() {
            continue;
        }
        let worst = args.iter().zip(&f.args).map(|(a, p)| a.fit(p)).min().unwrap_or(Fit::Exact);
        match worst {
            Fit::Exact => return Ok(Some(f.clone())),
            Fit::Weak => weak.push(f),
            Fit::No => {}
        }
    }
    let listing = |fs: &[&Function]| fs.iter().map(|f| f.signature()).collect::<Vec<_>>().join(", ");
    match weak.as_slice() {
        [one] => Ok(Some((*one).clone())),
        [] => Err(CqlError::invalid(format!(
            "Invalid call to function {qualified}, none of its type signatures match (known type signatures: {})",
            listing(&all.iter().collect::<Vec<_>>())
        ))),
        many => Err(CqlError::invalid(format!(
            "Ambiguous call to function {qualified} (can be matched by following signatures: {}): use type casts to disambiguate",
            listing(many)
        ))),
    }
}

/// The CQL text of a literal, as Cassandra names a term in a selection or a message.
pub fn literal_text(lit: &Literal) -> String {
    match lit {
        Literal::Null => "NULL".into(),
        Literal::Bool(b) => b.to_string(),
        Literal::Integer(s) | Literal::Float(s) | Literal::Duration(s) => s.clone(),
        Literal::Str(s) => format!("'{s}'"),
        Literal::Blob(b) => format!("0x{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
        Literal::Uuid(u) => super::json::uuid_text(u),
        Literal::NaN => "NaN".into(),
        Literal::Infinity { negative } => if *negative { "-Infinity" } else { "Infinity" }.into(),
    }
}

#[cfg(test)]
mod tests;
