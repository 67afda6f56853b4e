//! Errors: ArangoDB's messages and positions, the empty query, nesting bounds, and
//! input that must error without panicking.

use crate::error::num;

fn err(text: &str) -> crate::error::AqlError {
    match super::super::parse(text) {
        Ok(q) => panic!("{text:?} parsed: {q:?}"),
        Err(e) => e,
    }
}

#[test]
fn syntax_error_quotes_the_text_from_the_offending_token() {
    // recorded from ArangoDB 3.12 (RestQueryInvalid)
    let e = err("FOR i IN 1..100 FILTER i = 1 LIMIT 2 RETURN i * 3");
    assert_eq!((e.num, e.status), (1501, 400));
    assert_eq!(e.message, "syntax error, unexpected assignment near '= 1 LIMIT 2 RETURN i * 3' at position 1:26");
}

#[test]
fn end_of_query_is_reported_at_the_last_lexeme() {
    // as ArangoDB reported it for a query ending in a blank line of 16 spaces
    let e = err("FOR x IN y\n\n\n\n\n                ");
    assert_eq!(e.message, "syntax error, unexpected end of query string near '                ' at position 6:1");
}

#[test]
fn messages_arangodb_users_reported() {
    // arangojs issue 717: the `IN` of INSERT read as the operator because `-js` goes on
    let text = "\n    FOR i IN 1..10\n        INSERT {\n            LaTeX: CONCAT(\"A_\", i),\n            _key: i\n        } IN mynodes-js";
    assert_eq!(err(text).message, "syntax error, unexpected end of query string near 'js' at position 6:22");
    // arangodb issue 964: a no-break space, a byte the parser takes for the end
    let text =
        "for edge in edges filter edge._from ==\u{a0}@from && edge._to == @to update edge with @newEdge in edges";
    assert_eq!(
        err(text).message,
        "syntax error, unexpected end of query string near '\u{a0}@from && edge._to == @to updat...' at position 1:39"
    );
    // arangodb issue 5992: a traversal with OPTIONS and no RETURN
    let text = "WITH a,b FOR v,e,p IN 1..50 OUTBOUND 'pmconfig/31165912' pm_content OPTIONS {uniqueVertices:\"global\",bfs:true}";
    let e = err(text);
    assert!(e.message.starts_with("syntax error, unexpected end of query string near '}' at position 1:"), "{e}");
    // arangodb issue 982: a function call where the collection of UPDATE belongs
    let text = "for edge in ns::edges::f(@m, @s) update edge with {\"value\": @v} in ns::edges::f(@m, @s)";
    let e = err(text);
    assert!(e.message.starts_with("syntax error, unexpected end of query string near ')' at position 1:"), "{e}");
}

#[test]
fn unterminated_strings_names_and_comments() {
    let cases = [
        ("RETURN 'abc", "unexpected unterminated string literal near 'c' at position 1:11"),
        ("RETURN \"", "unexpected unterminated string literal near '\"' at position 1:8"),
        ("RETURN `abc", "unexpected unterminated identifier near 'c' at position 1:11"),
        (
            "RETURN 1 /* never closed",
            "unexpected unterminated multi-line comment near ' never closed' at position 1:12",
        ),
    ];
    for (text, message) in cases {
        let e = err(text);
        assert_eq!((e.num, e.message.as_str()), (num::QUERY_PARSE, message), "{text}");
    }
}

#[test]
fn long_regions_are_cut_at_32_bytes() {
    let e = err("RETURN = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10");
    assert_eq!(
        e.message,
        "syntax error, unexpected assignment near '= 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 ...' at position 1:8"
    );
}

#[test]
fn token_names_in_messages() {
    let cases = [
        ("RETURN foo bar", "unexpected identifier near 'bar' at position 1:12"),
        ("FOR x IN y FILTER RETURN x", "unexpected RETURN declaration near 'RETURN x' at position 1:19"),
        ("RETURN 'a' 'b'", "unexpected quoted string near ''b'' at position 1:12"),
        ("RETURN 1 2", "unexpected integer number near '2' at position 1:10"),
        ("RETURN (1", "unexpected end of query string near '1' at position 1:9"),
        ("RETURN #", "unexpected invalid token near '#' at position 1:8"),
        ("RETURN 1\nRETURN 2", "unexpected RETURN declaration near 'RETURN 2' at position 2:1"),
        ("LET x = 1", "unexpected end of query string near '1' at position 1:9"),
    ];
    for (text, tail) in cases {
        let e = err(text);
        assert_eq!(e.num, num::QUERY_PARSE, "{text}");
        assert_eq!(e.message, format!("syntax error, {tail}"), "{text}");
    }
}

#[test]
fn expected_token_where_only_one_fits() {
    // where ArangoDB's grammar admits one token only, bison names it
    let cases = [
        ("LET x 1 RETURN x", "unexpected integer number, expecting assignment near '1 RETURN x' at position 1:7"),
        ("FOR a IN b COLLECT WITH COUNT n", "unexpected identifier, expecting INTO keyword near 'n' at position 1:31"),
        (
            "UPSERT {} UPDATE {} IN c",
            "unexpected UPDATE command, expecting INSERT command near 'UPDATE {} IN c' at position 1:11",
        ),
    ];
    for (text, tail) in cases {
        assert_eq!(err(text).message, format!("syntax error, {tail}"), "{text}");
    }
}

