//! Typing of MySQL's scalar function calls for the binder: which names MySQL defines
//! here (the rest — aggregates, window functions, session values — go to the shared
//! binder or the session surface), their argument counts (1582) and result types. The
//! calls become `__my_<name>` functions evaluated by [`super::functions::call`].

use super::expr::{date_add, interval_unit};
use crate::error::SqlError;
use crate::expr::Expr;
use crate::plan::bind::{AggCtx, Binder, Scope};
use crate::types::SqlType;
use orbit_storage::Value;
use sqlparser::ast;

type Bound = (Expr, SqlType);

fn my(name: &str, args: Vec<Expr>, ty: SqlType) -> Bound {
    (Expr::Func { name: format!("__my_{name}"), args, ty: ty.clone() }, ty)
}

fn wrong_count(name: &str) -> SqlError {
    SqlError::new(
        super::errors::SYNTAX,
        format!("Incorrect parameter count in the call to native function '{}'", name.to_uppercase()),
    )
    .with_mysql_errno(1582)
}

/// The common type of CASE-like results (IF, IFNULL, COALESCE, GREATEST, LEAST).
fn common(types: &[SqlType]) -> SqlType {
    let known: Vec<&SqlType> = types.iter().filter(|t| **t != SqlType::Unknown).collect();
    if known.is_empty() {
        return SqlType::Text;
    }
    if known.iter().all(|t| *t == known[0]) {
        return known[0].clone();
    }
    if known.iter().all(|t| crate::expr::cast::is_numeric(t) || **t == SqlType::Bool) {
        if known.iter().any(|t| matches!(t, SqlType::Float4 | SqlType::Float8)) {
            return SqlType::Float8;
        }
        if known.iter().any(|t| **t == SqlType::Numeric) {
            return SqlType::Numeric;
        }
        return SqlType::Int8;
    }
    SqlType::Text
}

