//! psql's meta-commands against Orbit and against a real PostgreSQL 15, compared as
//! users see them (psql's default aligned output).
//!
//! The same schema script runs on both servers through psql; then every meta-command
//! runs on both, connected as `postgres` (the owner of everything on both sides), and
//! the outputs must be equal byte for byte. The expected text always comes from the
//! real server at test time. Nothing is normalised.

use orbit_sqllogic::RealPostgres;
use orbit_tests::server::TestServer;
use std::process::Command;

const SCHEMA: &str = "
CREATE SCHEMA app;
CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email varchar(100) UNIQUE,
  age integer CHECK (age >= 0), score numeric(10,2) DEFAULT 0, active boolean DEFAULT true,
  created timestamp);
CREATE TABLE app.items (sku text PRIMARY KEY, qty bigint NOT NULL DEFAULT 1, price double precision,
  note char(3), CONSTRAINT items_qty_check CHECK (qty > 0));
CREATE INDEX users_name_idx ON users (name);
CREATE UNIQUE INDEX items_qty_price ON app.items (qty, price);
CREATE TABLE plain (a int, b text, c smallint DEFAULT -1, d date);
CREATE TABLE pairs (x int, y int, label varchar, PRIMARY KEY (x, y));
CREATE VIEW adults AS SELECT id, name FROM users WHERE age >= 18;
CREATE DATABASE other;
";

/// The meta-commands compared, in order.
const COMMANDS: &[&str] = &[
    "\\l",
    "\\dn",
    "\\dt",
    "\\d",
    "\\d users",
    "\\d app.items",
    "\\d plain",
    "\\d pairs",
    "\\d adults",
    "\\di",
    "\\dv",
    "\\du",
    "\\df",
    "\\dt app.*",
    "\\di app.*",
    "\\d nosuch",
];

fn psql(port: u16, args: &[&str]) -> std::process::Output {
    Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres", "-d", "postgres", "-X"])
        .args(args)
        .env("PGCONNECT_TIMEOUT", "10")
        .env("PGTZ", "UTC")
        .env("LC_ALL", "C")
        .env_remove("PGPASSWORD")
        .env_remove("PGSERVICE")
        .env_remove("PGOPTIONS")
        .output()
        .expect("run psql")
}

/// stdout and stderr of one psql run as one text.
fn run(port: u16, args: &[&str]) -> String {
    let out = psql(port, args);
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn psql_meta_commands_match_postgresql_15() {
    if Command::new("psql").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        eprintln!("psql_meta: SKIPPED: psql is not installed (apt-get install -y postgresql-client)");
        return;
    }
    let pg = match RealPostgres::start() {
        Ok(pg) => pg,
        Err(why) => {
            eprintln!("psql_meta: SKIPPED: no real PostgreSQL: {why}");
            return;
        }
    };
    let server = TestServer::start(&[], &[]);
    let orbit = server.listener_port("--postgres-port");
    let dir = tempfile::tempdir().expect("temporary directory");
    let script = dir.path().join("schema.sql");
    std::fs::write(&script, SCHEMA).expect("write the schema script");
    let script = script.to_str().expect("UTF-8 temporary path");
    for (name, port) in [("PostgreSQL", pg.port()), ("Orbit", orbit)] {
        let out = psql(port, &["-v", "ON_ERROR_STOP=1", "-q", "-f", script]);
        assert!(out.status.success(), "schema on {name}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut mismatches = Vec::new();
    for command in COMMANDS {
        let expected = run(pg.port(), &["-c", command]);
        let got = run(orbit, &["-c", command]);
        if expected != got {
            mismatches.push(format!("== {command}\n-- PostgreSQL 15:\n{expected}-- Orbit:\n{got}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} meta-commands differ:\n{}",
        mismatches.len(),
        COMMANDS.len(),
        mismatches.join("\n")
    );
}
