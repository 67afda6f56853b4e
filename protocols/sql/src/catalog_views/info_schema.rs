//! Rows of the information_schema views, from the [`Model`].

use super::model::{Model, RelObj};
use super::pg_catalog::OWNER;
use crate::types::SqlType;
use orbit_storage::Value;

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}
fn i(v: i64) -> Value {
    Value::Int(v)
}
const N: Value = Value::Null;

fn user_relations(m: &Model) -> impl Iterator<Item = &RelObj> {
    m.relations.iter().filter(|r| r.kind == 'r' || r.kind == 'v')
}

/// information_schema data_type, character_maximum_length, numeric_precision, radix, scale, udt_name.
fn column_type(ty: &SqlType, typmod: i64) -> (String, Value, Value, Value, Value, String) {
    let udt = super::types::by_oid(ty.oid() as i64).map(|t| t.1.to_string()).unwrap_or_default();
    let m = (typmod >= 0).then_some(typmod - 4);
    let (name, len, prec, radix, scale) = match ty {
        SqlType::Varchar => ("character varying".to_string(), m.map(i).unwrap_or(N), N, N, N),
        SqlType::Bpchar => ("character".to_string(), m.map(i).unwrap_or(N), N, N, N),
        SqlType::Int2 => ("smallint".into(), N, i(16), i(2), i(0)),
        SqlType::Int4 => ("integer".into(), N, i(32), i(2), i(0)),
        SqlType::Int8 => ("bigint".into(), N, i(64), i(2), i(0)),
        SqlType::Float4 => ("real".into(), N, i(24), i(2), N),
        SqlType::Float8 => ("double precision".into(), N, i(53), i(2), N),
        SqlType::Numeric => {
            ("numeric".into(), N, m.map(|m| i(m >> 16)).unwrap_or(N), i(10), m.map(|m| i(m & 0xffff)).unwrap_or(N))
        }
        SqlType::Array(_) => ("ARRAY".into(), N, N, N, N),
        other => (other.name(), N, N, N, N),
    };
    (name, len, prec, radix, scale, udt)
}

pub fn rows(name: &str, m: &Model) -> Option<Vec<Vec<Value>>> {
    let db = m.db.as_str();
    Some(match name {
        "schemata" => m.schemas.iter().map(|(_, s)| vec![t(db), t(s), t(OWNER), N, N, N, N]).collect(),
        "tables" => user_relations(m)
            .map(|r| {
                let kind = if r.kind == 'v' { "VIEW" } else { "BASE TABLE" };
                let ins = if r.kind == 'v' { "NO" } else { "YES" };
                vec![t(db), t(&r.schema), t(&r.name), t(kind), N, N, N, N, N, t(ins), t("NO"), N]
            })
            .collect(),
        "columns" => {
            let mut out = Vec::new();
            for r in user_relations(m) {
                for a in &r.attrs {
                    let (dt, len, prec, radix, scale, udt) = column_type(&a.ty, a.typmod);
                    let dtp = if matches!(
                        a.ty,
                        SqlType::Date | SqlType::Time | SqlType::Timestamp | SqlType::TimestampTz | SqlType::Interval
                    ) {
                        i(if a.ty == SqlType::Date { 0 } else { 6 })
                    } else {
                        N
                    };
                    let mut row = vec![
                        t(db),
                        t(&r.schema),
                        t(&r.name),
                        t(&a.name),
                        i(a.num),
                        a.default.as_deref().map(t).unwrap_or(N),
                        t(if a.not_null { "NO" } else { "YES" }),
                        t(&dt),
                        len,
                        N,
                        prec,
                        radix,
                        scale,
                        dtp,
                        N,
                        N,
                        N,
                        N,
                        N,
                        N,
                        N,
                        N,
                        N,
                        N,
                        N,
                        t(db),
                        t("pg_catalog"),
                        t(&udt),
                        N,
                        N,
                        N,
                        N,
                        t(&a.num.to_string()),
                        t("NO"),
                        t("NO"),
                        N,
                        N,
                        N,
                        N,
                        N,
                        t("NO"),
                        t("NEVER"),
                        N,
                        t(if r.kind == 'v' { "NO" } else { "YES" }),
                    ];
                    row.truncate(44);
                    out.push(row);
                }
            }
            out
        }
        "table_constraints" => {
            let mut out = Vec::new();
            for r in m.relations.iter().filter(|r| r.kind == 'r') {
                for k in &r.constraints {
                    let kind = match k.kind {
                        'p' => "PRIMARY KEY",
                        'u' => "UNIQUE",
                        _ => "CHECK",
                    };
                    let nd = if k.kind == 'u' { t("YES") } else { N };
                    out.push(vec![
                        t(db),
                        t(&r.schema),
                        t(&k.name),
                        t(db),
                        t(&r.schema),
                        t(&r.name),
                        t(kind),
                        t("NO"),
                        t("NO"),
                        t("YES"),
                        nd,
                    ]);
                }
            }
            out
        }
        "key_column_usage" => {
            let mut out = Vec::new();
            for r in m.relations.iter().filter(|r| r.kind == 'r') {
                for k in r.constraints.iter().filter(|k| k.kind != 'c') {
                    for (pos, num) in k.attnums.iter().enumerate() {
                        let col = r.attrs.iter().find(|a| a.num == *num).map(|a| a.name.as_str()).unwrap_or("");
                        out.push(vec![
                            t(db),
                            t(&r.schema),
                            t(&k.name),
                            t(db),
                            t(&r.schema),
                            t(&r.name),
                            t(col),
                            i(pos as i64 + 1),
                            N,
                        ]);
                    }
                }
            }
            out
        }
        "views" => m
            .relations
            .iter()
            .filter(|r| r.kind == 'v')
            .map(|r| {
                vec![
                    t(db),
                    t(&r.schema),
                    t(&r.name),
                    t(r.view_sql.as_deref().unwrap_or("")),
                    t("NONE"),
                    t("NO"),
                    t("NO"),
                    t("NO"),
                    t("NO"),
                    t("NO"),
                ]
            })
            .collect(),
        "check_constraints" => {
            let mut out = Vec::new();
            for r in m.relations.iter().filter(|r| r.kind == 'r') {
                for k in r.constraints.iter().filter(|k| k.kind == 'c') {
                    let clause = k.def.strip_prefix("CHECK ").unwrap_or(&k.def);
                    out.push(vec![t(db), t(&r.schema), t(&k.name), t(clause)]);
                }
            }
            out
        }
        _ => return None,
    })
}