/// MySQL's typing of a function call, or `None` for names the shared binder knows
/// (aggregates, window functions, and the PostgreSQL library).
pub fn bind_call(b: &mut Binder, f: &ast::Function, scope: &Scope, agg: Option<&AggCtx>) -> Result<Option<Bound>, SqlError> {
    let name = match f.name.0.as_slice() {
        [ast::ObjectNamePart::Identifier(i)] => i.value.to_lowercase(),
        _ => return Ok(None),
    };
    if f.over.is_some() {
        return Ok(None);
    }
    let list: Vec<&ast::FunctionArg> = match &f.args {
        ast::FunctionArguments::None => Vec::new(),
        ast::FunctionArguments::List(l) => {
            if !l.clauses.is_empty() || l.duplicate_treatment.is_some() {
                return Ok(None);
            }
            l.args.iter().collect()
        }
        ast::FunctionArguments::Subquery(_) => return Ok(None),
    };
    let exprs: Vec<&ast::Expr> = list
        .iter()
        .filter_map(|a| match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x),
            _ => None,
        })
        .collect();
    if exprs.len() != list.len() {
        return Ok(None);
    }
    // Calls whose arguments are not plain expressions.
    match name.as_str() {
        "date_add" | "date_sub" | "adddate" | "subdate" if exprs.len() == 2 => {
            let (x, t) = b.bind_expr(exprs[0], scope, agg)?;
            let subtract = name == "date_sub" || name == "subdate";
            return Ok(Some(match exprs[1] {
                ast::Expr::Interval(iv) => date_add(b, x, t, iv, scope, agg, subtract)?,
                n => {
                    let iv = ast::Interval {
                        value: Box::new(n.clone()),
                        leading_field: Some(ast::DateTimeField::Day),
                        leading_precision: None,
                        last_field: None,
                        fractional_seconds_precision: None,
                    };
                    date_add(b, x, t, &iv, scope, agg, subtract)?
                }
            }));
        }
        // EXTRACT with a composite unit (the pre-parse pass makes it this call).
        "__orbit_extract" if exprs.len() == 2 => {
            let unit = match exprs[0] {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::SingleQuotedString(u) => u.to_uppercase(),
                    other => other.to_string(),
                },
                other => other.to_string(),
            };
            let (x, _) = b.bind_expr(exprs[1], scope, agg)?;
            return Ok(Some(my("extract", vec![Expr::Literal(Value::Text(unit)), x], SqlType::Int8)));
        }
        "timestampdiff" | "timestampadd" if exprs.len() == 3 => {
            let unit = match exprs[0] {
                ast::Expr::Identifier(i) => i.value.to_uppercase(),
                other => other.to_string().to_uppercase(),
            };
            let (a, at) = b.bind_expr(exprs[1], scope, agg)?;
            let (c, ct) = b.bind_expr(exprs[2], scope, agg)?;
            let a = b.coerce(a, &at, &SqlType::Text)?;
            let c = b.coerce(c, &ct, &SqlType::Text)?;
            let unit = Expr::Literal(Value::Text(unit));
            return Ok(Some(if name == "timestampdiff" {
                my("timestampdiff", vec![unit, a, c], SqlType::Int8)
            } else {
                my("timestampadd", vec![unit, a, c], SqlType::Timestamp)
            }));
        }
        _ => {}
    }
    let mut args = Vec::with_capacity(exprs.len());
    let mut types = Vec::with_capacity(exprs.len());
    for x in &exprs {
        let (e, t) = match x {
            ast::Expr::Interval(iv) => {
                // An INTERVAL outside DATE_ADD: its amount, unit dropped.
                let _ = interval_unit(iv);
                b.bind_expr(&iv.value, scope, agg)?
            }
            x => b.bind_expr(x, scope, agg)?,
        };
        let e = if t == SqlType::Unknown { b.coerce(e, &t, &SqlType::Text)? } else { e };
        args.push(e);
        types.push(if t == SqlType::Unknown { SqlType::Text } else { t });
    }
    let n = args.len();
    let need = |ok: bool| if ok { Ok(()) } else { Err(wrong_count(&name)) };
    use SqlType as T;
    let ty = match name.as_str() {
        "concat" | "concat_ws" | "substring" | "substr" | "mid" | "substring_index" | "left" | "right" | "upper"
        | "ucase" | "lower" | "lcase" | "trim" | "ltrim" | "rtrim" | "lpad" | "rpad" | "replace" | "reverse"
        | "repeat" | "elt" | "hex" | "md5" | "sha1" | "sha" | "sha2" | "uuid" | "space" | "date_format"
        | "time_format" | "monthname" | "dayname" | "char" | "format" | "quote" | "insert" | "soundex" | "make_set"
        | "json_unquote" | "json_type" | "bin" | "oct" | "conv" | "database" | "schema" | "version" | "user"
        | "current_user" | "session_user" | "system_user" | "to_base64" => {
            match name.as_str() {
                "substring" | "substr" | "mid" => need((2..=3).contains(&n))?,
                "left" | "right" | "repeat" | "substring_index" => need(n == 2 || (name == "substring_index" && n == 3))?,
                "lpad" | "rpad" | "replace" => need(n == 3)?,
                "upper" | "ucase" | "lower" | "lcase" | "reverse" | "hex" | "md5" | "sha1" | "sha" | "space"
                | "monthname" | "dayname" | "quote" | "soundex" | "json_unquote" | "json_type" | "bin" | "oct"
                | "to_base64" => need(n == 1)?,
                "uuid" | "database" | "schema" | "version" | "user" | "current_user" | "session_user"
                | "system_user" => need(n == 0)?,
                "concat_ws" | "elt" => need(n >= 2)?,
                "concat" => need(n >= 1)?,
                "sha2" | "date_format" | "time_format" => need(n == 2)?,
                _ => {}
            }
            if matches!(name.as_str(), "database" | "schema" | "version" | "user" | "current_user" | "session_user" | "system_user") {
                // Session values belong to the session surface.
                return Ok(None);
            }
            T::Text
        }
        "length" | "octet_length" | "char_length" | "character_length" | "bit_length" | "locate" | "instr"
        | "position" | "field" | "__orbit_enum_index" | "find_in_set" | "ascii" | "ord" | "strcmp" | "crc32" | "sign" | "datediff"
        | "year" | "month" | "day" | "dayofmonth" | "hour" | "minute" | "second" | "microsecond" | "dayofweek"
        | "dayofyear" | "weekday" | "week" | "weekofyear" | "quarter" | "yearweek" | "to_days" | "unix_timestamp"
        | "time_to_sec" | "period_diff" | "json_length" | "json_valid" | "json_contains" | "interval"
        | "isnull" | "uncompressed_length" | "last_day_num" => {
            match name.as_str() {
                "locate" | "position" => need((2..=3).contains(&n))?,
                "instr" | "find_in_set" | "strcmp" | "datediff" => need(n == 2)?,
                "field" | "__orbit_enum_index" => need(n >= 2)?,
                "unix_timestamp" => need(n <= 1)?,
                _ => need(n >= 1)?,
            }
            if name == "unix_timestamp" && n == 1 && matches!(types[0], T::Timestamp | T::Text | T::Varchar | T::Date) {
                T::Numeric
            } else {
                T::Int8
            }
        }
        "last_day" => {
            need(n == 1)?;
            T::Date
        }
        "if" => {
            need(n == 3)?;
            common(&types[1..])
        }
        "ifnull" | "nullif" => {
            need(n == 2)?;
            if name == "nullif" {
                types[0].clone()
            } else {
                common(&types)
            }
        }
        "coalesce" | "greatest" | "least" => {
            need(n >= 1 && (name == "coalesce" || n >= 2))?;
            common(&types)
        }
        "abs" => {
            need(n == 1)?;
            match &types[0] {
                t if crate::expr::cast::is_integer(t) => T::Int8,
                T::Numeric => T::Numeric,
                _ => T::Float8,
            }
        }
        "ceil" | "ceiling" | "floor" => {
            need(n == 1)?;
            match &types[0] {
                t if crate::expr::cast::is_integer(t) => T::Int8,
                T::Numeric => T::Numeric,
                _ => T::Float8,
            }
        }
        "round" | "truncate" => {
            need(if name == "round" { (1..=2).contains(&n) } else { n == 2 })?;
            match &types[0] {
                t if crate::expr::cast::is_integer(t) => T::Int8,
                T::Numeric => T::Numeric,
                _ => T::Float8,
            }
        }
        "mod" => {
            need(n == 2)?;
            let both_int = types.iter().all(crate::expr::cast::is_integer);
            if both_int {
                T::Int8
            } else if types.iter().any(|t| matches!(t, T::Float4 | T::Float8 | T::Text | T::Varchar)) {
                T::Float8
            } else {
                T::Numeric
            }
        }
        "pow" | "power" | "sqrt" | "exp" | "ln" | "log" | "log2" | "log10" | "pi" | "rand" | "sin" | "cos" | "tan"
        | "asin" | "acos" | "atan" | "atan2" | "cot" | "degrees" | "radians" => {
            match name.as_str() {
                "pow" | "power" | "atan2" => need(n == 2)?,
                "pi" => need(n == 0)?,
                "rand" => need(n <= 1)?,
                "log" | "atan" => need((1..=2).contains(&n))?,
                _ => need(n == 1)?,
            }
            T::Float8
        }
        "now" | "current_timestamp" | "localtime" | "localtimestamp" | "sysdate" | "utc_timestamp" => T::Timestamp,
        "curdate" | "current_date" | "utc_date" => T::Date,
        "curtime" | "current_time" | "utc_time" => T::Time,
        "from_unixtime" => {
            need((1..=2).contains(&n))?;
            if n == 2 {
                T::Text
            } else {
                T::Timestamp
            }
        }
        "str_to_date" => {
            need(n == 2)?;
            T::Timestamp
        }
        "date" => {
            need(n == 1)?;
            T::Date
        }
        "time" => {
            need(n == 1)?;
            T::Time
        }
        "timestamp" => {
            need(n == 1)?;
            T::Timestamp
        }
        "from_days" | "makedate" => T::Date,
        "sec_to_time" | "maketime" | "timediff" => T::Time,
        "addtime" | "subtime" => {
            need(n == 2)?;
            match types[0] {
                T::Timestamp | T::TimestampTz | T::Date => T::Timestamp,
                T::Time => T::Time,
                _ => T::Text,
            }
        }
        "unhex" | "from_base64" => {
            need(n == 1)?;
            T::Bytea
        }
        "json_extract" => {
            need(n >= 2)?;
            T::Json
        }
        "json_object" | "json_array" | "json_set" | "json_insert" | "json_replace" | "json_remove" | "json_keys"
        | "json_quote" | "json_merge_patch" | "json_merge_preserve" | "json_search" => T::Json,
        "last_insert_id" | "row_count" | "found_rows" | "connection_id" => return Ok(None),
        _ => return Ok(None),
    };
    let name = match name.as_str() {
        "substr" | "mid" => "substring".to_string(),
        "ucase" => "upper".into(),
        "lcase" => "lower".into(),
        "ceiling" => "ceil".into(),
        "power" => "pow".into(),
        "sha" => "sha1".into(),
        "character_length" => "char_length".into(),
        "octet_length" => "length".into(),
        "dayofmonth" => "day".into(),
        "current_timestamp" | "localtime" | "localtimestamp" => "now".into(),
        "current_date" => "curdate".into(),
        "current_time" => "curtime".into(),
        "position" => "locate".into(),
        "char" => "chars".into(),
        other => other.to_string(),
    };
    // Argument order of INSTR is (str, substr); LOCATE's is (substr, str[, pos]).
    if name == "instr" {
        args.swap(0, 1);
        return Ok(Some(my("locate", args, ty)));
    }
    if let Some(bound) = in_session_zone(b, &name, &mut args, &ty) {
        return Ok(Some(bound));
    }
    Ok(Some(my(&name, args, ty)))
}

