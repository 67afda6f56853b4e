//! Rows of the pg_catalog relations, from the [`Model`]. Every object is owned by the
//! bootstrap superuser (OID 10, [`OWNER`]); pg_roles and pg_user are not here but scans
//! of the roles table (see [`super::roles_relation`]).

use super::defs::{self, PG_CATALOG};
use super::model::{Model, RelObj, BOOTSTRAP_ROLE_OID, BTREE_AM, HEAP_AM, PG_CATALOG_OID};
use super::types::{self, TYPES};
use orbit_storage::Value;

/// The bootstrap superuser, owner of every object.
pub const OWNER: &str = crate::roles::BOOTSTRAP_SUPERUSER;
/// OID of the built-in role pg_database_owner (owner of schema public).
pub const DATABASE_OWNER_OID: i64 = 6171;

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}
fn c(ch: char) -> Value {
    Value::Text(ch.to_string())
}
fn o(v: i64) -> Value {
    Value::Int(v)
}
fn b(v: bool) -> Value {
    Value::Bool(v)
}
const N: Value = Value::Null;
fn ints(items: &[i64]) -> Value {
    Value::Array(items.iter().map(|v| Value::Int(*v)).collect())
}

/// Every relation pg_class lists: the model's, then the catalog's own.
fn catalog_relations(m: &Model) -> Vec<RelObj> {
    let mut out = m.relations.clone();
    for (name, oid, kind, cols) in PG_CATALOG {
        out.push(RelObj {
            oid: *oid,
            name: name.to_string(),
            schema: "pg_catalog".into(),
            nsp_oid: PG_CATALOG_OID,
            kind: *kind,
            attrs: cols
                .iter()
                .enumerate()
                .map(|(i, (n, ty))| super::model::Attr {
                    name: n.to_string(),
                    num: i as i64 + 1,
                    ty: ty.sql(),
                    typmod: -1,
                    not_null: false,
                    default: None,
                })
                .collect(),
            indexes: Vec::new(),
            constraints: Vec::new(),
            parent: 0,
            view_sql: None,
        });
    }
    out
}

fn relation_type_oid(r: &RelObj) -> i64 {
    if r.kind == 'i' || r.kind == 'S' {
        0
    } else {
        r.oid + 1000
    }
}

fn attr_type_oid(a: &super::model::Attr) -> i64 {
    a.ty.oid() as i64
}

/// The OID of the first extension of a database in pg_extension.
const EXTENSION_OID_BASE: i64 = 16_000;

