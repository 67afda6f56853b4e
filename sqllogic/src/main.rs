//! `orbit-sqllogic`: run .slt files against a PostgreSQL-protocol server and count.
//!
//! ```text
//! orbit-sqllogic --host 127.0.0.1 --port 5432 [--label postgresql] [--timeout-secs 300] [--verbose] FILES...
//! orbit-sqllogic --real-postgres [--complete] FILES...
//! orbit-sqllogic --engine mysql --port 3306 [--label mysql] FILES...
//! ```
//!
//! `--engine mysql` (or `--mysql`) speaks the MySQL protocol instead (user `root`, label
//! `mysql`, a fresh database per file); use it for Orbit's MySQL listener or a MariaDB.
//!
//! `--real-postgres` starts a throwaway PostgreSQL 15 instead of connecting to
//! `--host/--port`. `--complete` rewrites the expected results of the files' queries
//! from the server's answers (use it only with a real PostgreSQL). `--write-baseline
//! PATH` writes the pass counts as a baseline file. The exit status is 1 when a record
//! failed (or completion found a problem).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use orbit_sqllogic::complete::complete_file;
use orbit_sqllogic::{baseline, run_file_with, totals_line, Engine, RealPostgres, RunOptions};

const USAGE: &str =
    "usage: orbit-sqllogic (--port PORT [--host HOST] | --real-postgres) [--engine postgres|mysql] [--user USER] \
[--label LABEL] [--timeout-secs N] [--verbose] [--failures N] [--complete] [--conditional-halt] \
[--write-baseline PATH] FILES...";

struct Args {
    host: String,
    port: Option<u16>,
    user: Option<String>,
    label: Option<String>,
    engine: Engine,
    timeout: Duration,
    verbose: bool,
    failures_shown: usize,
    complete: bool,
    conditional_halt: bool,
    real_postgres: bool,
    write_baseline: Option<PathBuf>,
    files: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        host: "127.0.0.1".into(),
        port: None,
        user: None,
        label: None,
        engine: Engine::Postgres,
        timeout: orbit_sqllogic::runner::DEFAULT_TIMEOUT,
        verbose: false,
        failures_shown: 5,
        complete: false,
        conditional_halt: false,
        real_postgres: false,
        write_baseline: None,
        files: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--host" => args.host = value("--host")?,
            "--port" => args.port = Some(value("--port")?.parse().map_err(|_| "--port needs a number")?),
            "--user" => args.user = Some(value("--user")?),
            "--label" => args.label = Some(value("--label")?),
            "--mysql" => args.engine = Engine::MySql,
            "--engine" => {
                args.engine = match value("--engine")?.as_str() {
                    "postgres" | "postgresql" => Engine::Postgres,
                    "mysql" => Engine::MySql,
                    other => return Err(format!("unknown engine {other} (postgres or mysql)")),
                }
            }
            "--timeout-secs" => {
                args.timeout =
                    Duration::from_secs(value("--timeout-secs")?.parse().map_err(|_| "--timeout-secs needs a number")?)
            }
            "--failures" => {
                args.failures_shown = value("--failures")?.parse().map_err(|_| "--failures needs a number")?;
                args.verbose = true;
            }
            "-v" | "--verbose" => args.verbose = true,
            "--complete" => args.complete = true,
            "--conditional-halt" => args.conditional_halt = true,
            "--real-postgres" => args.real_postgres = true,
            "--write-baseline" => args.write_baseline = Some(PathBuf::from(value("--write-baseline")?)),
            "-h" | "--help" => return Err(USAGE.into()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}\n{USAGE}")),
            file => args.files.push(PathBuf::from(file)),
        }
    }
    if args.files.is_empty() {
        return Err(format!("no files given\n{USAGE}"));
    }
    if args.complete && args.engine == Engine::MySql {
        return Err("--complete takes expected results from a real PostgreSQL only".into());
    }
    if args.real_postgres && args.engine == Engine::MySql {
        return Err("--real-postgres and --engine mysql exclude each other".into());
    }
    if args.port.is_none() && !args.real_postgres {
        return Err(format!("give --port (or --real-postgres)\n{USAGE}"));
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // Kept alive until the end of main.
    let mut _real = None;
    let (host, port) = if args.real_postgres {
        match tokio::task::spawn_blocking(RealPostgres::start).await.expect("start task") {
            Ok(pg) => {
                eprintln!("started PostgreSQL from {} on 127.0.0.1:{}", pg.bin_dir().display(), pg.port());
                let port = pg.port();
                _real = Some(pg);
                ("127.0.0.1".to_string(), port)
            }
            Err(e) => {
                eprintln!("cannot start a real PostgreSQL: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        (args.host.clone(), args.port.expect("checked"))
    };
    let mut opts = match args.engine {
        Engine::Postgres => RunOptions::new(host, port),
        Engine::MySql => RunOptions::mysql(host, port),
    };
    opts = opts.timeout(args.timeout).conditional_halt(args.conditional_halt);
    if let Some(label) = &args.label {
        opts.label = label.clone();
    }
    if let Some(user) = &args.user {
        opts.user = user.clone();
    }

    let mut ok = true;
    if args.complete {
        for file in &args.files {
            match complete_file(&opts, file).await {
                Ok(c) => {
                    println!(
                        "{}: {} queries completed, {} changed, {} problems",
                        c.file,
                        c.queries,
                        c.changed,
                        c.problems.len()
                    );
                    for (line, problem) in &c.problems {
                        ok = false;
                        println!("  {}:{line}: {}", file.display(), problem.trim_end());
                    }
                }
                Err(e) => {
                    ok = false;
                    println!("{}: {e}", file.display());
                }
            }
        }
        return if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }

    let mut reports = Vec::new();
    for file in &args.files {
        let report = run_file_with(&opts, file).await;
        println!("{}", report.summary_line());
        if args.verbose {
            for (line, message) in report.failures.iter().take(args.failures_shown) {
                println!("  {}:{line}:", file.display());
                for text in message.trim_end().lines() {
                    println!("    {text}");
                }
            }
            if report.failures.len() > args.failures_shown {
                println!("  ... {} more failures", report.failures.len() - args.failures_shown);
            }
        }
        ok &= report.failed == 0 && report.error.is_none();
        reports.push(report);
    }
    println!("{}", totals_line(&reports));
    if let Some(path) = &args.write_baseline {
        let header = format!(
            "orbit-sqllogic pass counts: file passed total (label {}, time limit {} s per file)",
            opts.label,
            args.timeout.as_secs()
        );
        if let Err(e) = std::fs::write(path, baseline::render(&header, &reports)) {
            eprintln!("write {}: {e}", path.display());
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
