//! AQL text to tokens, as ArangoDB's scanner cuts it: case-insensitive keywords,
//! identifiers (also in backticks and forward ticks ´), '…'/"…" strings with escapes,
//! numbers (integers, doubles, `.5`, hex `0x`, binary `0b`), `@x` / `@@x` bind
//! parameters, `//` and `/* */` comments, `NOT IN` and `AT LEAST` as one token each.
//! Every token keeps its byte offset and 1-based line and 0-based byte column: parse
//! errors quote the text from there.

use super::token::{Kw, Tok, Token};

/// The whole text as tokens, ending with [`Tok::End`]. Never fails: what the scanner
/// cannot read becomes [`Tok::Invalid`], [`Tok::NonAscii`] or [`Tok::Unterminated`] for the
/// parser to report.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut lx = Lexer { src: text.as_bytes(), text, pos: 0, line: 1, line_start: 0, last: (0, 1, 0), inner: None };
    let mut out = Vec::new();
    loop {
        let tok = lx.next_token();
        let end = matches!(tok.tok, Tok::End);
        out.push(tok);
        if end {
            return out;
        }
    }
}

struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
    /// Where the last lexeme (also whitespace or a comment) began: the end of the text
    /// is reported there, as ArangoDB does.
    last: (usize, u32, u32),
    inner: Option<(usize, u32, u32)>,
}

