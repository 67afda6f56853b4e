//! The parser's cursor over the tokens and its error reports, in ArangoDB's form:
//! `syntax error, unexpected <token> near '<text from there>' at position L:C`, the
//! quoted text cut at 32 bytes with `...`. Clauses live in [`super::clauses`] and
//! [`super::graph`], expressions in [`super::expr`].

use super::token::{Kw, Tok, Token};
use crate::ast::Pos;
use crate::error::{num, AqlError, AqlResult};

/// ArangoDB's errorNum for input nested too deeply.
const TOO_MUCH_NESTING: u32 = 1524;

static END: Token = Token { tok: Tok::End, offset: 0, end: 0, line: 1, column: 0 };

pub(super) struct Parser<'a> {
    pub(super) text: &'a str,
    toks: Vec<Token>,
    i: usize,
    depth: usize,
    /// While reading the document of INSERT/UPDATE/REPLACE/REMOVE (and UPSERT's update),
    /// a top-level `IN` names the collection instead of being the operator.
    pub(super) no_in: bool,
    /// Hidden variables made so far (destructuring).
    pub(super) hidden: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str, toks: Vec<Token>) -> Parser<'a> {
        Parser { text, toks, i: 0, depth: 0, no_in: false, hidden: 0 }
    }

    pub(super) fn token(&self) -> &Token {
        self.toks.get(self.i).or(self.toks.last()).unwrap_or(&END)
    }

    pub(super) fn tok(&self) -> &Tok {
        &self.token().tok
    }

    pub(super) fn peek_tok(&self, ahead: usize) -> &Tok {
        self.toks.get(self.i + ahead).or(self.toks.last()).map_or(&Tok::End, |t| &t.tok)
    }

    pub(super) fn bump(&mut self) -> Token {
        let t = self.token().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    /// Where the cursor is, for [`Parser::error_at`].
    pub(super) fn mark(&self) -> usize {
        self.i
    }

    pub(super) fn pos_of(&self, mark: usize) -> Pos {
        let t = self.toks.get(mark).unwrap_or(self.token());
        Pos { line: t.line, column: t.column + 1 }
    }

    /// A parse error located at the token of `mark`.
    pub(super) fn error_at(&self, mark: usize, message: &str) -> AqlError {
        let t = self.toks.get(mark).unwrap_or(self.token());
        AqlError::parse(format!("{message}{}", self.location(t)))
    }

    /// Back to a [`Parser::mark`], to read the same tokens another way.
    pub(super) fn reset(&mut self, mark: usize) {
        self.i = mark.min(self.toks.len());
    }

    /// Steps back over the token just taken, to report an error at it.
    pub(super) fn back(&mut self) {
        self.i = self.i.saturating_sub(1);
    }

    pub(super) fn pos(&self) -> Pos {
        let t = self.token();
        Pos { line: t.line, column: t.column + 1 }
    }

    pub(super) fn is_kw(&self, kw: Kw) -> bool {
        matches!(self.tok(), Tok::Kw(k) if *k == kw)
    }

    pub(super) fn eat_kw(&mut self, kw: Kw) -> bool {
        let hit = self.is_kw(kw);
        if hit {
            self.bump();
        }
        hit
    }

    pub(super) fn eat(&mut self, tok: &Tok) -> bool {
        let hit = self.tok() == tok;
        if hit {
            self.bump();
        }
        hit
    }

    pub(super) fn expect(&mut self, tok: &Tok) -> AqlResult<()> {
        if self.eat(tok) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    pub(super) fn expect_kw(&mut self, kw: Kw) -> AqlResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// A name (`T_STRING`: unquoted or in ticks) or a syntax error.
    pub(super) fn identifier(&mut self) -> AqlResult<String> {
        match self.tok().identifier() {
            Some(name) => {
                let name = name.to_string();
                self.bump();
                Ok(name)
            }
            None => Err(self.unexpected()),
        }
    }

    /// Whether the current token is the unquoted or quoted name `word` (any case).
    pub(super) fn is_word(&self, word: &str) -> bool {
        self.tok().identifier().is_some_and(|w| w.eq_ignore_ascii_case(word))
    }

    /// The source text of the current token.
    pub(super) fn token_text(&self) -> &'a str {
        let t = self.token();
        self.text.get(t.offset..t.end).unwrap_or("")
    }

    /// One level deeper; 1524 past [`super::MAX_DEPTH`].
    pub(super) fn enter(&mut self) -> AqlResult<()> {
        self.depth += 1;
        if self.depth > super::MAX_DEPTH {
            return Err(AqlError::new(TOO_MUCH_NESTING, "too much nesting or too many objects"));
        }
        Ok(())
    }

    pub(super) fn leave(&mut self, levels: usize) {
        self.depth = self.depth.saturating_sub(levels);
    }

    /// Runs `f` with `no_in` set to `value`, restoring it afterwards.
    pub(super) fn with_no_in<T>(&mut self, value: bool, f: impl FnOnce(&mut Self) -> AqlResult<T>) -> AqlResult<T> {
        let saved = self.no_in;
        self.no_in = value;
        let out = f(self);
        self.no_in = saved;
        out
    }

    /// `syntax error, unexpected <current token> near ... at position ...`.
    pub(super) fn unexpected(&self) -> AqlError {
        let t = self.token();
        if let Tok::Unterminated(message) = t.tok {
            return AqlError::parse(format!("{message}{}", self.location(t)));
        }
        AqlError::parse(format!("syntax error, unexpected {}{}", t.tok.name(), self.location(t)))
    }

    /// `syntax error, unexpected <token>, expecting <what> near ...`, where ArangoDB's
    /// parser can take one token (or a few) only.
    pub(super) fn unexpected_expecting(&self, expecting: &str) -> AqlError {
        let t = self.token();
        if matches!(t.tok, Tok::Unterminated(_)) {
            return self.unexpected();
        }
        AqlError::parse(format!("syntax error, unexpected {}, expecting {expecting}{}", t.tok.name(), self.location(t)))
    }

    /// A parse error with ArangoDB's location suffix at the current token.
    pub(super) fn error_here(&self, message: &str) -> AqlError {
        self.error_with(num::QUERY_PARSE, message)
    }

    pub(super) fn error_with(&self, errnum: u32, message: &str) -> AqlError {
        AqlError::new(errnum, format!("{message}{}", self.location(self.token())))
    }

    fn location(&self, t: &Token) -> String {
        format!(" near '{}' at position {}:{}", region(self.text, t.offset), t.line, t.column + 1)
    }
}

/// The query text from `offset`: all of it when under 32 bytes, else 32 bytes and `...`.
pub(super) fn region(text: &str, offset: usize) -> String {
    const SNIPPET: usize = 32;
    let rest = text.get(offset..).unwrap_or("");
    if rest.len() < SNIPPET {
        return rest.to_string();
    }
    let mut cut = SNIPPET;
    while !rest.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &rest[..cut])
}
