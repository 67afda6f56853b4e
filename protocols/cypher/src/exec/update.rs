//! The updating clauses: CREATE, MERGE (with ON CREATE / ON MATCH), SET, REMOVE,
//! DELETE / DETACH DELETE and FOREACH, each applied to every row it receives, with the
//! counters Neo4j reports. A node deleted without DETACH while it still has
//! relationships is removed at the end of the statement, when they must be gone.

use super::context::{node_value, not_found_node, rel_value, Cx, Row};
use super::eval::{element_properties, eval};
use super::ops::{Op, Operator};
use super::pattern::Matcher;
use super::pattern_plan::{part_variables, plan_match};
use crate::ast::{Clause, Expr, NodePattern, PatternPart, RelDirection, RemoveItem, SetItem};
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::value::props::to_storage;
use crate::value::{Map, PathValue, Value};
use async_trait::async_trait;
use orbit_graph::{Direction, NodeId, Properties};
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

async fn property_map(cx: &Cx, e: Option<&Expr>, row: &Row) -> CypherResult<Properties> {
    let Some(e) = e else { return Ok(Properties::new()) };
    match eval(cx, e, row).await? {
        Value::Map(m) => {
            let mut out = Properties::new();
            for (k, v) in m {
                if !v.is_null() {
                    out.insert(k, to_storage(&v)?);
                }
            }
            Ok(out)
        }
        Value::Null => Ok(Properties::new()),
        other => Err(CypherError::type_error(format!("Type mismatch: expected Map but was {}", other.type_name()))),
    }
}

async fn create_node(cx: &Cx, n: &NodePattern, row: &mut Row) -> CypherResult<Value> {
    if let Some(v) = n.variable.as_ref().and_then(|v| row.get(v)) {
        return match v {
            Value::Node(_) => Ok(v.clone()),
            Value::Null => Err(CypherError::new(ErrorKind::Semantic, "Failed to create relationship, node is null")
                .at_compile_time(false)),
            other => {
                Err(CypherError::type_error(format!("Type mismatch: expected Node but was {}", other.type_name())))
            }
        };
    }
    let labels = n.labels.as_ref().and_then(|l| l.conjunction()).unwrap_or_default();
    let props = property_map(cx, n.properties.as_ref(), row).await?;
    let node = cx.create_node(&labels, props).await?;
    cx.stat(|s| {
        s.nodes_created += 1;
        s.labels_added += node.labels.len() as u64;
        s.properties_set += node.properties.len() as u64;
    });
    let v = node_value(node)?;
    if let Some(var) = &n.variable {
        row.insert(var.clone(), v.clone());
    }
    Ok(v)
}

/// Creates one pattern part (nodes bound already are reused).
pub(crate) async fn create_part(cx: &Cx, part: &PatternPart, row: &mut Row) -> CypherResult<()> {
    let mut nodes = vec![create_node(cx, &part.element.start, row).await?];
    let mut rels = Vec::new();
    for (r, n) in &part.element.chain {
        let from = nodes.last().cloned().unwrap_or(Value::Null);
        let to = create_node(cx, n, row).await?;
        let (Value::Node(a), Value::Node(b)) = (&from, &to) else { continue };
        let ty = match r.types.as_slice() {
            [t] => t.clone(),
            _ => return Err(CypherError::semantic("A relationship in CREATE must have exactly one type")),
        };
        let (start, end) = match r.direction {
            RelDirection::Incoming => (b.id, a.id),
            // Only MERGE gets here with an undirected relationship (CREATE refuses one at
            // compile time); it creates it outgoing, as Neo4j does.
            RelDirection::Outgoing | RelDirection::Either => (a.id, b.id),
        };
        if let Some(v) = r.variable.as_ref().and_then(|v| row.get(v)) {
            if !v.is_null() {
                return Err(CypherError::semantic(format!(
                    "Can't create `{}` with properties or labels here. The variable is already declared in this context",
                    r.variable.clone().unwrap_or_default()
                )));
            }
        }
        let props = property_map(cx, r.properties.as_ref(), row).await?;
        let rel = cx.create_relationship(&ty, start, end, props).await?;
        cx.stat(|s| {
            s.relationships_created += 1;
            s.properties_set += rel.properties.len() as u64;
        });
        let rv = rel_value(rel)?;
        if let Some(var) = &r.variable {
            row.insert(var.clone(), rv.clone());
        }
        rels.push(rv);
        nodes.push(to);
    }
    if let Some(p) = &part.variable {
        let path = PathValue {
            nodes: nodes.into_iter().filter_map(|n| if let Value::Node(n) = n { Some(n) } else { None }).collect(),
            relationships: rels
                .into_iter()
                .filter_map(|r| if let Value::Relationship(r) = r { Some(r) } else { None })
                .collect(),
        };
        row.insert(p.clone(), Value::Path(path));
    }
    Ok(())
}

pub(crate) struct Create {
    pub input: Op,
    pub pattern: Vec<PatternPart>,
}

#[async_trait]
impl Operator for Create {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let Some(mut row) = self.input.next(cx).await? else { return Ok(None) };
        for part in &self.pattern {
            create_part(cx, part, &mut row).await?;
        }
        Ok(Some(row))
    }
}

