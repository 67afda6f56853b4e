//! Schema commands over the graph's property indexes: CREATE / DROP INDEX and
//! CONSTRAINT (uniqueness; NOT NULL, NODE KEY, property types and relationship
//! schema are not supported), and the rows of SHOW INDEXES / SHOW CONSTRAINTS in Neo4j's
//! columns.

use super::context::Cx;
use crate::ast::{ConstraintKind, IndexKind, SchemaCommand, SchemaEntity};
use crate::engine::QueryStats;
use crate::error::{CypherError, CypherResult};
use crate::value::Value;
use orbit_graph::PropertyIndex;

fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| text(s)).collect())
}

pub(crate) fn show_indexes(cx: &Cx) -> (Vec<String>, Vec<Vec<Value>>) {
    let columns = [
        "id",
        "name",
        "state",
        "populationPercent",
        "type",
        "entityType",
        "labelsOrTypes",
        "properties",
        "indexProvider",
        "owningConstraint",
        "lastRead",
        "readCount",
    ];
    let rows = cx
        .shared
        .graph
        .indexes()
        .iter()
        .enumerate()
        .map(|(i, idx)| {
            vec![
                Value::Int(i as i64 + 1),
                text(&idx.name),
                text("ONLINE"),
                Value::Float(100.0),
                text("RANGE"),
                text("NODE"),
                list(&[&idx.label]),
                list(&[&idx.property]),
                text("range-1.0"),
                if idx.unique { text(&idx.name) } else { Value::Null },
                Value::Null,
                Value::Int(0),
            ]
        })
        .collect();
    (columns.iter().map(|s| s.to_string()).collect(), rows)
}

pub(crate) fn show_constraints(cx: &Cx) -> (Vec<String>, Vec<Vec<Value>>) {
    let columns = ["id", "name", "type", "entityType", "labelsOrTypes", "properties", "ownedIndex", "propertyType"];
    let rows = cx
        .shared
        .graph
        .indexes()
        .iter()
        .filter(|i| i.unique)
        .enumerate()
        .map(|(i, idx)| {
            vec![
                Value::Int(i as i64 + 1),
                text(&idx.name),
                text("UNIQUENESS"),
                text("NODE"),
                list(&[&idx.label]),
                list(&[&idx.property]),
                text(&idx.name),
                Value::Null,
            ]
        })
        .collect();
    (columns.iter().map(|s| s.to_string()).collect(), rows)
}

fn single_property(properties: &[String], what: &str) -> CypherResult<String> {
    match properties {
        [p] => Ok(p.clone()),
        _ => Err(CypherError::not_supported(format!("{what} on more than one property"))),
    }
}

fn node_label(entity: &SchemaEntity, what: &str) -> CypherResult<String> {
    match entity {
        SchemaEntity::Node { label } => Ok(label.clone()),
        SchemaEntity::Relationship { .. } => {
            Err(CypherError::not_supported(format!("{what} on relationship properties")))
        }
    }
}

/// Runs a schema command; answers the counters it changed.
pub(crate) async fn run(cx: &Cx, cmd: &SchemaCommand) -> CypherResult<QueryStats> {
    let mut stats = QueryStats::default();
    let graph = &cx.shared.graph;
    match cmd {
        SchemaCommand::CreateIndex { name, if_not_exists, kind, entity, properties } => {
            if !matches!(kind, IndexKind::Range) {
                return Err(CypherError::not_supported(format!("{kind:?} indexes")));
            }
            let label = node_label(entity, "an index")?;
            let property = single_property(properties, "an index")?;
            let name = name.clone().unwrap_or_else(|| format!("index_{label}_{property}"));
            let index = PropertyIndex { name, label, property, unique: false };
            if graph.create_index(index, *if_not_exists).await? {
                stats.indexes_added = 1;
            }
        }
        SchemaCommand::CreateConstraint { name, if_not_exists, kind, entity, properties } => {
            if *kind != ConstraintKind::Unique {
                return Err(CypherError::not_supported(format!("{kind:?} constraints")));
            }
            let label = node_label(entity, "a constraint")?;
            let property = single_property(properties, "a constraint")?;
            let name = name.clone().unwrap_or_else(|| format!("constraint_{label}_{property}"));
            let index = PropertyIndex { name, label, property, unique: true };
            match graph.create_index(index, *if_not_exists).await {
                Ok(true) => stats.constraints_added = 1,
                Ok(false) => {}
                Err(orbit_graph::GraphError::ConstraintViolation { label, property, value, existing }) => {
                    return Err(CypherError::new(
                        crate::error::ErrorKind::ConstraintCreation,
                        format!("Unable to create Constraint( type='UNIQUENESS', schema=(:{label} {{{property}}}) ): Both Node({existing}) and another node have the label `{label}` and property `{property}` = {value}"),
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        SchemaCommand::DropIndex { name, if_exists } => {
            if graph.indexes().iter().any(|i| &i.name == name && i.unique) {
                return Err(CypherError::new(
                    crate::error::ErrorKind::SchemaRuleNotFound,
                    format!("Unable to drop index: Index belongs to constraint: `{name}`"),
                ));
            }
            if graph.drop_index(name, *if_exists).await? {
                stats.indexes_removed = 1;
            }
        }
        SchemaCommand::DropConstraint { name, if_exists } => {
            if graph.indexes().iter().any(|i| &i.name == name && !i.unique) {
                return Err(CypherError::new(
                    crate::error::ErrorKind::SchemaRuleNotFound,
                    format!("Unable to drop constraint `{name}`: No such constraint {name}."),
                ));
            }
            if graph.drop_index(name, *if_exists).await? {
                stats.constraints_removed = 1;
            }
        }
    }
    Ok(stats)
}