/// The rows of pg_catalog relation `name` (None when we do not serve it).
pub fn rows(name: &str, m: &Model) -> Option<Vec<Vec<Value>>> {
    defs::pg_catalog_columns(name)?;
    let user = OWNER;
    let rels = || catalog_relations(m);
    Some(match name {
        "pg_namespace" => m
            .schemas
            .iter()
            .map(|(oid, n)| {
                let owner = if n == "public" { DATABASE_OWNER_OID } else { BOOTSTRAP_ROLE_OID };
                vec![o(*oid), t(n), o(owner), N]
            })
            .collect(),
        "pg_class" => rels()
            .iter()
            .map(|r| {
                let am = match r.kind {
                    'r' => HEAP_AM,
                    'i' => BTREE_AM,
                    _ => 0,
                };
                let checks = r.constraints.iter().filter(|c| c.kind == 'c').count() as i64;
                vec![
                    o(r.oid),
                    t(&r.name),
                    o(r.nsp_oid),
                    o(relation_type_oid(r)),
                    o(0),
                    o(BOOTSTRAP_ROLE_OID),
                    o(am),
                    o(if r.kind == 'v' { 0 } else { r.oid }),
                    o(0),
                    Value::Int(0),
                    Value::Float(-1.0),
                    Value::Int(0),
                    o(0),
                    b(!r.indexes.is_empty()),
                    b(false),
                    c('p'),
                    c(r.kind),
                    Value::Int(r.attrs.len() as i64),
                    Value::Int(checks),
                    b(r.kind == 'v'),
                    b(false),
                    b(false),
                    b(false),
                    b(false),
                    b(true),
                    c(if r.kind == 'r' && r.schema != "pg_catalog" { 'd' } else { 'n' }),
                    b(false),
                    o(0),
                    Value::Int(0),
                    Value::Int(0),
                    N,
                    N,
                    N,
                ]
            })
            .collect(),
        "pg_attribute" => {
            let mut out = Vec::new();
            for r in rels() {
                for a in &r.attrs {
                    let ty = types::by_oid(attr_type_oid(a));
                    let len = ty.map(|t| t.3).unwrap_or(-1);
                    let storage = ty.map(|t| t.7).unwrap_or('x');
                    let collation = if matches!(attr_type_oid(a), 25 | 1042 | 1043) { 100 } else { 0 };
                    out.push(vec![
                        o(r.oid),
                        t(&a.name),
                        o(attr_type_oid(a)),
                        Value::Int(-1),
                        Value::Int(len),
                        Value::Int(a.num),
                        Value::Int(0),
                        Value::Int(-1),
                        Value::Int(a.typmod),
                        b(len > 0 && len <= 8),
                        c(if len == 8 { 'd' } else { 'i' }),
                        c(storage),
                        t(""),
                        b(a.not_null),
                        b(a.default.is_some()),
                        b(false),
                        t(""),
                        t(""),
                        b(false),
                        b(true),
                        Value::Int(0),
                        o(collation),
                        N,
                        N,
                        N,
                        N,
                    ]);
                }
            }
            out
        }
        "pg_extension" => m
            .extensions
            .iter()
            .enumerate()
            .map(|(i, (name, version))| {
                let public = m.schemas.iter().find(|(_, n)| n == "public").map(|(oid, _)| *oid).unwrap_or(0);
                vec![o(EXTENSION_OID_BASE + i as i64), t(name), o(BOOTSTRAP_ROLE_OID), o(public), b(false), t(version), N, N]
            })
            .collect(),
        "pg_type" => TYPES
            .iter()
            .filter(|row| !super::types::is_extension_type(row.0) || m.extensions.iter().any(|(n, _)| n == "vector"))
            .map(|(oid, name, _, len, cat, elem, array, storage)| {
                let collation = if matches!(oid, 25 | 1042 | 1043) { 100 } else { 0 };
                let ttype = if *cat == 'X' { 'p' } else { 'b' };
                vec![
                    o(*oid),
                    t(name),
                    o(PG_CATALOG_OID),
                    o(BOOTSTRAP_ROLE_OID),
                    Value::Int(*len),
                    b(*len > 0 && *len <= 8),
                    c(ttype),
                    c(*cat),
                    b(matches!(*oid, 25 | 701 | 16 | 1184)),
                    b(true),
                    c(','),
                    o(0),
                    o(0),
                    o(*elem),
                    o(*array),
                    o(0),
                    o(0),
                    o(0),
                    o(0),
                    o(0),
                    o(0),
                    o(0),
                    c(if *len == 8 { 'd' } else { 'i' }),
                    c(*storage),
                    b(false),
                    o(0),
                    Value::Int(-1),
                    Value::Int(0),
                    o(collation),
                    N,
                    N,
                    N,
                ]
            })
            .collect(),
        "pg_index" => {
            let mut out = Vec::new();
            for r in &m.relations {
                for ix in &r.indexes {
                    let n = ix.attnums.len() as i64;
                    out.push(vec![
                        o(ix.oid),
                        o(r.oid),
                        Value::Int(n),
                        Value::Int(n),
                        b(ix.unique),
                        b(false),
                        b(ix.primary),
                        b(false),
                        b(true),
                        b(false),
                        b(true),
                        b(false),
                        b(true),
                        b(true),
                        b(false),
                        ints(&ix.attnums),
                        ints(&vec![0; ix.attnums.len()]),
                        ints(&vec![0; ix.attnums.len()]),
                        ints(&vec![0; ix.attnums.len()]),
                        N,
                        N,
                    ]);
                }
            }
            out
        }
        "pg_constraint" => {
            let mut out = Vec::new();
            for r in &m.relations {
                for k in &r.constraints {
                    out.push(vec![
                        o(k.oid),
                        t(&k.name),
                        o(r.nsp_oid),
                        c(k.kind),
                        b(false),
                        b(false),
                        b(true),
                        o(r.oid),
                        o(0),
                        o(k.index_oid),
                        o(0),
                        o(0),
                        t(" "),
                        t(" "),
                        t(" "),
                        b(true),
                        Value::Int(0),
                        b(false),
                        ints(&k.attnums),
                        N,
                        N,
                        N,
                        N,
                        N,
                        N,
                        t(&k.def),
                    ]);
                }
            }
            out
        }
        "pg_database" => {
            let mut names: Vec<&str> = vec!["template0", "template1"];
            names.extend(m.databases.iter().map(|s| s.as_str()));
            names.sort();
            names
                .into_iter()
                .map(|d| {
                    let template = d.starts_with("template");
                    let acl = if template {
                        Value::Array(vec![t(&format!("=c/{user}")), t(&format!("{user}=CTc/{user}"))])
                    } else {
                        N
                    };
                    vec![
                        o(super::model::database_oid(d)),
                        t(d),
                        o(BOOTSTRAP_ROLE_OID),
                        Value::Int(6),
                        c('c'),
                        b(template),
                        b(d != "template0"),
                        Value::Int(-1),
                        Value::Int(0),
                        Value::Int(1),
                        o(1663),
                        t("C"),
                        t("C"),
                        N,
                        N,
                        acl,
                    ]
                })
                .collect()
        }
        "pg_roles" => vec![
            vec![
                t(user),
                b(true),
                b(true),
                b(true),
                b(true),
                b(true),
                b(true),
                Value::Int(-1),
                t("********"),
                N,
                b(true),
                N,
                o(BOOTSTRAP_ROLE_OID),
            ],
            vec![
                t("pg_database_owner"),
                b(false),
                b(true),
                b(false),
                b(false),
                b(false),
                b(false),
                Value::Int(-1),
                t("********"),
                N,
                b(false),
                N,
                o(DATABASE_OWNER_OID),
            ],
        ],
        "pg_user" => {
            vec![vec![t(user), o(BOOTSTRAP_ROLE_OID), b(true), b(true), b(true), b(true), t("********"), N, N]]
        }
        "pg_proc" => super::functions::IMPLEMENTED
            .iter()
            .enumerate()
            .map(|(i, (name, ret))| {
                vec![
                    o(20000 + i as i64),
                    t(name),
                    o(PG_CATALOG_OID),
                    o(BOOTSTRAP_ROLE_OID),
                    o(12),
                    Value::Float(1.0),
                    Value::Float(0.0),
                    o(0),
                    o(0),
                    c('f'),
                    b(false),
                    b(false),
                    b(true),
                    b(false),
                    c('s'),
                    c('s'),
                    Value::Int(0),
                    Value::Int(0),
                    o(*ret),
                    ints(&[]),
                    N,
                    N,
                    N,
                    N,
                    N,
                    t(name),
                    N,
                    N,
                    N,
                    N,
                ]
            })
            .collect(),
        "pg_settings" => SETTINGS
            .iter()
            .map(|(n, v, vt)| {
                vec![
                    t(n),
                    t(v),
                    N,
                    t("Orbit"),
                    t(""),
                    N,
                    t("user"),
                    t(vt),
                    t("default"),
                    N,
                    N,
                    N,
                    t(v),
                    t(v),
                    N,
                    N,
                    b(false),
                ]
            })
            .collect(),
        "pg_am" => vec![
            vec![o(HEAP_AM), t("heap"), o(3), c('t')],
            vec![o(BTREE_AM), t("btree"), o(330), c('i')],
            vec![o(405), t("hash"), o(331), c('i')],
        ],
        "pg_attrdef" => {
            let mut out = Vec::new();
            for r in &m.relations {
                for a in &r.attrs {
                    if let Some(d) = &a.default {
                        out.push(vec![o(r.oid + 800 + a.num), o(r.oid), Value::Int(a.num), t(d)]);
                    }
                }
            }
            out
        }
        "pg_tablespace" => vec![
            vec![o(1663), t("pg_default"), o(BOOTSTRAP_ROLE_OID), N, N],
            vec![o(1664), t("pg_global"), o(BOOTSTRAP_ROLE_OID), N, N],
        ],
        "pg_collation" => vec![
            vec![
                o(100),
                t("default"),
                o(PG_CATALOG_OID),
                o(BOOTSTRAP_ROLE_OID),
                c('d'),
                b(true),
                Value::Int(-1),
                N,
                N,
                N,
                N,
            ],
            vec![
                o(950),
                t("C"),
                o(PG_CATALOG_OID),
                o(BOOTSTRAP_ROLE_OID),
                c('c'),
                b(true),
                Value::Int(-1),
                t("C"),
                t("C"),
                N,
                N,
            ],
            vec![
                o(951),
                t("POSIX"),
                o(PG_CATALOG_OID),
                o(BOOTSTRAP_ROLE_OID),
                c('c'),
                b(true),
                Value::Int(-1),
                t("POSIX"),
                t("POSIX"),
                N,
                N,
            ],
        ],
        "pg_stat_user_tables" => m
            .relations
            .iter()
            .filter(|r| r.kind == 'r')
            .map(|r| {
                let mut row = vec![o(r.oid), t(&r.schema), t(&r.name)];
                row.extend((0..10).map(|_| Value::Int(0)));
                row
            })
            .collect(),
        "pg_sequence" => m
            .relations
            .iter()
            .filter(|r| r.kind == 'S')
            .map(|r| {
                vec![
                    o(r.oid),
                    o(20),
                    Value::Int(1),
                    Value::Int(1),
                    Value::Int(i64::MAX),
                    Value::Int(1),
                    Value::Int(1),
                    b(false),
                ]
            })
            .collect(),
        "pg_language" => vec![
            vec![o(12), t("internal"), o(BOOTSTRAP_ROLE_OID), b(false), b(false)],
            vec![o(14), t("sql"), o(BOOTSTRAP_ROLE_OID), b(false), b(true)],
        ],
        "pg_tables" => m
            .relations
            .iter()
            .filter(|r| r.kind == 'r')
            .map(|r| vec![t(&r.schema), t(&r.name), t(user), N, b(!r.indexes.is_empty()), b(false), b(false), b(false)])
            .collect(),
        "pg_views" => m
            .relations
            .iter()
            .filter(|r| r.kind == 'v')
            .map(|r| vec![t(&r.schema), t(&r.name), t(user), t(r.view_sql.as_deref().unwrap_or(""))])
            .collect(),
        "pg_indexes" => {
            let mut out = Vec::new();
            for r in m.relations.iter().filter(|r| r.kind == 'r') {
                for ix in &r.indexes {
                    out.push(vec![t(&r.schema), t(&r.name), t(&ix.name), N, t(&index_def(r, ix))]);
                }
            }
            out
        }
        _ => Vec::new(),
    })
}

