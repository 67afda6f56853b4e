//! The server-level SHOW results: VARIABLES, STATUS, WARNINGS/ERRORS, ENGINES, PLUGINS,
//! GRANTS and PROCESSLIST (this connection; sessions do not see each other).
//!
//! Status counters: Questions and Com_* count statements per session (and globally once
//! a session ends); Bytes_received / Bytes_sent are what the listener reports through
//! [`Session::record_traffic`]; Uptime, Threads_connected and Connections come from the
//! engine's [`super::ServerState`].

use super::show::{result, t};
use super::variables::{self, VARIABLES};
use crate::session::Session;
use crate::QueryOutput;
use orbit_storage::Value;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

const STATUS_COUNTERS: &[&str] = &[
    "Bytes_received",
    "Bytes_sent",
    "Com_begin",
    "Com_change_db",
    "Com_commit",
    "Com_create_db",
    "Com_create_table",
    "Com_delete",
    "Com_drop_table",
    "Com_insert",
    "Com_replace",
    "Com_rollback",
    "Com_select",
    "Com_set_option",
    "Com_show_databases",
    "Com_show_fields",
    "Com_show_status",
    "Com_show_tables",
    "Com_show_variables",
    "Com_update",
    "Questions",
];

impl Session {
    pub(crate) fn show_variables(&self, global: bool) -> QueryOutput {
        let m = self.mysql.as_deref().expect("mysql");
        let globals = self.engine.mysql.globals.read().clone();
        let rows = VARIABLES
            .iter()
            .filter(|v| !(global && v.scope == variables::Scope::Session))
            .map(|v| {
                let value = if global {
                    globals.get(v.name).cloned().unwrap_or_else(|| variables::default_value(v))
                } else {
                    m.variable(v, &self.user)
                };
                vec![t(v.name), t(variables::show_text(v, &value))]
            })
            .collect();
        result(&["Variable_name", "Value"], &[], rows)
    }

    pub(crate) fn show_status(&self, global: bool) -> QueryOutput {
        let m = self.mysql.as_deref().expect("mysql");
        let server = &self.engine.mysql;
        let mut counters: BTreeMap<String, u64> = STATUS_COUNTERS.iter().map(|c| (c.to_string(), 0)).collect();
        if global {
            for (k, v) in server.status.lock().iter() {
                *counters.entry(k.clone()).or_default() += v;
            }
        }
        for (k, v) in &m.status {
            if !(global && k.starts_with("Bytes_")) {
                *counters.entry(k.clone()).or_default() += v;
            }
        }
        counters.retain(|k, _| k != "Com_other");
        let uptime = server.started.elapsed().as_secs();
        counters.insert("Uptime".into(), uptime);
        counters.insert("Uptime_since_flush_status".into(), uptime);
        counters.insert("Threads_connected".into(), server.threads_connected.load(Ordering::Relaxed));
        counters.insert("Threads_running".into(), 1);
        counters.insert("Threads_created".into(), server.connections.load(Ordering::Relaxed));
        counters.insert("Connections".into(), server.connections.load(Ordering::Relaxed));
        counters.insert("Max_used_connections".into(), server.connections.load(Ordering::Relaxed).min(151));
        counters.insert("Open_tables".into(), self.engine.catalog().tables.len() as u64);
        counters.insert("Slow_queries".into(), 0);
        counters.insert("Aborted_clients".into(), 0);
        counters.insert("Aborted_connects".into(), 0);
        let queries = counters.get("Questions").copied().unwrap_or(0);
        counters.insert("Queries".into(), queries);
        let mut rows: Vec<Vec<Value>> = counters.into_iter().map(|(k, v)| vec![t(k), t(v.to_string())]).collect();
        rows.push(vec![t("Ssl_cipher"), t("")]);
        rows.push(vec![t("Ssl_version"), t("")]);
        rows.sort_by(|a, b| format!("{:?}", a[0]).cmp(&format!("{:?}", b[0])));
        result(&["Variable_name", "Value"], &[], rows)
    }

    pub(crate) fn show_diagnostics(&self, errors_only: bool) -> QueryOutput {
        let m = self.mysql.as_deref().expect("mysql");
        let rows = m
            .diagnostics
            .iter()
            .filter(|d| !errors_only || d.level == "Error")
            .map(|d| vec![t(d.level), Value::Int(d.code as i64), t(&d.message)])
            .collect();
        result(&["Level", "Code", "Message"], &["Code"], rows)
    }

    pub(crate) fn show_processlist(&self, full: bool) -> QueryOutput {
        let m = self.mysql.as_deref().expect("mysql");
        // Sessions do not see each other: the one statement running is this one.
        let info = if full { "SHOW FULL PROCESSLIST" } else { "SHOW PROCESSLIST" };
        let row = vec![
            Value::Int(m.connection_id as i64),
            t(&self.user),
            t(&m.host),
            m.database.clone().map(Value::Text).unwrap_or(Value::Null),
            t("Query"),
            Value::Int(m.started.elapsed().as_secs() as i64),
            t("init"),
            t(info),
        ];
        result(&["Id", "User", "Host", "db", "Command", "Time", "State", "Info"], &["Id", "Time"], vec![row])
    }
}

pub(crate) fn engines() -> QueryOutput {
    let rows = vec![
        vec![t("InnoDB"), t("DEFAULT"), t("Supports transactions, row-level locking, and foreign keys"), t("YES"), t("YES"), t("YES")],
        vec![t("MEMORY"), t("NO"), t("Hash based, stored in memory, useful for temporary tables"), Value::Null, Value::Null, Value::Null],
        vec![t("MyISAM"), t("NO"), t("MyISAM storage engine"), Value::Null, Value::Null, Value::Null],
        vec![t("PERFORMANCE_SCHEMA"), t("NO"), t("Performance Schema"), Value::Null, Value::Null, Value::Null],
    ];
    result(&["Engine", "Support", "Comment", "Transactions", "XA", "Savepoints"], &[], rows)
}

pub(crate) fn plugins() -> QueryOutput {
    let rows = vec![
        vec![t("mysql_native_password"), t("ACTIVE"), t("AUTHENTICATION"), Value::Null, t("GPL")],
        vec![t("caching_sha2_password"), t("ACTIVE"), t("AUTHENTICATION"), Value::Null, t("GPL")],
        vec![t("InnoDB"), t("ACTIVE"), t("STORAGE ENGINE"), Value::Null, t("GPL")],
    ];
    result(&["Name", "Status", "Type", "Library", "License"], &[], rows)
}

/// SHOW GRANTS: every user of the server has all privileges.
pub(crate) fn grants(who: &str) -> QueryOutput {
    let (user, host) = match who.split_once('@') {
        Some((u, h)) => (u.trim_matches(['\'', '`', '"']).to_string(), h.trim_matches(['\'', '`', '"']).to_string()),
        None => (who.trim_matches(['\'', '`', '"']).to_string(), "%".to_string()),
    };
    let header = format!("Grants for {user}@{host}");
    let grant = format!("GRANT ALL PRIVILEGES ON *.* TO `{user}`@`{host}` WITH GRANT OPTION");
    result(&[header.as_str()], &[], vec![vec![t(grant)]])
}
