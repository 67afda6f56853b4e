//! CALL of procedures: `db.labels`, `db.relationshipTypes`, `db.propertyKeys`,
//! `db.indexes`, `db.constraints`, `dbms.components`, and — for the openCypher TCK, when
//! the engine is configured for it — `orbit.tck.defineProcedure` /
//! `orbit.tck.clearProcedures` and the test procedures they define.

use super::context::{Cx, Row};
use super::eval::eval;
use super::ops::{Op, Operator};
use super::schema;
use crate::ast::{Expr, Literal, ProcedureCall};
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::compare::equals;
use crate::value::Value;
use async_trait::async_trait;
use std::collections::{BTreeSet, VecDeque};

/// A procedure the TCK defined: its signature and its table (inputs first).
#[derive(Debug, Clone)]
pub(crate) struct TestProcedure {
    pub inputs: Vec<String>,
    /// The inputs' declared types, upper case and without the `?` (INTEGER, STRING, ...).
    pub input_types: Vec<String>,
    pub outputs: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

fn not_found(name: &str) -> CypherError {
    CypherError::new(
        ErrorKind::ProcedureNotFound,
        format!("There is no procedure with the name `{name}` registered for this database instance. Please ensure you've spelled the procedure name correctly and that the procedure is properly deployed."),
    )
}

/// `name :: TYPE?, ...` as (name, TYPE) pairs.
fn names(list: &str) -> CypherResult<Vec<(String, String)>> {
    let list = list.trim();
    if list.is_empty() {
        return Ok(Vec::new());
    }
    list.split(',')
        .map(|p| {
            let (n, t) = p.split_once("::").ok_or_else(|| CypherError::argument(format!("bad parameter '{p}'")))?;
            Ok((n.trim().to_string(), t.trim().trim_end_matches('?').trim().to_ascii_uppercase()))
        })
        .collect()
}

/// A signature parsed: the name, the inputs with their types, the output names.
type Signature = (String, Vec<(String, String)>, Vec<String>);

/// Parses `name(in :: TYPE?, ...) :: (out :: TYPE?, ...)`.
pub(crate) fn parse_signature(sig: &str) -> CypherResult<Signature> {
    let bad = || CypherError::argument(format!("not a procedure signature: {sig}"));
    let open = sig.find('(').ok_or_else(bad)?;
    let name = sig.get(..open).ok_or_else(bad)?.trim().to_string();
    let rest = sig.get(open + 1..).ok_or_else(bad)?;
    let close = rest.find(')').ok_or_else(bad)?;
    let inputs = names(rest.get(..close).ok_or_else(bad)?)?;
    let tail = rest.get(close + 1..).ok_or_else(bad)?.trim();
    let tail = tail.strip_prefix("::").ok_or_else(bad)?.trim();
    let outputs = if tail.eq_ignore_ascii_case("void") {
        Vec::new()
    } else {
        let inner = tail.strip_prefix('(').and_then(|t| t.strip_suffix(')')).ok_or_else(bad)?;
        names(inner)?.into_iter().map(|(n, _)| n).collect()
    };
    Ok((name, inputs, outputs))
}

/// Whether a value may be passed for an input of the declared type (null always may).
fn accepts(ty: &str, v: &Value) -> bool {
    match (ty, v) {
        (_, Value::Null) | ("ANY", _) => true,
        ("INTEGER", Value::Int(_)) | ("FLOAT", Value::Float(_) | Value::Int(_)) => true,
        ("NUMBER", Value::Int(_) | Value::Float(_)) => true,
        ("STRING", Value::String(_)) | ("BOOLEAN", Value::Bool(_)) => true,
        ("LIST" | "LIST OF ANY", Value::List(_)) | ("MAP", Value::Map(_)) => true,
        ("INTEGER" | "FLOAT" | "NUMBER" | "STRING" | "BOOLEAN" | "LIST" | "LIST OF ANY" | "MAP", _) => false,
        _ => true,
    }
}

/// A table row's input cell matches an argument: equal values, or both null.
fn cell_matches(cell: &Value, arg: &Value) -> bool {
    (cell.is_null() && arg.is_null()) || equals(cell, arg) == Some(true)
}

fn literal_value(e: &Expr) -> Option<Value> {
    match e {
        Expr::Literal(Literal::Null) => Some(Value::Null),
        Expr::Literal(Literal::Bool(b)) => Some(Value::Bool(*b)),
        Expr::Literal(Literal::Integer(i)) => Some(Value::Int(*i)),
        Expr::Literal(Literal::Float(f)) => Some(Value::Float(*f)),
        Expr::Literal(Literal::String(s)) => Some(Value::String(s.clone())),
        _ => None,
    }
}

/// The compile-time checks of a call to a test procedure: the number of arguments, the
/// types of literal ones, and for the implicit form the parameters it reads.
fn check_arguments(cx: &Cx, call: &ProcedureCall) -> CypherResult<()> {
    let Some(p) = cx.shared.procedures.lock().get(&call.name.to_ascii_lowercase()).cloned() else { return Ok(()) };
    let Some(args) = &call.args else {
        let missing: Vec<&str> = p.inputs.iter().filter(|n| !cx.params.contains_key(*n)).map(|n| n.as_str()).collect();
        if missing.is_empty() {
            return Ok(());
        }
        return Err(CypherError::new(
            ErrorKind::ParameterMissing,
            format!("Expected parameter(s): {}", missing.join(", ")),
        ));
    };
    if args.len() != p.inputs.len() {
        return Err(CypherError::semantic(format!(
            "Procedure call does not provide the required number of arguments: got {} expected {} (InvalidNumberOfArguments)",
            args.len(),
            p.inputs.len()
        )));
    }
    for ((name, ty), e) in p.inputs.iter().zip(&p.input_types).zip(args) {
        if let Some(v) = literal_value(e) {
            if !accepts(ty, &v) {
                return Err(CypherError::semantic(format!(
                    "Type mismatch for argument `{name}`: expected {ty} but was {} (InvalidArgumentType)",
                    v.type_name()
                )));
            }
        }
    }
    Ok(())
}

async fn labels(cx: &Cx) -> CypherResult<(BTreeSet<String>, BTreeSet<String>, BTreeSet<String>)> {
    let (mut labels, mut types, mut keys) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut after = None;
    loop {
        let ids = cx.node_ids(None, after, 512).await?;
        let Some(&last) = ids.last() else { break };
        after = Some(last);
        for id in ids {
            if let Some(n) = cx.node(id).await? {
                labels.extend(n.labels);
                keys.extend(n.properties.into_keys());
            }
            for a in cx.expand(id, orbit_graph::Direction::Outgoing, &[]).await? {
                if let Some(r) = cx.relationship(a.rel).await? {
                    types.insert(r.ty);
                    keys.extend(r.properties.into_keys());
                }
            }
        }
    }
    Ok((labels, types, keys))
}

fn one_column(items: BTreeSet<String>) -> Vec<Vec<Value>> {
    items.into_iter().map(|s| vec![Value::String(s)]).collect()
}

/// Runs procedure `name` with `args`: its output columns and rows.
pub(crate) async fn run(cx: &Cx, name: &str, args: Vec<Value>) -> CypherResult<(Vec<String>, Vec<Vec<Value>>)> {
    let lower = name.to_ascii_lowercase();
    let col = |s: &str| vec![s.to_string()];
    match lower.as_str() {
        "db.labels" => Ok((col("label"), one_column(labels(cx).await?.0))),
        "db.relationshiptypes" => Ok((col("relationshipType"), one_column(labels(cx).await?.1))),
        "db.propertykeys" => Ok((col("propertyKey"), one_column(labels(cx).await?.2))),
        "db.indexes" => Ok(schema::show_indexes(cx)),
        "db.constraints" => Ok(schema::show_constraints(cx)),
        "dbms.components" => Ok((
            vec!["name".into(), "versions".into(), "edition".into()],
            vec![vec![
                Value::String("Neo4j Kernel".into()),
                Value::List(vec![Value::String("5.26.0".into())]),
                Value::String("community".into()),
            ]],
        )),
        "orbit.tck.defineprocedure" if cx.shared.options.test_procedures => {
            let mut it = args.into_iter();
            let (Some(Value::String(sig)), Some(Value::List(_header)), Some(Value::List(rows))) =
                (it.next(), it.next(), it.next())
            else {
                return Err(CypherError::argument("orbit.tck.defineProcedure(signature, header, rows)"));
            };
            let (pname, typed, outputs) = parse_signature(&sig)?;
            let (inputs, input_types) = typed.into_iter().unzip();
            let rows = rows
                .into_iter()
                .map(|r| match r {
                    Value::List(cells) => Ok(cells),
                    _ => Err(CypherError::argument("each row is a list")),
                })
                .collect::<CypherResult<Vec<_>>>()?;
            cx.shared
                .procedures
                .lock()
                .insert(pname.to_ascii_lowercase(), TestProcedure { inputs, input_types, outputs, rows });
            Ok((Vec::new(), Vec::new()))
        }
        "orbit.tck.clearprocedures" if cx.shared.options.test_procedures => {
            cx.shared.procedures.lock().clear();
            Ok((Vec::new(), Vec::new()))
        }
        _ => {
            let Some(p) = cx.shared.procedures.lock().get(&lower).cloned() else { return Err(not_found(name)) };
            if args.len() != p.inputs.len() {
                return Err(CypherError::semantic(format!(
                    "Procedure call does not provide the required number of arguments: got {} expected {}",
                    args.len(),
                    p.inputs.len()
                )));
            }
            let rows = p
                .rows
                .iter()
                .filter(|r| r.iter().zip(&args).all(|(cell, arg)| cell_matches(cell, arg)))
                .map(|r| r.iter().skip(p.inputs.len()).cloned().collect())
                .collect();
            Ok((p.outputs, rows))
        }
    }
}

/// The input names of a procedure, for the argument-less form that reads parameters.
fn input_names(cx: &Cx, name: &str) -> Vec<String> {
    cx.shared.procedures.lock().get(&name.to_ascii_lowercase()).map(|p| p.inputs.clone()).unwrap_or_default()
}

struct CallOp {
    input: Op,
    call: ProcedureCall,
    /// (output column, variable) pairs; None yields every column under its own name.
    yields: Option<Vec<(String, String)>>,
    pending: VecDeque<Row>,
}

#[async_trait]
impl Operator for CallOp {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Ok(Some(r));
            }
            let Some(row) = self.input.next(cx).await? else { return Ok(None) };
            let mut args = Vec::new();
            match &self.call.args {
                Some(exprs) => {
                    for e in exprs {
                        args.push(eval(cx, e, &row).await?);
                    }
                }
                None => {
                    for n in input_names(cx, &self.call.name) {
                        args.push(super::eval::parameter(cx, &n)?);
                    }
                }
            }
            let (columns, rows) = run(cx, &self.call.name, args).await?;
            if columns.is_empty() {
                self.pending.push_back(row);
                continue;
            }
            for r in rows {
                let mut out = row.clone();
                match &self.yields {
                    None => {
                        for (c, v) in columns.iter().zip(r) {
                            out.insert(c.clone(), v);
                        }
                    }
                    Some(pairs) => {
                        for (field, var) in pairs {
                            let at = columns
                                .iter()
                                .position(|c| c == field)
                                .ok_or_else(|| CypherError::semantic(format!("Unknown procedure output: `{field}`")))?;
                            out.insert(var.clone(), r.get(at).cloned().unwrap_or(Value::Null));
                        }
                    }
                }
                self.pending.push_back(out);
            }
        }
    }
}

