//! The parser against every query of the openCypher TCK: every query the TCK expects to
//! compile (setup queries, queries of scenarios with no error or a runtime error) parses.
//! Queries expected to fail at compile time are counted here and asserted, together with
//! semantic analysis, by the ratchet in `semantic::tck_tests`.

use super::tck::{load_cases, Expect, Role};

#[test]
fn tck_queries_expected_to_compile_all_parse() {
    let Some(cases) = load_cases() else { return };
    let mut parsed = 0;
    let mut failing = Vec::new();
    let mut rejected_by_parser = 0;
    let mut must_reject = 0;
    for case in &cases {
        for (i, (role, q)) in case.queries.iter().enumerate() {
            let is_last_main = *role == Role::Main && case.queries[i + 1..].iter().all(|(r, _)| *r != Role::Main);
            let must_accept = *role == Role::Setup || !matches!(case.expect, Expect::Reject(_)) || !is_last_main;
            let r = super::parse(q);
            if must_accept && case.expect != Expect::Either || *role == Role::Setup {
                match r {
                    Ok(_) => parsed += 1,
                    Err(e) => failing.push(format!("{}\n  query: {q}\n  error: {}", case.id, e.message)),
                }
            } else if matches!(case.expect, Expect::Reject(_)) && is_last_main {
                must_reject += 1;
                if r.is_err() {
                    rejected_by_parser += 1;
                }
            }
        }
    }
    println!(
        "TCK parse: {} cases; {parsed} queries expected to compile parse, {} fail to parse; \
         {rejected_by_parser} of {must_reject} compile-time-error queries already rejected by the parser",
        cases.len(),
        failing.len()
    );
    for f in failing.iter().take(60) {
        println!("{f}");
    }
    assert!(cases.len() > 3000, "only {} TCK cases were read", cases.len());
    assert!(failing.is_empty(), "{} TCK queries that must compile do not parse", failing.len());
}
