//! Running one .slt file and counting its records.
//!
//! Each file gets a fresh database (`CREATE DATABASE slt_<n>` through the `postgres`
//! database, or with no default database over the MySQL protocol; dropped afterwards).
//! [`Engine`] picks the protocol: PostgreSQL ([`crate::db`]) or MySQL ([`crate::mysqldb`]). Records go one by one through sqllogictest's
//! [`Runner`], which keeps the file's state (`hash-threshold`, `control resultmode`,
//! sort modes, connections); a record that fails is counted and the file goes on.
//!
//! Counting: every `statement`, `query`, `system` and `let` record is one record.
//! Records after a `halt` are not counted (see [`RunOptions::conditional_halt`]).
//! Records whose `skipif`/`onlyif` conditions exclude them for our labels are
//! *skipped* and not part of `total`, so `passed == total` is the goal for every file.
//! After the per-file time limit the record running is cancelled and it and all the
//! records not run yet count as failed.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqllogictest::{AsyncDB, Condition, DefaultColumnType, MakeConnection, Record, RecordOutput, Runner};
use tokio_postgres::{CancelToken, NoTls};

use crate::db::{ConnectTarget, PgConnection, SqlError};
use crate::mysqldb::{kill_queries, MySqlConnection};

/// The wire protocol the files run through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// tokio-postgres, simple query protocol; engine label `postgres`.
    Postgres,
    /// mysql_async, text protocol; engine label `mysql`.
    MySql,
}

impl Engine {
    /// The label sqllogictest's runner adds for the connection (`AsyncDB::engine_name`).
    pub fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::MySql => "mysql",
        }
    }
}

/// The default per-file time limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// How many characters of one failure message are kept.
const MESSAGE_LIMIT: usize = 1500;

/// Where and how to run files.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// The protocol; [`RunOptions::mysql`] selects MySQL.
    pub engine: Engine,
    /// Label for `skipif`/`onlyif` (the engine's name, `postgres` or `mysql`, is always
    /// added too).
    pub label: String,
    /// Per-file time limit.
    pub timeout: Duration,
    /// `halt` obeys the `skipif`/`onlyif` before it, as in SQLite's sqllogictest. Off by
    /// default: like the sqllogictest crate's runner (and sqllogictest-bin, with which
    /// the SQLite corpus was prepared for PostgreSQL), every `halt` ends the file.
    pub conditional_halt: bool,
}

impl RunOptions {
    pub fn new(host: impl Into<String>, port: u16) -> RunOptions {
        RunOptions {
            host: host.into(),
            port,
            user: "postgres".to_string(),
            engine: Engine::Postgres,
            label: "postgresql".to_string(),
            timeout: DEFAULT_TIMEOUT,
            conditional_halt: false,
        }
    }

    /// Over the MySQL protocol as `root` (no password), label `mysql`.
    pub fn mysql(host: impl Into<String>, port: u16) -> RunOptions {
        RunOptions {
            user: "root".to_string(),
            engine: Engine::MySql,
            label: "mysql".to_string(),
            ..Self::new(host, port)
        }
    }

    pub fn conditional_halt(mut self, on: bool) -> Self {
        self.conditional_halt = on;
        self
    }

