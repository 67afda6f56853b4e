//! The Cypher lexer: turns query text into tokens with their byte spans. Words are kept
//! as written (keywords are recognised case-insensitively by the parser, which lets a
//! keyword serve as a label, property key or variable where the grammar allows it);
//! backtick-quoted names, string escapes, number forms, parameters and both comment
//! kinds are resolved here.

use super::error::syntax_error;
use crate::error::CypherResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Punct {
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Dot,
    DotDot,
    Colon,
    ColonColon,
    Semicolon,
    Pipe,
    DoublePipe,
    Amp,
    Bang,
    BangEq,
    Percent,
    Plus,
    PlusEq,
    Minus,
    Star,
    Slash,
    Caret,
    Eq,
    RegexEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Punct {
    pub fn text(self) -> &'static str {
        match self {
            Punct::LParen => "(",
            Punct::RParen => ")",
            Punct::LBracket => "[",
            Punct::RBracket => "]",
            Punct::LBrace => "{",
            Punct::RBrace => "}",
            Punct::Comma => ",",
            Punct::Dot => ".",
            Punct::DotDot => "..",
            Punct::Colon => ":",
            Punct::ColonColon => "::",
            Punct::Semicolon => ";",
            Punct::Pipe => "|",
            Punct::DoublePipe => "||",
            Punct::Amp => "&",
            Punct::Bang => "!",
            Punct::BangEq => "!=",
            Punct::Percent => "%",
            Punct::Plus => "+",
            Punct::PlusEq => "+=",
            Punct::Minus => "-",
            Punct::Star => "*",
            Punct::Slash => "/",
            Punct::Caret => "^",
            Punct::Eq => "=",
            Punct::RegexEq => "=~",
            Punct::Ne => "<>",
            Punct::Lt => "<",
            Punct::Le => "<=",
            Punct::Gt => ">",
            Punct::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An unquoted word: a keyword or a name.
    Word(String),
    /// A backtick-quoted name (never a keyword).
    Quoted(String),
    /// An integer literal's magnitude; the sign is the parser's business so that
    /// `-9223372036854775808` can be written. None when it does not fit in 64 bits.
    Integer(Option<u64>),
    Float(f64),
    Str(String),
    Parameter(String),
    Punct(Punct),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// The longest query text accepted, so that positions and token counts stay bounded.
pub const MAX_QUERY_BYTES: usize = 16 * 1024 * 1024;

pub fn tokenize(src: &str) -> CypherResult<Vec<Token>> {
    if src.len() > MAX_QUERY_BYTES {
        return Err(crate::error::CypherError::syntax(format!(
            "Query text of {} bytes is longer than the {} bytes accepted",
            src.len(),
            MAX_QUERY_BYTES
        )));
    }
    let mut lx = Lexer { src, pos: 0, out: Vec::new() };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    out: Vec<Token>,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Dashes and angle brackets that look like Cypher's but are not.
fn is_lookalike(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{fe58}'
                | '\u{fe63}'
                | '\u{ff0d}'
                | '\u{27e8}'
                | '\u{27e9}'
                | '\u{3008}'
                | '\u{3009}'
                | '\u{fe64}'
                | '\u{fe65}'
                | '\u{ff1c}'
                | '\u{ff1e}'
    )
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push(Token { tok, start, end: self.pos });
    }

    fn err<T>(&self, at: usize, msg: &str) -> CypherResult<T> {
        Err(syntax_error(self.src, at, msg))
    }

    fn run(&mut self) -> CypherResult<()> {
        loop {
            self.skip_trivia()?;
            let start = self.pos;
            let Some(c) = self.peek() else {
                self.push(Tok::Eof, start);
                return Ok(());
            };
            if is_ident_start(c) {
                while self.peek().is_some_and(is_ident_continue) {
                    self.bump();
                }
                let word = self.src[start..self.pos].to_string();
                self.push(Tok::Word(word), start);
            } else if c.is_ascii_digit() || (c == '.' && self.peek2().is_some_and(|d| d.is_ascii_digit())) {
                self.number(start)?;
            } else if c == '`' {
                let name = self.quoted_name(start)?;
                self.push(Tok::Quoted(name), start);
            } else if c == '\'' || c == '"' {
                let s = self.string(start, c)?;
                self.push(Tok::Str(s), start);
            } else if c == '$' {
                self.bump();
                let name = match self.peek() {
                    Some('`') => self.quoted_name(self.pos)?,
                    Some(d) if is_ident_continue(d) => {
                        let s = self.pos;
                        while self.peek().is_some_and(is_ident_continue) {
                            self.bump();
                        }
                        self.src[s..self.pos].to_string()
                    }
                    _ => return self.err(start, "Invalid input '$': expected a parameter name"),
                };
                self.push(Tok::Parameter(name), start);
            } else {
                let p = self.punct(start, c)?;
                self.push(Tok::Punct(p), start);
            }
        }
    }

    fn skip_trivia(&mut self) -> CypherResult<()> {
        loop {
            let rest = &self.src[self.pos..];
            if rest.starts_with("//") {
                match rest.find('\n') {
                    Some(i) => self.pos += i + 1,
                    None => self.pos = self.src.len(),
                }
            } else if let Some(body) = rest.strip_prefix("/*") {
                match body.find("*/") {
                    Some(i) => self.pos += i + 4,
                    None => return self.err(self.pos, "Failed to parse comment: missing '*/'"),
                }
            } else if self.peek().is_some_and(char::is_whitespace) {
                self.bump();
            } else {
                return Ok(());
            }
        }
    }

    fn punct(&mut self, start: usize, c: char) -> CypherResult<Punct> {
        self.bump();
        let next = self.peek();
        let two = |lx: &mut Lexer, p: Punct| {
            lx.bump();
            p
        };
        Ok(match (c, next) {
            ('(', _) => Punct::LParen,
            (')', _) => Punct::RParen,
            ('[', _) => Punct::LBracket,
            (']', _) => Punct::RBracket,
            ('{', _) => Punct::LBrace,
            ('}', _) => Punct::RBrace,
            (',', _) => Punct::Comma,
            ('.', Some('.')) => two(self, Punct::DotDot),
            ('.', _) => Punct::Dot,
            (':', Some(':')) => two(self, Punct::ColonColon),
            (':', _) => Punct::Colon,
            (';', _) => Punct::Semicolon,
            ('|', Some('|')) => two(self, Punct::DoublePipe),
            ('|', _) => Punct::Pipe,
            ('&', _) => Punct::Amp,
            ('!', Some('=')) => two(self, Punct::BangEq),
            ('!', _) => Punct::Bang,
            ('%', _) => Punct::Percent,
            ('+', Some('=')) => two(self, Punct::PlusEq),
            ('+', _) => Punct::Plus,
            ('-', _) => Punct::Minus,
            ('*', _) => Punct::Star,
            ('/', _) => Punct::Slash,
            ('^', _) => Punct::Caret,
            ('=', Some('~')) => two(self, Punct::RegexEq),
            ('=', _) => Punct::Eq,
            ('<', Some('>')) => two(self, Punct::Ne),
            ('<', Some('=')) => two(self, Punct::Le),
            ('<', _) => Punct::Lt,
            ('>', Some('=')) => two(self, Punct::Ge),
            ('>', _) => Punct::Gt,
            (c, _) if is_lookalike(c) => {
                return self.err(
                    start,
                    &format!(
                        "Invalid input '{c}': InvalidUnicodeCharacter (U+{:04X} is not a Cypher operator)",
                        c as u32
                    ),
                )
            }
            (c, _) => return self.err(start, &format!("Invalid input '{c}'")),
        })
    }

    fn quoted_name(&mut self, start: usize) -> CypherResult<String> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return self.err(start, "Failed to parse quoted name: missing '`'"),
                Some('`') => {
                    if self.peek() == Some('`') {
                        self.bump();
                        out.push('`');
                    } else {
                        break;
                    }
                }
                Some(c) => out.push(c),
            }
        }
        Ok(out)
    }

    fn string(&mut self, start: usize, quote: char) -> CypherResult<String> {
        self.bump();
        let mut out = String::new();
        loop {
            let at = self.pos;
            match self.bump() {
                None => return self.err(start, "Failed to parse string literal: missing closing quote"),
                Some(c) if c == quote => return Ok(out),
                Some('\\') => {
                    let Some(e) = self.bump() else {
                        return self.err(start, "Failed to parse string literal: missing closing quote");
                    };
                    match e {
                        '\\' => out.push('\\'),
                        '\'' => out.push('\''),
                        '"' => out.push('"'),
                        'b' | 'B' => out.push('\u{8}'),
                        'f' | 'F' => out.push('\u{c}'),
                        'n' | 'N' => out.push('\n'),
                        'r' | 'R' => out.push('\r'),
                        't' | 'T' => out.push('\t'),
                        'u' => out.push(self.unicode_escape(at, 4)?),
                        'U' => out.push(self.unicode_escape(at, 8)?),
                        other => {
                            return self.err(at, &format!("Invalid input '\\{other}': not a valid escape sequence"))
                        }
                    }
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn hex_digits(&mut self, at: usize, digits: usize) -> CypherResult<u32> {
        let mut v: u32 = 0;
        for _ in 0..digits {
            match self.peek().and_then(|c| c.to_digit(16)) {
                Some(d) => {
                    self.bump();
                    v = v.saturating_mul(16).saturating_add(d);
                }
                None => {
                    return self.err(at, "Invalid input: InvalidUnicodeLiteral (expected hexadecimal digits after \\u)")
                }
            }
        }
        Ok(v)
    }

    /// `\uXXXX` (a UTF-16 surrogate pair written as two escapes is one character) or
    /// `\UXXXXXXXX`.
    fn unicode_escape(&mut self, at: usize, digits: usize) -> CypherResult<char> {
        let mut v = self.hex_digits(at, digits)?;
        if digits == 4 && (0xD800..0xDC00).contains(&v) && self.src[self.pos..].starts_with("\\u") {
            let save = self.pos;
            self.pos += 2;
            let low = self.hex_digits(at, 4)?;
            if (0xDC00..0xE000).contains(&low) {
                v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
            } else {
                self.pos = save;
            }
        }
        char::from_u32(v)
            .map_or_else(|| self.err(at, "Invalid input: InvalidUnicodeLiteral (not a Unicode scalar value)"), Ok)
    }

    fn number(&mut self, start: usize) -> CypherResult<()> {
        let rest = &self.src[start..];
        let bytes = rest.as_bytes();
        let radix_prefix = if bytes.len() >= 2 && bytes[0] == b'0' {
            match bytes[1] {
                b'x' | b'X' => Some(16),
                b'o' | b'O' => Some(8),
                _ => None,
            }
        } else {
            None
        };
        if let Some(radix) = radix_prefix {
            self.pos += 2;
            let ds = self.pos;
            while self.peek().is_some_and(is_ident_continue) {
                self.bump();
            }
            let digits = &self.src[ds..self.pos];
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return self
                    .err(start, &format!("Invalid input '{}': InvalidNumberLiteral", &self.src[start..self.pos]));
            }
            self.push(Tok::Integer(u64::from_str_radix(digits, radix).ok()), start);
            return Ok(());
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        let mut is_float = false;
        if self.peek() == Some('.') && self.peek2().is_some_and(|c| c.is_ascii_digit()) {
            is_float = true;
            self.bump();
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
            } else {
                self.pos = save;
            }
        }
        if self.peek().is_some_and(is_ident_continue) {
            while self.peek().is_some_and(is_ident_continue) {
                self.bump();
            }
            return self.err(start, &format!("Invalid input '{}': InvalidNumberLiteral", &self.src[start..self.pos]));
        }
        let text = &self.src[start..self.pos];
        if is_float {
            let v: f64 = text
                .parse()
                .map_or_else(|_| self.err(start, &format!("Invalid input '{text}': InvalidNumberLiteral")), Ok)?;
            if v.is_infinite() {
                return self
                    .err(start, &format!("Floating point number is too large: '{text}' (FloatingPointOverflow)"));
            }
            self.push(Tok::Float(v), start);
        } else if text.len() > 1 && text.starts_with('0') {
            let digits = &text[1..];
            if !digits.chars().all(|c| c.is_digit(8)) {
                return self.err(start, &format!("Invalid input '{text}': InvalidNumberLiteral"));
            }
            self.push(Tok::Integer(u64::from_str_radix(digits, 8).ok()), start);
        } else {
            self.push(Tok::Integer(text.parse::<u64>().ok()), start);
        }
        Ok(())
    }
}
