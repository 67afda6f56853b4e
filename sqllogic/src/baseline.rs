//! Baseline files: the ratchet of records Orbit is known to pass.
//!
//! One line per file, `file passed total`; `#` starts a comment. A run must pass at
//! least `passed` records of each file listed; a file not listed has baseline 0. When
//! Orbit passes more, raise the numbers (`orbit-sqllogic --write-baseline`), never lower
//! them without saying why.

use std::collections::BTreeMap;
use std::path::Path;

use crate::runner::FileReport;

/// File name -> (passed, total) as recorded.
pub type Baseline = BTreeMap<String, (usize, usize)>;

pub fn parse(text: &str) -> Result<Baseline, String> {
    let mut baseline = Baseline::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [file, passed, total] = fields[..] else {
            return Err(format!("line {}: expected `file passed total`, got {line:?}", n + 1));
        };
        let number = |s: &str| s.parse::<usize>().map_err(|_| format!("line {}: {s:?} is not a count", n + 1));
        baseline.insert(file.to_string(), (number(passed)?, number(total)?));
    }
    Ok(baseline)
}

/// Reads a baseline; a missing file is an empty baseline.
pub fn load(path: &Path) -> Result<Baseline, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Baseline::new()),
        Err(e) => Err(format!("read {}: {e}", path.display())),
    }
}

/// The baseline text for `reports`, under a header comment.
pub fn render(header: &str, reports: &[FileReport]) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for r in reports {
        out.push_str(&format!("{} {} {}\n", r.file, r.passed, r.total));
    }
    out
}

/// One regression: a file that passed fewer records than its baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regression {
    pub file: String,
    pub expected_at_least: usize,
    pub passed: usize,
}

/// Files below their baseline (a baseline entry whose file did not run counts as 0).
pub fn regressions(baseline: &Baseline, reports: &[FileReport]) -> Vec<Regression> {
    baseline
        .iter()
        .filter_map(|(file, &(at_least, _))| {
            let passed = reports.iter().find(|r| &r.file == file).map_or(0, |r| r.passed);
            (passed < at_least).then(|| Regression { file: file.clone(), expected_at_least: at_least, passed })
        })
        .collect()
}

/// Files that passed more than their baseline: (file, baseline, passed).
pub fn improvements(baseline: &Baseline, reports: &[FileReport]) -> Vec<(String, usize, usize)> {
    reports
        .iter()
        .filter_map(|r| {
            let at_least = baseline.get(&r.file).map_or(0, |b| b.0);
            (r.passed > at_least).then(|| (r.file.clone(), at_least, r.passed))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(file: &str, passed: usize, total: usize) -> FileReport {
        FileReport { file: file.into(), passed, total, ..FileReport::default() }
    }

    #[test]
    fn parses_and_compares() {
        let baseline = parse("# comment\nddl.slt 3 10\n\njoins.slt 0 5 # not yet\n").unwrap();
        assert_eq!(baseline["ddl.slt"], (3, 10));
        let reports = [report("ddl.slt", 2, 10), report("joins.slt", 1, 5)];
        assert_eq!(
            regressions(&baseline, &reports),
            [Regression { file: "ddl.slt".into(), expected_at_least: 3, passed: 2 }]
        );
        assert_eq!(improvements(&baseline, &reports), [("joins.slt".to_string(), 0, 1)]);
        assert!(parse("ddl.slt three 10").is_err());
        assert_eq!(parse(&render("h", &reports)).unwrap()["joins.slt"], (1, 5));
    }
}
