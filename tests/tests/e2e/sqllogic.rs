//! sqllogictest through the PostgreSQL protocol.
//!
//! - Our suites (sqllogic/suites/*.slt) must pass 100% on a real PostgreSQL 15: that
//!   proves their expected results are PostgreSQL's, not Orbit's.
//! - On Orbit, our suites and the SQLite corpus (../shared/sqllogictest/sqlite) must pass
//!   at least the records recorded in sqllogic/baseline/*.txt (a ratchet).
//! - The runner counts records: one passing and one failing record give 1/2.
//!
//! A missing PostgreSQL installation or corpus is a loud skip, not a failure.
//! The Orbit runs limit each file to 300 s (our suites) or 600 s (corpus files) — a bound
//! on a hang, not a speed target (a debug build on a loaded 2-core machine needs ~2 min
//! for select4.test);
//! `ORBIT_SLT_TIMEOUT_SECS` overrides both.

use std::path::{Path, PathBuf};
use std::time::Duration;

use orbit_sqllogic::{baseline, files_in, run_files_blocking, totals_line, FileReport, RealPostgres, RunOptions};
use orbit_tests::server::TestServer;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn suites() -> Vec<PathBuf> {
    let files = files_in(&repo_root().join("sqllogic/suites"), "slt");
    assert!(!files.is_empty(), "no .slt files in sqllogic/suites");
    files
}

fn sqlite_corpus_dir() -> PathBuf {
    repo_root().join("../shared/sqllogictest/sqlite")
}

fn loud_skip(test: &str, why: &str) {
    let bar = "!".repeat(78);
    eprintln!("\n{bar}\n!! SKIPPED {test}: {why}\n{bar}\n");
}

fn real_postgres(test: &str) -> Option<RealPostgres> {
    match RealPostgres::start() {
        Ok(pg) => Some(pg),
        Err(why) => {
            loud_skip(test, &format!("no real PostgreSQL: {why}"));
            None
        }
    }
}

fn orbit_timeout(default_secs: u64) -> Duration {
    let secs = std::env::var("ORBIT_SLT_TIMEOUT_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(default_secs);
    Duration::from_secs(secs)
}

fn print_reports(what: &str, reports: &[FileReport], failures_per_file: usize) {
    eprintln!("== {what}");
    for report in reports {
        eprintln!("{}  ({:.1} s)", report.summary_line(), report.elapsed.as_secs_f64());
        for (line, message) in report.failures.iter().take(failures_per_file) {
            let first = message.lines().next().unwrap_or("");
            eprintln!("    line {line}: {first}");
        }
    }
    eprintln!("{}", totals_line(reports));
}

/// Asserts every file passed all its records.
fn assert_all_pass(reports: &[FileReport]) {
    let bad: Vec<String> = reports
        .iter()
        .filter(|r| r.passed != r.total || r.error.is_some() || r.total == 0)
        .map(|r| {
            let first =
                r.failures.first().map(|(line, m)| format!(" first failure at line {line}: {m}")).unwrap_or_default();
            format!("{}{first}", r.summary_line())
        })
        .collect();
    assert!(bad.is_empty(), "files not passing 100% on real PostgreSQL:\n{}", bad.join("\n"));
}

/// Asserts no file passed fewer records than its baseline.
fn assert_baseline(baseline_path: &Path, reports: &[FileReport]) {
    let recorded = baseline::load(baseline_path).unwrap_or_else(|e| panic!("{e}"));
    for (file, was, now) in baseline::improvements(&recorded, reports) {
        eprintln!("ratchet: {file} passes {now} records, baseline {was}: raise {}", baseline_path.display());
    }
    let regressions = baseline::regressions(&recorded, reports);
    let lines: Vec<String> = regressions
        .iter()
        .map(|r| {
            let note = reports
                .iter()
                .find(|rep| rep.file == r.file)
                .and_then(|rep| rep.error.clone())
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            format!("{}: passed {}, baseline {}{note}", r.file, r.passed, r.expected_at_least)
        })
        .collect();
    assert!(
        regressions.is_empty(),
        "fewer records pass than {} records:\n{}",
        baseline_path.display(),
        lines.join("\n")
    );
}

#[test]
fn our_suites_pass_on_real_postgres() {
    let Some(pg) = real_postgres("our_suites_pass_on_real_postgres") else { return };
    let reports = run_files_blocking(&RunOptions::new(pg.host(), pg.port()), &suites());
    print_reports("our suites on real PostgreSQL", &reports, 10);
    assert_all_pass(&reports);
}

#[test]
fn our_suites_on_orbit() {
    let server = TestServer::start(&[], &[]);
    let port = server.listener_port("--postgres-port");
    // Each suite takes under a second on PostgreSQL; the limit only bounds a hang.
    let opts = RunOptions::new("127.0.0.1", port).timeout(orbit_timeout(300));
    let reports = run_files_blocking(&opts, &suites());
    print_reports("our suites on Orbit", &reports, 3);
    assert_baseline(&repo_root().join("sqllogic/baseline/orbit-suites.txt"), &reports);
}

#[test]
fn sqlite_corpus_on_orbit() {
    let dir = sqlite_corpus_dir();
    let files = files_in(&dir, "test");
    if files.is_empty() {
        loud_skip("sqlite_corpus_on_orbit", &format!("no SQLite corpus (*.test) in {}", dir.display()));
        return;
    }
    let server = TestServer::start(&[], &[]);
    let port = server.listener_port("--postgres-port");
    let opts = RunOptions::new("127.0.0.1", port).timeout(orbit_timeout(600));
    let reports = run_files_blocking(&opts, &files);
    print_reports("SQLite corpus on Orbit", &reports, 3);
    assert_baseline(&repo_root().join("sqllogic/baseline/sqlite-corpus.txt"), &reports);
}

/// The corpus on a real PostgreSQL (about two minutes): proves the runner reads PostgreSQL's answers the way the corpus expects.
#[test]
fn sqlite_corpus_passes_on_real_postgres() {
    let files = files_in(&sqlite_corpus_dir(), "test");
    if files.is_empty() {
        loud_skip("sqlite_corpus_passes_on_real_postgres", "no SQLite corpus");
        return;
    }
    let Some(pg) = real_postgres("sqlite_corpus_passes_on_real_postgres") else { return };
    let reports = run_files_blocking(&RunOptions::new(pg.host(), pg.port()), &files);
    print_reports("SQLite corpus on real PostgreSQL", &reports, 10);
    let bad: Vec<String> =
        reports.iter().filter(|r| r.passed != r.total || r.error.is_some()).map(FileReport::summary_line).collect();
    assert!(bad.is_empty(), "corpus files not passing on real PostgreSQL:\n{}", bad.join("\n"));
}

fn write_slt(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a .slt file");
    path
}

#[test]
fn runner_counts_passing_and_failing_records() {
    let Some(pg) = real_postgres("runner_counts_passing_and_failing_records") else { return };
    let dir = tempfile::TempDir::new().expect("temp dir");
    let file = write_slt(
        dir.path(),
        "count.slt",
        "query I\nSELECT 1 + 1\n----\n2\n\nquery I\nSELECT 2 + 2\n----\n5\n\nskipif postgresql\nquery I\nSELECT 1\n----\n7\n\nonlyif sqlite\nstatement ok\nNOT SQL\n\n\
         onlyif mssql\nhalt\n\nstatement ok\nSELECT 1\n",
    );
    // Like sqllogictest-rs, `halt` ends the file whatever its conditions: the last
    // record is not counted.
    let reports = run_files_blocking(&RunOptions::new(pg.host(), pg.port()), &[file]);
    let report = &reports[0];
    assert_eq!((report.passed, report.total, report.failed, report.skipped), (1, 2, 1, 2), "{report:?}");
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].0, 6, "the failure is reported at the wrong record's line");
    assert!(report.failures[0].1.contains("SELECT 2 + 2"), "{:?}", report.failures);
    assert_eq!(report.summary_line(), "count.slt: 1/2 (failed 1, skipped 2)");
}

