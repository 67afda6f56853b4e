//! The functions the executor answers itself because they read documents or know the
//! query: DOCUMENT, COLLECTION_COUNT, LENGTH/COUNT of a collection, COLLECTIONS,
//! CURRENT_DATABASE, CURRENT_USER, SCHEMA_GET, CALL/APPLY of library functions, the
//! exact value of an APPROX_NEAR_* the planner put on a vector index, and the GRAPHRAG_*
//! functions ([`super::graphrag`]).

use super::context::{Ctx, PAGE};
use super::plan::Builtin;
use crate::error::{num, AqlError, AqlResult};
use crate::store::VectorMetric;
use crate::value::Value;

/// The documents of `collection` as this transaction sees them (its own writes too).
async fn count(collection: &str, ctx: &mut Ctx) -> AqlResult<u64> {
    let mut n = 0u64;
    let mut resume: Option<Vec<u8>> = None;
    loop {
        ctx.check_time()?;
        let page = ctx.txn().await.scan(collection, resume.as_deref(), PAGE).await?;
        n += page.docs.len() as u64;
        match page.resume {
            Some(r) => resume = Some(r),
            None => return Ok(n),
        }
    }
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> AqlResult<()> {
    if args.len() < min || args.len() > max {
        return Err(AqlError::new(
            num::QUERY_FUNCTION_ARGUMENT_NUMBER_MISMATCH,
            format!(
                "invalid number of arguments for function '{name}()', expected number of arguments: minimum: {min}, maximum: {max}"
            ),
        ));
    }
    Ok(())
}

fn collection_name(name: &str, v: &Value) -> AqlResult<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => Err(AqlError::new(
            num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH,
            format!("invalid argument type in call to function '{name}()'"),
        )),
    }
}

pub async fn call(b: Builtin, args: Vec<Value>, ctx: &mut Ctx) -> AqlResult<Value> {
    match b {
        Builtin::Document => {
            arity("DOCUMENT", &args, 1, 2)?;
            document(args, ctx).await
        }
        Builtin::CollectionCount | Builtin::CollectionLength => {
            let name = if b == Builtin::CollectionCount { "COLLECTION_COUNT" } else { "LENGTH" };
            arity(name, &args, 1, 1)?;
            let collection = collection_name(name, args.first().unwrap_or(&Value::Null))?;
            ctx.store.collection(&ctx.db, &collection).await?;
            let unwritten = ctx.txn().await.writes() == 0;
            let n =
                if unwritten { ctx.store.count(&ctx.db, &collection).await? } else { count(&collection, ctx).await? };
            Ok(Value::Int(n as i64))
        }
        Builtin::Collections => {
            arity("COLLECTIONS", &args, 0, 0)?;
            let mut list = ctx.store.collections(&ctx.db).await?;
            list.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(Value::Array(
                list.iter()
                    .map(|c| {
                        Value::object([("_id", Value::str(c.id.to_string())), ("name", Value::str(c.name.clone()))])
                    })
                    .collect(),
            ))
        }
        Builtin::CurrentDatabase => {
            arity("CURRENT_DATABASE", &args, 0, 0)?;
            Ok(Value::str(ctx.db.clone()))
        }
        Builtin::SchemaGet => {
            arity("SCHEMA_GET", &args, 1, 1)?;
            let collection = collection_name("SCHEMA_GET", args.first().unwrap_or(&Value::Null))?;
            Ok(ctx.store.collection(&ctx.db, &collection).await?.schema.clone())
        }
        Builtin::Call | Builtin::Apply => {
            let apply = b == Builtin::Apply;
            let fname = if apply { "APPLY" } else { "CALL" };
            if apply {
                arity(fname, &args, 1, 2)?;
            } else {
                arity(fname, &args, 1, 65536)?;
            }
            let mut args = args.into_iter();
            let name = match args.next() {
                Some(Value::String(n)) => n.to_uppercase(),
                _ => {
                    return Err(AqlError::new(
                        num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH,
                        format!("invalid argument type in call to function '{fname}()'"),
                    ))
                }
            };
            let rest: Vec<Value> = if apply {
                match args.next() {
                    Some(Value::Array(a)) => a,
                    None | Some(Value::Null) => Vec::new(),
                    Some(_) => {
                        return Err(AqlError::new(
                            num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH,
                            "invalid argument type in call to function 'APPLY()'",
                        ))
                    }
                }
            } else {
                args.collect()
            };
            if name.contains("::") {
                return Err(AqlError::not_supported(format!("user-defined AQL functions ({name})")));
            }
            if crate::functions::EXECUTOR_FUNCTIONS.contains(&name.as_str())
                || matches!(name.as_str(), "CALL" | "APPLY")
            {
                return Err(AqlError::new(1578, format!("disallowed dynamic call to '{name}'")));
            }
            let v = crate::functions::call(&name, rest, &mut ctx.fns);
            ctx.take_warnings()?;
            v
        }
        Builtin::CurrentUser => {
            arity("CURRENT_USER", &args, 0, 0)?;
            Ok(Value::Null)
        }
        Builtin::ApproxNear(metric) => Err(super::vector_plan::not_applied(metric)),
        Builtin::VectorScore(metric) => vector_score(metric, &args),
        Builtin::GraphRag(f) => super::graphrag::call(f, args, ctx).await,
    }
}

