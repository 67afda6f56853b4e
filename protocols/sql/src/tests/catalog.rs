//! pg_catalog and information_schema over a small schema, and the catalog functions.

use super::basics::{err, ok, rows, session};

const SCHEMA: &[&str] = &[
    "CREATE SCHEMA app",
    "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email varchar(100) UNIQUE, age int CHECK (age >= 0), score numeric(10,2) DEFAULT 0)",
    "CREATE TABLE app.items (sku text PRIMARY KEY, qty bigint DEFAULT -1)",
    "CREATE INDEX users_name_idx ON users (name)",
    "CREATE TABLE plain (a int)",
    "CREATE VIEW adults AS SELECT id, name FROM users WHERE age >= 18",
];

fn s(rows: &[Vec<String>]) -> Vec<String> {
    rows.iter().map(|r| r.join("|")).collect()
}

#[tokio::test]
async fn pg_catalog_follows_the_catalog() {
    let mut se = session().await;
    for q in SCHEMA {
        ok(&mut se, q).await;
    }
    let rels = rows(&mut se, "SELECT c.relname, c.relkind, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname <> 'pg_catalog' ORDER BY 1").await;
    assert_eq!(
        s(&rels),
        [
            "adults|v|public",
            "items|r|app",
            "items_pkey|i|app",
            "plain|r|public",
            "users|r|public",
            "users_email_key|i|public",
            "users_id_seq|S|public",
            "users_name_idx|i|public",
            "users_pkey|i|public"
        ]
    );
    let cols = rows(&mut se, "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = 'users'::regclass AND a.attnum > 0 ORDER BY a.attnum").await;
    assert_eq!(
        s(&cols),
        [
            "id|integer|t|nextval('users_id_seq'::regclass)",
            "name|text|t|NULL",
            "email|character varying(100)|f|NULL",
            "age|integer|f|NULL",
            "score|numeric(10,2)|f|0",
        ]
    );
    let defaults =
        rows(&mut se, "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'app.items'::regclass").await;
    assert_eq!(s(&defaults), ["'-1'::integer"]);
    let cons = rows(&mut se, "SELECT conname, contype, pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 'users'::regclass ORDER BY 1").await;
    assert_eq!(
        s(&cons),
        ["users_age_check|c|CHECK (age >= 0)", "users_email_key|u|UNIQUE (email)", "users_pkey|p|PRIMARY KEY (id)"]
    );
    let idx =
        rows(&mut se, "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'users'::regclass ORDER BY 1")
            .await;
    assert_eq!(
        s(&idx),
        [
            "CREATE INDEX users_name_idx ON public.users USING btree (name)",
            "CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)",
            "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)",
        ]
    );
    // Always current: a new table shows at once, a dropped one is gone.
    ok(&mut se, "CREATE TABLE later (x int)").await;
    ok(&mut se, "DROP TABLE plain").await;
    let names = rows(&mut se, "SELECT relname FROM pg_catalog.pg_class WHERE relname IN ('later', 'plain')").await;
    assert_eq!(s(&names), ["later"]);
    // OIDs are stable and regclass prints names.
    let a = rows(&mut se, "SELECT 'users'::regclass::oid").await;
    let b = rows(&mut se, "SELECT oid FROM pg_class WHERE relname = 'users'").await;
    assert_eq!(a, b);
    let named = rows(&mut se, "SELECT c.oid::regclass, c.relnamespace::regnamespace FROM pg_class c WHERE relname IN ('users', 'items') ORDER BY 1").await;
    assert_eq!(s(&named), ["app.items|app", "users|public"]);
    assert_eq!(err(&mut se, "SELECT 'nope'::regclass").await.code, "42P01");
}

#[tokio::test]
async fn information_schema_views() {
    let mut se = session().await;
    for q in SCHEMA {
        ok(&mut se, q).await;
    }
    let t = rows(&mut se, "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema IN ('public', 'app') ORDER BY 1, 2").await;
    assert_eq!(
        s(&t),
        ["app|items|BASE TABLE", "public|adults|VIEW", "public|plain|BASE TABLE", "public|users|BASE TABLE"]
    );
    let c = rows(&mut se, "SELECT column_name, data_type, is_nullable, character_maximum_length, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position").await;
    assert_eq!(
        s(&c),
        [
            "id|integer|NO|NULL|32|0",
            "name|text|NO|NULL|NULL|NULL",
            "email|character varying|YES|100|NULL|NULL",
            "age|integer|YES|NULL|32|0",
            "score|numeric|YES|NULL|10|2",
        ]
    );
    let k = rows(&mut se, "SELECT tc.constraint_type, k.column_name FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name WHERE tc.table_name = 'users' ORDER BY 1").await;
    assert_eq!(s(&k), ["PRIMARY KEY|id", "UNIQUE|email"]);
    let sc = rows(&mut se, "SELECT schema_name FROM information_schema.schemata ORDER BY 1").await;
    assert_eq!(s(&sc), ["app", "information_schema", "pg_catalog", "public"]);
    let v = rows(&mut se, "SELECT table_name FROM information_schema.views").await;
    assert_eq!(s(&v), ["adults"]);
}

#[tokio::test]
async fn catalog_functions() {
    let mut se = session().await;
    let r = rows(&mut se, "SELECT current_schema(), current_database(), pg_get_userbyid(10), pg_encoding_to_char(6), quote_ident('a b'), quote_ident('ab'), array_to_string(ARRAY['a', NULL, 'c'], ','), has_table_privilege('pg_class', 'SELECT')").await;
    assert_eq!(s(&r), ["public|postgres|postgres|UTF8|\"a b\"|ab|a,c|t"]);
    let v = rows(&mut se, "SELECT version()").await;
    assert!(v[0][0].starts_with("PostgreSQL 15.0 (Orbit "), "{v:?}");
    let re = rows(&mut se, "SELECT 'users' ~ '^(users)$', 'x' !~ 'y', 'ABC' ~* 'b', 'abc' OPERATOR(pg_catalog.~) '^a' COLLATE pg_catalog.default").await;
    assert_eq!(s(&re), ["t|t|t|t"]);
    let t =
        rows(&mut se, "SELECT 'int4'::regtype, 23::regtype, format_type(1043, 104), 'pg_class'::regclass::oid").await;
    assert_eq!(s(&t), ["23|integer|character varying(100)|1259"]);
    let a = rows(
        &mut se,
        "SELECT ARRAY(SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1), ARRAY(SELECT 1 WHERE false)",
    )
    .await;
    assert_eq!(s(&a), ["{postgres}|{}"]);
    assert_eq!(err(&mut se, "SELECT 'a' ~ '('").await.code, "2201B");
    // pg_roles and pg_user read the roles table.
    ok(&mut se, "CREATE ROLE alice LOGIN CREATEDB").await;
    ok(&mut se, "CREATE ROLE nologin").await;
    let r = rows(&mut se, "SELECT rolname, rolsuper, rolcreatedb, rolcanlogin FROM pg_roles ORDER BY 1").await;
    assert_eq!(s(&r), ["alice|f|t|t", "nologin|f|f|f", "postgres|t|t|t"]);
    let u = rows(&mut se, "SELECT usename FROM pg_catalog.pg_user ORDER BY 1").await;
    assert_eq!(s(&u), ["alice", "postgres"]);
}
