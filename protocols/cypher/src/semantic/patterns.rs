//! Pattern variables: what MATCH, CREATE and MERGE bind and the conflicts with what is
//! already bound (VariableTypeConflict, VariableAlreadyBound, a relationship used twice
//! in one pattern), the shape CREATE and MERGE need (one type, a direction for CREATE, no
//! variable length), parameters as property maps, and patterns used as predicates
//! (which may not introduce variables).

use super::expr::{check, check_predicate, undefined, Agg, Ctx};
use super::{err, Scope, Ty};
use crate::ast::*;
use crate::error::CypherResult;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Match,
    Create,
    Merge,
}

fn already_bound(v: &str) -> crate::error::CypherError {
    err("VariableAlreadyBound", format!("Variable `{v}` already declared"))
}

fn type_conflict(v: &str, was: &Ty, now: &str) -> crate::error::CypherError {
    err(
        "VariableTypeConflict",
        format!("Type mismatch: `{v}` defined with conflicting type {} (expected {now})", was.name()),
    )
}

/// Binds the variables of `pattern` into `scope` as `usage` does, then checks the
/// pattern's property maps and inline WHERE predicates in the resulting scope.
pub fn bind_pattern(pattern: &Pattern, scope: &mut Scope, usage: Use) -> CypherResult<()> {
    let mut seen_rels = HashSet::new();
    let mut seen_nodes = HashSet::new();
    for part in pattern {
        bind_part(part, scope, usage, &mut seen_nodes, &mut seen_rels)?;
    }
    for part in pattern {
        check_element_exprs(&part.element, Ctx::new(scope, Agg::Forbidden))?;
    }
    Ok(())
}

fn bind_part(
    part: &PatternPart,
    scope: &mut Scope,
    usage: Use,
    seen_nodes: &mut HashSet<String>,
    seen_rels: &mut HashSet<String>,
) -> CypherResult<()> {
    let el = &part.element;
    if let Some(p) = &part.variable {
        let inner = element_variables(el);
        if scope.contains_key(p) || inner.contains(p) {
            return Err(already_bound(p));
        }
    }
    let single_node = el.chain.is_empty();
    for node in std::iter::once(&el.start).chain(el.chain.iter().map(|(_, n)| n)) {
        bind_node(node, scope, usage, single_node, seen_nodes)?;
    }
    for (rel, _) in &el.chain {
        bind_rel(rel, scope, usage, seen_rels)?;
    }
    if let Some(p) = &part.variable {
        scope.insert(p.clone(), Ty::Path);
    }
    Ok(())
}

fn element_variables(el: &PatternElement) -> HashSet<String> {
    let mut out = HashSet::new();
    out.extend(el.start.variable.clone());
    for (r, n) in &el.chain {
        out.extend(r.variable.clone());
        out.extend(n.variable.clone());
    }
    out
}

fn properties_use(props: &Option<Expr>, usage: Use) -> CypherResult<()> {
    if let (Some(Expr::Parameter(p)), Use::Match | Use::Merge) = (props, usage) {
        return Err(err(
            "InvalidParameterUse",
            format!(
                "Parameter maps cannot be used in {} patterns (use a literal map instead, e.g. {{id: ${p}.id}})",
                if usage == Use::Match { "MATCH" } else { "MERGE" }
            ),
        ));
    }
    Ok(())
}

