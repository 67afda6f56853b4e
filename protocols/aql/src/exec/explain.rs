//! The plan as `POST /_api/explain` shows it: the execution nodes in order (ArangoDB's
//! node type names, each depending on the one before), the collections read and
//! written, the declared variables and the index each collection loop uses. Costs are
//! not estimated (0).

use super::plan::*;
use crate::ast::PathKind;
use crate::value::Value;
use std::collections::BTreeSet;

struct Nodes {
    list: Vec<Value>,
}

impl Nodes {
    fn push(&mut self, ty: &str, mut extra: Vec<(&str, Value)>) {
        let id = self.list.len() as i64 + 1;
        let deps = if id == 1 { Vec::new() } else { vec![Value::Int(id - 1)] };
        let mut items = vec![
            ("type", Value::str(ty)),
            ("dependencies", Value::Array(deps)),
            ("id", Value::Int(id)),
            ("estimatedCost", Value::Int(0)),
            ("estimatedNrItems", Value::Int(0)),
        ];
        items.append(&mut extra);
        self.list.push(Value::object(items));
    }
}

fn access_node(collection: &str, access: &Access) -> (&'static str, Vec<(&'static str, Value)>) {
    let index = |name: &str, ty: &str, fields: &[&str]| {
        Value::Array(vec![Value::object([
            ("name", Value::str(name)),
            ("type", Value::str(ty)),
            ("fields", Value::Array(fields.iter().map(|f| Value::str(*f)).collect())),
        ])])
    };
    let coll = ("collection", Value::str(collection));
    match access {
        Access::Scan => ("EnumerateCollectionNode", vec![coll]),
        Access::Key(_) | Access::Keys(_) | Access::Id(_) => {
            ("IndexNode", vec![coll, ("indexes", index("primary", "primary", &["_key"]))])
        }
        Access::Edges(d, _) => {
            let field = if *d == crate::ast::EdgeDirection::Inbound { "_to" } else { "_from" };
            ("IndexNode", vec![coll, ("indexes", index("edge", "edge", &[field]))])
        }
        Access::Index { index: name, fields, .. } | Access::IndexIn { index: name, fields, .. } => {
            let f: Vec<&str> = fields.iter().map(String::as_str).collect();
            ("IndexNode", vec![coll, ("indexes", index(name, "persistent", &f))])
        }
        Access::Vector { index: name, field, .. } => {
            ("EnumerateNearVectorNode", vec![coll, ("index", index(name, "vector", &[field.as_str()]))])
        }
    }
}

/// The id explain gives the main node of top-level operation `idx` (its expression's
/// CalculationNode, if any, comes just before it), for ArangoDB's
/// `[node #N: Type]` in runtime errors.
pub fn node_id(plan: &Plan, idx: usize) -> usize {
    let mut nodes = Nodes { list: Vec::new() };
    nodes.push("SingletonNode", Vec::new());
    let mut writes = BTreeSet::new();
    let mut uses_index = false;
    let ops = plan.ops.iter().take(idx + 1).cloned().collect();
    let upto = Plan { ops, ret: None, slots: 0, modifies: false, independent: false };
    describe_ops(&upto, &mut nodes, &mut writes, &mut uses_index);
    nodes.list.len()
}

pub fn modify_node_type(kind: ModifyKind) -> &'static str {
    match kind {
        ModifyKind::Insert => "InsertNode",
        ModifyKind::Update => "UpdateNode",
        ModifyKind::Replace => "ReplaceNode",
        ModifyKind::Remove => "RemoveNode",
    }
}

fn calculates(e: &CExpr) -> bool {
    !matches!(e, CExpr::Var(_))
}

