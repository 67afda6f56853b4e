//! Completion mode: fill in the expected results of a .slt file from a real PostgreSQL.
//!
//! Only the result block under `----` of `query` records is (re)written, from what the
//! server answered, formatted the way the runner compares it (sort mode, hashing above
//! `hash-threshold`, one value per line under `control resultmode valuewise`, otherwise
//! one row per line with values separated by a space). Everything else is checked, not
//! rewritten: a `statement ok` that fails, a `statement error` that succeeds, an error
//! whose SQLSTATE or message does not match, or a type string whose length is not the
//! number of columns is reported as a problem for the author to fix.

use std::path::Path;
use std::sync::{Arc, Mutex};

use sqllogictest::{Control, DefaultColumnType, QueryExpect, Record, RecordOutput, ResultMode};

use crate::runner::{countable, excluded, file_runner, FileDatabase, RunOptions};

/// What completion did to one file.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub file: String,
    /// Query records whose results were written.
    pub queries: usize,
    /// Of those, how many changed.
    pub changed: usize,
    /// (line, problem) for records that need the author's attention.
    pub problems: Vec<(u32, String)>,
}

/// Runs `path` against the server in `opts` and rewrites its query results in place.
pub async fn complete_file(opts: &RunOptions, path: &Path) -> Result<Completion, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let records =
        sqllogictest::parse_file::<DefaultColumnType>(path).map_err(|e| format!("parse {}: {e}", path.display()))?;
    let mut completion = Completion { file: crate::runner::display_name(path), ..Completion::default() };
    let labels = opts.labels();
    let records = opts.prepare(records);

    let database = FileDatabase::create(opts).await?;
    let mut runner = file_runner(opts, &database.name, Arc::new(Mutex::new(Vec::new())));
    let mut result_mode = ResultMode::RowWise;
    let mut replacements: Vec<(u32, Vec<String>)> = Vec::new();

    for record in records {
        if let Record::Control(Control::ResultMode(mode)) = &record {
            result_mode = *mode;
        }
        if let Some((line, conditions)) = countable(&record) {
            if excluded(conditions, &labels) {
                continue;
            }
            if let Record::Query { expected: QueryExpect::Results { types, results, .. }, .. } = &record {
                let (types, old) = (types.clone(), results.clone());
                match runner.apply_record(record.clone()).await {
                    RecordOutput::Query { rows, error: None, types: actual_types } => {
                        completion.queries += 1;
                        if !types.is_empty() && types.len() != actual_types.len() {
                            completion.problems.push((
                                line,
                                format!(
                                    "type string has {} columns, the query returned {}",
                                    types.len(),
                                    actual_types.len()
                                ),
                            ));
                        }
                        match expected_lines(&rows, result_mode) {
                            Ok(lines) => {
                                if lines != old {
                                    completion.changed += 1;
                                }
                                replacements.push((line, lines));
                            }
                            Err(problem) => completion.problems.push((line, problem)),
                        }
                    }
                    RecordOutput::Query { error: Some(e), .. } | RecordOutput::Statement { error: Some(e), .. } => {
                        completion.problems.push((line, format!("the query failed: {e}")));
                    }
                    RecordOutput::Statement { .. } => completion
                        .problems
                        .push((line, "a `query` that returns no rows description: use `statement ok`".into())),
                    _ => {}
                }
                continue;
            }
            if let Err(e) = runner.run_async(record).await {
                completion.problems.push((line, e.kind().to_string()));
            }
        } else if matches!(record, Record::Halt { .. }) {
            break;
        } else {
            let _ = runner.run_async(record).await;
        }
    }
    runner.shutdown_async().await;
    drop(runner);
    database.drop_database().await;

    if completion.changed > 0 {
        let rewritten = rewrite_results(&text, &replacements);
        std::fs::write(path, rewritten).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    Ok(completion)
}

/// The lines under `----` for `rows` (already sorted and hashed by the runner).
pub fn expected_lines(rows: &[Vec<String>], mode: ResultMode) -> Result<Vec<String>, String> {
    let lines: Vec<String> = match mode {
        ResultMode::ValueWise => rows.iter().flatten().cloned().collect(),
        ResultMode::RowWise => rows.iter().map(|row| row.join(" ")).collect(),
    };
    for line in &lines {
        if line.contains('\n') || line.contains('\r') {
            return Err(format!("a value contains a line break, which .slt results cannot hold: {line:?}"));
        }
        if line.trim().is_empty() {
            return Err("a result line would be blank (it would end the record)".into());
        }
    }
    Ok(lines)
}

/// Replaces the result block of the `query` record starting at each given line (1-based).
pub fn rewrite_results(text: &str, replacements: &[(u32, Vec<String>)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut sorted: Vec<&(u32, Vec<String>)> = replacements.iter().collect();
    sorted.sort_by_key(|(line, _)| std::cmp::Reverse(*line));
    for (line, results) in sorted {
        let mut i = *line as usize; // the line after `query ...`
        while i < lines.len() && lines[i] != "----" && !lines[i].is_empty() {
            i += 1;
        }
        let (start, end) = if i < lines.len() && lines[i] == "----" {
            let mut j = i + 1;
            while j < lines.len() && !lines[j].is_empty() {
                j += 1;
            }
            (i, j)
        } else {
            (i, i)
        };
        let mut block = Vec::new();
        if !results.is_empty() {
            block.push("----".to_string());
            block.extend(results.iter().cloned());
        }
        lines.splice(start..end, block);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_existing_and_missing_result_blocks() {
        let text = "statement ok\nCREATE TABLE t(a int)\n\nquery I\nSELECT 1\n----\n7\n8\n\nquery IT rowsort\nSELECT 1,\n 'x'\n\nquery I\nSELECT 0 WHERE false\n----\n5\n";
        let out = rewrite_results(text, &[(4, vec!["1".into()]), (10, vec!["1 x".into()]), (14, vec![])]);
        assert_eq!(
            out,
            "statement ok\nCREATE TABLE t(a int)\n\nquery I\nSELECT 1\n----\n1\n\nquery IT rowsort\nSELECT 1,\n 'x'\n----\n1 x\n\nquery I\nSELECT 0 WHERE false\n"
        );
    }

    #[test]
    fn valuewise_puts_one_value_per_line() {
        let rows = vec![vec!["1".to_string(), "a".to_string()], vec!["2".to_string(), "NULL".to_string()]];
        assert_eq!(expected_lines(&rows, ResultMode::ValueWise).unwrap(), ["1", "a", "2", "NULL"]);
        assert_eq!(expected_lines(&rows, ResultMode::RowWise).unwrap(), ["1 a", "2 NULL"]);
        assert!(expected_lines(&[vec!["a\nb".to_string()]], ResultMode::RowWise).is_err());
    }
}
