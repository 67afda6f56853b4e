//! The ratchet over the openCypher TCK: parse + check of every case. A case passes when
//! every query it expects to compile (setup queries, queries of scenarios without a
//! compile-time error) is accepted and, for `SyntaxError ... at compile time`, its query
//! is rejected with a compile-time error. The ids of passing cases are committed in
//! `syntax/tck_baseline.txt`; a case in the baseline that fails is a regression. Run with
//! `TCK_BASELINE_WRITE=1` to rewrite the baseline after an improvement.

use crate::syntax::tck::{load_cases, Case, Expect, Role};
use std::collections::BTreeSet;

fn compiles(q: &str) -> Result<(), String> {
    let st = crate::syntax::parse(q).map_err(|e| format!("parse: {}", e.message))?;
    super::check(&st).map_err(|e| format!("check ({:?}): {}", e.kind, e.message))
}

/// None when the case passes, else why not.
fn run(case: &Case) -> Option<String> {
    let last_main = case.queries.iter().rposition(|(r, _)| *r == Role::Main);
    for (i, (role, q)) in case.queries.iter().enumerate() {
        let rejected_here = matches!(case.expect, Expect::Reject(_)) && Some(i) == last_main;
        let r = compiles(q);
        if rejected_here {
            match r {
                Err(e) => {
                    if let Expect::Reject(detail) = &case.expect {
                        if !e.contains(detail.as_str()) {
                            println!("  (other detail) {}: expected {detail}, got {e}", case.id);
                        }
                    }
                }
                Ok(()) => return Some(format!("accepted, but the TCK expects {:?}\n  query: {q}", case.expect)),
            }
        } else if *role == Role::Setup || case.expect != Expect::Either {
            if let Err(e) = r {
                if !(case.expect == Expect::Either && *role == Role::Main) {
                    return Some(format!("rejected: {e}\n  query: {q}"));
                }
            }
        }
    }
    None
}

#[test]
fn tck_compile_time_ratchet() {
    let Some(cases) = load_cases() else { return };
    let baseline_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/syntax/tck_baseline.txt");
    let baseline: BTreeSet<String> = std::fs::read_to_string(&baseline_path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let mut passing = BTreeSet::new();
    let mut failures = Vec::new();
    let (mut reject_total, mut reject_ok, mut accept_fail) = (0, 0, 0);
    for case in &cases {
        let is_reject = matches!(case.expect, Expect::Reject(_));
        reject_total += usize::from(is_reject);
        match run(case) {
            None => {
                reject_ok += usize::from(is_reject);
                passing.insert(case.id.clone());
            }
            Some(why) => {
                if !why.starts_with("accepted") {
                    accept_fail += 1;
                }
                failures.push(format!("{}: {why}", case.id));
            }
        }
    }
    println!(
        "TCK compile-time: {} of {} cases pass; expected-to-compile failing: {accept_fail}; \
         compile-time errors detected: {reject_ok} of {reject_total}",
        passing.len(),
        cases.len()
    );
    for f in &failures {
        println!("  {f}");
    }
    if std::env::var_os("TCK_BASELINE_WRITE").is_some() {
        let text: String = passing.iter().map(|id| format!("{id}\n")).collect();
        std::fs::write(&baseline_path, text).expect("write the baseline");
    }
    let regressions: Vec<&String> = baseline.iter().filter(|id| !passing.contains(*id)).collect();
    assert!(regressions.is_empty(), "{} TCK cases of the baseline fail now: {regressions:#?}", regressions.len());
    assert!(baseline.len() > 3000, "the baseline {} lists only {} cases", baseline_path.display(), baseline.len());
}