/// pg_get_indexdef of an index of table `r`.
pub fn index_def(r: &RelObj, ix: &super::model::IndexObj) -> String {
    format!(
        "CREATE {}INDEX {} ON {}.{} USING btree ({})",
        if ix.unique { "UNIQUE " } else { "" },
        super::model::quote_ident(&ix.name),
        super::model::quote_ident(&r.schema),
        super::model::quote_ident(&r.name),
        ix.columns.iter().map(|c| super::model::quote_ident(c)).collect::<Vec<_>>().join(", ")
    )
}

/// (name, value, vartype) of the settings pg_settings lists.
const SETTINGS: &[(&str, &str, &str)] = &[
    ("DateStyle", "ISO, MDY", "string"),
    ("TimeZone", "UTC", "string"),
    ("client_encoding", "UTF8", "string"),
    ("default_transaction_isolation", "read committed", "enum"),
    ("integer_datetimes", "on", "bool"),
    ("max_connections", "100", "integer"),
    ("max_identifier_length", "63", "integer"),
    ("search_path", "\"$user\", public", "string"),
    ("server_encoding", "UTF8", "string"),
    ("server_version", "15.0", "string"),
    ("server_version_num", "150000", "integer"),
    ("standard_conforming_strings", "on", "bool"),
    ("transaction_isolation", "read committed", "enum"),
];
