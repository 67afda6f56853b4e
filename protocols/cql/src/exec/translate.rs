//! The parser's statements as [`Plan`]s (a first subset): USE, CREATE/DROP KEYSPACE,
//! CREATE/DROP TABLE, TRUNCATE, INSERT, UPDATE of plain columns, DELETE of rows and
//! partitions, and SELECT of columns by partition key and clustering slice. Terms become
//! values against the type of the column they meet; markers take the request's values.

use super::bind::Bound;
use super::literal::{parse_date, parse_duration, parse_time, parse_timestamp, parse_uuid};
use super::plan::Plan;
use super::select::{self, Op, Restriction};
use super::table_def::{build, DeclaredColumn};
use super::write;
use crate::engine::{BoundValue, Values};
use crate::error::{CqlError, CqlResult};
use crate::model::{Catalog, ColumnOp, ColumnWrite, CqlValue};
use crate::parse::ast::{
    AssignTarget, AssignValue, Literal, MarkerName, Operator, OptionValue, Parsed, QualifiedName, RelationTarget,
    Selector, Statement, Term,
};
use crate::schema::{KeyspaceDef, Replication, TableDef};
use crate::types::CqlType;
use num_bigint::BigInt;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a statement's terms resolve against: the request's values and marker names.
pub struct Terms<'a> {
    pub values: &'a Values,
    pub markers: &'a [MarkerName],
}

impl Terms<'_> {
    fn marker(&self, index: usize, ty: &CqlType) -> CqlResult<Bound> {
        let raw = match self.values {
            Values::Positional(v) => v.get(index),
            Values::Named(named) => match self.markers.get(index) {
                Some(MarkerName::Named(n)) => named.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v),
                _ => None,
            },
            Values::None => None,
        };
        match raw {
            None => Err(CqlError::invalid(format!(
                "There were {} markers(?) in CQL but fewer bound variables",
                self.markers.len()
            ))),
            Some(BoundValue::Null) => Ok(Bound::Null),
            Some(BoundValue::Unset) => Ok(Bound::Unset),
            Some(BoundValue::Bytes(b)) => CqlValue::decode_native(ty, b).map(Bound::Value),
        }
    }

    /// The value of `term` for a column of type `ty`.
    pub fn value(&self, term: &Term, ty: &CqlType) -> CqlResult<Bound> {
        let ty = ty.unfrozen();
        let invalid = || CqlError::invalid(format!("Invalid value for type {ty}"));
        Ok(Bound::Value(match term {
            Term::Marker(i) => return self.marker(*i, ty),
            Term::Literal(Literal::Null) => return Ok(Bound::Null),
            Term::TypeHint(_, inner) => return self.value(inner, ty),
            Term::Literal(lit) => literal(lit, ty)?,
            Term::List(items) | Term::Set(items) => {
                let elem = match ty {
                    CqlType::List(e) | CqlType::Set(e) => e,
                    _ => return Err(invalid()),
                };
                let values = items.iter().map(|t| self.required(t, elem)).collect::<CqlResult<Vec<_>>>()?;
                if matches!(ty, CqlType::Set(_)) {
                    CqlValue::set(values)
                } else {
                    CqlValue::List(values)
                }
            }
            Term::Map(entries) => {
                let (CqlType::Map(kt, vt) | CqlType::Set(kt @ vt)) = ty else { return Err(invalid()) };
                if let CqlType::Set(_) = ty {
                    if entries.is_empty() {
                        return Ok(Bound::Value(CqlValue::Set(Vec::new())));
                    }
                    return Err(invalid());
                }
                CqlValue::map(
                    entries
                        .iter()
                        .map(|(k, v)| Ok((self.required(k, kt)?, self.required(v, vt)?)))
                        .collect::<CqlResult<Vec<_>>>()?,
                )
            }
            Term::Tuple(items) => {
                let CqlType::Tuple(types) = ty else { return Err(invalid()) };
                if items.len() > types.len() {
                    return Err(invalid());
                }
                CqlValue::Tuple(
                    types
                        .iter()
                        .enumerate()
                        .map(|(i, t)| match items.get(i).map(|item| self.value(item, t)).transpose()? {
                            Some(Bound::Value(v)) => Ok(Some(v)),
                            _ => Ok(None),
                        })
                        .collect::<CqlResult<Vec<_>>>()?,
                )
            }
            _ => return Err(CqlError::not_supported("this kind of term")),
        }))
    }

    fn required(&self, term: &Term, ty: &CqlType) -> CqlResult<CqlValue> {
        match self.value(term, ty)? {
            Bound::Value(v) => Ok(v),
            _ => Err(CqlError::invalid("null is not supported inside collections")),
        }
    }
}

