//! The MySQL differential harness: run a case list through the `mariadb` client on two
//! servers and compare what each statement printed.
//!
//! A case file (tests/cases/mysql/*.sql) is data: SQL statements, each ending with `;` at
//! the end of a line (a statement may span lines; they are joined with spaces, so string
//! literals must not contain line breaks), and `--` comment lines. Markers:
//!
//! - `-- differs: <note>` before a statement: MariaDB 10.11 is known to answer it
//!   differently from MySQL 8, which Orbit follows. It still runs on both servers; a
//!   mismatch is reported as known, not as a failure.
//! - `-- orbit-diff: informational` anywhere in a file: all its mismatches are reported
//!   but none fails (e.g. SHOW CREATE TABLE, whose text legitimately differs).
//!
//! [`run_case`] feeds the statements, one per line, to one `mariadb --batch --raw
//! --column-names --force --show-warnings -vv` session. With `-vv` the client echoes every
//! statement between `--------------` lines and prints its result, `Query OK, N rows
//! affected`, the info line (`Rows matched: ...`) and the warnings; errors go to stderr as
//! `ERROR nnnn (SQLSTATE) at line L: ...`, and the line number says which statement failed.
//! [`compare`] pairs the two runs statement by statement and [`Comparison::report`]
//! prints a readable diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::mariadb::mariadb_cli;

/// The client options of every run.
pub const CLIENT_ARGS: [&str; 7] =
    ["--batch", "--raw", "--column-names", "--force", "--show-warnings", "-vv", "--default-character-set=utf8mb4"];

const ECHO_RULE: &str = "--------------";

/// One statement of a case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The line where the statement starts in its file (1-based).
    pub line: usize,
    /// The statement on one line, with its `;`.
    pub sql: String,
    /// The `-- differs:` note before it.
    pub differs: Option<String>,
}

impl Statement {
    /// `USE db`: the client runs it itself (COM_INIT_DB), without echo or output; only
    /// an error shows.
    pub fn is_client_command(&self) -> bool {
        let first = self.sql.split_whitespace().next().unwrap_or("");
        first.trim_end_matches(';').eq_ignore_ascii_case("use")
    }
}

/// A parsed case file.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub name: String,
    pub path: PathBuf,
    pub statements: Vec<Statement>,
    /// `-- orbit-diff: informational`: mismatches never fail.
    pub informational: bool,
}

impl CaseFile {
    pub fn load(path: &Path) -> Result<CaseFile, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (statements, informational) = parse_cases(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(CaseFile { name, path: path.to_path_buf(), statements, informational })
    }
}

/// The `*.sql` case files of a directory, sorted by name.
pub fn case_files(dir: &Path) -> Result<Vec<CaseFile>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    paths.iter().map(|p| CaseFile::load(p)).collect()
}

/// Splits a case file into statements; also says whether it is informational.
pub fn parse_cases(text: &str) -> Result<(Vec<Statement>, bool), String> {
    let mut statements = Vec::new();
    let mut informational = false;
    let mut pending_note: Option<String> = None;
    let mut current: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("--") {
            let comment = line.trim_start_matches('-').trim();
            if let Some(note) = comment.strip_prefix("differs:") {
                pending_note = Some(note.trim().to_string());
            } else if comment == "orbit-diff: informational" {
                informational = true;
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let (_, sql) = current.get_or_insert_with(|| (index + 1, String::new()));
        if !sql.is_empty() {
            sql.push(' ');
        }
        sql.push_str(line);
        if line.ends_with(';') {
            let (start, sql) = current.take().expect("just set");
            statements.push(Statement { line: start, sql, differs: pending_note.take() });
        }
    }
    if let Some((start, _)) = current {
        return Err(format!("the statement at line {start} has no `;` at the end of a line"));
    }
    Ok((statements, informational))
}

/// What one statement printed on one server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The result text the client printed after the statement's echo (trimmed).
    pub output: String,
    /// `ERROR nnnn (SQLSTATE): message` when the statement failed.
    pub error: Option<String>,
}

