//! Text rewrites of MySQL statements sqlparser 0.63 does not parse, applied to the
//! statement text before parsing (only the statements concerned change; everything else
//! keeps its exact text and positions):
//!
//! ```text
//! SET ..., NAMES cs [COLLATE co], ...   →  SET ..., __orbit_names = 'cs', __orbit_collate = 'co', ...
//! SET CHARACTER SET cs | SET CHARSET cs →  SET __orbit_charset = 'cs'
//! START TRANSACTION WITH CONSISTENT SNAPSHOT [, READ ONLY]  →  START TRANSACTION [READ ONLY]
//! SHOW CREATE {DATABASE|SCHEMA} [IF NOT EXISTS] d  →  SHOW __orbit_create_database [IF NOT EXISTS] d
//! SHOW TABLE STATUS ... LIKE 'p'        →  SHOW TABLE STATUS ... LIKE `p`
//! SHOW GRANTS FOR 'u'@'h'               →  SHOW GRANTS FOR `u@h`
//! SHOW {PROCEDURE|FUNCTION} STATUS ... / SHOW {TRIGGERS|EVENTS} ...  →  without the filter
//! ```
//!
//! (There are no stored routines, triggers or events: those SHOWs answer empty sets,
//! whatever their filter.)
//!
//! The session recognises the markers ([`NAMES`], [`COLLATE`], [`CHARSET`],
//! [`CREATE_DATABASE`]) in [`super::set`] and [`super::show`].

use sqlparser::dialect::MySqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::borrow::Cow;

pub const NAMES: &str = "__orbit_names";
pub const COLLATE: &str = "__orbit_collate";
pub const CHARSET: &str = "__orbit_charset";
pub const CREATE_DATABASE: &str = "__orbit_create_database";

fn mentions(sql: &str) -> bool {
    let b = sql.as_bytes();
    let has = |w: &[u8]| b.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
    has(b"names")
        || has(b"desc")
        || has(b"explain")
        || has(b"charset")
        || has(b"character")
        || has(b"consistent")
        || (has(b"show")
            && (has(b"database") || has(b"schema") || has(b"status") || has(b"grants") || has(b"triggers") || has(b"events")))
}

fn word_is(t: &Token, kw: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// A token's text value (words and strings).
fn value_of(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) => Some(w.value.clone()),
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s.clone()),
        _ => None,
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// `sql` with the rewrites above applied (borrowed when nothing applies).
pub fn prepare(sql: &str) -> Cow<'_, str> {
    if !mentions(sql) {
        return Cow::Borrowed(sql);
    }
    let Ok(tokens) = Tokenizer::new(&MySqlDialect {}, sql).tokenize_with_location() else {
        return Cow::Borrowed(sql);
    };
    // Byte offset of every token's start (and the text's end after the last one).
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(sql.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = |line: u64, col: u64| -> Option<usize> {
        let start = *line_starts.get((line as usize).checked_sub(1)?)?;
        let rest = &sql[start..];
        let chars = (col as usize).checked_sub(1)?;
        Some(start + rest.char_indices().nth(chars).map(|(i, _)| i).unwrap_or(rest.len()))
    };
    let mut starts = Vec::with_capacity(tokens.len() + 1);
    for t in &tokens {
        match offset(t.span.start.line, t.span.start.column) {
            Some(o) => starts.push(o),
            None => return Cow::Borrowed(sql),
        }
    }
    starts.push(sql.len());
    let toks: Vec<&Token> = tokens.iter().map(|t| &t.token).collect();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        // Significant tokens of one statement.
        let mut sig = Vec::new();
        let mut depth = 0i32;
        while i < toks.len() {
            match toks[i] {
                Token::SemiColon if depth == 0 => break,
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            if !matches!(toks[i], Token::Whitespace(_)) {
                sig.push(i);
            }
            i += 1;
        }
        i += 1;
        statement(&toks, &sig, &starts, &mut edits);
    }
    if edits.is_empty() {
        return Cow::Borrowed(sql);
    }
    let mut out = sql.to_string();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (from, to, text) in edits {
        out.replace_range(from..to, &text);
    }
    Cow::Owned(out)
}