pub(crate) struct Merge {
    pub input: Op,
    pub part: PatternPart,
    pub on_create: Vec<SetItem>,
    pub on_match: Vec<SetItem>,
    pub pending: VecDeque<Row>,
}

async fn check_merge_nulls(cx: &Cx, part: &PatternPart, row: &Row) -> CypherResult<()> {
    let mut maps: Vec<(&str, &Expr)> = part.element.start.properties.iter().map(|m| ("node", m)).collect();
    for (r, n) in &part.element.chain {
        maps.extend(r.properties.iter().map(|m| ("relationship", m)));
        maps.extend(n.properties.iter().map(|m| ("node", m)));
    }
    for (what, m) in maps {
        if let Value::Map(values) = eval(cx, m, row).await? {
            if let Some((k, _)) = values.iter().find(|(_, v)| v.is_null()) {
                return Err(CypherError::new(
                    ErrorKind::SemanticRuntime,
                    format!("Cannot merge the following {what} because of null property value for '{k}'"),
                ));
            }
        }
    }
    Ok(())
}

#[async_trait]
impl Operator for Merge {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Ok(Some(r));
            }
            let Some(row) = self.input.next(cx).await? else { return Ok(None) };
            check_merge_nulls(cx, &self.part, &row).await?;
            let scope: BTreeSet<String> = row.keys().cloned().collect();
            let plan = plan_match(std::slice::from_ref(&self.part), None, &scope, &cx.graph.indexes())?;
            let mut matcher = Matcher::new(Arc::new(plan), row.clone());
            let mut found = Vec::new();
            while let Some(m) = matcher.next(cx).await? {
                found.push(m);
            }
            if found.is_empty() {
                let mut created = row;
                create_part(cx, &self.part, &mut created).await?;
                apply_set(cx, &self.on_create, &mut created).await?;
                self.pending.push_back(created);
            } else {
                for mut m in found {
                    apply_set(cx, &self.on_match, &mut m).await?;
                    self.pending.push_back(m);
                }
            }
        }
    }
}

async fn set_property(cx: &Cx, target: &Value, key: &str, value: &Value) -> CypherResult<()> {
    match target {
        Value::Null => Ok(()),
        Value::Node(n) => {
            if cx.node_deleted(n.id) {
                return Err(not_found_node(n.id));
            }
            cx.set_node_property(n.id, key, to_storage(value)?).await?;
            cx.stat(|s| s.properties_set += 1);
            Ok(())
        }
        Value::Relationship(r) => {
            cx.set_rel_property(r.id, key, to_storage(value)?).await?;
            cx.stat(|s| s.properties_set += 1);
            Ok(())
        }
        other => Err(CypherError::type_error(format!(
            "Type mismatch: expected Node or Relationship but was {}",
            other.type_name()
        ))),
    }
}

async fn map_of(cx: &Cx, e: &Expr, row: &Row) -> CypherResult<Map> {
    let v = eval(cx, e, row).await?;
    match &v {
        Value::Map(m) => Ok(m.clone()),
        Value::Null => Ok(Map::new()),
        other => match element_properties(cx, other).await? {
            Some(p) => Ok(p),
            None => Err(CypherError::type_error(format!("Type mismatch: expected Map but was {}", other.type_name()))),
        },
    }
}

pub(crate) async fn apply_set(cx: &Cx, items: &[SetItem], row: &mut Row) -> CypherResult<()> {
    for item in items {
        match item {
            SetItem::Property { target, key, value } => {
                let t = eval(cx, target, row).await?;
                let v = eval(cx, value, row).await?;
                set_property(cx, &t, key, &v).await?;
            }
            SetItem::Replace { variable, value } | SetItem::Merge { variable, value } => {
                let target = row.get(variable).cloned().unwrap_or(Value::Null);
                if target.is_null() {
                    continue;
                }
                let new = map_of(cx, value, row).await?;
                let replace = matches!(item, SetItem::Replace { .. });
                if replace {
                    let old = element_properties(cx, &target).await?.unwrap_or_default();
                    for k in old.keys().filter(|k| !new.contains_key(*k)) {
                        set_property(cx, &target, k, &Value::Null).await?;
                    }
                }
                for (k, v) in &new {
                    set_property(cx, &target, k, v).await?;
                }
            }
            SetItem::Labels { variable, labels } => match row.get(variable) {
                Some(Value::Node(n)) => {
                    let added = cx.add_labels(n.id, labels).await?;
                    cx.stat(|s| s.labels_added += added as u64);
                }
                Some(Value::Null) | None => {}
                Some(other) => {
                    return Err(CypherError::type_error(format!(
                        "Type mismatch: expected Node but was {}",
                        other.type_name()
                    )))
                }
            },
        }
    }
    Ok(())
}

pub(crate) struct Set {
    pub input: Op,
    pub items: Vec<SetItem>,
}

#[async_trait]
impl Operator for Set {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let Some(mut row) = self.input.next(cx).await? else { return Ok(None) };
        apply_set(cx, &self.items, &mut row).await?;
        Ok(Some(row))
    }
}