#[test]
fn grammar_rules_arangodb_checks_in_the_parser() {
    let cases = [
        ("RETURN DISTINCT 1", "cannot use DISTINCT modifier on top-level query element"),
        ("FOR a, b IN [1] RETURN a", "Collections and views FOR loops only allow a single return variable"),
        ("FOR a, b, c, d IN 1 OUTBOUND 'x' e RETURN a", "Traversals only have one, two or three return variables"),
        ("FOR a, b IN ANY K_PATHS 'x' TO 'y' e RETURN a", "K_PATHS only has one return variable"),
        ("FOR a IN [1] FOO {} RETURN a", "unexpected qualifier 'FOO', expecting 'SEARCH' or 'OPTIONS'"),
        ("FOR a IN [1] OPTIONS 1 RETURN a", "'OPTIONS' have to be an object"),
        ("FOR a IN [1] SEARCH a == 1 RETURN a", "SEARCH condition used on non-view"),
        ("FOR a IN c COLLECT x = a KEEP a RETURN x", "use of 'KEEP' without 'INTO'"),
        ("FOR a IN c COLLECT WITH FOO INTO n RETURN n", "unexpected qualifier 'FOO', expecting 'COUNT'"),
        ("FOR a IN c WINDOW {} AGGREGATE s = SUM(a) RETURN s", "At least one WINDOW bound must be specified"),
        ("FOR a IN c WINDOW { x: 1 } AGGREGATE s = SUM(a) RETURN s", "Invalid WINDOW attribute 'x'"),
        (
            "FOR v IN 1 OUTBOUND 'a/1' e PRUNE LENGTH(FOR x IN v RETURN x) > 0 RETURN v",
            "PRUNE condition must not use a subquery",
        ),
    ];
    for (text, start) in cases {
        let e = err(text);
        assert_eq!(e.num, num::QUERY_PARSE, "{text}: {e}");
        assert!(e.message.starts_with(start), "{text}: {}", e.message);
        assert!(e.message.contains(" at position 1:"), "{text}: {}", e.message);
    }
    let e = err("FOR a IN c COLLECT AGGREGATE s = 1 RETURN s");
    assert_eq!(e.num, 1574);
}

#[test]
fn what_orbit_leaves_out_is_named() {
    for (text, what) in [
        ("WITH @c FOR x IN c RETURN x", "bind parameters in WITH"),
        ("FOR x IN c SORT x @dir RETURN x", "SORT direction"),
        ("FOR v IN OUTBOUND 'a/1' @edges RETURN v", "edge collection"),
    ] {
        let e = err(text);
        assert_eq!((e.num, e.status), (num::NOT_IMPLEMENTED, 501), "{text}");
        assert!(e.message.contains(what), "{text}: {}", e.message);
    }
}

#[test]
fn empty_query_is_1502() {
    let e = err("");
    assert_eq!((e.num, e.status, e.message.as_str()), (1502, 400, "query is empty"));
}

#[test]
fn nesting_is_bounded() {
    let ok = format!("RETURN {}1{}", "(".repeat(100), ")".repeat(100));
    super::parse_ok(&ok);
    let arrays = format!("RETURN {}1{}", "[".repeat(100), "]".repeat(100));
    super::parse_ok(&arrays);
    for deep in [
        format!("RETURN {}1{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("RETURN {}", "[".repeat(100_000)),
        format!("RETURN {}1", "-".repeat(100_000)),
        format!("RETURN 1{}", " + 1".repeat(100_000)),
        format!("RETURN a{}", ".b".repeat(100_000)),
        format!("RETURN {}1", "(RETURN ".repeat(10_000)),
        format!("RETURN {}", "{a:".repeat(50_000)),
    ] {
        assert_eq!(err(&deep).num, 1524);
    }
    // the deepest text parsed on the caller's stack, with every operator level in each
    // bracket, fits a 2 MiB test thread also in a debug build
    let level = "(RETURN a ? b : c || d && e ALL == f == g IN h < i .. j + k * -(";
    let inline = format!("RETURN {}1{}", level.repeat(4), "))".repeat(4));
    assert_eq!(super::super::nesting_bound(&super::super::lexer::tokenize(&inline)), super::super::INLINE_DEPTH);
    super::parse_ok(&inline);
    // long AND/OR chains are not nesting
    let ors = format!("RETURN 1{}", " OR 1".repeat(10_000));
    super::parse_ok(&ors);
}

#[test]
fn unterminated_input_errors() {
    for text in ["RETURN \"abc\\", "RETURN @", "RETURN @@", "RETURN ´abc"] {
        assert_eq!(err(text).num, num::QUERY_PARSE, "{text}");
    }
}

#[test]
fn every_prefix_of_every_documented_query_parses_or_errors() {
    let path = format!("{}/../../../shared/arangodb-examples/aql-examples.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("examples");
    let examples: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut errors = 0;
    for ex in examples.as_array().into_iter().flatten() {
        let q = ex["query"].as_str().unwrap_or("");
        for (i, _) in q.char_indices() {
            if super::super::parse(&q[..i]).is_err() {
                errors += 1;
            }
        }
    }
    assert!(errors > 1000);
}

#[test]
fn garbage_never_panics() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let alphabet: Vec<char> =
        "FOR IN RETURN FILTER LET()[]{}.,:?*@@'\"`´\\/+-=!<>&|%~0x1e.5 \n\tαβ\u{1F600}".chars().collect();
    for _ in 0..20_000 {
        let len = (seed % 40) as usize;
        let mut s = String::new();
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        let _ = super::super::parse(&s);
    }
}
