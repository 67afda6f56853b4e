//! Schema commands over the graph's property indexes: CREATE / DROP INDEX and
//! CONSTRAINT (uniqueness; NOT NULL, NODE KEY, property types and relationship
//! schema are not supported), CREATE VECTOR INDEX (kept by [`super::vector_index`]), and
//! the rows of SHOW INDEXES / SHOW CONSTRAINTS in Neo4j's columns.

use super::context::Cx;
use super::vector_index::store::VectorIndexDef;
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
    let range = cx.graph.indexes().into_iter().map(|idx| {
        let owner = if idx.unique { text(&idx.name) } else { Value::Null };
        (idx.name.clone(), "RANGE", idx.label.clone(), idx.property.clone(), "range-1.0", owner)
    });
    let user = cx.database == super::DatabaseKind::User;
    let vector = (if user { cx.shared.vectors.definitions() } else { Vec::new() })
        .into_iter()
        .map(|d| (d.name, "VECTOR", d.label, d.property, "vector-2.0", Value::Null));
    let mut all: Vec<_> = range.chain(vector).collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let rows = all
        .into_iter()
        .enumerate()
        .map(|(i, (name, kind, label, property, provider, owner))| {
            vec![
                Value::Int(i as i64 + 1),
                text(&name),
                text("ONLINE"),
                Value::Float(100.0),
                text(kind),
                text("NODE"),
                list(&[&label]),
                list(&[&property]),
                text(provider),
                owner,
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

/// Whether a vector index has the name a new index or constraint asks for: true (skip)
/// with IF NOT EXISTS, an error without.
fn vector_name_taken(cx: &Cx, name: &str, if_not_exists: bool) -> CypherResult<bool> {
    if !cx.shared.vectors.exists(name) {
        return Ok(false);
    }
    if if_not_exists {
        return Ok(true);
    }
    Err(CypherError::new(
        crate::error::ErrorKind::SchemaRuleExists,
        format!("There already exists an index called '{name}'."),
    ))
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
            if vector_name_taken(cx, &name, *if_not_exists)? {
                return Ok(stats);
            }
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
            if vector_name_taken(cx, &name, *if_not_exists)? {
                return Ok(stats);
            }
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
        SchemaCommand::CreateVectorIndex { name, if_not_exists, entity, property, options } => {
            let label = node_label(entity, "a vector index")?;
            let options = match options {
                Some(e) => super::eval::eval(cx, e, &super::context::Row::new()).await?,
                None => Value::Null,
            };
            let (dimensions, similarity) = super::vector_index::parse_options(&options)?;
            let name = name.clone().unwrap_or_else(|| format!("index_{label}_{property}"));
            let taken = graph.indexes().iter().any(|i| i.name == name);
            let def = VectorIndexDef { name, label, property: property.clone(), dimensions, similarity };
            if cx.shared.vectors.create(def, *if_not_exists, taken).await? {
                stats.indexes_added = 1;
            }
        }
        SchemaCommand::DropIndex { name, if_exists } if cx.shared.vectors.exists(name) => {
            if cx.shared.vectors.drop(name).await? {
                stats.indexes_removed = 1;
            } else if !*if_exists {
                return Err(CypherError::new(
                    crate::error::ErrorKind::SchemaRuleNotFound,
                    format!("Unable to drop index called `{name}`. There is no such index."),
                ));
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