/// The exact value of an APPROX_NEAR_* call the planner placed on a vector index:
/// cosine similarity, L2 distance or inner product (1542 for anything but two numeric
/// arrays of one length, or options that are not an object).
fn vector_score(metric: VectorMetric, args: &[Value]) -> AqlResult<Value> {
    let name = super::vector_plan::function_name(metric).trim_end_matches("()");
    let mismatch = || {
        AqlError::new(
            num::QUERY_FUNCTION_ARGUMENT_TYPE_MISMATCH,
            format!("invalid argument type in call to function '{name}()'"),
        )
    };
    if !matches!(args.get(2), None | Some(Value::Null) | Some(Value::Object(_))) {
        return Err(mismatch());
    }
    let (Some(a), Some(b)) = (args.first().and_then(numbers), args.get(1).and_then(numbers)) else {
        return Err(mismatch());
    };
    if a.len() != b.len() || a.is_empty() {
        return Err(mismatch());
    }
    let dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    let v = match metric {
        VectorMetric::InnerProduct => dot,
        VectorMetric::L2 => a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt(),
        VectorMetric::Cosine => {
            let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
            dot / (norm(&a) * norm(&b))
        }
    };
    Ok(Value::double(v))
}

fn numbers(v: &Value) -> Option<Vec<f64>> {
    v.as_array()?
        .iter()
        .map(|x| if matches!(x, Value::Int(_) | Value::Double(_)) { x.as_f64() } else { None })
        .collect()
}

async fn by_id(id: &str, ctx: &mut Ctx) -> AqlResult<Option<Value>> {
    if !id.contains('/') {
        return Ok(None);
    }
    ctx.txn().await.document(id).await
}

async fn in_collection(collection: &str, key_or_id: &str, ctx: &mut Ctx) -> AqlResult<Option<Value>> {
    let key = match key_or_id.split_once('/') {
        Some((c, k)) if c == collection => k,
        Some(_) => return Ok(None),
        None => key_or_id,
    };
    if key.is_empty() {
        return Ok(None);
    }
    ctx.txn().await.get(collection, key).await
}

/// DOCUMENT(id | [ids]) and DOCUMENT(collection, key | id | [keys or ids]): missing
/// documents are null (single) or left out (arrays).
async fn document(args: Vec<Value>, ctx: &mut Ctx) -> AqlResult<Value> {
    let mut args = args.into_iter();
    let first = args.next().unwrap_or(Value::Null);
    match args.next() {
        None => match first {
            Value::String(id) => Ok(by_id(&id, ctx).await?.unwrap_or(Value::Null)),
            Value::Array(ids) => {
                let mut out = Vec::new();
                for id in ids {
                    if let Value::String(id) = id {
                        if let Some(d) = by_id(&id, ctx).await? {
                            out.push(d);
                        }
                    }
                }
                Ok(Value::Array(out))
            }
            _ => Ok(Value::Null),
        },
        Some(which) => {
            let collection = collection_name("DOCUMENT", &first)?;
            match which {
                Value::String(k) => Ok(in_collection(&collection, &k, ctx).await?.unwrap_or(Value::Null)),
                Value::Array(keys) => {
                    let mut out = Vec::new();
                    for k in keys {
                        if let Value::String(k) = k {
                            if let Some(d) = in_collection(&collection, &k, ctx).await? {
                                out.push(d);
                            }
                        }
                    }
                    Ok(Value::Array(out))
                }
                _ => Ok(Value::Null),
            }
        }
    }
}