impl Outcome {
    /// The text compared between servers.
    pub fn text(&self) -> String {
        match (&self.error, self.output.is_empty()) {
            (Some(e), true) => e.clone(),
            (Some(e), false) => format!("{e}\n{}", self.output),
            (None, _) => self.output.clone(),
        }
    }

    /// Whether the client printed anything at all for the statement (it prints nothing
    /// for a `USE` that works).
    pub fn is_empty(&self) -> bool {
        self.output.is_empty() && self.error.is_none()
    }
}

/// One case file's run on one server.
#[derive(Debug, Clone)]
pub struct Run {
    pub outcomes: Vec<Outcome>,
    /// stderr lines not attributed to a statement (client warnings, connection trouble).
    pub stray_stderr: Vec<String>,
}

/// Runs `statements` in one client session against `host:port`.
///
/// `Err` when the client could not connect at all, or its output cannot be matched to the
/// statements (then the message holds the raw output).
pub fn run_statements(host: &str, port: u16, statements: &[Statement]) -> Result<Run, String> {
    let mut script = String::new();
    for statement in statements {
        script.push_str(&statement.sql);
        script.push('\n');
    }
    let out = mariadb_cli(host, port, &CLIENT_ARGS, &script)?;
    let (errors, stray_stderr) = attribute_errors(&out.stderr, statements.len());
    if !out.stdout.contains(ECHO_RULE) && stray_stderr.iter().any(|l| l.starts_with("ERROR")) {
        return Err(format!(
            "the mariadb client could not run against {host}:{port} ({}): {}",
            out.status,
            stray_stderr.join("\n")
        ));
    }
    let outputs = split_echoed(&out.stdout, statements)
        .map_err(|e| format!("{e}\n--- client stdout:\n{}\n--- client stderr:\n{}", out.stdout, out.stderr))?;
    let outcomes = outputs.into_iter().zip(errors).map(|(output, error)| Outcome { output, error }).collect();
    Ok(Run { outcomes, stray_stderr })
}

/// Runs a case file against `host:port`.
pub fn run_case(host: &str, port: u16, case: &CaseFile) -> Result<Run, String> {
    run_statements(host, port, &case.statements).map_err(|e| format!("{}: {e}", case.name))
}

/// `ERROR nnnn (SQLSTATE) at line L: message` -> (L, `ERROR nnnn (SQLSTATE): message`).
fn parse_error_line(line: &str) -> Option<(usize, String)> {
    let rest = line.strip_prefix("ERROR")?;
    let at = rest.find(" at line ")?;
    let (code, after) = rest.split_at(at);
    let after = &after[" at line ".len()..];
    let colon = after.find(':')?;
    let number: usize = after[..colon].trim().parse().ok()?;
    Some((number, format!("ERROR{code}:{}", &after[colon + 1..])))
}

/// Errors per statement (by the script line, which is the statement's index + 1), and the
/// stderr lines that are neither an attributed error nor the client's echo of the failed
/// statement.
fn attribute_errors(stderr: &str, count: usize) -> (Vec<Option<String>>, Vec<String>) {
    let mut errors = vec![None; count];
    let mut stray = Vec::new();
    let mut in_echo = false;
    for line in stderr.lines() {
        if line == ECHO_RULE {
            in_echo = !in_echo;
            continue;
        }
        if in_echo || line.is_empty() {
            continue;
        }
        match parse_error_line(line) {
            Some((number, error)) if (1..=count).contains(&number) => {
                let slot: &mut Option<String> = &mut errors[number - 1];
                match slot {
                    Some(existing) => {
                        existing.push('\n');
                        existing.push_str(&error);
                    }
                    None => *slot = Some(error),
                }
            }
            _ => stray.push(line.to_string()),
        }
    }
    (errors, stray)
}

