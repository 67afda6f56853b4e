//! The COPY statement: recognising it in a query string, and parsing it with
//! PostgreSQL 15's grammar (sqlparser's COPY is lossy: it reads inline data after
//! `FROM STDIN;` and knows neither every option form nor HEADER MATCH).
//!
//! Both option syntaxes become one [`CopyOptions`], validated with the checks and error
//! texts of PostgreSQL's ProcessCopyOptions: the modern `WITH (FORMAT csv, HEADER true,
//! FORCE_QUOTE (a, b), ...)` and the old `WITH CSV HEADER DELIMITER ',' FORCE QUOTE a`
//! (and `BINARY`, `FREEZE`, `USING DELIMITERS`).

use crate::error::{sqlstate, SqlError};

/// What is copied: a table (optionally some of its columns) or a query's result.
#[derive(Debug, Clone, PartialEq)]
pub enum CopySource {
    /// Name parts as written (unquoted ones folded to lower case).
    Table { name: Vec<String>, columns: Option<Vec<String>> },
    /// The text of the query between the parentheses.
    Query(String),
}

/// Where the data goes to or comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum CopyTarget {
    /// STDIN or STDOUT: the client, over the wire protocol.
    Client,
    File(String),
    Program(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    Text,
    Csv,
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderChoice {
    False,
    True,
    /// COPY FROM only: the header's names must match the columns.
    Match,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForceQuote {
    None,
    All,
    Columns(Vec<String>),
}

/// The validated options of one COPY, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOptions {
    pub format: CopyFormat,
    pub freeze: bool,
    pub delimiter: u8,
    pub null: String,
    pub header: HeaderChoice,
    pub quote: u8,
    pub escape: u8,
    pub force_quote: ForceQuote,
    pub force_not_null: Vec<String>,
    pub force_null: Vec<String>,
}

impl CopyOptions {
    pub fn csv(&self) -> bool {
        self.format == CopyFormat::Csv
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CopyStatement {
    pub source: CopySource,
    /// COPY ... FROM (true) or TO (false).
    pub from: bool,
    pub target: CopyTarget,
    pub options: CopyOptions,
    /// A WHERE clause was given (COPY FROM ... WHERE).
    pub has_where: bool,
}

// ---------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An identifier or keyword: the folded (or quoted) text and whether it was quoted.
    Word(String, bool),
    Str(String),
    Num(String),
    Punct(u8),
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn syntax_error(near: &str) -> SqlError {
    if near.is_empty() {
        SqlError::new(sqlstate::SYNTAX_ERROR, "syntax error at end of input")
    } else {
        SqlError::new(sqlstate::SYNTAX_ERROR, format!("syntax error at or near \"{near}\""))
    }
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    /// Skips whitespace and comments (`--` to end of line, nested `/* */`).
    fn skip_space(&mut self) {
        let b = self.bytes();
        loop {
            while self.pos < b.len() && b[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            if b[self.pos..].starts_with(b"--") {
                while self.pos < b.len() && b[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else if b[self.pos..].starts_with(b"/*") {
                let mut depth = 0usize;
                while self.pos < b.len() {
                    if b[self.pos..].starts_with(b"/*") {
                        depth += 1;
                        self.pos += 2;
                    } else if b[self.pos..].starts_with(b"*/") {
                        depth -= 1;
                        self.pos += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        self.pos += 1;
                    }
                }
            } else {
                return;
            }
        }
    }

    /// The byte offset of the next token.
    fn offset(&mut self) -> usize {
        self.skip_space();
        self.pos
    }

    fn next(&mut self) -> Result<Option<Tok>, SqlError> {
        self.skip_space();
        let b = self.bytes();
        let Some(&c) = b.get(self.pos) else { return Ok(None) };
        let start = self.pos;
        if (c == b'E' || c == b'e') && b.get(self.pos + 1) == Some(&b'\'') {
            self.pos += 1;
            return self.string(true).map(Some);
        }
        if c == b'\'' {
            return self.string(false).map(Some);
        }
        if c == b'"' {
            self.pos += 1;
            let mut out = String::new();
            loop {
                let Some(&d) = b.get(self.pos) else {
                    return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "unterminated quoted identifier"));
                };
                if d == b'"' {
                    if b.get(self.pos + 1) == Some(&b'"') {
                        out.push('"');
                        self.pos += 2;
                        continue;
                    }
                    self.pos += 1;
                    break;
                }
                let ch = self.src[self.pos..].chars().next().unwrap_or('\0');
                out.push(ch);
                self.pos += ch.len_utf8();
            }
            return Ok(Some(Tok::Word(out, true)));
        }
        if c == b'$' {
            if let Some(s) = self.dollar_string()? {
                return Ok(Some(Tok::Str(s)));
            }
        }
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while self.pos < b.len()
                && (b[self.pos].is_ascii_alphanumeric()
                    || b[self.pos] == b'_'
                    || b[self.pos] == b'$'
                    || b[self.pos] >= 0x80)
            {
                self.pos += 1;
            }
            return Ok(Some(Tok::Word(self.src[start..self.pos].to_lowercase(), false)));
        }
        if c.is_ascii_digit() || (c == b'.' && b.get(self.pos + 1).is_some_and(u8::is_ascii_digit)) {
            while self.pos < b.len() && (b[self.pos].is_ascii_alphanumeric() || b[self.pos] == b'.') {
                self.pos += 1;
            }
            return Ok(Some(Tok::Num(self.src[start..self.pos].to_string())));
        }
        let ch = self.src[self.pos..].chars().next().unwrap_or('\0');
        self.pos += ch.len_utf8();
        if ch.is_ascii() {
            Ok(Some(Tok::Punct(c)))
        } else {
            Err(syntax_error(&ch.to_string()))
        }
    }

    /// A '...' string (E'...' with backslash escapes when `escapes`).
    fn string(&mut self, escapes: bool) -> Result<Tok, SqlError> {
        let b = self.bytes();
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&d) = b.get(self.pos) else {
                return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "unterminated quoted string"));
            };
            self.pos += 1;
            match d {
                b'\'' if b.get(self.pos) == Some(&b'\'') => {
                    out.push(b'\'');
                    self.pos += 1;
                }
                b'\'' => {
                    // Adjacent strings separated by a newline are one string.
                    let save = self.pos;
                    let mut p = self.pos;
                    let mut newline = false;
                    while p < b.len() && b[p].is_ascii_whitespace() {
                        newline |= b[p] == b'\n';
                        p += 1;
                    }
                    if newline && b.get(p) == Some(&b'\'') {
                        self.pos = p + 1;
                        continue;
                    }
                    self.pos = save;
                    break;
                }
                b'\\' if escapes => {
                    let Some(&e) = b.get(self.pos) else { continue };
                    self.pos += 1;
                    match e {
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match b.get(self.pos) {
                                    Some(&o @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(o - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        b'x' => {
                            let mut v = 0u32;
                            let mut n = 0;
                            while n < 2 {
                                match b.get(self.pos).and_then(|h| (*h as char).to_digit(16)) {
                                    Some(h) => {
                                        v = v * 16 + h;
                                        self.pos += 1;
                                        n += 1;
                                    }
                                    None => break,
                                }
                            }
                            if n == 0 {
                                out.push(b'x');
                            } else {
                                out.push(v as u8);
                            }
                        }
                        b'u' | b'U' => {
                            let len = if e == b'u' { 4 } else { 8 };
                            let hex = self.src.get(self.pos..self.pos + len).unwrap_or("");
                            let ch = u32::from_str_radix(hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| SqlError::new(sqlstate::SYNTAX_ERROR, "invalid Unicode escape value"))?;
                            self.pos += len;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out)
            .map(Tok::Str)
            .map_err(|_| SqlError::new("22021", "invalid byte sequence for encoding \"UTF8\""))
    }

    /// `$tag$...$tag$`; `None` (position unchanged) when `$` starts no dollar quote.
    fn dollar_string(&mut self) -> Result<Option<String>, SqlError> {
        let b = self.bytes();
        let mut p = self.pos + 1;
        while p < b.len() && (b[p].is_ascii_alphanumeric() || b[p] == b'_' || b[p] >= 0x80) {
            p += 1;
        }
        if b.get(p) != Some(&b'$') || b.get(self.pos + 1).is_some_and(u8::is_ascii_digit) {
            return Ok(None);
        }
        let tag = &self.src[self.pos..=p];
        let body_start = p + 1;
        match self.src[body_start..].find(tag) {
            Some(end) => {
                self.pos = body_start + end + tag.len();
                Ok(Some(self.src[body_start..body_start + end].to_string()))
            }
            None => Err(SqlError::new(sqlstate::SYNTAX_ERROR, "unterminated dollar-quoted string")),
        }
    }
}

fn describe(tok: &Option<Tok>) -> String {
    match tok {
        None => String::new(),
        Some(Tok::Word(w, _)) => w.clone(),
        Some(Tok::Str(s)) => format!("'{s}'"),
        Some(Tok::Num(n)) => n.clone(),
        Some(Tok::Punct(p)) => (*p as char).to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Splitting and recognising

/// Splits a query string into statements at top-level semicolons (outside quotes,
/// dollar quotes and comments). Empty statements are dropped.
pub fn split_statements(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut lexer = Lexer::new(sql);
    let mut start = 0;
    loop {
        match lexer.next() {
            Ok(None) => break,
            Ok(Some(Tok::Punct(b';'))) => {
                let piece = &sql[start..lexer.pos - 1];
                if !piece.trim().is_empty() {
                    out.push(piece);
                }
                start = lexer.pos;
            }
            Ok(Some(_)) => {}
            // An unterminated quote: the rest is one statement (the engine reports it).
            Err(_) => break,
        }
    }
    let rest = &sql[start..];
    if !rest.trim().is_empty() && !is_blank(rest) {
        out.push(rest);
    }
    out
}

/// True when `sql` holds only whitespace and comments.
fn is_blank(sql: &str) -> bool {
    let mut lexer = Lexer::new(sql);
    lexer.skip_space();
    lexer.pos >= sql.len()
}

/// True when the statement's first word is COPY.
pub fn is_copy(sql: &str) -> bool {
    let mut lexer = Lexer::new(sql);
    matches!(lexer.next(), Ok(Some(Tok::Word(w, false))) if w == "copy")
}

/// A cheap test before splitting: does the text contain the word COPY at all?
pub fn mentions_copy(sql: &str) -> bool {
    sql.as_bytes().windows(4).any(|w| w.eq_ignore_ascii_case(b"copy"))
}

// ---------------------------------------------------------------------------------------
// Parsing

/// A generic option (`name [value]`) as PostgreSQL's DefElem holds it.
#[derive(Debug, Clone, PartialEq)]
enum OptArg {
    None,
    Str(String),
    Num(String),
    Star,
    List(Vec<String>),
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Option<Tok>>,
}

impl<'a> Parser<'a> {
    fn peek(&mut self) -> Result<&Option<Tok>, SqlError> {
        let tok = match self.peeked.take() {
            Some(tok) => tok,
            None => self.lexer.next()?,
        };
        Ok(self.peeked.insert(tok))
    }

    fn next(&mut self) -> Result<Option<Tok>, SqlError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lexer.next(),
        }
    }

    fn unexpected(&mut self) -> SqlError {
        let t = self.next().unwrap_or(None);
        syntax_error(&describe(&t))
    }

    fn is_keyword(&mut self, kw: &str) -> Result<bool, SqlError> {
        Ok(matches!(self.peek()?, Some(Tok::Word(w, false)) if w == kw))
    }

    fn eat_keyword(&mut self, kw: &str) -> Result<bool, SqlError> {
        if self.is_keyword(kw)? {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<(), SqlError> {
        if self.eat_keyword(kw)? {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn eat_punct(&mut self, p: u8) -> Result<bool, SqlError> {
        if matches!(self.peek()?, Some(Tok::Punct(q)) if *q == p) {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn expect_punct(&mut self, p: u8) -> Result<(), SqlError> {
        if self.eat_punct(p)? {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn identifier(&mut self) -> Result<String, SqlError> {
        match self.next()? {
            Some(Tok::Word(w, _)) => Ok(w),
            other => {
                self.peeked = Some(other);
                Err(self.unexpected())
            }
        }
    }

    fn string(&mut self) -> Result<String, SqlError> {
        match self.next()? {
            Some(Tok::Str(s)) => Ok(s),
            other => {
                self.peeked = Some(other);
                Err(self.unexpected())
            }
        }
    }

    fn column_list(&mut self) -> Result<Vec<String>, SqlError> {
        let mut cols = vec![self.identifier()?];
        while self.eat_punct(b',')? {
            cols.push(self.identifier()?);
        }
        Ok(cols)
    }

    /// `( query )`: the text between the parentheses, balanced.
    fn parenthesized_query(&mut self) -> Result<String, SqlError> {
        let start = self.lexer.offset();
        let mut depth = 1usize;
        loop {
            let at = self.lexer.offset();
            match self.lexer.next()? {
                None => return Err(syntax_error("")),
                Some(Tok::Punct(b'(')) => depth += 1,
                Some(Tok::Punct(b')')) => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.lexer.src[start..at].trim().to_string());
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// `name [arg]` of the parenthesised option list.
    fn generic_option(&mut self) -> Result<(String, OptArg), SqlError> {
        let name = self.identifier()?;
        let arg = match self.peek()?.clone() {
            Some(Tok::Punct(b',')) | Some(Tok::Punct(b')')) | None => OptArg::None,
            Some(Tok::Punct(b'*')) => {
                self.next()?;
                OptArg::Star
            }
            Some(Tok::Punct(b'(')) => {
                self.next()?;
                let mut items = Vec::new();
                loop {
                    match self.next()? {
                        Some(Tok::Word(w, _)) | Some(Tok::Str(w)) => items.push(w),
                        other => return Err(syntax_error(&describe(&other))),
                    }
                    if !self.eat_punct(b',')? {
                        break;
                    }
                }
                self.expect_punct(b')')?;
                OptArg::List(items)
            }
            Some(Tok::Punct(b'+')) | Some(Tok::Punct(b'-')) => {
                let sign = if matches!(self.next()?, Some(Tok::Punct(b'-'))) { "-" } else { "" };
                match self.next()? {
                    Some(Tok::Num(n)) => OptArg::Num(format!("{sign}{n}")),
                    other => return Err(syntax_error(&describe(&other))),
                }
            }
            Some(Tok::Num(n)) => {
                self.next()?;
                OptArg::Num(n)
            }
            Some(Tok::Word(w, _)) => {
                self.next()?;
                OptArg::Str(w)
            }
            Some(Tok::Str(s)) => {
                self.next()?;
                OptArg::Str(s)
            }
            Some(other) => return Err(syntax_error(&describe(&Some(other)))),
        };
        Ok((name, arg))
    }

    /// The old, unparenthesised option list, as generic options.
    fn legacy_options(&mut self, out: &mut Vec<(String, OptArg)>) -> Result<(), SqlError> {
        loop {
            let opt = if self.eat_keyword("binary")? {
                ("format".to_string(), OptArg::Str("binary".into()))
            } else if self.eat_keyword("freeze")? {
                ("freeze".to_string(), OptArg::None)
            } else if self.eat_keyword("csv")? {
                ("format".to_string(), OptArg::Str("csv".into()))
            } else if self.eat_keyword("header")? {
                ("header".to_string(), OptArg::None)
            } else if self.is_keyword("delimiter")?
                || self.is_keyword("null")?
                || self.is_keyword("quote")?
                || self.is_keyword("escape")?
            {
                let name = self.identifier()?;
                self.eat_keyword("as")?;
                (name, OptArg::Str(self.string()?))
            } else if self.eat_keyword("encoding")? {
                ("encoding".to_string(), OptArg::Str(self.string()?))
            } else if self.eat_keyword("force")? {
                if self.eat_keyword("quote")? {
                    if self.eat_punct(b'*')? {
                        ("force_quote".to_string(), OptArg::Star)
                    } else {
                        ("force_quote".to_string(), OptArg::List(self.column_list()?))
                    }
                } else if self.eat_keyword("not")? {
                    self.expect_keyword("null")?;
                    ("force_not_null".to_string(), OptArg::List(self.column_list()?))
                } else if self.eat_keyword("null")? {
                    ("force_null".to_string(), OptArg::List(self.column_list()?))
                } else {
                    return Err(self.unexpected());
                }
            } else {
                return Ok(());
            };
            out.push(opt);
        }
    }
}

/// Parses one COPY statement. Options are validated as PostgreSQL does before it opens
/// the table.
pub fn parse_copy(sql: &str) -> Result<CopyStatement, SqlError> {
    let mut p = Parser { lexer: Lexer::new(sql), peeked: None };
    p.expect_keyword("copy")?;
    let mut options: Vec<(String, OptArg)> = Vec::new();
    // Pre-7.3 syntax: COPY BINARY table.
    if p.is_keyword("binary")? {
        p.next()?;
        options.push(("format".into(), OptArg::Str("binary".into())));
    }
    let source = if p.eat_punct(b'(')? {
        CopySource::Query(p.parenthesized_query()?)
    } else {
        let mut name = vec![p.identifier()?];
        while p.eat_punct(b'.')? {
            name.push(p.identifier()?);
        }
        let columns = if p.eat_punct(b'(')? {
            let cols = p.column_list()?;
            p.expect_punct(b')')?;
            Some(cols)
        } else {
            None
        };
        CopySource::Table { name, columns }
    };
    let from = if p.eat_keyword("from")? {
        true
    } else if p.eat_keyword("to")? {
        false
    } else {
        return Err(p.unexpected());
    };
    if from && matches!(source, CopySource::Query(_)) {
        return Err(syntax_error("from"));
    }
    let program = p.eat_keyword("program")?;
    let target = if p.eat_keyword("stdin")? || p.eat_keyword("stdout")? {
        if program {
            return Err(syntax_error(if from { "stdin" } else { "stdout" }));
        }
        CopyTarget::Client
    } else {
        let s = p.string()?;
        if program {
            CopyTarget::Program(s)
        } else {
            CopyTarget::File(s)
        }
    };
    // [USING] DELIMITERS 'x'
    let using = p.eat_keyword("using")?;
    if p.eat_keyword("delimiters")? {
        options.push(("delimiter".into(), OptArg::Str(p.string()?)));
    } else if using {
        return Err(p.unexpected());
    }
    let with = p.eat_keyword("with")?;
    if p.eat_punct(b'(')? {
        loop {
            options.push(p.generic_option()?);
            if !p.eat_punct(b',')? {
                break;
            }
        }
        p.expect_punct(b')')?;
    } else {
        p.legacy_options(&mut options)?;
        let _ = with;
    }
    let has_where = p.eat_keyword("where")?;
    if has_where {
        if !from {
            return Err(syntax_error("where"));
        }
        // The condition is not evaluated (COPY ... WHERE answers 0A000); skip to the end.
        while let Some(t) = p.next()? {
            if t == Tok::Punct(b';') {
                break;
            }
        }
    }
    while p.eat_punct(b';')? {}
    if p.peek()?.is_some() {
        return Err(p.unexpected());
    }
    let options = process_options(&options, from)?;
    Ok(CopyStatement { source, from, target, options, has_where })
}

fn conflicting() -> SqlError {
    SqlError::new(sqlstate::SYNTAX_ERROR, "conflicting or redundant options")
}

fn not_supported(message: &str) -> SqlError {
    SqlError::new(sqlstate::FEATURE_NOT_SUPPORTED, message)
}

fn invalid(message: impl Into<String>) -> SqlError {
    SqlError::new(sqlstate::INVALID_PARAMETER_VALUE, message)
}

/// defGetString: the option's value as text.
fn option_string(name: &str, arg: &OptArg) -> Result<String, SqlError> {
    match arg {
        OptArg::Str(s) | OptArg::Num(s) => Ok(s.clone()),
        OptArg::Star => Ok("*".into()),
        OptArg::None => Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("{name} requires a parameter"))),
        OptArg::List(_) => Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("{name} requires a parameter"))),
    }
}

/// defGetBoolean.
fn option_bool(name: &str, arg: &OptArg) -> Result<bool, SqlError> {
    let bad = || SqlError::new(sqlstate::SYNTAX_ERROR, format!("{name} requires a Boolean value"));
    match arg {
        OptArg::None => Ok(true),
        OptArg::Num(n) => match n.as_str() {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(bad()),
        },
        OptArg::Str(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "on" => Ok(true),
            "false" | "off" => Ok(false),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

fn option_header(arg: &OptArg, from: bool) -> Result<HeaderChoice, SqlError> {
    let bad = || SqlError::new(sqlstate::SYNTAX_ERROR, "header requires a Boolean value or \"match\"");
    match arg {
        OptArg::None => Ok(HeaderChoice::True),
        OptArg::Num(n) => match n.as_str() {
            "0" => Ok(HeaderChoice::False),
            "1" => Ok(HeaderChoice::True),
            _ => Err(bad()),
        },
        OptArg::Str(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "on" => Ok(HeaderChoice::True),
            "false" | "off" => Ok(HeaderChoice::False),
            "match" if from => Ok(HeaderChoice::Match),
            "match" => Err(not_supported(&format!("cannot use \"{s}\" with HEADER in COPY TO"))),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

fn column_names(name: &str, arg: &OptArg) -> Result<Vec<String>, SqlError> {
    match arg {
        OptArg::List(cols) => Ok(cols.clone()),
        _ => Err(invalid(format!("argument to option \"{name}\" must be a list of column names"))),
    }
}

/// PostgreSQL 15's ProcessCopyOptions: the same checks in the same order, the same texts.
fn process_options(options: &[(String, OptArg)], from: bool) -> Result<CopyOptions, SqlError> {
    let mut format: Option<CopyFormat> = None;
    let mut freeze: Option<bool> = None;
    let mut delimiter: Option<String> = None;
    let mut null: Option<String> = None;
    let mut header: Option<HeaderChoice> = None;
    let mut quote: Option<String> = None;
    let mut escape: Option<String> = None;
    let mut force_quote: Option<ForceQuote> = None;
    let mut force_not_null: Option<Vec<String>> = None;
    let mut force_null: Option<Vec<String>> = None;
    let mut encoding: Option<String> = None;
    for (name, arg) in options {
        match name.as_str() {
            "format" => {
                if format.is_some() {
                    return Err(conflicting());
                }
                let f = option_string(name, arg)?;
                format = Some(match f.as_str() {
                    "text" => CopyFormat::Text,
                    "csv" => CopyFormat::Csv,
                    "binary" => CopyFormat::Binary,
                    _ => return Err(invalid(format!("COPY format \"{f}\" not recognized"))),
                });
            }
            "freeze" => {
                if freeze.is_some() {
                    return Err(conflicting());
                }
                freeze = Some(option_bool(name, arg)?);
            }
            "delimiter" => {
                if delimiter.is_some() {
                    return Err(conflicting());
                }
                delimiter = Some(option_string(name, arg)?);
            }
            "null" => {
                if null.is_some() {
                    return Err(conflicting());
                }
                null = Some(option_string(name, arg)?);
            }
            "header" => {
                if header.is_some() {
                    return Err(conflicting());
                }
                header = Some(option_header(arg, from)?);
            }
            "quote" => {
                if quote.is_some() {
                    return Err(conflicting());
                }
                quote = Some(option_string(name, arg)?);
            }
            "escape" => {
                if escape.is_some() {
                    return Err(conflicting());
                }
                escape = Some(option_string(name, arg)?);
            }
            "force_quote" => {
                if force_quote.is_some() {
                    return Err(conflicting());
                }
                force_quote = Some(match arg {
                    OptArg::Star => ForceQuote::All,
                    other => ForceQuote::Columns(column_names(name, other)?),
                });
            }
            "force_not_null" => {
                if force_not_null.is_some() {
                    return Err(conflicting());
                }
                force_not_null = Some(column_names(name, arg)?);
            }
            "force_null" => {
                if force_null.is_some() {
                    return Err(conflicting());
                }
                force_null = Some(column_names(name, arg)?);
            }
            "encoding" => {
                if encoding.is_some() {
                    return Err(conflicting());
                }
                encoding = Some(option_string(name, arg)?);
            }
            other => {
                return Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("option \"{other}\" not recognized")));
            }
        }
    }
    let format = format.unwrap_or(CopyFormat::Text);
    let binary = format == CopyFormat::Binary;
    let csv = format == CopyFormat::Csv;
    if binary && delimiter.is_some() {
        return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "cannot specify DELIMITER in BINARY mode"));
    }
    if binary && null.is_some() {
        return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "cannot specify NULL in BINARY mode"));
    }
    let delimiter = delimiter.unwrap_or_else(|| if csv { ",".into() } else { "\t".into() });
    let null = null.unwrap_or_else(|| if csv { String::new() } else { "\\N".into() });
    let (quote, escape) = if csv {
        let q = quote.clone().unwrap_or_else(|| "\"".into());
        let e = escape.clone().unwrap_or_else(|| q.clone());
        (Some(q), Some(e))
    } else {
        (quote, escape)
    };
    if delimiter.len() != 1 {
        return Err(not_supported("COPY delimiter must be a single one-byte character"));
    }
    let delim = delimiter.as_bytes()[0];
    if delim == b'\r' || delim == b'\n' {
        return Err(invalid("COPY delimiter cannot be newline or carriage return"));
    }
    if null.contains(['\r', '\n']) {
        return Err(invalid("COPY null representation cannot use newline or carriage return"));
    }
    if !csv && b"\\.abcdefghijklmnopqrstuvwxyz0123456789".contains(&delim) {
        return Err(invalid(format!("COPY delimiter cannot be \"{delimiter}\"")));
    }
    let header = header.unwrap_or(HeaderChoice::False);
    if binary && header != HeaderChoice::False {
        return Err(not_supported("cannot specify HEADER in BINARY mode"));
    }
    if !csv && quote.is_some() {
        return Err(not_supported("COPY quote available only in CSV mode"));
    }
    if csv && quote.as_ref().is_some_and(|q| q.len() != 1) {
        return Err(not_supported("COPY quote must be a single one-byte character"));
    }
    if csv && quote.as_ref().is_some_and(|q| q.as_bytes()[0] == delim) {
        return Err(invalid("COPY delimiter and quote must be different"));
    }
    if !csv && escape.is_some() {
        return Err(not_supported("COPY escape available only in CSV mode"));
    }
    if csv && escape.as_ref().is_some_and(|e| e.len() != 1) {
        return Err(not_supported("COPY escape must be a single one-byte character"));
    }
    if !csv && force_quote.is_some() {
        return Err(not_supported("COPY force quote available only in CSV mode"));
    }
    if force_quote.is_some() && from {
        return Err(not_supported("COPY force quote only available using COPY TO"));
    }
    if !csv && force_not_null.is_some() {
        return Err(not_supported("COPY force not null available only in CSV mode"));
    }
    if force_not_null.is_some() && !from {
        return Err(not_supported("COPY force not null only available using COPY FROM"));
    }
    if !csv && force_null.is_some() {
        return Err(not_supported("COPY force null available only in CSV mode"));
    }
    if force_null.is_some() && !from {
        return Err(not_supported("COPY force null only available using COPY FROM"));
    }
    if null.as_bytes().contains(&delim) {
        return Err(invalid("COPY delimiter must not appear in the NULL specification"));
    }
    if csv && quote.as_ref().is_some_and(|q| null.as_bytes().contains(&q.as_bytes()[0])) {
        return Err(invalid("CSV quote character must not appear in the NULL specification"));
    }
    if let Some(enc) = encoding {
        let normalized: String = enc.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
        if normalized != "utf8" && normalized != "unicode" {
            return Err(not_supported(&format!(
                "COPY with ENCODING '{enc}' is not supported (Orbit reads and writes UTF8 only)"
            )));
        }
    }
    Ok(CopyOptions {
        format,
        freeze: freeze.unwrap_or(false),
        delimiter: delim,
        null,
        header,
        quote: quote.map(|q| q.as_bytes()[0]).unwrap_or(b'"'),
        escape: escape.map(|e| e.as_bytes()[0]).unwrap_or(b'"'),
        force_quote: force_quote.unwrap_or(ForceQuote::None),
        force_not_null: force_not_null.unwrap_or_default(),
        force_null: force_null.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &[&str], columns: Option<&[&str]>) -> CopySource {
        CopySource::Table {
            name: name.iter().map(|s| s.to_string()).collect(),
            columns: columns.map(|c| c.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn recognises_and_splits_copy_statements() {
        assert!(is_copy("  /* hi */ copy t from stdin"));
        assert!(is_copy("COPY t TO STDOUT"));
        assert!(!is_copy("SELECT 'copy'"));
        assert!(!is_copy("\"copy\""));
        let parts = split_statements("select ';' ; copy t from stdin; -- tail;\n select $x$;$x$;");
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(is_copy(parts[1]));
        assert_eq!(split_statements("copy t to stdout; -- done").len(), 1);
        assert_eq!(split_statements("copy t to stdout").len(), 1);
    }

    #[test]
    fn parses_both_option_syntaxes() {
        let s = parse_copy("COPY public.\"Tab\" (a, \"B\") FROM STDIN WITH (FORMAT csv, HEADER match, DELIMITER ';', NULL 'n', FORCE_NULL (a), FORCE_NOT_NULL (\"B\"))").unwrap();
        assert_eq!(s.source, table(&["public", "Tab"], Some(&["a", "B"])));
        assert!(s.from);
        assert_eq!(s.target, CopyTarget::Client);
        assert_eq!(s.options.format, CopyFormat::Csv);
        assert_eq!(s.options.header, HeaderChoice::Match);
        assert_eq!(s.options.delimiter, b';');
        assert_eq!(s.options.null, "n");
        assert_eq!(s.options.force_null, vec!["a"]);
        assert_eq!(s.options.force_not_null, vec!["B"]);

        let s = parse_copy(
            "copy t to stdout with csv header delimiter as '|' null as 'NULL' quote '''' escape E'\\\\' force quote *",
        )
        .unwrap();
        assert_eq!(s.options.format, CopyFormat::Csv);
        assert_eq!(s.options.header, HeaderChoice::True);
        assert_eq!(s.options.delimiter, b'|');
        assert_eq!(s.options.quote, b'\'');
        assert_eq!(s.options.escape, b'\\');
        assert_eq!(s.options.force_quote, ForceQuote::All);

        let s = parse_copy("copy pgbench_accounts from stdin with (freeze on)").unwrap();
        assert!(s.options.freeze);
        assert_eq!(s.options.delimiter, b'\t');
        assert_eq!(s.options.null, "\\N");

        let s = parse_copy("COPY (SELECT a, ')' FROM t WHERE (a > 1)) TO STDOUT (FORMAT text, HEADER)").unwrap();
        assert_eq!(s.source, CopySource::Query("SELECT a, ')' FROM t WHERE (a > 1)".into()));
        assert_eq!(s.options.header, HeaderChoice::True);

        let s = parse_copy("copy t from stdin using delimiters '|' with null as ''").unwrap();
        assert_eq!(s.options.delimiter, b'|');
        assert_eq!(s.options.null, "");

        let s = parse_copy("copy t to '/tmp/x'").unwrap();
        assert_eq!(s.target, CopyTarget::File("/tmp/x".into()));
        let s = parse_copy("copy t from program 'ls' csv").unwrap();
        assert_eq!(s.target, CopyTarget::Program("ls".into()));
        let s = parse_copy("copy binary t to stdout").unwrap();
        assert_eq!(s.options.format, CopyFormat::Binary);
        let s = parse_copy("copy t from stdin (delimiter E'\\t', header 0, freeze)").unwrap();
        assert_eq!(s.options.header, HeaderChoice::False);
        assert!(s.options.freeze);
        assert!(parse_copy("copy t from stdin where a > 1").unwrap().has_where);
    }

    #[test]
    fn rejects_options_like_postgres() {
        let err = |sql: &str| parse_copy(sql).unwrap_err();
        let e = err("copy t to stdout with (format xml)");
        assert_eq!((e.code, e.message.as_str()), ("22023", "COPY format \"xml\" not recognized"));
        let e = err("copy t to stdout with (foo 1)");
        assert_eq!((e.code, e.message.as_str()), ("42601", "option \"foo\" not recognized"));
        let e = err("copy t to stdout with (header, header)");
        assert_eq!((e.code, e.message.as_str()), ("42601", "conflicting or redundant options"));
        let e = err("copy t to stdout with (header match)");
        assert_eq!((e.code, e.message.as_str()), ("0A000", "cannot use \"match\" with HEADER in COPY TO"));
        let e = err("copy t to stdout with (delimiter ',,')");
        assert_eq!((e.code, e.message.as_str()), ("0A000", "COPY delimiter must be a single one-byte character"));
        let e = err("copy t to stdout with (delimiter 'a')");
        assert_eq!((e.code, e.message.as_str()), ("22023", "COPY delimiter cannot be \"a\""));
        let e = err("copy t to stdout with (quote '\"')");
        assert_eq!((e.code, e.message.as_str()), ("0A000", "COPY quote available only in CSV mode"));
        let e = err("copy t from stdin with (format csv, force_quote *)");
        assert_eq!((e.code, e.message.as_str()), ("0A000", "COPY force quote only available using COPY TO"));
        let e = err("copy t to stdout with (format csv, force_not_null (a))");
        assert_eq!((e.code, e.message.as_str()), ("0A000", "COPY force not null only available using COPY FROM"));
        let e = err("copy t to stdout with (null ',', format csv)");
        assert_eq!(e.message, "COPY delimiter must not appear in the NULL specification");
        let e = err("copy t to stdout with (format csv, delimiter '\"')");
        assert_eq!(e.message, "COPY delimiter and quote must be different");
        let e = err("copy t from stdin with (header maybe)");
        assert_eq!((e.code, e.message.as_str()), ("42601", "header requires a Boolean value or \"match\""));
        let e = err("copy t from stdin with (freeze 2)");
        assert_eq!(e.message, "freeze requires a Boolean value");
        let e = err("copy t from stdin with (format binary, delimiter ',')");
        assert_eq!(e.message, "cannot specify DELIMITER in BINARY mode");
        let e = err("copy t from stdin with (force_null *)");
        assert_eq!(e.message, "argument to option \"force_null\" must be a list of column names");
        let e = err("copy t sideways stdin");
        assert_eq!((e.code, e.message.as_str()), ("42601", "syntax error at or near \"sideways\""));
        let e = err("copy (select 1) from stdin");
        assert_eq!(e.code, "42601");
        let e = err("copy t from");
        assert_eq!(e.message, "syntax error at end of input");
    }
}