/// The output columns a procedure has (for planning YIELD and a standalone CALL).
async fn columns_of(cx: &Cx, name: &str) -> CypherResult<Vec<String>> {
    let lower = name.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "db.labels" => vec!["label".into()],
        "db.relationshiptypes" => vec!["relationshipType".into()],
        "db.propertykeys" => vec!["propertyKey".into()],
        "db.indexes" => schema::show_indexes(cx).0,
        "db.constraints" => schema::show_constraints(cx).0,
        "dbms.components" => vec!["name".into(), "versions".into(), "edition".into()],
        "orbit.tck.defineprocedure" | "orbit.tck.clearprocedures" if cx.shared.options.test_procedures => Vec::new(),
        _ => match cx.shared.procedures.lock().get(&lower) {
            Some(p) => p.outputs.clone(),
            None => return Err(not_found(name)),
        },
    })
}

pub(crate) async fn plan_call(
    cx: &Cx,
    input: Op,
    call: &ProcedureCall,
    standalone: bool,
) -> CypherResult<(Op, Vec<String>)> {
    let columns = columns_of(cx, &call.name).await?;
    check_arguments(cx, call)?;
    let yields: Option<Vec<(String, String)>> = match (&call.yields, call.yield_star) {
        (_, true) | (None, _) => {
            if !standalone && call.yields.is_none() && !columns.is_empty() {
                return Err(CypherError::semantic(
                    "Procedure call inside a query does not support naming results implicitly (name explicitly using `YIELD` instead)",
                ));
            }
            None
        }
        (Some(items), false) => {
            for i in items {
                if !columns.contains(&i.field) {
                    return Err(CypherError::semantic(format!("Unknown procedure output: `{}`", i.field)));
                }
            }
            Some(items.iter().map(|i| (i.field.clone(), i.alias.clone().unwrap_or_else(|| i.field.clone()))).collect())
        }
    };
    let yielded: Vec<String> = match &yields {
        None => columns,
        Some(pairs) => pairs.iter().map(|(_, v)| v.clone()).collect(),
    };
    Ok((Box::new(CallOp { input, call: call.clone(), yields, pending: VecDeque::new() }), yielded))
}
