//! `orbit-cli`: export, import and validate the lease directory of a local persistence
//! backend (memory's backup file, cow_btree, lsm_tree, rocksdb), as the Orbit
//! persistence documents describe:
//!
//! ```text
//! orbit-cli export   --backend=cow_btree --data-dir=DIR --output=FILE
//! orbit-cli import   --backend=lsm_tree  --data-dir=DIR --input=FILE
//! orbit-cli validate --backend=lsm_tree  --data-dir=DIR
//! ```
//!
//! `--data-dir` is the server's data directory: the backend's files are under
//! `DIR/leases/<backend>`, where orbit-server keeps them. Each command prints one JSON
//! object on stdout (counts of leases and nodes), a progress bar on stderr for long
//! runs, and exits non-zero with a clear message on stderr when the store cannot be
//! opened or read, or its data is corrupt.

mod dump;
mod progress;

use clap::{Parser, Subcommand};
use dump::Dump;
use orbit_leases::config::backend_dir;
use orbit_leases::{open_backend, BackendKind, LeaseBackend, LeaseError};
use progress::Progress;
use serde_json::json;
use std::path::{Path, PathBuf};
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
        /// memory, cow_btree (cow), lsm_tree (lsm) or rocksdb.
        #[arg(long)]
        backend: String,
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        output: PathBuf,
    },
    /// Stores every lease and node of an export file into a backend.
    Import {
        #[arg(long)]
        backend: String,
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        input: PathBuf,
    },
    /// Reads every record of a backend and checks that it decodes and that the
    /// lease-by-node index matches the leases.
    Validate {
        #[arg(long)]
        backend: String,
        #[arg(long)]
        data_dir: PathBuf,
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
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("orbit-cli: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli.command)) {
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

async fn run(command: Command) -> CliResult<serde_json::Value> {
    match command {
        Command::Export { backend, data_dir, output } => {
            let opened = open(&backend, &data_dir, true)?;
            let dump = Dump::read(&opened).await?;
            let mut progress = Progress::new("export", dump.leases.len() + dump.nodes.len());
            dump.write(&output, &mut progress)?;
            progress.finish();
            opened.directory.flush()?;
            Ok(json!({
                "command": "export",
                "backend": opened.kind.name(),
                "data_dir": data_dir,
                "output": output,
                "leases": dump.leases.len(),
                "nodes": dump.nodes.len(),
            }))
        }
        Command::Import { backend, data_dir, input } => {
            let dump = Dump::load(&input)?;
            let opened = open(&backend, &data_dir, false)?;
            let mut progress = Progress::new("import", dump.leases.len() + dump.nodes.len());
            dump.store(&opened, &mut progress).await?;
            opened.directory.flush()?;
            progress.finish();
            Ok(json!({
                "command": "import",
                "backend": opened.kind.name(),
                "data_dir": data_dir,
                "input": input,
                "leases": dump.leases.len(),
                "nodes": dump.nodes.len(),
            }))
        }
        Command::Validate { backend, data_dir } => {
            let opened = open(&backend, &data_dir, true)?;
            let dump = Dump::read(&opened).await?;
            let problems = opened.directory.index_problems()?;
            if !problems.is_empty() {
                return Err(Failure(format!(
                    "the {} store under {} is inconsistent ({} problems): {}",
                    opened.kind.name(),
                    data_dir.display(),
                    problems.len(),
                    problems.join("; ")
                )));
            }
            Ok(json!({
                "command": "validate",
                "backend": opened.kind.name(),
                "data_dir": data_dir,
                "valid": true,
                "leases": dump.leases.len(),
                "nodes": dump.nodes.len(),
            }))
        }
    }
}

/// Opens a local backend where orbit-server keeps it. Reading commands (`must_exist`)
/// refuse a store that is not there: opening would create an empty one and hide a
/// wrong --data-dir or --backend.
fn open(backend: &str, data_dir: &Path, must_exist: bool) -> CliResult<LeaseBackend> {
    let kind = BackendKind::parse(backend)?;
    if !kind.is_local() {
        return Err(LeaseError::NotSupported(format!("the {} persistence backend", kind.name())).into());
    }
    if !data_dir.is_dir() {
        return Err(Failure(format!("data directory {} does not exist", data_dir.display())));
    }
    let files = backend_dir(data_dir, kind);
    if must_exist && !files.exists() {
        return Err(Failure(format!(
            "no {} store under {} (looked for {})",
            kind.name(),
            data_dir.display(),
            files.display()
        )));
    }
    open_backend(kind, data_dir)
        .map_err(|e| Failure(format!("cannot open the {} store under {}: {e}", kind.name(), data_dir.display())))
}
