//! Waiting for SIGINT or SIGTERM, the signals that start a graceful shutdown.
//!
//! The handlers are installed by [`ShutdownSignals::register`] before the server reports
//! ready, so a signal that arrives right after the ready line is never lost to the
//! default action (which would end the process without flushing).

use tokio::signal::unix::{signal, Signal, SignalKind};

pub struct ShutdownSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl ShutdownSignals {
    /// Installs the handlers; needs a running tokio runtime.
    pub fn register() -> std::io::Result<ShutdownSignals> {
        Ok(ShutdownSignals { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
    }

    /// Completes at the next SIGINT or SIGTERM and names it.
    pub async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}