fn literal(lit: &Literal, ty: &CqlType) -> CqlResult<CqlValue> {
    let bad = || CqlError::invalid(format!("Invalid literal for type {ty}"));
    let int = |s: &str| s.parse::<i64>().map_err(|_| bad());
    Ok(match (lit, ty) {
        (Literal::Integer(s), CqlType::Int) => CqlValue::Int(i32::try_from(int(s)?).map_err(|_| bad())?),
        (Literal::Integer(s), CqlType::Bigint) => CqlValue::Bigint(int(s)?),
        (Literal::Integer(s), CqlType::Counter) => CqlValue::Counter(int(s)?),
        (Literal::Integer(s), CqlType::Smallint) => CqlValue::Smallint(i16::try_from(int(s)?).map_err(|_| bad())?),
        (Literal::Integer(s), CqlType::Tinyint) => CqlValue::Tinyint(i8::try_from(int(s)?).map_err(|_| bad())?),
        (Literal::Integer(s), CqlType::Varint) => CqlValue::Varint(s.parse::<BigInt>().map_err(|_| bad())?),
        (Literal::Integer(s), CqlType::Timestamp) => CqlValue::Timestamp(int(s)?),
        (Literal::Integer(s) | Literal::Float(s), CqlType::Double) => CqlValue::Double(s.parse().map_err(|_| bad())?),
        (Literal::Integer(s) | Literal::Float(s), CqlType::Float) => CqlValue::Float(s.parse().map_err(|_| bad())?),
        (Literal::Integer(s) | Literal::Float(s), CqlType::Decimal) => {
            let (digits, scale) = match s.split_once('.') {
                Some((a, b)) => (format!("{a}{b}"), i32::try_from(b.len()).map_err(|_| bad())?),
                None => (s.clone(), 0),
            };
            CqlValue::Decimal { unscaled: digits.parse::<BigInt>().map_err(|_| bad())?, scale }
        }
        (Literal::Bool(b), CqlType::Boolean) => CqlValue::Boolean(*b),
        (Literal::Str(s), CqlType::Text) => CqlValue::Text(s.clone()),
        (Literal::Str(s), CqlType::Ascii) if s.is_ascii() => CqlValue::Ascii(s.clone()),
        (Literal::Str(s), CqlType::Timestamp) => CqlValue::Timestamp(parse_timestamp(s)?),
        (Literal::Str(s), CqlType::Date) => CqlValue::Date(parse_date(s)?),
        (Literal::Str(s), CqlType::Time) => CqlValue::Time(parse_time(s)?),
        (Literal::Str(s), CqlType::Inet) => CqlValue::Inet(s.parse().map_err(|_| bad())?),
        (Literal::Str(s), CqlType::Uuid) => CqlValue::Uuid(parse_uuid(s)?),
        (Literal::Uuid(u), CqlType::Uuid) => CqlValue::Uuid(*u),
        (Literal::Uuid(u), CqlType::Timeuuid) if u[6] >> 4 == 1 => CqlValue::Timeuuid(*u),
        (Literal::Blob(b), CqlType::Blob) => CqlValue::Blob(b.clone()),
        (Literal::Duration(s), CqlType::Duration) => {
            let (months, days, nanos) = parse_duration(s)?;
            CqlValue::Duration { months, days, nanos }
        }
        (Literal::NaN, CqlType::Double) => CqlValue::Double(f64::NAN),
        (Literal::Infinity { negative }, CqlType::Double) => {
            CqlValue::Double(if *negative { f64::NEG_INFINITY } else { f64::INFINITY })
        }
        _ => return Err(bad()),
    })
}