pub(crate) struct Remove {
    pub input: Op,
    pub items: Vec<RemoveItem>,
}

#[async_trait]
impl Operator for Remove {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let Some(row) = self.input.next(cx).await? else { return Ok(None) };
        for item in &self.items {
            match item {
                RemoveItem::Property { target, key } => {
                    let t = eval(cx, target, &row).await?;
                    let had = element_properties(cx, &t).await?.is_some_and(|p| p.contains_key(key));
                    if had {
                        set_property(cx, &t, key, &Value::Null).await?;
                    } else if !t.is_null() && !matches!(t, Value::Node(_) | Value::Relationship(_)) {
                        return Err(CypherError::type_error(format!(
                            "Type mismatch: expected Node or Relationship but was {}",
                            t.type_name()
                        )));
                    }
                }
                RemoveItem::Labels { variable, labels } => {
                    if let Some(Value::Node(n)) = row.get(variable) {
                        let removed = cx.remove_labels(n.id, labels).await?;
                        cx.stat(|s| s.labels_removed += removed as u64);
                    }
                }
            }
        }
        Ok(Some(row))
    }
}

async fn delete_rel(cx: &Cx, id: u64) -> CypherResult<()> {
    if cx.rel_deleted(id) {
        return Ok(());
    }
    if cx.relationship(id).await?.is_some() {
        cx.delete_relationship(id).await?;
        cx.stat(|s| s.relationships_deleted += 1);
    }
    cx.effects.lock().deleted_rels.insert(id);
    Ok(())
}

async fn delete_node(cx: &Cx, id: NodeId, detach: bool) -> CypherResult<()> {
    if cx.node_deleted(id) {
        return Ok(());
    }
    let adjacent = cx.expand(id, Direction::Both, &[]).await?;
    if detach {
        for a in adjacent {
            delete_rel(cx, a.rel).await?;
        }
    } else if adjacent.iter().any(|a| !cx.rel_deleted(a.rel)) {
        let mut e = cx.effects.lock();
        e.deleted_nodes.insert(id);
        e.pending_nodes.push(id);
        return Ok(());
    }
    cx.delete_node(id, false).await?;
    let mut e = cx.effects.lock();
    e.deleted_nodes.insert(id);
    e.stats.nodes_deleted += 1;
    Ok(())
}

/// Removes the nodes deleted without DETACH, which must have lost their relationships.
pub(crate) async fn finish_deletes(cx: &Cx) -> CypherResult<()> {
    let pending = std::mem::take(&mut cx.effects.lock().pending_nodes);
    for id in pending {
        match cx.delete_node(id, false).await {
            Ok(_) => cx.stat(|s| s.nodes_deleted += 1),
            Err(e) if e.kind == ErrorKind::ConstraintValidation => {
                return Err(CypherError::new(
                    ErrorKind::ConstraintValidation,
                    format!(
                        "Cannot delete node<{id}>, because it still has relationships. To delete this node, you must first delete its relationships."
                    ),
                ))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub(crate) struct Delete {
    pub input: Op,
    pub detach: bool,
    pub exprs: Vec<Expr>,
}

#[async_trait]
impl Operator for Delete {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let Some(row) = self.input.next(cx).await? else { return Ok(None) };
        for e in &self.exprs {
            match eval(cx, e, &row).await? {
                Value::Null => {}
                Value::Node(n) => delete_node(cx, n.id, self.detach).await?,
                Value::Relationship(r) => delete_rel(cx, r.id).await?,
                Value::Path(p) => {
                    for r in &p.relationships {
                        delete_rel(cx, r.id).await?;
                    }
                    for n in &p.nodes {
                        delete_node(cx, n.id, self.detach).await?;
                    }
                }
                other => {
                    return Err(CypherError::type_error(format!(
                        "Type mismatch: expected Node, Relationship or Path but was {}",
                        other.type_name()
                    )))
                }
            }
        }
        Ok(Some(row))
    }
}

pub(crate) struct Foreach {
    pub input: Op,
    pub variable: String,
    pub list: Expr,
    pub clauses: Vec<Clause>,
}

#[async_trait]
impl Operator for Foreach {
    async fn next(&mut self, cx: &Cx) -> CypherResult<Option<Row>> {
        let Some(row) = self.input.next(cx).await? else { return Ok(None) };
        let items = match eval(cx, &self.list, &row).await? {
            Value::Null => Vec::new(),
            Value::List(l) => l,
            other => {
                return Err(CypherError::type_error(format!(
                    "Type mismatch: expected List but was {}",
                    other.type_name()
                )))
            }
        };
        for item in items {
            let mut inner = row.clone();
            inner.insert(self.variable.clone(), item);
            let scope: BTreeSet<String> = inner.keys().cloned().collect();
            let (mut op, _, _) =
                super::plan::plan_clauses(cx, &self.clauses, super::ops::once(inner), scope, 1).await?;
            while op.next(cx).await?.is_some() {}
        }
        Ok(Some(row))
    }
}

pub(crate) fn pattern_variables(pattern: &[PatternPart]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in pattern {
        part_variables(p, &mut out);
    }
    out
}
