//! The listener over in-memory storage, driven by the Debian `mariadb` client: a quick
//! check of the connection phase, COM_QUERY, result sets, errors and COM_INIT_DB that
//! needs no server binary (the end-to-end tests in tests/ drive the real server).

use crate::{MysqlListener, MysqlOptions};
use orbit_protocol_api::{ListenerContext, ProtocolListener};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::process::Command;
use std::sync::Arc;

pub(crate) async fn start(options: MysqlOptions) -> (u16, tokio::sync::watch::Sender<bool>) {
    let storage: Arc<dyn TableStorage> = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let local_addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::watch::channel(false);
    let ctx = ListenerContext { storage, graphrag_storage: None, local_addr, shutdown: rx };
    tokio::spawn(async move { Box::new(MysqlListener::new(options)).serve(listener, ctx).await });
    (local_addr.port(), tx)
}

fn client(port: u16, args: &[&str], sql: &str) -> Option<(String, String, bool)> {
    let bin = ["/usr/bin/mariadb", "/usr/bin/mysql"].into_iter().find(|p| std::path::Path::new(p).exists())?;
    let out = Command::new(bin)
        .args(["-h", "127.0.0.1", "-P", &port.to_string(), "-u", "root", "--batch", "--skip-ssl"])
        .args(args)
        .args(["-e", sql])
        .output()
        .ok()?;
    Some((String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.status.success()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mariadb_client_runs_statements() {
    let (port, _stop) = start(MysqlOptions::default()).await;
    let run = move |sql: &'static str| tokio::task::spawn_blocking(move || client(port, &[], sql));
    let Some((out, err, ok)) = run("SELECT 1 + 1 AS two, 'x' AS s, NULL AS n").await.expect("join") else {
        eprintln!("\n!!!! SKIPPED the_mariadb_client_runs_statements: no mariadb client installed\n");
        return;
    };
    assert!(ok, "{out}{err}");
    assert_eq!(out, "two\ts\tn\n2\tx\tNULL\n");
    let (out, err, ok) = run(
        "CREATE DATABASE d1; USE d1; CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); \
         INSERT INTO t VALUES (1, 'a'), (2, 'b'); SELECT v FROM t ORDER BY id DESC",
    )
    .await
    .expect("join")
    .expect("client");
    assert!(ok, "{out}{err}");
    assert_eq!(out, "v\nb\na\n");
    let (_, err, ok) = run("INSERT INTO d1.t VALUES (1, 'dup')").await.expect("join").expect("client");
    assert!(!ok);
    assert!(err.contains("ERROR 1062 (23000)"), "{err}");
    let (_, err, ok) = run("USE nowhere").await.expect("join").expect("client");
    assert!(!ok && err.contains("ERROR 1049 (42000)"), "{err}");
}

/// `mariadb --column-type-info`: a column reference carries its database, alias, table,
/// names, declared type and key flags; an expression has no table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mariadb_client_sees_column_origins() {
    let (port, _stop) = start(MysqlOptions::default()).await;
    let sql = "CREATE DATABASE d2; CREATE TABLE d2.tab (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10) NOT NULL, \
               t TINYINT UNSIGNED); INSERT INTO d2.tab (v, t) VALUES ('a', 1); \
               SELECT k.id, k.v AS x, t, id + 1 FROM d2.tab k";
    let Some((out, err, ok)) =
        tokio::task::spawn_blocking(move || client(port, &["--column-type-info", "-t"], sql)).await.expect("join")
    else {
        eprintln!("\n!!!! SKIPPED the_mariadb_client_sees_column_origins: no mariadb client installed\n");
        return;
    };
    assert!(ok, "{out}{err}");
    let fields: Vec<&str> = out.split("Field ").skip(1).collect();
    assert_eq!(fields.len(), 4, "{out}");
    for (field, expected) in fields.iter().zip([
        ["`id`", "Org_field:  `id`", "Database:   `d2`", "Table:      `k`", "Org_table:  `tab`", "Type:       LONG", "Flags:      NOT_NULL PRI_KEY AUTO_INCREMENT NUM PART_KEY"],
        ["`x`", "Org_field:  `v`", "Database:   `d2`", "Table:      `k`", "Org_table:  `tab`", "Type:       VAR_STRING", "Length:     40"],
        ["`t`", "Org_field:  `t`", "Table:      `k`", "Type:       TINY", "Length:     3", "Flags:      UNSIGNED NUM", "Collation:  binary (63)"],
        ["`id + 1`", "Org_field:  ``", "Database:   ``", "Table:      ``", "Org_table:  ``", "Type:       LONGLONG", "Decimals:   0"],
    ]) {
        for e in expected {
            assert!(field.contains(e), "{e:?} missing in:\n{field}");
        }
    }
}