fn keyspace_of(name: &QualifiedName, session_keyspace: Option<&str>) -> CqlResult<String> {
    name.keyspace.clone().or_else(|| session_keyspace.map(str::to_string)).ok_or_else(|| {
        CqlError::invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
    })
}

fn table(catalog: &Catalog, name: &QualifiedName, ks: Option<&str>) -> CqlResult<Arc<TableDef>> {
    let keyspace = keyspace_of(name, ks)?;
    if catalog.keyspace(&keyspace).is_none() {
        return Err(CqlError::invalid(format!("Keyspace {keyspace} does not exist")));
    }
    catalog.table(&keyspace, &name.name).ok_or_else(|| CqlError::invalid(format!("unconfigured table {}", name.name)))
}

fn replication(options: &[(String, OptionValue)]) -> CqlResult<Replication> {
    let Some((_, OptionValue::Map(map))) = options.iter().find(|(k, _)| k == "replication") else {
        return Err(CqlError::new(crate::error::ErrorCode::ConfigError, "Missing mandatory option 'replication'"));
    };
    let class = map.iter().find(|(k, _)| k == "class").map(|(_, v)| v.as_str()).unwrap_or("");
    if class.ends_with("NetworkTopologyStrategy") {
        let data_centers = map
            .iter()
            .filter(|(k, _)| k != "class")
            .map(|(k, v)| {
                Ok((k.clone(), v.parse::<u32>().map_err(|_| CqlError::invalid("Invalid replication factor"))?))
            })
            .collect::<CqlResult<BTreeMap<_, _>>>()?;
        return Ok(Replication::NetworkTopology { data_centers });
    }
    let rf = map.iter().find(|(k, _)| k == "replication_factor").map(|(_, v)| v.as_str()).unwrap_or("1");
    Ok(Replication::Simple {
        replication_factor: rf.parse().map_err(|_| CqlError::invalid("Invalid replication factor"))?,
    })
}

fn restriction_op(op: Operator) -> CqlResult<Op> {
    Ok(match op {
        Operator::Eq => Op::Eq,
        Operator::Lt => Op::Lt,
        Operator::Lte => Op::Le,
        Operator::Gt => Op::Gt,
        Operator::Gte => Op::Ge,
        _ => return Err(CqlError::not_supported("this relation")),
    })
}

fn key_values(
    t: &TableDef,
    terms: &Terms<'_>,
    relations: &[crate::parse::ast::Relation],
) -> CqlResult<Vec<(String, Bound)>> {
    relations
        .iter()
        .map(|r| {
            let RelationTarget::Column(name) = &r.target else { return Err(CqlError::not_supported("this relation")) };
            if r.op != Operator::Eq {
                return Err(CqlError::not_supported("a non-EQ relation here"));
            }
            let def = t.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
            Ok((name.clone(), terms.value(&r.value, &def.ty)?))
        })
        .collect()
}