    /// Applies [`RunOptions::conditional_halt`].
    pub(crate) fn prepare(&self, records: Vec<Record<DefaultColumnType>>) -> Vec<Record<DefaultColumnType>> {
        if self.conditional_halt {
            resolve_conditional_halts(records, &self.labels())
        } else {
            records
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn target(&self, dbname: &str) -> ConnectTarget {
        ConnectTarget { host: self.host.clone(), port: self.port, user: self.user.clone(), dbname: dbname.to_string() }
    }

    pub(crate) fn labels(&self) -> Vec<String> {
        vec![self.label.clone(), self.engine.name().to_string()]
    }
}

/// The outcome of one file.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// The file name (without directories), as used in the baselines.
    pub file: String,
    pub passed: usize,
    pub failed: usize,
    /// Records excluded by `skipif`/`onlyif` for our labels (not in `total`).
    pub skipped: usize,
    /// Records that apply to us: `passed + failed`.
    pub total: usize,
    /// (line, message) of each failed record, in file order.
    pub failures: Vec<(u32, String)>,
    /// Set when the file could not run at all (parse error, cannot connect, cannot
    /// create its database); then every record counts as failed.
    pub error: Option<String>,
    /// Set when the time limit cut the file short.
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl FileReport {
    /// `file: passed/total (failed F, skipped S)`.
    pub fn summary_line(&self) -> String {
        let mut line =
            format!("{}: {}/{} (failed {}, skipped {})", self.file, self.passed, self.total, self.failed, self.skipped);
        if self.timed_out {
            line.push_str(" [time limit]");
        }
        if let Some(error) = &self.error {
            line.push_str(&format!(" [not run: {}]", first_line(error)));
        }
        line
    }
}

/// Totals over several files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub total: usize,
}

pub fn totals(reports: &[FileReport]) -> Totals {
    reports.iter().fold(Totals::default(), |t, r| Totals {
        passed: t.passed + r.passed,
        failed: t.failed + r.failed,
        skipped: t.skipped + r.skipped,
        total: t.total + r.total,
    })
}

/// `total: passed/total (failed F, skipped S) in N files`.
pub fn totals_line(reports: &[FileReport]) -> String {
    let t = totals(reports);
    format!("total: {}/{} (failed {}, skipped {}) in {} files", t.passed, t.total, t.failed, t.skipped, reports.len())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn truncate(mut text: String) -> String {
    if text.len() > MESSAGE_LIMIT {
        let mut end = MESSAGE_LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(" [...]");
    }
    text
}

/// Whether a record counts, and its line.
pub(crate) fn countable(record: &Record<DefaultColumnType>) -> Option<(u32, &[Condition])> {
    match record {
        Record::Statement { loc, conditions, .. }
        | Record::Query { loc, conditions, .. }
        | Record::System { loc, conditions, .. }
        | Record::Let { loc, conditions, .. } => Some((loc.line(), conditions)),
        _ => None,
    }
}

/// sqllogictest's rule: skip when an `onlyif` label is not ours or a `skipif` label is.
pub(crate) fn excluded(conditions: &[Condition], labels: &[String]) -> bool {
    conditions.iter().any(|c| match c {
        Condition::OnlyIf { label } => !labels.contains(label),
        Condition::SkipIf { label } => labels.contains(label),
    })
}

/// Applies `skipif`/`onlyif` to `halt` records, as SQLite's sqllogictest does
/// (`onlyif mssql` + `halt` stops the file on MS SQL only).
///
/// The sqllogictest crate's parser leaves such conditions pending, so they end up on the
/// next statement or query, and its runner halts unconditionally. Here a halt whose
/// conditions exclude us is dropped, one that applies is kept, and the conditions that
/// leaked onto the next record are removed from it.
pub fn resolve_conditional_halts(
    records: Vec<Record<DefaultColumnType>>,
    labels: &[String],
) -> Vec<Record<DefaultColumnType>> {
    let mut out = Vec::with_capacity(records.len());
    let mut pending: Vec<Condition> = Vec::new();
    let mut leaked = 0usize;
    for mut record in records {
        match &mut record {
            Record::Condition(c) => pending.push(c.clone()),
            Record::Halt { .. } => {
                let applies = !excluded(&pending, labels);
                leaked += pending.len();
                pending.clear();
                if !applies {
                    continue;
                }
            }
            Record::Statement { conditions, .. }
            | Record::Query { conditions, .. }
            | Record::System { conditions, .. }
            | Record::Let { conditions, .. } => {
                let strip = leaked.min(conditions.len());
                conditions.drain(..strip);
                leaked = 0;
                pending.clear();
            }
            _ => {}
        }
        out.push(record);
    }
    out
}

static DATABASE_SEQ: AtomicU64 = AtomicU64::new(0);

/// A database name no other run on the same server uses at the same time.
fn fresh_database_name() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("slt_{}_{}_{}", std::process::id(), DATABASE_SEQ.fetch_add(1, Ordering::Relaxed), nanos % 100_000)
}

/// A database created for one file and dropped when done.
pub(crate) struct FileDatabase {
    pub(crate) name: String,
    admin: PgConnection,
}

impl FileDatabase {
    pub(crate) async fn create(opts: &RunOptions) -> Result<FileDatabase, String> {
        let admin = PgConnection::connect(&opts.target("postgres")).await.map_err(|e| e.message)?;
        let name = fresh_database_name();
        admin.simple(&format!("CREATE DATABASE {name}")).await.map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
        Ok(FileDatabase { name, admin })
    }