fn bind_node(
    node: &NodePattern,
    scope: &mut Scope,
    usage: Use,
    single_node: bool,
    seen: &mut HashSet<String>,
) -> CypherResult<()> {
    properties_use(&node.properties, usage)?;
    let decorated = node.labels.is_some() || node.properties.is_some();
    if usage != Use::Match {
        if let Some(l) = &node.labels {
            if l.conjunction().is_none() {
                return Err(err(
                    "InvalidLabelExpression",
                    "Label expressions other than A:B are not allowed in CREATE or MERGE",
                ));
            }
        }
        if node.where_.is_some() {
            return Err(err("UnexpectedSyntax", "WHERE is not allowed inside a node pattern of CREATE or MERGE"));
        }
    }
    let Some(v) = &node.variable else { return Ok(()) };
    match scope.get(v) {
        Some(Ty::Node | Ty::Any | Ty::Null) => {
            let earlier_here = seen.contains(v);
            if usage != Use::Match && (decorated || (single_node && !earlier_here)) {
                return Err(already_bound(v));
            }
        }
        Some(other) => return Err(type_conflict(v, other, "Node")),
        None => {
            scope.insert(v.clone(), Ty::Node);
        }
    }
    seen.insert(v.clone());
    Ok(())
}

fn bind_rel(rel: &RelPattern, scope: &mut Scope, usage: Use, seen: &mut HashSet<String>) -> CypherResult<()> {
    properties_use(&rel.properties, usage)?;
    if usage != Use::Match {
        let clause = if usage == Use::Create { "CREATE" } else { "MERGE" };
        if rel.types.len() != 1 {
            return Err(err(
                "NoSingleRelationshipType",
                format!("A single relationship type must be specified for {clause}"),
            ));
        }
        if rel.length.is_some() {
            return Err(err("CreatingVarLength", format!("Variable length relationships cannot be used in {clause}")));
        }
        if usage == Use::Create && rel.direction == RelDirection::Either {
            return Err(err("RequiresDirectedRelationship", "Only directed relationships are supported in CREATE"));
        }
        if rel.where_.is_some() {
            return Err(err(
                "UnexpectedSyntax",
                format!("WHERE is not allowed inside a relationship pattern of {clause}"),
            ));
        }
    }
    let Some(v) = &rel.variable else { return Ok(()) };
    let ty = if rel.length.is_some() { Ty::List(Box::new(Ty::Rel)) } else { Ty::Rel };
    if !seen.insert(v.clone()) {
        return Err(err(
            "RelationshipUniquenessViolation",
            format!("Cannot use the same relationship variable '{v}' for multiple relationships"),
        ));
    }
    match scope.get(v) {
        None => {
            scope.insert(v.clone(), ty);
        }
        Some(_) if usage != Use::Match => return Err(already_bound(v)),
        Some(Ty::Any | Ty::Null) => {}
        Some(Ty::Rel) if rel.length.is_none() => {}
        Some(Ty::List(_)) if rel.length.is_some() => {}
        Some(other) => return Err(type_conflict(v, other, "Relationship")),
    }
    Ok(())
}

/// The property maps and inline WHERE predicates of a pattern element.
pub fn check_element_exprs(el: &PatternElement, cx: Ctx) -> CypherResult<()> {
    let nodes = std::iter::once(&el.start).chain(el.chain.iter().map(|(_, n)| n));
    for n in nodes {
        if let Some(p) = &n.properties {
            check(p, Ctx::new(cx.scope, Agg::Forbidden))?;
        }
        if let Some(w) = &n.where_ {
            check_predicate(w, cx.scope)?;
        }
    }
    for (r, _) in &el.chain {
        if let Some(p) = &r.properties {
            check(p, Ctx::new(cx.scope, Agg::Forbidden))?;
        }
        if let Some(w) = &r.where_ {
            check_predicate(w, cx.scope)?;
        }
    }
    Ok(())
}

/// A pattern used as a predicate: every variable in it must already be bound.
pub fn check_predicate_pattern(el: &PatternElement, scope: &Scope) -> CypherResult<()> {
    for v in element_variables(el) {
        if !scope.contains_key(&v) {
            return Err(undefined(&v));
        }
    }
    Ok(())
}

/// The variables a pattern comprehension introduces (scoped to it).
pub fn bind_comprehension(el: &PatternElement, scope: &mut Scope) -> CypherResult<()> {
    let part = PatternPart { variable: None, kind: PathKind::Plain, element: el.clone() };
    bind_part(&part, scope, Use::Match, &mut HashSet::new(), &mut HashSet::new())
}