fn statement(toks: &[&Token], sig: &[usize], starts: &[usize], edits: &mut Vec<(usize, usize, String)>) {
    let w = |k: usize, kw: &str| sig.get(k).is_some_and(|&t| word_is(toks[t], kw));
    // The byte range from significant token a to the end of significant token b.
    let range = |a: usize, b: usize| (starts[sig[a]], starts[sig[b] + 1]);
    if w(0, "set") {
        let mut k = 1;
        let mut depth = 0i32;
        let mut item_start = true;
        while k < sig.len() {
            let t = toks[sig[k]];
            if item_start && depth == 0 {
                if word_is(t, "names") && k + 1 < sig.len() {
                    let cs = value_of(toks[sig[k + 1]]).unwrap_or_default();
                    let mut text = format!("{NAMES} = {}", quote(&cs));
                    let mut last = k + 1;
                    if w(k + 2, "collate") && k + 3 < sig.len() {
                        let co = value_of(toks[sig[k + 3]]).unwrap_or_default();
                        text.push_str(&format!(", {COLLATE} = {}", quote(&co)));
                        last = k + 3;
                    }
                    let (a, b) = range(k, last);
                    edits.push((a, b, text));
                    k = last + 1;
                    item_start = false;
                    continue;
                }
                let charset_words = if word_is(t, "charset") {
                    Some(1)
                } else if word_is(t, "character") && w(k + 1, "set") {
                    Some(2)
                } else {
                    None
                };
                if let Some(n) = charset_words {
                    if k + n < sig.len() {
                        let cs = value_of(toks[sig[k + n]]).unwrap_or_default();
                        let (a, b) = range(k, k + n);
                        edits.push((a, b, format!("{CHARSET} = {}", quote(&cs))));
                        k += n + 1;
                        item_start = false;
                        continue;
                    }
                }
            }
            item_start = false;
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                Token::Comma if depth == 0 => item_start = true,
                _ => {}
            }
            k += 1;
        }
    } else if (w(0, "desc") || w(0, "describe") || w(0, "explain")) && (sig.len() == 3 || sig.len() == 5) {
        // DESCRIBE t col (col a LIKE pattern) → SHOW COLUMNS FROM t LIKE 'col'.
        let last = sig.len() - 1;
        let qualified = sig.len() == 5 && matches!(toks[sig[2]], Token::Period);
        let statement_word = ["select", "insert", "update", "delete", "replace", "with", "table", "values", "format", "analyze", "extended", "partitions", "for"]
            .iter()
            .any(|kw| w(1, kw));
        let table_ok = matches!(toks[sig[1]], Token::Word(_))
            && !statement_word
            && (sig.len() == 3 || (qualified && matches!(toks[sig[3]], Token::Word(_))));
        let column = match toks[sig[last]] {
            Token::Word(_) | Token::SingleQuotedString(_) | Token::DoubleQuotedString(_) => value_of(toks[sig[last]]),
            _ => None,
        };
        if let (true, Some(col)) = (table_ok, column) {
            let (a, _) = range(0, 0);
            let (t0, t1) = (starts[sig[1]], starts[sig[last - 1] + 1]);
            let (_, b) = range(last, last);
            edits.push((a, t0, "SHOW COLUMNS FROM ".into()));
            edits.push((t1, b, format!(" LIKE {}", quote(&col))));
        }
    } else if w(0, "start") && w(1, "transaction") {
        let mut k = 2;
        while k + 2 < sig.len() {
            if w(k, "with") && w(k + 1, "consistent") && w(k + 2, "snapshot") {
                let (mut a, mut b) = range(k, k + 2);
                if matches!(sig.get(k + 3).map(|&t| toks[t]), Some(Token::Comma)) {
                    b = starts[sig[k + 3] + 1];
                } else if k > 2 && matches!(toks[sig[k - 1]], Token::Comma) {
                    a = starts[sig[k - 1]];
                }
                edits.push((a, b, String::new()));
                break;
            }
            k += 1;
        }
    } else if w(0, "show") {
        let keep = if (w(1, "procedure") || w(1, "function")) && w(2, "status") {
            3
        } else if w(1, "triggers") || w(1, "events") {
            2
        } else {
            0
        };
        if keep > 0 && sig.len() > keep {
            let (a, b) = (starts[sig[keep]], starts[sig[sig.len() - 1] + 1]);
            edits.push((a, b, String::new()));
        } else if w(1, "create") && (w(2, "database") || w(2, "schema")) {
            let (a, b) = range(1, 2);
            edits.push((a, b, CREATE_DATABASE.to_string()));
        } else if w(1, "table") && w(2, "status") {
            for &t in &sig[3..] {
                if let Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) = toks[t] {
                    edits.push((starts[t], starts[t + 1], format!("`{}`", s.replace('`', "``"))));
                }
            }
        } else if w(1, "grants") && w(2, "for") && sig.len() > 3 {
            let user: String =
                sig[3..].iter().filter_map(|&t| value_of(toks[t]).or_else(|| matches!(toks[t], Token::AtSign).then(|| "@".into()))).collect();
            let user = user.trim_end_matches("()").to_string();
            let (a, b) = range(3, sig.len() - 1);
            edits.push((a, b, format!("`{}`", user.replace('`', "``"))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::prepare;

    #[test]
    fn rewrites() {
        assert_eq!(
            prepare("SET sql_mode=(SELECT CONCAT(@@sql_mode, ',X')),time_zone='+00:00',NAMES utf8mb4 COLLATE utf8mb4_unicode_ci"),
            "SET sql_mode=(SELECT CONCAT(@@sql_mode, ',X')),time_zone='+00:00',__orbit_names = 'utf8mb4', __orbit_collate = 'utf8mb4_unicode_ci'"
        );
        assert_eq!(prepare("SET CHARACTER SET utf8"), "SET __orbit_charset = 'utf8'");
        assert_eq!(prepare("set names 'utf8mb4'; select 1"), "set __orbit_names = 'utf8mb4'; select 1");
        assert_eq!(prepare("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"), "START TRANSACTION  READ ONLY");
        assert_eq!(prepare("SHOW CREATE DATABASE d"), "SHOW __orbit_create_database d");
        assert_eq!(prepare("SHOW TABLE STATUS LIKE 't%'"), "SHOW TABLE STATUS LIKE `t%`");
        assert_eq!(prepare("SELECT 'names'"), "SELECT 'names'");
        assert_eq!(prepare("DESC people name"), "SHOW COLUMNS FROM people LIKE 'name'");
        assert_eq!(prepare("DESCRIBE d.t `c`"), "SHOW COLUMNS FROM d.t LIKE 'c'");
        assert_eq!(prepare("EXPLAIN SELECT x"), "EXPLAIN SELECT x");
        assert_eq!(prepare("DESC t"), "DESC t");
        assert_eq!(prepare("SHOW PROCEDURE STATUS WHERE Db = 'x'"), "SHOW PROCEDURE STATUS ");
    }
}