/// Cuts the client's stdout at each statement's echo; returns the text after each
/// (empty for client commands, which are not echoed).
fn split_echoed(stdout: &str, statements: &[Statement]) -> Result<Vec<String>, String> {
    let echoed: Vec<&Statement> = statements.iter().filter(|s| !s.is_client_command()).collect();
    let mut starts = Vec::with_capacity(echoed.len());
    let mut pos = 0;
    for statement in &echoed {
        let sql = statement.sql.trim_end_matches(';').trim();
        let header = format!("{ECHO_RULE}\n{sql}\n{ECHO_RULE}\n");
        let found = stdout[pos..].find(&header).ok_or_else(|| {
            format!(
                "the client did not echo the statement at line {} ({sql}); output cannot be matched",
                statement.line
            )
        })?;
        let start = pos + found;
        starts.push((start, start + header.len()));
        pos = start + header.len();
    }
    let mut bodies = Vec::with_capacity(echoed.len());
    for (i, &(_, body_start)) in starts.iter().enumerate() {
        let body_end = starts.get(i + 1).map(|&(next, _)| next).unwrap_or(stdout.len());
        let mut body = stdout[body_start..body_end].trim();
        if i + 1 == starts.len() {
            body = body.strip_suffix("Bye").unwrap_or(body).trim_end();
        }
        bodies.push(body.to_string());
    }
    let mut bodies = bodies.into_iter();
    Ok(statements
        .iter()
        .map(|s| if s.is_client_command() { String::new() } else { bodies.next().unwrap_or_default() })
        .collect())
}

/// One statement whose outcomes differ.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub statement: Statement,
    pub reference: String,
    pub candidate: String,
}

/// A case file compared on two servers.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    pub file: String,
    pub statements: usize,
    /// Mismatches that fail the comparison.
    pub failures: Vec<Mismatch>,
    /// Mismatches marked `-- differs:` or in an informational file.
    pub known: Vec<Mismatch>,
    /// Statements marked `-- differs:` that now agree (the marker can go).
    pub agreeing_marked: Vec<Statement>,
}

/// Pairs two runs of `case` statement by statement.
pub fn compare(case: &CaseFile, reference: &Run, candidate: &Run) -> Comparison {
    let mut comparison =
        Comparison { file: case.name.clone(), statements: case.statements.len(), ..Default::default() };
    for (i, statement) in case.statements.iter().enumerate() {
        let expected = reference.outcomes.get(i).map(Outcome::text).unwrap_or_default();
        let actual = candidate.outcomes.get(i).map(Outcome::text).unwrap_or_default();
        if expected == actual {
            if statement.differs.is_some() {
                comparison.agreeing_marked.push(statement.clone());
            }
            continue;
        }
        let mismatch = Mismatch { statement: statement.clone(), reference: expected, candidate: actual };
        if case.informational || statement.differs.is_some() {
            comparison.known.push(mismatch);
        } else {
            comparison.failures.push(mismatch);
        }
    }
    comparison
}

impl Comparison {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// `file: N/M statements agree (K known differences)`.
    pub fn summary_line(&self) -> String {
        format!(
            "{}: {}/{} statements agree ({} failing, {} known differences)",
            self.file,
            self.statements - self.failures.len() - self.known.len(),
            self.statements,
            self.failures.len(),
            self.known.len()
        )
    }

    /// The failures as a line diff per statement (`-` reference only, `+` candidate only),
    /// `reference` and `candidate` naming the two servers.
    pub fn report(&self, reference: &str, candidate: &str, with_known: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.summary_line());
        let mut list: Vec<(&str, &Mismatch)> = self.failures.iter().map(|m| ("", m)).collect();
        if with_known {
            list.extend(self.known.iter().map(|m| ("known difference: ", m)));
        }
        for (tag, m) in list {
            let _ = writeln!(out, "  {tag}{}:{}: {}", self.file, m.statement.line, m.statement.sql);
            if let Some(note) = &m.statement.differs {
                let _ = writeln!(out, "    (marked differs: {note})");
            }
            let _ = writeln!(out, "    --- {reference}\n    +++ {candidate}");
            for line in line_diff(&m.reference, &m.candidate) {
                let _ = writeln!(out, "    {line}");
            }
        }
        for s in &self.agreeing_marked {
            let _ = writeln!(out, "  note: {}:{} is marked `differs` but agrees now: {}", self.file, s.line, s.sql);
        }
        out
    }
}

