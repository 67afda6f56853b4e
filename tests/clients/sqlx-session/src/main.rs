//! One application session on sqlx (MySQL driver, tokio runtime), the way a Rust service
//! uses it: connect (sqlx sends its own `SET sql_mode=(SELECT CONCAT(@@sql_mode, ...)),
//! time_zone='+00:00', NAMES ...`), DDL, prepared statements with bound parameters
//! (every `sqlx::query` is COM_STMT_PREPARE + COM_STMT_EXECUTE with binary rows), typed
//! decoding (sqlx checks each column's type and flags before decoding), a rolled-back
//! and a committed transaction, error numbers.
//!
//! Usage: orbit-sqlx-session PORT — prints "sqlx session ok" when every check held;
//! exits non-zero with what differed otherwise.

use chrono::NaiveDate;
use sqlx::mysql::{MySqlConnection, MySqlDatabaseError};
use sqlx::{Connection, Executor, Row};

type Failure = Box<dyn std::error::Error>;

fn check<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), Failure> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}").into())
    }
}

/// The MySQL error number of a failed statement, or a failure if it succeeded.
fn error_number<T>(what: &str, result: Result<T, sqlx::Error>) -> Result<u16, Failure> {
    match result {
        Ok(_) => Err(format!("{what}: succeeded, want an error").into()),
        Err(e) => e
            .as_database_error()
            .and_then(|d| d.try_downcast_ref::<MySqlDatabaseError>())
            .map(MySqlDatabaseError::number)
            .ok_or_else(|| format!("{what}: not a database error: {e}").into()),
    }
}

async fn session(port: &str) -> Result<(), Failure> {
    let mut conn = MySqlConnection::connect(&format!("mysql://root@127.0.0.1:{port}/")).await?;
    conn.execute("DROP DATABASE IF EXISTS sqlxapp").await?;
    conn.execute("CREATE DATABASE sqlxapp").await?;
    conn.execute("USE sqlxapp").await?;
    conn.execute(
        "CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, \
         qty INT UNSIGNED, total BIGINT, ok BOOLEAN, added DATETIME, note TEXT)",
    )
    .await?;

    let added = NaiveDate::from_ymd_opt(2024, 1, 2).and_then(|d| d.and_hms_opt(3, 4, 5)).ok_or("date")?;
    let insert = "INSERT INTO items (name, qty, total, ok, added, note) VALUES (?, ?, ?, ?, ?, ?)";
    let done = sqlx::query(insert)
        .bind("apple")
        .bind(10u32)
        .bind(9_000_000_000i64)
        .bind(true)
        .bind(added)
        .bind(Option::<String>::None)
        .execute(&mut conn)
        .await?;
    check("last_insert_id", done.last_insert_id(), 1)?;
    check("rows_affected", done.rows_affected(), 1)?;
    for (name, qty) in [("pear", 3u32), ("plum", 7)] {
        sqlx::query("INSERT INTO items (name, qty, total, ok) VALUES (?, ?, 0, FALSE)")
            .bind(name)
            .bind(qty)
            .execute(&mut conn)
            .await?;
    }

    let row = sqlx::query("SELECT id, name, qty, total, ok, added, note FROM items WHERE id = ?")
        .bind(1i32)
        .fetch_one(&mut conn)
        .await?;
    check("id", row.try_get::<i32, _>("id")?, 1)?;
    check("name", row.try_get::<String, _>("name")?, "apple".to_string())?;
    check("qty", row.try_get::<u32, _>("qty")?, 10)?;
    check("total", row.try_get::<i64, _>("total")?, 9_000_000_000)?;
    check("ok", row.try_get::<bool, _>("ok")?, true)?;
    check("added", row.try_get::<chrono::NaiveDateTime, _>("added")?, added)?;
    check("note", row.try_get::<Option<String>, _>("note")?, None)?;

    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM items WHERE qty > ? ORDER BY name")
        .bind(5u32)
        .fetch_all(&mut conn)
        .await?;
    check("filtered", names, vec!["apple".to_string(), "plum".to_string()])?;
    let updated = sqlx::query("UPDATE items SET qty = qty + 1 WHERE qty < ?").bind(8u32).execute(&mut conn).await?;
    check("updated", updated.rows_affected(), 2)?;
    let (count, sum): (i64, String) =
        sqlx::query_as("SELECT COUNT(*), CAST(SUM(qty) AS CHAR) FROM items").fetch_one(&mut conn).await?;
    check("aggregate", (count, sum.as_str()), (3, "22"))?;

    // Errors keep the connection usable.
    let dup = sqlx::query("INSERT INTO items (id, name) VALUES (?, ?)").bind(1i32).bind("dup").execute(&mut conn).await;
    check("duplicate key", error_number("duplicate insert", dup)?, 1062)?;
    let missing = sqlx::query("SELECT * FROM missing_table").fetch_all(&mut conn).await;
    check("missing table", error_number("missing table", missing)?, 1146)?;
    let too_big = sqlx::query("INSERT INTO items (name, qty) VALUES ('neg', ?)").bind(-1i32).execute(&mut conn).await;
    check("out of range", error_number("negative unsigned", too_big)?, 1264)?;

    // A transaction rolled back, one committed.
    let mut tx = conn.begin().await?;
    sqlx::query("INSERT INTO items (name) VALUES (?)").bind("ghost").execute(&mut *tx).await?;
    tx.rollback().await?;
    let mut tx = conn.begin().await?;
    sqlx::query("INSERT INTO items (name) VALUES (?)").bind("kept").execute(&mut *tx).await?;
    tx.commit().await?;
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM items ORDER BY id").fetch_all(&mut conn).await?;
    check("after transactions", names, ["apple", "pear", "plum", "kept"].map(String::from).to_vec())?;

    conn.execute("DROP DATABASE sqlxapp").await?;
    conn.close().await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let Some(port) = std::env::args().nth(1) else {
        eprintln!("usage: orbit-sqlx-session PORT");
        std::process::exit(2);
    };
    match session(&port).await {
        Ok(()) => println!("sqlx session ok"),
        Err(e) => {
            eprintln!("sqlx session failed: {e}");
            std::process::exit(1);
        }
    }
}