/// The local-time functions in the session's time zone (see [`super::time_zone`]).
fn in_session_zone(b: &Binder, name: &str, args: &mut Vec<Expr>, ty: &SqlType) -> Option<Bound> {
    use super::time_zone::shift;
    let local = matches!(name, "now" | "sysdate" | "curdate" | "curtime")
        || (name == "unix_timestamp" && args.len() == 1)
        || name == "from_unixtime";
    if !local {
        return None;
    }
    let zone = b.mysql.as_ref()?.zone_micros();
    if zone == 0 {
        return None;
    }
    let local_now = |args: Vec<Expr>| shift(my("now", args, SqlType::Timestamp).0, SqlType::Timestamp, zone);
    Some(match name {
        "now" | "sysdate" => (local_now(std::mem::take(args)), ty.clone()),
        "curdate" => my("date", vec![local_now(Vec::new())], ty.clone()),
        "curtime" => my("time", vec![local_now(std::mem::take(args))], ty.clone()),
        "unix_timestamp" => {
            let x = args.pop()?;
            my(name, vec![shift(x, SqlType::Timestamp, -zone)], ty.clone())
        }
        _ => {
            let seconds = args.first_mut()?;
            *seconds = shift(std::mem::replace(seconds, Expr::Literal(Value::Null)), SqlType::Float8, zone);
            my(name, std::mem::take(args), ty.clone())
        }
    })
}

