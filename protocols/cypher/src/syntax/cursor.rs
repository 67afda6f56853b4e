//! The parser's token cursor: look-ahead, keyword matching (case-insensitive, never on a
//! backtick-quoted name), expectations with Neo4j-shaped errors, the nesting-depth bound
//! and the save/restore used where the grammar needs to try an alternative.

use super::error::{position, syntax_error};
use super::lexer::{Punct, Tok, Token};
use crate::ast::Position;
use crate::error::{CypherError, CypherResult};
use std::collections::HashSet;

/// How deeply expressions, patterns and subqueries may nest (a left-deep operator chain
/// counts one level per operator), so that no query can exhaust the stack of the parser
/// or of the passes that walk the tree.
pub const MAX_DEPTH: usize = 150;

pub struct Parser<'a> {
    pub src: &'a str,
    toks: Vec<Token>,
    eof: Token,
    pub pos: usize,
    pub depth: usize,
    /// While parsing the predicate of a comprehension, `|` ends the predicate instead of
    /// continuing a label disjunction.
    pub no_pipe_labels: bool,
    /// Token positions where trying a pattern failed, so no position is tried twice.
    pub failed_patterns: HashSet<(usize, bool)>,
}

#[derive(Clone, Copy)]
pub struct Mark {
    pos: usize,
    depth: usize,
    no_pipe_labels: bool,
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a str, toks: Vec<Token>) -> Parser<'a> {
        let eof = Token { tok: Tok::Eof, start: src.len(), end: src.len() };
        Parser { src, toks, eof, pos: 0, depth: 0, no_pipe_labels: false, failed_patterns: HashSet::new() }
    }

    pub fn token_at(&self, n: usize) -> &Token {
        self.toks.get(self.pos + n).unwrap_or(&self.eof)
    }

    pub fn peek(&self) -> &Tok {
        &self.token_at(0).tok
    }

    pub fn peek_n(&self, n: usize) -> &Tok {
        &self.token_at(n).tok
    }

    pub fn advance(&mut self) -> Token {
        let t = self.token_at(0).clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    pub fn mark(&self) -> Mark {
        Mark { pos: self.pos, depth: self.depth, no_pipe_labels: self.no_pipe_labels }
    }

    pub fn reset(&mut self, m: Mark) {
        self.pos = m.pos;
        self.depth = m.depth;
        self.no_pipe_labels = m.no_pipe_labels;
    }

    /// Byte offset where the current token starts.
    pub fn offset(&self) -> usize {
        self.token_at(0).start
    }

    /// Byte offset where the previous token ended.
    pub fn prev_end(&self) -> usize {
        if self.pos == 0 {
            return 0;
        }
        self.toks.get(self.pos - 1).map_or(0, |t| t.end)
    }

    pub fn position(&self) -> Position {
        position(self.src, self.offset())
    }

    pub fn is_kw_n(&self, n: usize, kw: &str) -> bool {
        matches!(self.peek_n(n), Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    pub fn at_kw(&self, kw: &str) -> bool {
        self.is_kw_n(0, kw)
    }

    pub fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.advance();
            true
        } else {
            false
        }
    }

    pub fn expect_kw(&mut self, kw: &str) -> CypherResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(kw))
        }
    }

    pub fn is_punct_n(&self, n: usize, p: Punct) -> bool {
        matches!(self.peek_n(n), Tok::Punct(q) if *q == p)
    }

    pub fn at(&self, p: Punct) -> bool {
        self.is_punct_n(0, p)
    }

    pub fn eat(&mut self, p: Punct) -> bool {
        if self.at(p) {
            self.advance();
            true
        } else {
            false
        }
    }

    pub fn expect(&mut self, p: Punct) -> CypherResult<()> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{}'", p.text())))
        }
    }

    /// A syntax error at the current token.
    pub fn unexpected(&self, expected: &str) -> CypherError {
        let t = self.token_at(0);
        if t.tok == Tok::Eof {
            return syntax_error(self.src, t.start, &format!("Unexpected end of input: expected {expected}"));
        }
        let text = self.src.get(t.start..t.end).unwrap_or("");
        syntax_error(self.src, t.start, &format!("Invalid input '{text}': expected {expected}"))
    }

    pub fn error_here(&self, msg: &str) -> CypherError {
        syntax_error(self.src, self.offset(), msg)
    }

    /// A symbolic name: any word (keywords included) or a backtick-quoted name.
    pub fn at_name(&self) -> bool {
        matches!(self.peek(), Tok::Word(_) | Tok::Quoted(_))
    }

    pub fn name(&mut self, what: &str) -> CypherResult<String> {
        match self.peek().clone() {
            Tok::Word(w) | Tok::Quoted(w) => {
                self.advance();
                Ok(w)
            }
            _ => Err(self.unexpected(what)),
        }
    }

    pub fn enter(&mut self) -> CypherResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(&format!("Query nested too deeply (more than {MAX_DEPTH} levels)")));
        }
        Ok(())
    }

    pub fn exit(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub fn not_supported(&self, what: &str) -> CypherError {
        let p = self.position();
        CypherError::not_supported(format!(
            "{what} is not supported (line {}, column {} (offset: {}))",
            p.line, p.column, p.offset
        ))
    }
}
