//! Test support: reads the openCypher TCK feature files (Gherkin) from the shared folder
//! and yields every test case (a scenario, or one Examples row of an outline with its
//! `<placeholders>` filled in) with its queries and what the TCK expects of them at
//! compile time.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `having executed:` setup queries.
    Setup,
    /// `When executing query:` and `When executing control query:`.
    Main,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// No error expected, or one expected only at runtime: the query compiles.
    Accept,
    /// `Then a SyntaxError should be raised at compile time: <detail>`.
    Reject(String),
    /// Another error kind at compile time or "at any time": either outcome is fine here.
    Either,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub queries: Vec<(Role, String)>,
    pub expect: Expect,
}

pub fn features_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/opencypher-tck/features")
}

/// Every case of every feature file, or None (with a loud message) if the TCK is absent.
pub fn load_cases() -> Option<Vec<Case>> {
    let dir = features_dir();
    if !dir.is_dir() {
        eprintln!("SKIPPING the openCypher TCK checks: {} is not there", dir.display());
        return None;
    }
    let mut files = Vec::new();
    collect_features(&dir, &mut files);
    files.sort();
    let mut cases = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        let rel = f.strip_prefix(&dir).unwrap_or(&f).to_string_lossy().replace('\\', "/");
        parse_feature(&rel, &text, &mut cases);
    }
    Some(cases)
}

fn collect_features(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_features(&p, out);
        } else if p.extension().is_some_and(|x| x == "feature") {
            out.push(p);
        }
    }
}

#[derive(Default)]
struct Scenario {
    name: String,
    outline: bool,
    /// (step text, docstring) in order.
    steps: Vec<(String, Option<String>)>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn parse_feature(file: &str, text: &str, out: &mut Vec<Case>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut cur: Option<Scenario> = None;
    let mut in_examples = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        i += 1;
        if t.starts_with("\"\"\"") {
            let indent = line.len() - line.trim_start().len();
            let mut body = Vec::new();
            while i < lines.len() && !lines[i].trim().starts_with("\"\"\"") {
                let l = lines[i];
                let cut = l.len() - l.trim_start().len();
                body.push(l.get(cut.min(indent)..).unwrap_or(""));
                i += 1;
            }
            i += 1;
            if let Some(sc) = cur.as_mut() {
                if let Some(last) = sc.steps.last_mut() {
                    last.1 = Some(body.join("\n"));
                }
            }
            continue;
        }
        if t.is_empty() || t.starts_with('#') || t.starts_with('@') {
            continue;
        }
        if let Some(rest) = t.strip_prefix("Scenario Outline:").or_else(|| t.strip_prefix("Scenario Template:")) {
            finish(file, cur.take(), out);
            cur = Some(Scenario { name: rest.trim().to_string(), outline: true, ..Default::default() });
            in_examples = false;
        } else if let Some(rest) = t.strip_prefix("Scenario:") {
            finish(file, cur.take(), out);
            cur = Some(Scenario { name: rest.trim().to_string(), ..Default::default() });
            in_examples = false;
        } else if t.starts_with("Examples:") {
            in_examples = true;
        } else if t.starts_with('|') {
            if let (true, Some(sc)) = (in_examples, cur.as_mut()) {
                let cells = table_cells(t);
                if sc.header.is_empty() {
                    sc.header = cells;
                } else {
                    sc.rows.push(cells);
                }
            }
        } else if let Some(sc) = cur.as_mut() {
            for kw in ["Given ", "When ", "Then ", "And ", "But "] {
                if let Some(rest) = t.strip_prefix(kw) {
                    sc.steps.push((rest.to_string(), None));
                }
            }
        }
    }
    finish(file, cur.take(), out);
}

fn table_cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('|') => cell.push('|'),
                Some('n') => cell.push('\n'),
                Some('\\') => cell.push('\\'),
                Some(o) => {
                    cell.push('\\');
                    cell.push(o);
                }
                None => cell.push('\\'),
            },
            '|' => {
                cells.push(cell.trim().to_string());
                cell.clear();
            }
            c => cell.push(c),
        }
    }
    cells
}

fn finish(file: &str, sc: Option<Scenario>, out: &mut Vec<Case>) {
    let Some(sc) = sc else { return };
    if sc.outline {
        for (n, row) in sc.rows.iter().enumerate() {
            let fill = |s: &str| {
                let mut s = s.to_string();
                for (h, v) in sc.header.iter().zip(row) {
                    s = s.replace(&format!("<{h}>"), v);
                }
                s
            };
            let steps: Vec<(String, Option<String>)> =
                sc.steps.iter().map(|(t, d)| (fill(t), d.as_deref().map(fill))).collect();
            out.push(make_case(format!("{file}: {} #{}", scenario_key(&sc.name), n + 1), &steps));
        }
    } else {
        out.push(make_case(format!("{file}: {}", scenario_key(&sc.name)), &sc.steps));
    }
}

/// `[3] Some title` -> `[3]`, so ids stay stable when a title is reworded.
fn scenario_key(name: &str) -> String {
    match name.find(']') {
        Some(i) if name.starts_with('[') => name[..=i].to_string(),
        _ => name.to_string(),
    }
}

fn make_case(id: String, steps: &[(String, Option<String>)]) -> Case {
    let mut queries = Vec::new();
    let mut expect = Expect::Accept;
    for (text, doc) in steps {
        if let Some(doc) = doc {
            if text.starts_with("having executed") {
                queries.push((Role::Setup, doc.clone()));
            } else if text.starts_with("executing query") || text.starts_with("executing control query") {
                queries.push((Role::Main, doc.clone()));
            }
        }
        if let Some(rest) = text.strip_prefix("a ").or_else(|| text.strip_prefix("an ")) {
            if let Some((kind, phase)) = rest.split_once(" should be raised at ") {
                let (phase, detail) = phase.split_once(':').unwrap_or((phase, ""));
                expect = match (kind.trim(), phase.trim()) {
                    ("SyntaxError", "compile time") => Expect::Reject(detail.trim().to_string()),
                    (_, "runtime") => Expect::Accept,
                    _ => Expect::Either,
                };
            }
        }
    }
    Case { id, queries, expect }
}
