//! The text of each select item as written, for MySQL's result column names: the tokens
//! of the select list are split at top-level commas, so an item's name covers its whole
//! text (`-7 DIV 2`, `NOT b`, `3 IN (1, 2)`), whatever span sqlparser gives its expression.

use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// Modifiers that may follow SELECT before the first item.
const MODIFIERS: &[&str] = &[
    "ALL", "DISTINCT", "DISTINCTROW", "HIGH_PRIORITY", "STRAIGHT_JOIN", "SQL_SMALL_RESULT", "SQL_BIG_RESULT",
    "SQL_BUFFER_RESULT", "SQL_NO_CACHE", "SQL_CACHE", "SQL_CALC_FOUND_ROWS",
];

/// Keywords that end the select list.
const ENDS: &[&str] = &[
    "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "INTO", "UNION", "EXCEPT", "INTERSECT", "WINDOW", "FOR", "LOCK",
];

fn word_is(t: &Token, list: &[&str]) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && list.iter().any(|k| w.value.eq_ignore_ascii_case(k)))
}

/// The text of every item of the select list whose SELECT keyword starts at `select`,
/// or `None` when the statement text cannot be read that way.
pub fn item_texts(sql: &str, select: Location) -> Option<Vec<String>> {
    if select.line == 0 {
        return None;
    }
    let tokens = Tokenizer::new(crate::Dialect::MySql.parser(), sql).tokenize_with_location().ok()?;
    let mut i = tokens.iter().position(|t| t.span.start == select)? + 1;
    let significant = |i: usize| tokens.get(i).is_some_and(|t| !matches!(t.token, Token::Whitespace(_)));
    let skip_ws = |mut i: usize| {
        while i < tokens.len() && !significant(i) {
            i += 1;
        }
        i
    };
    i = skip_ws(i);
    while i < tokens.len() && word_is(&tokens[i].token, MODIFIERS) {
        i = skip_ws(i + 1);
    }
    let lines: Vec<Vec<char>> = sql.split('\n').map(|l| l.chars().collect()).collect();
    let mut items = Vec::new();
    let mut depth = 0i64;
    let mut first: Option<&TokenWithSpan> = None;
    let mut last: Option<&TokenWithSpan> = None;
    let mut flush = |first: &mut Option<&TokenWithSpan>, last: &mut Option<&TokenWithSpan>| -> Option<()> {
        let (a, b) = (first.take()?, last.take()?);
        items.push(text_between(&lines, a.span.start, b.span.end)?);
        Some(())
    };
    while i < tokens.len() {
        let t = &tokens[i];
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen if depth == 0 => break,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                flush(&mut first, &mut last)?;
                i += 1;
                continue;
            }
            Token::SemiColon | Token::EOF if depth == 0 => break,
            tok if depth == 0 && word_is(tok, ENDS) => break,
            _ => {}
        }
        if significant(i) {
            first.get_or_insert(t);
            last = Some(t);
        }
        i += 1;
    }
    flush(&mut first, &mut last)?;
    Some(items)
}

fn text_between(lines: &[Vec<char>], from: Location, to: Location) -> Option<String> {
    if from.line == 0 || to.line < from.line {
        return None;
    }
    let mut out = String::new();
    for l in from.line..=to.line {
        let line = lines.get(l as usize - 1)?;
        let a = if l == from.line { from.column as usize - 1 } else { 0 };
        let b = if l == to.line { (to.column as usize - 1).min(line.len()) } else { line.len() };
        if a > b {
            return None;
        }
        if l != from.line {
            out.push('\n');
        }
        out.extend(&line[a..b]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_as_written() {
        let sql = "SELECT DISTINCT -7 DIV 2, NOT b, 3 IN (1, 2), b IS TRUE FROM t";
        let got = item_texts(sql, Location { line: 1, column: 1 }).unwrap();
        assert_eq!(got, vec!["-7 DIV 2", "NOT b", "3 IN (1, 2)", "b IS TRUE"]);
    }
}