/// The plan of a parsed statement.
pub fn plan(catalog: &Catalog, keyspace: Option<&str>, parsed: &Parsed, values: &Values) -> CqlResult<Plan> {
    let terms = Terms { values, markers: &parsed.markers };
    Ok(match &parsed.statement {
        Statement::Use(ks) => Plan::Use(ks.clone()),
        Statement::CreateKeyspace { name, if_not_exists, options } => Plan::CreateKeyspace {
            def: KeyspaceDef { name: name.clone(), replication: replication(options)?, durable_writes: true },
            if_not_exists: *if_not_exists,
        },
        Statement::DropKeyspace { name, if_exists } => Plan::DropKeyspace { name: name.clone(), if_exists: *if_exists },
        Statement::CreateTable(ct) => {
            let ks = keyspace_of(&ct.name, keyspace)?;
            let declared = ct
                .columns
                .iter()
                .map(|c| {
                    Ok(DeclaredColumn {
                        name: c.name.clone(),
                        ty: catalog.resolve_type(&ks, &c.ty)?,
                        is_static: c.is_static,
                    })
                })
                .collect::<CqlResult<Vec<_>>>()?;
            let clustering = ct
                .clustering
                .iter()
                .map(|c| {
                    let order = ct.clustering_order.iter().find(|(n, _)| n == c).map(|(_, o)| *o).unwrap_or_default();
                    (c.clone(), order)
                })
                .collect::<Vec<_>>();
            let def = build(&ks, &ct.name.name, declared, &ct.partition_key, &clustering, BTreeMap::new(), 0)?;
            Plan::CreateTable { def, if_not_exists: ct.if_not_exists }
        }
        Statement::DropTable { name, if_exists } => {
            Plan::DropTable { keyspace: keyspace_of(name, keyspace)?, name: name.name.clone(), if_exists: *if_exists }
        }
        Statement::Truncate(name) => Plan::Truncate { keyspace: keyspace_of(name, keyspace)?, name: name.name.clone() },
        Statement::Insert(ins) => {
            let t = table(catalog, &ins.table, keyspace)?;
            if ins.columns.len() != ins.values.len() {
                return Err(CqlError::invalid("Unmatched column names/values"));
            }
            let values = ins
                .columns
                .iter()
                .zip(&ins.values)
                .map(|(n, term)| {
                    let def = t.column(n).ok_or_else(|| CqlError::invalid(format!("Undefined column name {n}")))?;
                    Ok((n.clone(), terms.value(term, &def.ty)?))
                })
                .collect::<CqlResult<Vec<_>>>()?;
            Plan::Write { mutations: vec![write::insert(&t, &values, None)?], timestamp: None }
        }
        Statement::Update(up) => {
            let t = table(catalog, &up.table, keyspace)?;
            let key = key_values(&t, &terms, &up.where_clause)?;
            let mut ops = Vec::new();
            for a in &up.assignments {
                let (AssignTarget::Column(name), AssignValue::Set(term)) = (&a.target, &a.value) else {
                    return Err(CqlError::not_supported("this assignment"));
                };
                let def = t.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
                let op = match term {
                    Term::Binary { op, left, right }
                        if matches!(**left, Term::Column(ref c) if c == name) && def.ty == CqlType::Counter =>
                    {
                        let Bound::Value(CqlValue::Counter(n)) = terms.value(right, &CqlType::Counter)? else {
                            return Err(CqlError::invalid("Invalid counter increment"));
                        };
                        ColumnOp::CounterAdd(if *op == crate::parse::ast::BinaryOp::Add { n } else { n.wrapping_neg() })
                    }
                    _ => match terms.value(term, &def.ty)? {
                        Bound::Value(v) => ColumnOp::Set(v),
                        Bound::Null => ColumnOp::Delete,
                        Bound::Unset => continue,
                    },
                };
                ops.push(ColumnWrite { column: name.clone(), op });
            }
            Plan::Write { mutations: vec![write::update(&t, &key, ops, None)?], timestamp: None }
        }
        Statement::Delete(del) => {
            let t = table(catalog, &del.table, keyspace)?;
            let key = key_values(&t, &terms, &del.where_clause)?;
            let columns = del
                .targets
                .iter()
                .map(|target| match target {
                    AssignTarget::Column(c) => Ok(c.clone()),
                    _ => Err(CqlError::not_supported("deleting collection elements or fields")),
                })
                .collect::<CqlResult<Vec<_>>>()?;
            Plan::Write { mutations: vec![write::delete(&t, &key, columns, None)?], timestamp: None }
        }
        Statement::Select(sel) => {
            let t = table(catalog, &sel.table, keyspace)?;
            let mut columns = Vec::new();
            for item in &sel.items {
                match &item.selector {
                    Selector::Star => {}
                    Selector::Column(c) => columns.push(c.clone()),
                    _ => return Err(CqlError::not_supported("this selector")),
                }
            }
            let restrictions = sel
                .where_clause
                .iter()
                .map(|r| {
                    let RelationTarget::Column(name) = &r.target else {
                        return Err(CqlError::not_supported("this relation"));
                    };
                    let def =
                        t.column(name).ok_or_else(|| CqlError::invalid(format!("Undefined column name {name}")))?;
                    match terms.value(&r.value, &def.ty)? {
                        Bound::Value(value) => {
                            Ok(Restriction { column: name.clone(), op: restriction_op(r.op)?, value })
                        }
                        _ => Err(CqlError::invalid(format!("Invalid null value in condition for column {name}"))),
                    }
                })
                .collect::<CqlResult<Vec<_>>>()?;
            let limit = match &sel.limit {
                None => None,
                Some(term) => match terms.value(term, &CqlType::Int)? {
                    Bound::Value(CqlValue::Int(n)) if n > 0 => Some(n as u64),
                    _ => return Err(CqlError::invalid("LIMIT must be strictly positive")),
                },
            };
            Plan::Select(select::plan(&t, &columns, &restrictions, &sel.order_by, limit)?)
        }
        _ => return Err(CqlError::not_supported("this statement")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Outcome, QueryParams, SessionState};
    use crate::exec::run::Runner;
    use crate::model::Model;
    use crate::parse::parse_statement;
    use orbit_storage::{KvTableStorage, MemoryEngine};

    async fn run(runner: &Runner, session: &mut SessionState, text: &str) -> CqlResult<Outcome> {
        let parsed = parse_statement(text)?;
        let plan = plan(&runner.model.catalog, session.keyspace.as_deref(), &parsed, &Values::None)?;
        runner.run(session, plan, &QueryParams::default()).await
    }

    #[tokio::test]
    async fn cql_text_runs_end_to_end_over_the_model() {
        let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.unwrap();
        let runner = Runner::new(Model::open(storage).await.unwrap());
        let mut session = SessionState::default();
        run(
            &runner,
            &mut session,
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        )
        .await
        .unwrap();
        run(&runner, &mut session, "USE app").await.unwrap();
        run(
            &runner,
            &mut session,
            "CREATE TABLE t (k int, c int, v text, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c DESC)",
        )
        .await
        .unwrap();
        run(&runner, &mut session, "INSERT INTO t (k, c, v) VALUES (1, 1, 'a')").await.unwrap();
        run(&runner, &mut session, "INSERT INTO t (k, c, v) VALUES (1, 2, 'b')").await.unwrap();
        run(&runner, &mut session, "INSERT INTO t (k, c, v) VALUES (1, 3, 'c')").await.unwrap();
        run(&runner, &mut session, "UPDATE t SET v = 'B' WHERE k = 1 AND c = 2").await.unwrap();
        run(&runner, &mut session, "DELETE FROM t WHERE k = 1 AND c = 3").await.unwrap();
        let Outcome::Rows(rows) = run(&runner, &mut session, "SELECT c, v FROM t WHERE k = 1").await.unwrap() else {
            panic!()
        };
        let cells: Vec<Vec<u8>> = rows.rows.iter().map(|r| r[1].clone().unwrap().to_vec()).collect();
        assert_eq!(cells, [b"B".to_vec(), b"a".to_vec()], "DESC clustering order");
        let Outcome::Rows(rows) =
            run(&runner, &mut session, "SELECT * FROM t WHERE k = 1 AND c < 2 ORDER BY c ASC LIMIT 5").await.unwrap()
        else {
            panic!()
        };
        assert_eq!(rows.rows.len(), 1);
        assert_eq!(rows.columns.len(), 3);
        let e = run(&runner, &mut session, "SELECT * FROM nope").await.unwrap_err();
        assert_eq!(e.message(), "unconfigured table nope");
    }
}
