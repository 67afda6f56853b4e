//! The orbit-server binary: parse the configuration, run the server, map the outcome to
//! an exit status (0 after a graceful shutdown, 2 for invalid configuration, 1 otherwise).

use orbit_server::config::{LoadError, ServerConfig};
use std::process::ExitCode;

fn main() -> ExitCode {
    let config = match ServerConfig::load(std::env::args_os(), |name| std::env::var_os(name)) {
        Ok(config) => config,
        Err(LoadError::Info(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(LoadError::Invalid(e)) => {
            eprintln!("orbit-server: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    orbit_server::init_logging();

    // Deeply nested statements (a 60-table join, a long chain of ORs) recurse through the
    // binder, planner and executor: give every worker a stack big enough for what the
    // parser's recursion limit lets through.
    let runtime = match tokio::runtime::Builder::new_multi_thread().thread_stack_size(32 << 20).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("orbit-server: cannot start the tokio runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(orbit_server::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orbit-server: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
