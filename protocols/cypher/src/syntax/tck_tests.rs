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

/// Nothing a client sends may panic the parser or the checker: every TCK query cut short
/// at many points, and with a character dropped or a stray one inserted, either parses or
/// fails with an error.
#[test]
fn mangled_tck_queries_never_panic() {
    let Some(cases) = load_cases() else { return };
    let strays = ['(', ')', '[', ']', '{', '}', '\'', '"', '`', '-', '<', '>', ':', '|', '$', '.', '*', '/', '\\', 'é'];
    let mut runs = 0usize;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for case in cases.iter().step_by(3) {
        for (_, q) in &case.queries {
            let bounds: Vec<usize> = q.char_indices().map(|(i, _)| i).chain([q.len()]).collect();
            for (k, &cut) in bounds.iter().enumerate().step_by(5) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let stray = strays[(seed >> 33) as usize % strays.len()];
                let next = bounds.get(k + 1).copied().unwrap_or(q.len());
                let variants = [
                    q[..cut].to_string(),
                    format!("{}{}", &q[..cut], &q[next..]),
                    format!("{}{stray}{}", &q[..cut], &q[cut..]),
                ];
                for v in variants {
                    if let Ok(st) = super::parse(&v) {
                        let _ = crate::semantic::check(&st);
                    }
                    runs += 1;
                }
            }
        }
    }
    println!("{runs} mangled queries parsed or refused without a panic");
    assert!(runs > 10_000);
}

/// The deepest nesting the parser admits, of every nesting construct, parses and checks
/// on a thread with a 2 MiB stack (a tokio worker's).
#[test]
fn deepest_admitted_nesting_fits_a_worker_stack() {
    let d = super::MAX_DEPTH / 2 - 2;
    let nest = |open: &str, inner: &str, close: &str| format!("RETURN {}{inner}{}", open.repeat(d), close.repeat(d));
    let queries = vec![
        nest("(", "1", ")"),
        nest("[", "1", "]"),
        nest("{a: ", "1", "}"),
        nest("abs(", "1", ")"),
        nest("CASE WHEN true THEN ", "1", " END"),
        nest("[x IN [1] | ", "x", "]"),
        nest("NOT ", "true", ""),
        nest("-", "1", ""),
        nest("", "1", " + 1"),
        nest("EXISTS { MATCH (n) WHERE ", "true", " }"),
        format!("RETURN 1{}", ".a".repeat(d)),
        format!("RETURN 1 < {}", "1 < ".repeat(d / 2)) + "2",
        format!("MATCH (n:{}) RETURN n", vec!["!"; d].join("") + "A"),
        format!("{}RETURN 1", "EXPLAIN ".repeat(d)),
    ];
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for q in &queries {
                let st = super::parse(q).unwrap_or_else(|e| panic!("{}: {}", &q[..q.len().min(60)], e.message));
                let _ = crate::semantic::check(&st);
            }
        })
        .expect("spawn");
    assert!(h.join().is_ok(), "a deeply nested query overflowed a 2 MiB stack");
}
