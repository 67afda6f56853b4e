//! The parser's position in the token list: checked lookahead, keyword and symbol
//! matching, identifiers, the bind markers met so far and a nesting bound.

use super::ast::MarkerName;
use super::keywords::is_reserved;
use super::lexer::{Spanned, Token};
use crate::error::{CqlError, CqlResult};

/// Collections, tuples, function calls and types nest at most this deep.
pub const MAX_DEPTH: usize = 64;

pub struct Cursor {
    tokens: Vec<Spanned>,
    pos: usize,
    pub markers: Vec<MarkerName>,
    depth: usize,
}

impl Cursor {
    pub fn new(tokens: Vec<Spanned>) -> Cursor {
        Cursor { tokens, pos: 0, markers: Vec::new(), depth: 0 }
    }

    pub fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|t| &t.token)
    }

    pub fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.pos + ahead).map(|t| &t.token)
    }

    pub fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).map(|t| t.token.clone());
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Steps back over the token just taken.
    pub fn back(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// A syntax error at the current token, in Cassandra's "line L:C" form.
    pub fn error(&self, what: &str) -> CqlError {
        match self.tokens.get(self.pos) {
            Some(t) => CqlError::syntax(format!("line {}:{} {what} (at {})", t.line, t.col, describe(&t.token))),
            None => CqlError::syntax(format!(
                "line 1:{} {what} (at end of input)",
                self.tokens.last().map_or(0, |t| t.col + 1)
            )),
        }
    }

    pub fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == word)
    }

    pub fn is_word_at(&self, ahead: usize, word: &str) -> bool {
        matches!(self.peek_at(ahead), Some(Token::Word(w)) if w == word)
    }

    pub fn eat_word(&mut self, word: &str) -> bool {
        if self.is_word(word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn eat_words(&mut self, words: &[&str]) -> bool {
        if words.iter().enumerate().all(|(i, w)| self.is_word_at(i, w)) {
            self.pos += words.len();
            true
        } else {
            false
        }
    }

    pub fn expect_word(&mut self, word: &str) -> CqlResult<()> {
        if self.eat_word(word) {
            Ok(())
        } else {
            Err(self.error(&format!("expecting {}", word.to_ascii_uppercase())))
        }
    }

    pub fn is_symbol(&self, sym: &str) -> bool {
        matches!(self.peek(), Some(Token::Symbol(s)) if *s == sym)
    }

    pub fn eat_symbol(&mut self, sym: &str) -> bool {
        if self.is_symbol(sym) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect_symbol(&mut self, sym: &str) -> CqlResult<()> {
        if self.eat_symbol(sym) {
            Ok(())
        } else {
            Err(self.error(&format!("expecting '{sym}'")))
        }
    }

    /// An identifier: an unquoted word (lower-cased) that is not a reserved keyword, or a
    /// "quoted" one.
    pub fn ident(&mut self) -> CqlResult<String> {
        match self.peek() {
            Some(Token::Word(w)) if !is_reserved(w) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            Some(Token::Quoted(q)) => {
                let q = q.clone();
                self.pos += 1;
                Ok(q)
            }
            _ => Err(self.error("expecting an identifier")),
        }
    }

    /// A name where the grammar allows keywords too (type names such as `set`): any
    /// unquoted word or a "quoted" one.
    pub fn name_or_keyword(&mut self) -> CqlResult<String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => self.ident(),
        }
    }

    pub fn string(&mut self) -> CqlResult<String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(s),
            _ => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.error("expecting a string"))
            }
        }
    }

    /// Records a bind marker; returns its index.
    pub fn marker(&mut self, name: MarkerName) -> usize {
        self.markers.push(name);
        self.markers.len() - 1
    }

    pub fn enter(&mut self) -> CqlResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nesting is too deep"));
        }
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Word(w) => format!("'{w}'"),
        Token::Quoted(q) => format!("'\"{q}\"'"),
        Token::Str(s) => format!("''{s}''"),
        Token::Integer(s) | Token::Float(s) => format!("'{s}'"),
        Token::Blob(_) => "a blob".into(),
        Token::Uuid(_) => "a uuid".into(),
        Token::Marker => "'?'".into(),
        Token::NamedMarker(n) => format!("':{n}'"),
        Token::Symbol(s) => format!("'{s}'"),
    }
}