impl<'a> Lexer<'a> {
    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn tail(&self, from: usize) -> &'a [u8] {
        self.src.get(from..).unwrap_or(&[])
    }

    /// The text between two byte offsets (empty if they are no char boundaries).
    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or("")
    }

    fn column(&self) -> u32 {
        (self.pos - self.line_start) as u32
    }

    fn mark(&mut self) {
        self.last = (self.pos, self.line, self.column());
    }

    fn newline(&mut self) {
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }

    /// Where the last lexeme inside an unterminated string, name or comment began: an
    /// unterminated one is reported there, as ArangoDB's scanner does.
    fn mark_inner(&mut self) {
        self.inner = Some((self.pos, self.line, self.column()));
    }

    /// Skips whitespace and comments; false when a `/*` comment runs to the end.
    fn skip_trivia(&mut self) -> bool {
        loop {
            match self.peek(0) {
                b' ' | b'\t' | b'\r' => {
                    self.mark();
                    while matches!(self.peek(0), b' ' | b'\t' | b'\r') {
                        self.pos += 1;
                    }
                }
                b'\n' => {
                    self.mark();
                    self.newline();
                }
                b'/' if self.peek(1) == b'/' => {
                    self.mark();
                    while self.pos < self.src.len() && self.peek(0) != b'\n' {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == b'*' => {
                    self.mark();
                    self.mark_inner();
                    self.pos += 2;
                    loop {
                        if self.pos >= self.src.len() {
                            return false;
                        }
                        match self.peek(0) {
                            b'*' if self.peek(1) == b'/' => {
                                self.pos += 2;
                                break;
                            }
                            b'*' => {
                                self.mark_inner();
                                self.pos += 1;
                            }
                            b'\n' => {
                                self.mark_inner();
                                self.newline();
                            }
                            _ => {
                                self.mark_inner();
                                while self.pos < self.src.len() && !matches!(self.peek(0), b'*' | b'\n') {
                                    self.pos += 1;
                                }
                            }
                        }
                    }
                }
                _ => return true,
            }
        }
    }

    fn next_token(&mut self) -> Token {
        self.inner = None;
        if !self.skip_trivia() {
            let (offset, line, column) = self.inner.unwrap_or(self.last);
            let tok = Tok::Unterminated("unexpected unterminated multi-line comment");
            return Token { tok, offset, end: offset, line, column };
        }
        if self.pos >= self.src.len() {
            let (offset, line, column) = self.last;
            return Token { tok: Tok::End, offset, end: offset, line, column };
        }
        self.mark();
        self.inner = None;
        let (offset, line, column) = (self.pos, self.line, self.column());
        let tok = self.scan();
        if let (Tok::Unterminated(_), Some((offset, line, column))) = (&tok, self.inner) {
            return Token { tok, offset, end: offset, line, column };
        }
        Token { tok, offset, end: self.pos, line, column }
    }

    fn scan(&mut self) -> Tok {
        let c = self.peek(0);
        let two = |a: u8, b: u8| c == a && self.peek(1) == b;
        let (tok, len) = if two(b'=', b'~') {
            (Tok::RegexMatch, 2)
        } else if two(b'!', b'~') {
            (Tok::RegexNotMatch, 2)
        } else if two(b'=', b'=') {
            (Tok::Eq, 2)
        } else if two(b'!', b'=') {
            (Tok::Ne, 2)
        } else if two(b'>', b'=') {
            (Tok::Ge, 2)
        } else if two(b'<', b'=') {
            (Tok::Le, 2)
        } else if two(b'&', b'&') {
            (Tok::And, 2)
        } else if two(b'|', b'|') {
            (Tok::Or, 2)
        } else if two(b':', b':') {
            (Tok::Scope, 2)
        } else if two(b'.', b'.') {
            (Tok::Range, 2)
        } else if c == b'.' && self.peek(1).is_ascii_digit() {
            return self.number();
        } else {
            let single = match c {
                b'>' => Tok::Gt,
                b'<' => Tok::Lt,
                b'=' => Tok::Assign,
                b'!' => Tok::Not,
                b'+' => Tok::Plus,
                b'-' => Tok::Minus,
                b'*' => Tok::Star,
                b'/' => Tok::Slash,
                b'%' => Tok::Percent,
                b'?' => Tok::Question,
                b':' => Tok::Colon,
                b'.' => Tok::Dot,
                b',' => Tok::Comma,
                b'(' => Tok::LParen,
                b')' => Tok::RParen,
                b'{' => Tok::LBrace,
                b'}' => Tok::RBrace,
                b'[' => Tok::LBracket,
                b']' => Tok::RBracket,
                b'\'' | b'"' => return self.string(c),
                b'`' => return self.quoted_identifier("`"),
                b'@' => return self.bind_parameter(),
                b'0'..=b'9' => return self.number(),
                b'$' | b'_' | b'a'..=b'z' | b'A'..=b'Z' => return self.word(),
                _ if self.slice(self.pos, self.src.len()).starts_with('´') => return self.quoted_identifier("´"),
                _ => {
                    let width = self.slice(self.pos, self.src.len()).chars().next().map_or(1, char::len_utf8);
                    self.pos += width;
                    return if c.is_ascii() { Tok::Invalid } else { Tok::NonAscii };
                }
            };
            (single, 1)
        };
        self.pos += len;
        tok
    }

    fn ident_len(&self, from: usize) -> usize {
        let rest = self.tail(from);
        rest.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count()
    }

    /// `$?[a-zA-Z][_a-zA-Z0-9]*` or `_+[a-zA-Z]+[_a-zA-Z0-9]*`, then keywords.
    fn word(&mut self) -> Tok {
        let start = self.pos;
        let mut p = self.pos;
        if self.peek(0) == b'$' {
            p += 1;
            if !self.src.get(p).is_some_and(u8::is_ascii_alphabetic) {
                self.pos = p;
                return Tok::Invalid;
            }
        } else if self.peek(0) == b'_' {
            while self.src.get(p) == Some(&b'_') {
                p += 1;
            }
            if !self.src.get(p).is_some_and(u8::is_ascii_alphabetic) {
                self.pos = p;
                return Tok::Invalid;
            }
        }
        p += self.ident_len(p);
        self.pos = p;
        let word = self.slice(start, p);
        match Kw::from_word(word) {
            Some(Kw::Not) => self.after_not(),
            Some(Kw::And) => Tok::And,
            Some(Kw::Or) => Tok::Or,
            Some(kw) => Tok::Kw(kw),
            None if word.eq_ignore_ascii_case("AT") => self.after_at(word),
            None => Tok::Ident(word.to_string()),
        }
    }

    /// Whitespace (no comments) from `pos`, and whether `word` follows it as a whole word.
    fn followed_by_word(&self, word: &str) -> Option<usize> {
        let rest = self.tail(self.pos);
        let ws = rest.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')).count();
        let start = self.pos + ws;
        let len = self.ident_len(start);
        let candidate = self.text.get(start..start + len)?;
        (candidate.eq_ignore_ascii_case(word)).then_some(ws + len)
    }

    fn skip_counting_lines(&mut self, len: usize) {
        let end = self.pos + len;
        while self.pos < end {
            if self.peek(0) == b'\n' {
                self.newline();
            } else {
                self.pos += 1;
            }
        }
    }

    fn after_not(&mut self) -> Tok {
        match self.followed_by_word("IN") {
            Some(len) => {
                self.skip_counting_lines(len);
                Tok::NotIn
            }
            None => Tok::Not,
        }
    }

    fn after_at(&mut self, word: &str) -> Tok {
        let rest = self.tail(self.pos);
        let has_space = rest.first().is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        match self.followed_by_word("LEAST") {
            Some(len) if has_space => {
                self.skip_counting_lines(len);
                Tok::AtLeast
            }
            _ => Tok::Ident(word.to_string()),
        }
    }

    /// `@name` or `@@name`: `(_+[a-zA-Z0-9]+[a-zA-Z0-9_]*|[a-zA-Z0-9][a-zA-Z0-9_]*)`.
    fn bind_parameter(&mut self) -> Tok {
        let mut p = self.pos + 1;
        let collection = self.src.get(p) == Some(&b'@');
        if collection {
            p += 1;
        }
        let start = p;
        while self.src.get(p) == Some(&b'_') {
            p += 1;
        }
        if !self.src.get(p).is_some_and(u8::is_ascii_alphanumeric) {
            self.pos = p.max(self.pos + 1);
            return Tok::Invalid;
        }
        p += self.ident_len(p);
        self.pos = p;
        let name = self.slice(start, p).to_string();
        if collection {
            Tok::CollectionParam(name)
        } else {
            Tok::Param(name)
        }
    }

    fn number(&mut self) -> Tok {
        let start = self.pos;
        let c1 = self.peek(1);
        if self.peek(0) == b'0' && matches!(c1, b'x' | b'X' | b'b' | b'B') {
            let radix = if matches!(c1, b'x' | b'X') { 16 } else { 2 };
            let digits = self.tail(start + 2).iter().take_while(|b| (**b as char).is_digit(radix)).count();
            if digits > 0 {
                self.pos = start + 2 + digits;
                return radix_number(self.slice(start + 2, self.pos), radix);
            }
        }
        let int_digits =
            if self.peek(0) == b'0' { 1 } else { self.tail(start).iter().take_while(|b| b.is_ascii_digit()).count() };
        let mut p = start + int_digits;
        let mut is_double = false;
        if self.src.get(p) == Some(&b'.') && self.src.get(p + 1).is_some_and(u8::is_ascii_digit) {
            p += 1;
            p += self.tail(p).iter().take_while(|b| b.is_ascii_digit()).count();
            is_double = true;
        }
        if matches!(self.src.get(p), Some(b'e' | b'E')) {
            let mut q = p + 1;
            if matches!(self.src.get(q), Some(b'+' | b'-')) {
                q += 1;
            }
            let exp = self.tail(q).iter().take_while(|b| b.is_ascii_digit()).count();
            if exp > 0 {
                p = q + exp;
                is_double = true;
            }
        }
        self.pos = p;
        let text = self.slice(start, p);
        if !is_double {
            if let Ok(i) = text.parse::<i64>() {
                return Tok::Int(i);
            }
        }
        match text.parse::<f64>() {
            Ok(d) if d.is_finite() => Tok::Double(d),
            _ => Tok::OutOfRange,
        }
    }

    fn string(&mut self, quote: u8) -> Tok {
        match self.delimited(quote as char) {
            Some(s) => Tok::Str(s),
            None => Tok::Unterminated("unexpected unterminated string literal"),
        }
    }

    fn quoted_identifier(&mut self, tick: &str) -> Tok {
        let Some(c) = tick.chars().next() else { return Tok::Invalid };
        match self.delimited(c) {
            Some(s) => Tok::QuotedIdent(s),
            None => Tok::Unterminated("unexpected unterminated identifier"),
        }
    }

    /// The text up to the closing `close` with escapes resolved; None when it runs
    /// to the end of the query.
    fn delimited(&mut self, close: char) -> Option<String> {
        self.pos += close.len_utf8();
        let mut out = String::new();
        loop {
            let rest = self.text.get(self.pos..)?;
            let mut chars = rest.chars();
            let c = chars.next()?;
            if c == close {
                self.pos += c.len_utf8();
                return Some(out);
            }
            self.mark_inner();
            if c == '\n' {
                self.newline();
                out.push('\n');
                continue;
            }
            self.pos += c.len_utf8();
            if c != '\\' {
                out.push(c);
                continue;
            }
            let e = chars.next()?;
            if e == '\n' {
                self.newline();
            } else {
                self.pos += e.len_utf8();
            }
            match e {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => self.unicode_escape(&mut out),
                other => out.push(other),
            }
        }
    }

    /// After `\u`: four hex digits, a surrogate pair joined when `\uDC00..` follows.
    fn unicode_escape(&mut self, out: &mut String) {
        let Some(high) = self.hex4(self.pos) else {
            out.push('u');
            return;
        };
        self.pos += 4;
        if (0xD800..0xDC00).contains(&high) && self.src.get(self.pos) == Some(&b'\\') && self.peek(1) == b'u' {
            if let Some(low) = self.hex4(self.pos + 2).filter(|l| (0xDC00..0xE000).contains(l)) {
                self.pos += 6;
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                return;
            }
        }
        out.push(char::from_u32(high).unwrap_or('\u{FFFD}'));
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.text.get(at..at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    }
}

fn radix_number(digits: &str, radix: u32) -> Tok {
    match i64::from_str_radix(digits, radix) {
        Ok(i) => Tok::Int(i),
        Err(_) => {
            let mut value = 0f64;
            for d in digits.chars() {
                value = value * radix as f64 + d.to_digit(radix).unwrap_or(0) as f64;
            }
            if value.is_finite() {
                Tok::Double(value)
            } else {
                Tok::OutOfRange
            }
        }
    }
}