fn describe_ops(plan: &Plan, nodes: &mut Nodes, writes: &mut BTreeSet<String>, uses_index: &mut bool) {
    for op in &plan.ops {
        match op {
            PlanOp::ForExpr { .. } | PlanOp::ForRange { .. } => {
                nodes.push("CalculationNode", Vec::new());
                nodes.push("EnumerateListNode", Vec::new());
            }
            PlanOp::ForCollection { collection, access, .. } => {
                let (ty, extra) = access_node(collection, access);
                *uses_index |= ty == "IndexNode";
                nodes.push(ty, extra);
            }
            PlanOp::Traversal(_) => nodes.push("TraversalNode", Vec::new()),
            PlanOp::Path(p) => nodes.push(
                match p.kind {
                    PathKind::ShortestPath => "ShortestPathNode",
                    PathKind::KShortestPaths | PathKind::KPaths | PathKind::AllShortestPaths => "EnumeratePathsNode",
                },
                Vec::new(),
            ),
            PlanOp::Filter(_) => {
                nodes.push("CalculationNode", Vec::new());
                nodes.push("FilterNode", Vec::new());
            }
            PlanOp::Let { expr, .. } => {
                let ty = if matches!(expr, CExpr::Subquery(_)) { "SubqueryNode" } else { "CalculationNode" };
                nodes.push(ty, Vec::new());
            }
            PlanOp::Collect(_) => nodes.push("CollectNode", Vec::new()),
            PlanOp::Sort(_) => nodes.push("SortNode", Vec::new()),
            PlanOp::Limit { .. } => nodes.push("LimitNode", Vec::new()),
            PlanOp::Window(_) => nodes.push("WindowNode", Vec::new()),
            PlanOp::Modify(m) => {
                writes.insert(m.collection.clone());
                if calculates(&m.target) || m.with.as_ref().is_some_and(calculates) {
                    nodes.push("CalculationNode", Vec::new());
                }
                let ty = modify_node_type(m.kind);
                nodes.push(ty, vec![("collection", Value::str(m.collection.clone()))]);
            }
            PlanOp::Upsert(u) => {
                writes.insert(u.collection.clone());

                nodes.push("UpsertNode", vec![("collection", Value::str(u.collection.clone()))]);
            }
        }
    }
    let mut sub = |e: &CExpr| {
        if let CExpr::Subquery(p) = e {
            let mut inner = Nodes { list: Vec::new() };
            describe_ops(p, &mut inner, writes, uses_index);
        }
    };
    plan.visit_exprs(&mut sub);
}

pub fn describe(
    plan: &Plan,
    collections: &BTreeSet<String>,
    variables: &[(String, Slot)],
    warnings: &[crate::error::Warning],
) -> Value {
    let mut nodes = Nodes { list: Vec::new() };
    nodes.push("SingletonNode", Vec::new());
    let mut writes = BTreeSet::new();
    let mut uses_index = false;
    describe_ops(plan, &mut nodes, &mut writes, &mut uses_index);
    if plan.ret.is_some() {
        nodes.push("ReturnNode", Vec::new());
    }
    let collections = collections
        .iter()
        .map(|c| {
            let ty = if writes.contains(c) { "write" } else { "read" };
            Value::object([("name", Value::str(c.clone())), ("type", Value::str(ty))])
        })
        .collect();
    let variables = variables
        .iter()
        .map(|(n, s)| Value::object([("id", Value::Int(*s as i64)), ("name", Value::str(n.clone()))]))
        .collect();
    let mut rules = if uses_index { vec![Value::str("use-indexes")] } else { Vec::new() };
    if nodes.list.iter().any(|n| n.get("type").and_then(|t| t.as_str()) == Some("EnumerateNearVectorNode")) {
        rules.push(Value::str("use-vector-index"));
    }
    let cacheable = !plan.modifies;
    let plan = Value::object([
        ("nodes", Value::Array(nodes.list)),
        ("rules", Value::Array(rules)),
        ("collections", Value::Array(collections)),
        ("variables", Value::Array(variables)),
        ("estimatedCost", Value::Int(0)),
        ("estimatedNrItems", Value::Int(0)),
        ("isModificationQuery", Value::Bool(plan.modifies)),
    ]);
    let warnings = warnings
        .iter()
        .map(|w| Value::object([("code", Value::Int(w.code as i64)), ("message", Value::str(w.message.clone()))]))
        .collect();
    Value::object([("plan", plan), ("warnings", Value::Array(warnings)), ("cacheable", Value::Bool(cacheable))])
}
