//! CREATE TABLE's definition checks: the columns, the primary key and the clustering
//! order become a [`TableDef`] in `SELECT *` order, or the error Cassandra answers.

use crate::error::{CqlError, CqlResult};
use crate::model::space::random_uuid;
use crate::schema::{ClusteringOrder, ColumnDef, ColumnKind, TableDef};
use crate::types::CqlType;
use std::collections::BTreeMap;

/// A column as CREATE TABLE declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredColumn {
    pub name: String,
    pub ty: CqlType,
    pub is_static: bool,
}

/// Builds and checks a table definition (types already resolved).
pub fn build(
    keyspace: &str,
    name: &str,
    declared: Vec<DeclaredColumn>,
    partition_key: &[String],
    clustering: &[(String, ClusteringOrder)],
    options: BTreeMap<String, String>,
    default_ttl: u32,
) -> CqlResult<TableDef> {
    let mut seen = BTreeMap::new();
    for c in &declared {
        if seen.insert(c.name.clone(), c).is_some() {
            return Err(CqlError::invalid(format!("Multiple definition of identifier {}", c.name)));
        }
    }
    if partition_key.is_empty() {
        return Err(CqlError::invalid("No PRIMARY KEY specifed (exactly one required)"));
    }
    let mut columns = Vec::with_capacity(declared.len());
    let mut in_key = Vec::new();
    for (position, pk) in partition_key.iter().enumerate() {
        columns.push(key_column(&seen, pk, ColumnKind::PartitionKey, position, ClusteringOrder::Asc)?);
        in_key.push(pk.clone());
    }
    for (position, (ck, order)) in clustering.iter().enumerate() {
        if in_key.contains(ck) {
            return Err(CqlError::invalid(format!("Multiple definition of identifier {ck} in PRIMARY KEY")));
        }
        columns.push(key_column(&seen, ck, ColumnKind::Clustering, position, *order)?);
        in_key.push(ck.clone());
    }
    let mut rest: Vec<&DeclaredColumn> = declared.iter().filter(|c| !in_key.contains(&c.name)).collect();
    // Cassandra's select order: static columns, then regular ones, each by name.
    rest.sort_by(|a, b| (!a.is_static, &a.name).cmp(&(!b.is_static, &b.name)));
    let counters = rest.iter().filter(|c| c.ty == CqlType::Counter).count();
    if counters > 0 && counters != rest.len() {
        return Err(CqlError::invalid("Cannot mix counter and non counter columns in the same table"));
    }
    if declared.iter().any(|c| in_key.contains(&c.name) && c.ty == CqlType::Counter) {
        return Err(CqlError::invalid("counter type is not supported for PRIMARY KEY column"));
    }
    for c in rest {
        if c.is_static && clustering.is_empty() {
            return Err(CqlError::invalid(format!(
                "Static column {} cannot be defined in a table without clustering columns",
                c.name
            )));
        }
        columns.push(ColumnDef {
            name: c.name.clone(),
            ty: c.ty.clone(),
            kind: if c.is_static { ColumnKind::Static } else { ColumnKind::Regular },
            position: 0,
            order: ClusteringOrder::Asc,
        });
    }
    if counters > 0 && default_ttl > 0 {
        return Err(CqlError::invalid("Cannot set default_time_to_live on a table with counters"));
    }
    Ok(TableDef {
        keyspace: keyspace.to_string(),
        name: name.to_string(),
        columns,
        id: random_uuid(),
        default_ttl,
        options,
        indexes: Vec::new(),
        is_counter: counters > 0,
    })
}

/// The table properties CREATE/ALTER TABLE accept (Cassandra 4.1's TableAttributes).
const TABLE_OPTIONS: [&str; 17] = [
    "additional_write_policy",
    "bloom_filter_fp_chance",
    "caching",
    "cdc",
    "comment",
    "compaction",
    "compression",
    "crc_check_chance",
    "default_time_to_live",
    "extensions",
    "gc_grace_seconds",
    "max_index_interval",
    "memtable",
    "memtable_flush_period_in_ms",
    "min_index_interval",
    "read_repair",
    "speculative_retry",
];

/// `WITH` options as stored (CQL literal text by name) and default_time_to_live,
/// rejecting names Cassandra does not know.
pub fn table_options(
    options: &[(String, crate::parse::ast::OptionValue)],
) -> CqlResult<(BTreeMap<String, String>, Option<u32>)> {
    use crate::parse::ast::{Literal, OptionValue};
    let mut stored = BTreeMap::new();
    let mut ttl = None;
    for (name, value) in options {
        let name = name.to_ascii_lowercase();
        if !TABLE_OPTIONS.contains(&name.as_str()) {
            return Err(CqlError::syntax(format!("Unknown property '{name}'")));
        }
        let text = match value {
            OptionValue::Constant(Literal::Str(s)) => format!("'{}'", s.replace('\'', "''")),
            OptionValue::Constant(Literal::Integer(s) | Literal::Float(s)) => s.clone(),
            OptionValue::Constant(Literal::Bool(b)) => b.to_string(),
            OptionValue::Constant(other) => format!("{other:?}"),
            OptionValue::Map(entries) => {
                let items: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("'{}': '{}'", k.replace('\'', "''"), v.replace('\'', "''")))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
        };
        if name == "default_time_to_live" {
            let OptionValue::Constant(Literal::Integer(n)) = value else {
                return Err(CqlError::new(
                    crate::error::ErrorCode::ConfigError,
                    "Invalid value for default_time_to_live",
                ));
            };
            let n: u32 = n.parse().map_err(|_| {
                CqlError::new(
                    crate::error::ErrorCode::ConfigError,
                    format!("default_time_to_live must be greater than or equal to 0 (got {n})"),
                )
            })?;
            if n > 630_720_000 {
                return Err(CqlError::new(
                    crate::error::ErrorCode::ConfigError,
                    format!("default_time_to_live must be less than or equal to 630720000 (got {n})"),
                ));
            }
            ttl = Some(n);
        } else {
            stored.insert(name, text);
        }
    }
    Ok((stored, ttl))
}

