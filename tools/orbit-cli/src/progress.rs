//! A progress bar on stderr for long runs: shown only when there are enough records for
//! it to matter, redrawn at most every 1% and ended with a newline.

use std::io::{IsTerminal, Write};

/// Below this many records no bar is drawn.
const SHOW_FROM: usize = 10_000;
const WIDTH: usize = 40;

pub struct Progress {
    label: &'static str,
    total: usize,
    done: usize,
    shown_percent: Option<usize>,
    visible: bool,
}

impl Progress {
    pub fn new(label: &'static str, total: usize) -> Progress {
        let visible = total >= SHOW_FROM || std::env::var_os("ORBIT_CLI_PROGRESS").is_some();
        Progress { label, total, done: 0, shown_percent: None, visible }
    }

    pub fn advance(&mut self, n: usize) {
        self.done = (self.done + n).min(self.total);
        if !self.visible {
            return;
        }
        let percent = (self.done * 100).checked_div(self.total).unwrap_or(100);
        if self.shown_percent != Some(percent) {
            self.shown_percent = Some(percent);
            self.draw(percent);
        }
    }

    fn draw(&self, percent: usize) {
        let filled = percent * WIDTH / 100;
        let bar = format!("{}{}", "#".repeat(filled), "-".repeat(WIDTH - filled));
        let line = format!("{} [{bar}] {percent:>3}% {}/{}", self.label, self.done, self.total);
        let mut err = std::io::stderr().lock();
        // On a terminal the bar redraws in place; in a log, one line per step.
        let _ = if err.is_terminal() { write!(err, "\r{line}") } else { writeln!(err, "{line}") };
        let _ = err.flush();
    }

    pub fn finish(&mut self) {
        if self.visible {
            self.advance(0);
            if std::io::stderr().is_terminal() {
                eprintln!();
            }
        }
    }
}
