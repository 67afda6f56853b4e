//! CALL of procedures: `db.labels`, `db.relationshipTypes`, `db.propertyKeys`,
//! `db.indexes`, `db.constraints`, `dbms.components`, and — for the openCypher TCK, when
//! the engine is configured for it — `orbit.tck.defineProcedure` /
//! `orbit.tck.clearProcedures` and the test procedures they define.

use super::context::{Cx, Row};
use super::eval::eval;
use super::ops::{Op, Operator};
use super::schema;
use crate::ast::ProcedureCall;
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::compare::equals;
use crate::value::Value;
use async_trait::async_trait;
use std::collections::{BTreeSet, VecDeque};

/// A procedure the TCK defined: its signature and its table (inputs first).
#[derive(Debug, Clone)]
pub(crate) struct TestProcedure {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

fn not_found(name: &str) -> CypherError {
    CypherError::new(
        ErrorKind::ProcedureNotFound,
        format!("There is no procedure with the name `{name}` registered for this database instance. Please ensure you've spelled the procedure name correctly and that the procedure is properly deployed."),
    )
}

fn names(list: &str) -> CypherResult<Vec<String>> {
    let list = list.trim();
    if list.is_empty() {
        return Ok(Vec::new());
    }
    list.split(',')
        .map(|p| {
            let (n, _) = p.split_once("::").ok_or_else(|| CypherError::argument(format!("bad parameter '{p}'")))?;
            Ok(n.trim().to_string())
        })
        .collect()
}

/// Parses `name(in :: TYPE?, ...) :: (out :: TYPE?, ...)`.
pub(crate) fn parse_signature(sig: &str) -> CypherResult<(String, Vec<String>, Vec<String>)> {
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
        names(inner)?
    };
    Ok((name, inputs, outputs))
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
            let (pname, inputs, outputs) = parse_signature(&sig)?;
            let rows = rows
                .into_iter()
                .map(|r| match r {
                    Value::List(cells) => Ok(cells),
                    _ => Err(CypherError::argument("each row is a list")),
                })
                .collect::<CypherResult<Vec<_>>>()?;
            cx.shared.procedures.lock().insert(pname.to_ascii_lowercase(), TestProcedure { inputs, outputs, rows });
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
                .filter(|r| r.iter().zip(&args).all(|(cell, arg)| equals(cell, arg) == Some(true)))
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
