//! CALL of procedures: `db.labels`, `db.relationshipTypes`, `db.propertyKeys`,
//! `db.indexes`, `db.constraints`, `dbms.components`, the GraphRAG procedures
//! (`graphrag.*` and `orbit.graphrag.*`, [`super::graphrag`]), and — for the openCypher TCK, when
//! the engine is configured for it — `orbit.tck.defineProcedure` /
//! `orbit.tck.clearProcedures` and the test procedures they define.

use super::context::{Cx, Row};
use super::eval::eval;
use super::graphrag;
use super::ops::{Op, Operator};
use super::schema;
use super::vector_index;
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
    if let Some(spec) = graphrag::spec(&call.name) {
        return match &call.args {
            Some(args) => spec.check_count(&call.name, args.len()),
            None => Ok(()),
        };
    }
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
    if let Some(spec) = graphrag::spec(name) {
        return Ok((spec.columns(), graphrag::run(cx, spec, name, args).await?));
    }
    let lower = name.to_ascii_lowercase();
    if let Some(columns) = vector_index::procedure_columns(&lower) {
        return Ok((columns, vector_procedure(cx, &lower, args).await?));
    }
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
    if let Some(spec) = graphrag::spec(name) {
        return spec.inputs.iter().map(|(n, _)| n.to_string()).collect();
    }
    if let Some(inputs) = vector_index::procedure_inputs(&name.to_ascii_lowercase()) {
        return inputs;
    }
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
                    let required = graphrag::spec(&self.call.name).map(|s| s.required);
                    for (i, n) in input_names(cx, &self.call.name).iter().enumerate() {
                        match required {
                            Some(r) if i >= r && !cx.params.contains_key(n) => args.push(Value::Null),
                            _ => args.push(super::eval::parameter(cx, n)?),
                        }
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

/// The built-in procedures other than GraphRAG's: name, description, mode.
const BUILT_IN: &[(&str, &str, &str)] = &[
    ("db.constraints", "List all constraints in the database.", "READ"),
    ("db.index.vector.createNodeIndex", "Create a named node vector index for the given label and property.", "SCHEMA"),
    ("db.index.vector.queryNodes", "Query the given node vector index: the k nearest nodes and their scores.", "READ"),
    ("db.indexes", "List all indexes in the database.", "READ"),
    ("db.labels", "List all labels in the database.", "READ"),
    ("db.propertyKeys", "List all property keys in the database.", "READ"),
    ("db.relationshipTypes", "List all relationship types in the database.", "READ"),
    ("dbms.components", "List DBMS components and their versions.", "DBMS"),
];

/// SHOW PROCEDURES: Neo4j's default columns, sorted by name.
pub(crate) fn show_procedures() -> (Vec<String>, Vec<Vec<Value>>) {
    let columns = ["name", "description", "mode", "worksOnSystem"].map(String::from).to_vec();
    let mut rows: Vec<(String, &str, &str)> = BUILT_IN.iter().map(|(n, d, m)| (n.to_string(), *d, *m)).collect();
    for spec in graphrag::SPECS {
        let mode = if spec.writes { "WRITE" } else { "READ" };
        for prefix in ["graphrag.", "orbit.graphrag."] {
            rows.push((format!("{prefix}{}", spec.name), spec.description, mode));
        }
    }
    rows.sort();
    let rows = rows
        .into_iter()
        .map(|(n, d, m)| {
            let system = n == "dbms.components";
            vec![Value::String(n), Value::String(d.into()), Value::String(m.into()), Value::Bool(system)]
        })
        .collect();
    (columns, rows)
}

/// Whether calling `name` changes data (WRITE mode procedures): a query calling one runs
/// eagerly and is refused in a read-access transaction.
pub(crate) fn writes(name: &str) -> bool {
    graphrag::spec(name).is_some_and(|s| s.writes) || name.eq_ignore_ascii_case("db.index.vector.createNodeIndex")
}

/// `db.index.vector.queryNodes` (rows of node and score, best first) and
/// `db.index.vector.createNodeIndex` (no rows).
async fn vector_procedure(cx: &Cx, lower: &str, args: Vec<Value>) -> CypherResult<Vec<Vec<Value>>> {
    if cx.database != super::DatabaseKind::User {
        return Err(CypherError::not_supported("Vector indexes exist on the user database only"));
    }
    if lower == "db.index.vector.createnodeindex" {
        let def = vector_index::create_node_index_def(&args)?;
        let taken = cx.shared.graph.indexes().iter().any(|i| i.name == def.name);
        if cx.shared.vectors.create(def, false, taken).await? {
            cx.stat(|s| s.indexes_added += 1);
        }
        return Ok(Vec::new());
    }
    let [name, k, query] = <[Value; 3]>::try_from(args).map_err(|a| {
        CypherError::semantic(format!(
            "Procedure call does not provide the required number of arguments: got {} expected 3",
            a.len()
        ))
    })?;
    let Value::String(name) = name else {
        return Err(CypherError::type_error(format!(
            "Type mismatch for argument `indexName`: expected STRING but was {}",
            name.type_name()
        )));
    };
    let mut rows = Vec::new();
    for (id, score) in cx.shared.vectors.query(&name, &k, &query).await? {
        if cx.node_deleted(id) {
            continue;
        }
        if let Some(node) = cx.node(id).await? {
            rows.push(vec![super::context::node_value(node)?, Value::Float(score)]);
        }
    }
    Ok(rows)
}

/// The output columns a procedure has (for planning YIELD and a standalone CALL).
async fn columns_of(cx: &Cx, name: &str) -> CypherResult<Vec<String>> {
    if let Some(spec) = graphrag::spec(name) {
        return Ok(spec.columns());
    }
    let lower = name.to_ascii_lowercase();
    if let Some(columns) = vector_index::procedure_columns(&lower) {
        return Ok(columns);
    }
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
