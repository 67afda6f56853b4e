//! `orbit-cli`: export, import and validate the lease directory of any persistence
//! backend, as the Orbit persistence documents describe. A local backend is named with
//! its data directory; any configured provider (etcd, Redis, S3/MinIO, Azure, Google
//! Cloud, Kubernetes, Flash, Composite and the local ones) through orbit-server's
//! configuration file:
//!
//! ```text
//! orbit-cli export   --backend=cow_btree --data-dir=DIR --output=FILE
//! orbit-cli import   --config=orbit.toml --provider=etcd --input=FILE
//! orbit-cli validate --config=orbit.toml [--provider=NAME] [--data-dir=DIR]
//! ```
//!
//! `--data-dir` is the server's data directory: local backends keep their files under
//! `DIR/leases/<backend>`, where orbit-server keeps them (see [`place`]). Each command
//! prints one JSON object on stdout (where, and counts of leases and nodes), a progress
//! bar on stderr for long runs, and exits non-zero with a clear message on stderr when the
//! store cannot be opened or read, or its data is corrupt. Remote backends are in the
//! build with their cargo features (etcd, redis, s3, azure, gcs, kubernetes, remote).
//!
//! An export is the same bytes whatever backend it came from, so migrating is an export
//! and an import (cow_btree to etcd and back gives a byte-identical export). Note that
//! etcd attaches every record to its node's etcd lease: imported records stay until that
//! lease's TTL (`lease_ttl`) runs out unless the node's server takes them over and renews.

mod config_file;
mod dump;
mod place;
mod progress;

use clap::{Parser, Subcommand};
use dump::Dump;
use orbit_leases::LeaseError;
use place::{Opened, PlaceArgs};
use progress::Progress;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "orbit-cli", version, about = "Move and check Orbit lease-directory data between backends")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes every lease and cluster node of a backend to a JSON file.
    Export {
        #[command(flatten)]
        place: PlaceArgs,
        #[arg(long)]
        output: PathBuf,
    },
    /// Stores every lease and node of an export file into a backend.
    ///
    /// etcd attaches every record to its node's etcd lease: imported records stay for
    /// the provider's lease_ttl unless that node's server takes them over and renews them.
    Import {
        #[command(flatten)]
        place: PlaceArgs,
        #[arg(long)]
        input: PathBuf,
    },
    /// Reads every record of a backend and checks that it decodes and that the backend's
    /// own indexes (the local backends' and Redis' lease-by-node index, Kubernetes' shard
    /// placement) match the leases.
    Validate {
        #[command(flatten)]
        place: PlaceArgs,
    },
}

/// A failure, printed as `orbit-cli: <message>`.
struct Failure(String);

impl From<LeaseError> for Failure {
    fn from(e: LeaseError) -> Self {
        Failure(e.to_string())
    }
}

type CliResult<T> = Result<T, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Multi-threaded: some backends' checks block (Redis' index script, Kubernetes' scan).
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("orbit-cli: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    // On a worker thread, where a backend may block in place.
    let outcome = runtime.block_on(async {
        tokio::spawn(run(cli.command))
            .await
            .unwrap_or_else(|e| Err(Failure(format!("the command ended abnormally: {e}"))))
    });
    match outcome {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(Failure(message)) => {
            eprintln!("orbit-cli: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> CliResult<Value> {
    match command {
        Command::Export { place, output } => {
            let opened = place::open(&place, true).await?;
            let dump = Dump::read(&opened.leases, &opened.nodes).await?;
            let mut progress = Progress::new("export", dump.leases.len() + dump.nodes.len());
            dump.write(&output, &mut progress)?;
            progress.finish();
            let summary = summary("export", &opened, [("output", json!(output))], &dump);
            opened.close().await?;
            Ok(summary)
        }
        Command::Import { place, input } => {
            let dump = Dump::load(&input)?;
            let opened = place::open(&place, false).await?;
            let mut progress = Progress::new("import", dump.leases.len() + dump.nodes.len());
            dump.store(&opened.leases, &opened.nodes, &mut progress).await?;
            progress.finish();
            let summary = summary("import", &opened, [("input", json!(input))], &dump);
            opened.close().await?;
            Ok(summary)
        }
        Command::Validate { place } => {
            let opened = place::open(&place, true).await?;
            let dump = Dump::read(&opened.leases, &opened.nodes).await?;
            let mut problems = opened.leases.directory.index_problems()?;
            if opened.nodes.name != opened.leases.name {
                problems.extend(opened.nodes.directory.index_problems()?);
            }
            if !problems.is_empty() {
                return Err(Failure(format!(
                    "the {} store{} is inconsistent ({} problems): {}",
                    opened.label(),
                    opened
                        .description
                        .get("data_dir")
                        .and_then(Value::as_str)
                        .map(|d| format!(" under {d}"))
                        .unwrap_or_default(),
                    problems.len(),
                    problems.join("; ")
                )));
            }
            let summary = summary("validate", &opened, [("valid", json!(true))], &dump);
            opened.close().await?;
            Ok(summary)
        }
    }
}

/// `{"command": ..., <where>, <extra>, "leases": n, "nodes": n}`.
fn summary<const N: usize>(command: &str, opened: &Opened, extra: [(&str, Value); N], dump: &Dump) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("command".into(), json!(command));
    out.extend(opened.description.clone());
    out.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
    out.insert("leases".into(), json!(dump.leases.len()));
    out.insert("nodes".into(), json!(dump.nodes.len()));
    Value::Object(out)
}