#[test]
fn runner_honours_errors_hashing_and_valuewise() {
    let Some(pg) = real_postgres("runner_honours_errors_hashing_and_valuewise") else { return };
    let dir = tempfile::TempDir::new().expect("temp dir");
    // Ten values above a threshold of 8 hash (md5 of the sorted values, one per line); valuewise puts
    // one value per line; errors match by SQLSTATE and by message; a fresh database per
    // file means the table does not exist yet.
    let file = write_slt(
        dir.path(),
        "modes.slt",
        "hash-threshold 8\n\nstatement ok\nCREATE TABLE t AS SELECT g AS v FROM generate_series(1, 10) g\n\n\
         query I rowsort\nSELECT v FROM t\n----\n10 values hashing to ff2650590d3f27ea6644b5573ccc37ba\n\n\
         control resultmode valuewise\n\nquery IT\nSELECT 1, 'a'\n----\n1\na\n\n\
         statement error (22012)\nSELECT 1 / 0\n\nstatement error division by zero\nSELECT 1 / 0\n\n\
         query I\nSELECT NULL::int\n----\nNULL\n",
    );
    let opts = RunOptions::new(pg.host(), pg.port());
    let reports = run_files_blocking(&opts, &[file.clone(), file]);
    for report in &reports {
        assert_eq!((report.passed, report.total), (6, 6), "{report:?}");
    }
}

#[test]
fn runner_time_limit_fails_the_rest() {
    let Some(pg) = real_postgres("runner_time_limit_fails_the_rest") else { return };
    let dir = tempfile::TempDir::new().expect("temp dir");
    let file = write_slt(
        dir.path(),
        "slow.slt",
        "statement ok\nSELECT 1\n\nstatement ok\nSELECT pg_sleep(30)\n\nstatement ok\nSELECT 2\n\nstatement ok\nSELECT 3\n",
    );
    let opts = RunOptions::new(pg.host(), pg.port()).timeout(Duration::from_secs(2));
    let started = std::time::Instant::now();
    let reports = run_files_blocking(&opts, &[file]);
    let report = &reports[0];
    assert!(started.elapsed() < Duration::from_secs(20), "the time limit did not cut the file short");
    assert!(report.timed_out);
    assert_eq!((report.passed, report.failed, report.total), (1, 3, 4), "{report:?}");
}

#[test]
fn orbit_not_answering_counts_as_zero() {
    // Nothing listens on this port: every record fails, nothing panics.
    let port = orbit_tests::server::free_port();
    let opts = RunOptions::new("127.0.0.1", port).timeout(Duration::from_secs(10));
    let reports = run_files_blocking(&opts, &suites()[..1]);
    assert_eq!(reports[0].passed, 0);
    assert_eq!(reports[0].failed, reports[0].total);
    assert!(reports[0].error.as_deref().unwrap_or("").contains("cannot connect"), "{:?}", reports[0].error);
}
