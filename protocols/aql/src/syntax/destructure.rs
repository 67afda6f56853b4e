//! Destructuring (AQL 3.12): `LET [a, b] = expr`, `LET {name, age: years} = doc` and
//! `FOR [key, value] IN ENTRIES(obj)`, nested and with skipped array slots (`[, b]`).
//! A pattern becomes plain operations: the value is bound to a hidden variable (a name
//! no query can spell, `#1`, `#2`, ...) and every name to an index or attribute of it,
//! so `LET [a, {b}] = x` is `LET #1 = x LET a = #1[0] LET #2 = #1[1] LET b = #2.b`.

use super::parser::Parser;
use super::token::Tok;
use crate::ast::{Expr, Op};
use crate::error::AqlResult;
use crate::value::Value;

pub(super) enum Pattern {
    Name(String),
    Array(Vec<Option<Pattern>>),
    Object(Vec<(String, Pattern)>),
}

impl<'a> Parser<'a> {
    pub(super) fn starts_pattern(&self) -> bool {
        matches!(self.tok(), Tok::LBracket | Tok::LBrace)
    }

    pub(super) fn pattern(&mut self) -> AqlResult<Pattern> {
        self.enter()?;
        let out = self.pattern_inner();
        self.leave(1);
        out
    }

    fn pattern_inner(&mut self) -> AqlResult<Pattern> {
        if self.eat(&Tok::LBracket) {
            let mut items = Vec::new();
            loop {
                if self.eat(&Tok::RBracket) {
                    return Ok(Pattern::Array(items));
                }
                if self.eat(&Tok::Comma) {
                    items.push(None);
                    continue;
                }
                items.push(Some(self.pattern()?));
                if !self.eat(&Tok::Comma) {
                    self.expect(&Tok::RBracket)?;
                    return Ok(Pattern::Array(items));
                }
            }
        }
        if self.eat(&Tok::LBrace) {
            let mut members = Vec::new();
            loop {
                if self.eat(&Tok::RBrace) {
                    return Ok(Pattern::Object(members));
                }
                let key = match self.tok() {
                    Tok::Ident(s) | Tok::QuotedIdent(s) | Tok::Str(s) => s.clone(),
                    _ => return Err(self.unexpected()),
                };
                let quoted = matches!(self.tok(), Tok::Str(_));
                self.bump();
                let target = if self.eat(&Tok::Colon) {
                    self.pattern()?
                } else if quoted {
                    return Err(self.unexpected());
                } else {
                    Pattern::Name(key.clone())
                };
                members.push((key, target));
                if !self.eat(&Tok::Comma) {
                    self.expect(&Tok::RBrace)?;
                    return Ok(Pattern::Object(members));
                }
            }
        }
        Ok(Pattern::Name(self.identifier()?))
    }

    /// A name for a value the query cannot refer to.
    pub(super) fn hidden_variable(&mut self) -> String {
        self.hidden += 1;
        format!("#{}", self.hidden)
    }

    /// The LETs that bind the names of `pattern` from the variable `source`.
    pub(super) fn lower_pattern(&mut self, pattern: Pattern, source: &str, ops: &mut Vec<Op>) {
        let var = || Box::new(Expr::Var(source.to_string()));
        let parts: Vec<(Expr, Pattern)> = match pattern {
            Pattern::Name(name) => {
                ops.push(Op::Let { name, expr: Expr::Var(source.to_string()) });
                return;
            }
            Pattern::Array(items) => items
                .into_iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let index = Box::new(Expr::Literal(Value::Int(i as i64)));
                    p.map(|p| (Expr::Index(var(), index), p))
                })
                .collect(),
            Pattern::Object(members) => members.into_iter().map(|(key, p)| (Expr::Attribute(var(), key), p)).collect(),
        };
        for (expr, p) in parts {
            match p {
                Pattern::Name(name) => ops.push(Op::Let { name, expr }),
                nested => {
                    let hidden = self.hidden_variable();
                    ops.push(Op::Let { name: hidden.clone(), expr });
                    self.lower_pattern(nested, &hidden, ops);
                }
            }
        }
    }
}