/// A small LCS line diff: ` ` common, `-` only in `a`, `+` only in `b`.
pub fn line_diff(a: &str, b: &str) -> Vec<String> {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    if a.len() * b.len() > 4_000_000 {
        // Too big for the table: show both whole.
        return a.iter().map(|l| format!("-{l}")).chain(b.iter().map(|l| format!("+{l}"))).collect();
    }
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(format!(" {}", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(format!("-{}", a[i]));
            i += 1;
        } else {
            out.push(format!("+{}", b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_markers_and_lines() {
        let text = "-- orbit-diff: informational\nCREATE DATABASE d;\n\n-- differs: mysql8 says 1\nSELECT 1,\n  2;\n";
        let (statements, informational) = parse_cases(text).unwrap();
        assert!(informational);
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1].line, 5);
        assert_eq!(statements[1].sql, "SELECT 1, 2;");
        assert_eq!(statements[1].differs.as_deref(), Some("mysql8 says 1"));
        assert!(parse_cases("SELECT 1\n").is_err());
    }

    #[test]
    fn errors_are_attributed_by_line() {
        let stderr = "--------------\nSELECT x\n--------------\n\nERROR 1054 (42S22) at line 2: Unknown column 'x' in 'SELECT'\nwarning: something\n";
        let (errors, stray) = attribute_errors(stderr, 3);
        assert_eq!(errors[1].as_deref(), Some("ERROR 1054 (42S22): Unknown column 'x' in 'SELECT'"));
        assert!(errors[0].is_none() && errors[2].is_none());
        assert_eq!(stray, ["warning: something"]);
    }

    #[test]
    fn outputs_split_at_echoes() {
        let statements: Vec<Statement> = ["SELECT 1;", "USE d;", "SELECT x;"]
            .iter()
            .enumerate()
            .map(|(i, s)| Statement { line: i + 1, sql: s.to_string(), differs: None })
            .collect();
        let stdout = "--------------\nSELECT 1\n--------------\n\n1\n1\n1 row in set\n\n--------------\nSELECT x\n--------------\n\nBye\n";
        assert_eq!(split_echoed(stdout, &statements).unwrap(), ["1\n1\n1 row in set", "", ""]);
    }

    #[test]
    fn mismatches_fail_unless_marked() {
        let (statements, _) = parse_cases("SELECT 1;\n-- differs: mysql8 says 3\nSELECT 2;\nSELECT 4;\n").unwrap();
        let case = CaseFile { name: "c.sql".into(), path: PathBuf::new(), statements, informational: false };
        let run = |texts: [&str; 3]| Run {
            outcomes: texts.iter().map(|t| Outcome { output: t.to_string(), error: None }).collect(),
            stray_stderr: Vec::new(),
        };
        let c = compare(&case, &run(["1", "2", "4"]), &run(["1", "3", "5"]));
        assert_eq!((c.failures.len(), c.known.len()), (1, 1));
        assert_eq!(c.failures[0].statement.line, 4);
        assert!(!c.passed());
        let report = c.report("MariaDB", "Orbit", true);
        assert!(report.contains("c.sql:4: SELECT 4;\n    --- MariaDB\n    +++ Orbit\n    -4\n    +5"), "{report}");
        let informational = CaseFile { informational: true, ..case };
        assert!(compare(&informational, &run(["1", "2", "4"]), &run(["0", "3", "5"])).passed());
    }

    #[test]
    fn diff_marks_sides() {
        assert_eq!(line_diff("a\nb\nc", "a\nc\nd"), [" a", "-b", " c", "+d"]);
    }
}
