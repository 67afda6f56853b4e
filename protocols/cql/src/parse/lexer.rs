//! CQL tokens: case-insensitive keywords and identifiers (unquoted ones lower-cased,
//! "quoted" ones exact), string literals ('it''s' and $$...$$), numbers, hex blobs,
//! uuids, bind markers (`?`, `:name`), punctuation and comments (`--`, `//`, `/* */`).

use crate::error::{CqlError, CqlResult};

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// An unquoted identifier or keyword, lower-cased; `raw` keeps the spelling.
    Word(String),
    Quoted(String),
    Str(String),
    Integer(String),
    Float(String),
    Blob(Vec<u8>),
    Uuid([u8; 16]),
    /// `?`
    Marker,
    /// `:name`
    NamedMarker(String),
    Symbol(&'static str),
}

/// A token and where it starts (for error messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    pub token: Token,
    pub line: usize,
    pub col: usize,
}

const SYMBOLS: [&str; 21] =
    ["<=", ">=", "!=", "..", "(", ")", ",", ";", ".", "*", "=", "<", ">", "[", "]", "{", "}", ":", "+", "-", "?"];

pub fn tokenize(text: &str) -> CqlResult<Vec<Spanned>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let (mut line, mut line_start) = (1usize, 0usize);
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' {
            line += 1;
            line_start = i + 1;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let col = i - line_start;
        let start_line = line;
        let at = move |token| Spanned { token, line: start_line, col };
        let err = move |msg: &str| CqlError::syntax(format!("line {start_line}:{col} {msg}"));
        // Comments.
        if text[i..].starts_with("--") || text[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if text[i..].starts_with("/*") {
            match text[i + 2..].find("*/") {
                Some(end) => {
                    for b in &bytes[i..i + 2 + end] {
                        if *b == b'\n' {
                            line += 1;
                        }
                    }
                    i += end + 4;
                    continue;
                }
                None => return Err(err("unterminated comment")),
            }
        }
        if c == b'\'' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                match text[j..].find('\'') {
                    None => return Err(err("unterminated string literal")),
                    Some(k) => {
                        s.push_str(&text[j..j + k]);
                        j += k + 1;
                        if bytes.get(j) == Some(&b'\'') {
                            s.push('\'');
                            j += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            line += text[i..j].matches('\n').count();
            out.push(at(Token::Str(s)));
            i = j;
            continue;
        }
        if text[i..].starts_with("$$") {
            match text[i + 2..].find("$$") {
                Some(end) => {
                    out.push(at(Token::Str(text[i + 2..i + 2 + end].to_string())));
                    line += text[i..i + 2 + end].matches('\n').count();
                    i += end + 4;
                    continue;
                }
                None => return Err(err("unterminated $$ string literal")),
            }
        }
        if c == b'"' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                match text[j..].find('"') {
                    None => return Err(err("unterminated quoted identifier")),
                    Some(k) => {
                        s.push_str(&text[j..j + k]);
                        j += k + 1;
                        if bytes.get(j) == Some(&b'"') {
                            s.push('"');
                            j += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            out.push(at(Token::Quoted(s)));
            i = j;
            continue;
        }
        if let Some((uuid, len)) = uuid_at(&text[i..]) {
            out.push(at(Token::Uuid(uuid)));
            i += len;
            continue;
        }
        if (c == b'0') && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
            let mut j = i + 2;
            while j < bytes.len() && bytes[j].is_ascii_hexdigit() {
                j += 1;
            }
            let hex = &text[i + 2..j];
            if !hex.len().is_multiple_of(2) {
                return Err(err("a blob literal needs an even number of hex digits"));
            }
            let blob = (0..hex.len()).step_by(2).map(|k| u8::from_str_radix(&hex[k..k + 2], 16).unwrap_or(0)).collect();
            out.push(at(Token::Blob(blob)));
            i = j;
            continue;
        }
        if c.is_ascii_digit() {
            let mut j = i;
            let mut float = false;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            if bytes.get(j) == Some(&b'.') && bytes.get(j + 1).is_some_and(|b| b.is_ascii_digit()) {
                float = true;
                j += 1;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
            }
            if matches!(bytes.get(j), Some(b'e' | b'E')) {
                let mut k = j + 1;
                if matches!(bytes.get(k), Some(b'+' | b'-')) {
                    k += 1;
                }
                if bytes.get(k).is_some_and(|b| b.is_ascii_digit()) {
                    float = true;
                    j = k;
                    while j < bytes.len() && bytes[j].is_ascii_digit() {
                        j += 1;
                    }
                }
            }
            // A duration such as 1h30m is a word starting with a digit.
            if bytes.get(j).is_some_and(|b| b.is_ascii_alphabetic()) && !float {
                let mut k = j;
                while k < bytes.len() && bytes[k].is_ascii_alphanumeric() {
                    k += 1;
                }
                out.push(at(Token::Word(text[i..k].to_ascii_lowercase())));
                i = k;
                continue;
            }
            let s = text[i..j].to_string();
            out.push(at(if float { Token::Float(s) } else { Token::Integer(s) }));
            i = j;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let mut j = i;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            out.push(at(Token::Word(text[i..j].to_ascii_lowercase())));
            i = j;
            continue;
        }
        if c == b':' && bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'"') {
            let mut j = i + 1;
            if bytes[j] == b'"' {
                let end = text[j + 1..].find('"').ok_or_else(|| err("unterminated quoted identifier"))?;
                out.push(at(Token::NamedMarker(text[j + 1..j + 1 + end].to_string())));
                i = j + end + 2;
                continue;
            }
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            out.push(at(Token::NamedMarker(text[i + 1..j].to_ascii_lowercase())));
            i = j;
            continue;
        }
        match SYMBOLS.iter().find(|s| text[i..].starts_with(**s)) {
            Some(sym) => {
                out.push(at(if *sym == "?" { Token::Marker } else { Token::Symbol(sym) }));
                i += sym.len();
            }
            None => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(err(&format!("character '{ch}' is not valid here")));
            }
        }
    }
    Ok(out)
}