    /// Drops the database; connections to it should be closed first. PostgreSQL waits a
    /// few seconds for backends that are still exiting; after that, FORCE.
    pub(crate) async fn drop_database(self) {
        for _ in 0..3 {
            if self.admin.simple(&format!("DROP DATABASE IF EXISTS {}", self.name)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let _ = self.admin.simple(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await;
    }
}

/// A MySQL database created for one file and dropped when done.
struct MySqlFileDatabase {
    name: String,
    admin: MySqlConnection,
}

impl MySqlFileDatabase {
    async fn create(opts: &RunOptions) -> Result<MySqlFileDatabase, String> {
        let mut admin = MySqlConnection::connect(&opts.target("")).await.map_err(|e| e.message)?;
        let name = fresh_database_name();
        admin.simple(&format!("CREATE DATABASE {name}")).await.map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
        Ok(MySqlFileDatabase { name, admin })
    }

    async fn drop_database(mut self) {
        let _ = self.admin.simple(&format!("DROP DATABASE IF EXISTS {}", self.name)).await;
        self.admin.close().await;
    }
}

/// The runner over one file's database; remembers every connection's cancel token.
pub(crate) type FileRunner = Runner<PgConnection, Box<dyn FnMut() -> ConnectFuture + Send>>;
type ConnectFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<PgConnection, SqlError>> + Send>>;

pub(crate) fn file_runner(opts: &RunOptions, dbname: &str, cancels: Arc<Mutex<Vec<CancelToken>>>) -> FileRunner {
    let target = opts.target(dbname);
    let make: Box<dyn FnMut() -> ConnectFuture + Send> = Box::new(move || {
        let target = target.clone();
        let cancels = cancels.clone();
        Box::pin(async move {
            let conn = PgConnection::connect(&target).await?;
            cancels.lock().unwrap_or_else(|e| e.into_inner()).push(conn.cancel_token());
            Ok(conn)
        })
    });
    let mut runner = Runner::new(make);
    runner.add_label(&opts.label);
    runner
}

/// Cancels whatever the connections are running (after a time limit).
pub(crate) async fn cancel_all(cancels: &Mutex<Vec<CancelToken>>) {
    let tokens: Vec<CancelToken> = cancels.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for token in tokens {
        let _ = tokio::time::timeout(Duration::from_secs(5), token.cancel_query(NoTls)).await;
    }
}

/// The file name used in reports and baselines.
pub fn display_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Runs one file against the server at `host:port` with label `label` and the default
/// time limit.
pub async fn run_file(host: &str, port: u16, path: &Path, label: &str) -> FileReport {
    run_file_with(&RunOptions::new(host, port).label(label), path).await
}

/// Runs one file with `opts`.
pub async fn run_file_with(opts: &RunOptions, path: &Path) -> FileReport {
    let started = Instant::now();
    let mut report = FileReport { file: display_name(path), ..FileReport::default() };
    let records = match sqllogictest::parse_file::<DefaultColumnType>(path) {
        Ok(records) => records,
        Err(e) => {
            report.error = Some(format!("parse error: {e}"));
            report.elapsed = started.elapsed();
            return report;
        }
    };
    let labels = opts.labels();
    let records = opts.prepare(records);
    for record in &records {
        if matches!(record, Record::Halt { .. }) {
            break;
        }
        if let Some((_, conditions)) = countable(record) {
            if excluded(conditions, &labels) {
                report.skipped += 1;
            } else {
                report.total += 1;
            }
        }
    }

    let deadline = started + opts.timeout;
    match opts.engine {
        Engine::Postgres => run_on_postgres(opts, records, &labels, deadline, &mut report).await,
        Engine::MySql => run_on_mysql(opts, records, &labels, deadline, &mut report).await,
    }
    report.elapsed = started.elapsed();
    report
}

async fn run_on_postgres(
    opts: &RunOptions,
    records: Vec<Record<DefaultColumnType>>,
    labels: &[String],
    deadline: Instant,
    report: &mut FileReport,
) {
    let database = match FileDatabase::create(opts).await {
        Ok(db) => db,
        Err(e) => {
            report.failed = report.total;
            report.error = Some(e);
            return;
        }
    };
    let cancels = Arc::new(Mutex::new(Vec::new()));
    let mut runner = file_runner(opts, &database.name, cancels.clone());
    if run_records(&mut runner, records, labels, deadline, opts.timeout, report).await {
        cancel_all(&cancels).await;
    }
    runner.shutdown_async().await;
    drop(runner);
    database.drop_database().await;
}

async fn run_on_mysql(
    opts: &RunOptions,
    records: Vec<Record<DefaultColumnType>>,
    labels: &[String],
    deadline: Instant,
    report: &mut FileReport,
) {
    let database = match MySqlFileDatabase::create(opts).await {
        Ok(db) => db,
        Err(e) => {
            report.failed = report.total;
            report.error = Some(e);
            return;
        }
    };
    let target = opts.target(&database.name);
    let ids: Arc<Mutex<Vec<u32>>> = Arc::default();
    let make_target = target.clone();
    let make_ids = ids.clone();
    let make = move || {
        let target = make_target.clone();
        let ids = make_ids.clone();
        async move {
            let conn = MySqlConnection::connect(&target).await?;
            ids.lock().unwrap_or_else(|e| e.into_inner()).push(conn.connection_id());
            Ok::<_, SqlError>(conn)
        }
    };
    let mut runner = Runner::new(make);
    runner.add_label(&opts.label);
    if run_records(&mut runner, records, labels, deadline, opts.timeout, report).await {
        let ids: Vec<u32> = ids.lock().unwrap_or_else(|e| e.into_inner()).clone();
        kill_queries(&target, &ids).await;
    }
    runner.shutdown_async().await;
    drop(runner);
    database.drop_database().await;
}

/// Runs the records that apply to `labels` until `deadline`, counting into `report`.
/// Returns true when the time limit cut the file short (the caller cancels what runs).
async fn run_records<D, M>(
    runner: &mut Runner<D, M>,
    records: Vec<Record<DefaultColumnType>>,
    labels: &[String],
    deadline: Instant,
    timeout: Duration,
    report: &mut FileReport,
) -> bool
where
    D: AsyncDB<ColumnType = DefaultColumnType>,
    M: MakeConnection<Conn = D>,
{
    let mut remaining = report.total;
    for record in records {
        if matches!(record, Record::Halt { .. }) {
            // Records after `halt` are neither run nor counted.
            break;
        }
        let counted = match countable(&record) {
            Some((line, conditions)) if !excluded(conditions, labels) => Some(line),
            Some(_) => continue,
            None => None,
        };
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, runner.run_async(record)).await {
            Ok(outcome) => {
                let Some(line) = counted else { continue };
                remaining -= 1;
                match outcome {
                    Ok(RecordOutput::Nothing) => {
                        // Skipped by the runner after all (should not happen: we filtered).
                        report.total -= 1;
                        report.skipped += 1;
                    }
                    Ok(_) => report.passed += 1,
                    Err(e) => {
                        report.failed += 1;
                        report.failures.push((line, truncate(e.kind().to_string())));
                    }
                }
            }
            Err(_elapsed) => {
                report.timed_out = true;
                let line = counted.unwrap_or(0);
                report.failed += remaining;
                report.failures.push((
                    line,
                    format!(
                        "time limit of {timeout:?} reached; this record and the {} after it count as failed",
                        remaining.saturating_sub(1)
                    ),
                ));
                return true;
            }
        }
    }
    false
}

/// Runs files in sequence.
pub async fn run_files(opts: &RunOptions, paths: &[std::path::PathBuf]) -> Vec<FileReport> {
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        reports.push(run_file_with(opts, path).await);
    }
    reports
}

/// [`run_files`] on a runtime of its own, for synchronous callers (tests).
pub fn run_files_blocking(opts: &RunOptions, paths: &[std::path::PathBuf]) -> Vec<FileReport> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime");
    runtime.block_on(run_files(opts, paths))
}

/// The `*.slt` / `*.test` files of a directory, sorted by name.
pub fn files_in(dir: &Path, extension: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conditions_of(records: &[Record<DefaultColumnType>]) -> Vec<(u32, usize)> {
        records.iter().filter_map(countable).map(|(line, c)| (line, c.len())).collect()
    }

    #[test]
    fn halts_follow_their_conditions() {
        let script = "onlyif mssql\nhalt\n\nonlyif oracle\nhalt\n\nonlyif sqlite\nquery I\nSELECT 1\n\nstatement ok\nSELECT 2\n\nskipif mssql\nhalt\n\nstatement ok\nSELECT 3\n";
        let records = sqllogictest::parse::<DefaultColumnType>(script).unwrap();
        let labels = vec!["postgresql".to_string(), "postgres".to_string()];
        let resolved = resolve_conditional_halts(records, &labels);
        // The two halts for other engines are gone and their conditions no longer stick
        // to the query; the halt that applies to us stays.
        assert_eq!(conditions_of(&resolved), [(8, 1), (11, 0), (17, 0)]);
        let halts: Vec<u32> = resolved
            .iter()
            .filter_map(|r| if let Record::Halt { loc } = r { Some(loc.line()) } else { None })
            .collect();
        assert_eq!(halts, [15]);
        let Some(Record::Query { conditions, .. }) = resolved.iter().find(|r| matches!(r, Record::Query { .. })) else {
            panic!("no query")
        };
        assert_eq!(conditions, &[Condition::OnlyIf { label: "sqlite".into() }]);
    }

    #[test]
    fn skip_rules() {
        let labels = vec!["postgresql".to_string()];
        assert!(excluded(&[Condition::OnlyIf { label: "sqlite".into() }], &labels));
        assert!(!excluded(&[Condition::OnlyIf { label: "postgresql".into() }], &labels));
        assert!(excluded(&[Condition::SkipIf { label: "postgresql".into() }], &labels));
        assert!(!excluded(&[Condition::SkipIf { label: "mysql".into() }], &labels));
    }
}