/// ALTER TABLE applied to a definition: columns added (in `SELECT *` order) or
/// dropped, options replaced.
pub fn alter(def: &mut TableDef, change: super::plan::TableChange) -> CqlResult<()> {
    use super::plan::TableChange;
    match change {
        TableChange::Add(columns) => {
            for c in columns {
                if def.column(&c.name).is_some() {
                    return Err(CqlError::invalid(format!("Column with name '{}' already exists", c.name)));
                }
                if c.kind == ColumnKind::Static && def.clustering().next().is_none() {
                    return Err(CqlError::invalid(
                        "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
                    ));
                }
                if (c.ty == CqlType::Counter) != def.is_counter {
                    return Err(CqlError::invalid("Cannot mix counter and non counter columns in the same table"));
                }
                def.columns.push(c);
            }
            let keys = def
                .columns
                .iter()
                .filter(|c| matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Clustering))
                .count();
            def.columns[keys..]
                .sort_by(|a, b| (a.kind != ColumnKind::Static, &a.name).cmp(&(b.kind != ColumnKind::Static, &b.name)));
        }
        TableChange::Drop(names) => {
            for name in names {
                let Some(at) = def.columns.iter().position(|c| c.name == name) else {
                    return Err(CqlError::invalid(format!("Column {name} was not found in table {}", def.name)));
                };
                if matches!(def.columns[at].kind, ColumnKind::PartitionKey | ColumnKind::Clustering) {
                    return Err(CqlError::invalid(format!("Cannot drop PRIMARY KEY column {name}")));
                }
                if def.indexes.iter().any(|i| i.column == name) {
                    return Err(CqlError::invalid(format!(
                        "Cannot drop column {name} because it has dependent secondary indexes"
                    )));
                }
                def.columns.remove(at);
            }
        }
        TableChange::Options { options, default_ttl } => {
            if let Some(ttl) = default_ttl {
                if def.is_counter && ttl > 0 {
                    return Err(CqlError::invalid("Cannot set default_time_to_live on a table with counters"));
                }
                def.default_ttl = ttl;
            }
            def.options.extend(options);
        }
    }
    Ok(())
}

fn key_column(
    declared: &BTreeMap<String, &DeclaredColumn>,
    name: &str,
    kind: ColumnKind,
    position: usize,
    order: ClusteringOrder,
) -> CqlResult<ColumnDef> {
    let c = declared
        .get(name)
        .ok_or_else(|| CqlError::invalid(format!("Unknown definition {name} referenced in PRIMARY KEY")))?;
    if c.ty.is_multi_cell() {
        return Err(CqlError::invalid(format!("Invalid non-frozen collection type for PRIMARY KEY component {name}")));
    }
    if c.is_static {
        return Err(CqlError::invalid(format!("Static column {name} cannot be part of the PRIMARY KEY")));
    }
    if c.ty == CqlType::Duration {
        return Err(CqlError::invalid(format!("duration type is not supported for PRIMARY KEY column '{name}'")));
    }
    Ok(ColumnDef {
        name: name.to_string(),
        ty: c.ty.clone(),
        kind,
        position: u32::try_from(position).unwrap_or(u32::MAX),
        order,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: CqlType) -> DeclaredColumn {
        DeclaredColumn { name: name.into(), ty, is_static: false }
    }

    #[test]
    fn columns_come_in_select_star_order() {
        let t = build(
            "ks",
            "t",
            vec![col("z", CqlType::Text), col("c", CqlType::Int), col("a", CqlType::Int), col("k", CqlType::Int)],
            &["k".into()],
            &[("c".into(), ClusteringOrder::Desc)],
            BTreeMap::new(),
            0,
        )
        .unwrap();
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["k", "c", "a", "z"]);
        assert_eq!(t.columns[1].order, ClusteringOrder::Desc);
    }

    #[test]
    fn invalid_definitions_answer_cassandras_errors() {
        let err = |cols: Vec<DeclaredColumn>, pk: &[&str], ck: &[&str]| {
            let pk: Vec<String> = pk.iter().map(|s| s.to_string()).collect();
            let ck: Vec<(String, ClusteringOrder)> = ck.iter().map(|s| (s.to_string(), ClusteringOrder::Asc)).collect();
            build("ks", "t", cols, &pk, &ck, BTreeMap::new(), 0).unwrap_err().message().to_string()
        };
        assert_eq!(err(vec![col("k", CqlType::Int)], &["x"], &[]), "Unknown definition x referenced in PRIMARY KEY");
        assert_eq!(
            err(vec![col("k", CqlType::List(Box::new(CqlType::Int)))], &["k"], &[]),
            "Invalid non-frozen collection type for PRIMARY KEY component k"
        );
        assert_eq!(
            err(vec![col("k", CqlType::Int), col("n", CqlType::Counter), col("v", CqlType::Int)], &["k"], &[]),
            "Cannot mix counter and non counter columns in the same table"
        );
        assert_eq!(
            err(
                vec![col("k", CqlType::Int), DeclaredColumn { name: "s".into(), ty: CqlType::Int, is_static: true }],
                &["k"],
                &[]
            ),
            "Static column s cannot be defined in a table without clustering columns"
        );
        assert_eq!(
            err(vec![col("k", CqlType::Int), col("k", CqlType::Text)], &["k"], &[]),
            "Multiple definition of identifier k"
        );
    }
}