/// A uuid literal (8-4-4-4-12 hex digits) at the start of `s`.
fn uuid_at(s: &str) -> Option<([u8; 16], usize)> {
    let b = s.as_bytes();
    if b.len() < 36 || !b[..36].is_ascii() {
        return None;
    }
    let groups = [8usize, 4, 4, 4, 12];
    let mut pos = 0;
    let mut hex = String::with_capacity(32);
    for (g, len) in groups.iter().enumerate() {
        if g > 0 {
            if b[pos] != b'-' {
                return None;
            }
            pos += 1;
        }
        let part = &s[pos..pos + len];
        if !part.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        hex.push_str(part);
        pos += len;
    }
    if b.get(pos).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return None;
    }
    let mut out = [0u8; 16];
    for (k, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * k..2 * k + 2], 16).ok()?;
    }
    Some((out, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<Token> {
        tokenize(s).unwrap().into_iter().map(|t| t.token).collect()
    }

    #[test]
    fn literals_identifiers_markers_and_comments() {
        assert_eq!(
            tokens("SELECT \"Mixed\"\"x\", v FROM t -- note\nWHERE k = 'it''s' AND b = 0xCAFE AND u = 123e4567-e89b-12d3-a456-426614174000 AND n <= -1.5e3 /* c */ AND x = ? AND y = :Name"),
            [
                Token::Word("select".into()),
                Token::Quoted("Mixed\"x".into()),
                Token::Symbol(","),
                Token::Word("v".into()),
                Token::Word("from".into()),
                Token::Word("t".into()),
                Token::Word("where".into()),
                Token::Word("k".into()),
                Token::Symbol("="),
                Token::Str("it's".into()),
                Token::Word("and".into()),
                Token::Word("b".into()),
                Token::Symbol("="),
                Token::Blob(vec![0xca, 0xfe]),
                Token::Word("and".into()),
                Token::Word("u".into()),
                Token::Symbol("="),
                Token::Uuid([0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00]),
                Token::Word("and".into()),
                Token::Word("n".into()),
                Token::Symbol("<="),
                Token::Symbol("-"),
                Token::Float("1.5e3".into()),
                Token::Word("and".into()),
                Token::Word("x".into()),
                Token::Symbol("="),
                Token::Marker,
                Token::Word("and".into()),
                Token::Word("y".into()),
                Token::Symbol("="),
                Token::NamedMarker("name".into()),
            ]
        );
        assert_eq!(tokens("$$a 'b'$$ 1h30m"), [Token::Str("a 'b'".into()), Token::Word("1h30m".into())]);
    }

    #[test]
    fn unterminated_and_invalid_input_is_a_syntax_error() {
        for bad in
            ["'open", "\"open", "/* open", "$$ open", "0xABC", "a # b", "é", "1234567é-aaaa-bbbb-cccc-dddddddddddd"]
        {
            let err = tokenize(bad).unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::SyntaxError, "{bad}");
        }
    }
}
