//! AQL expressions with ArangoDB's operator precedence, loosest first: `?:`, `||`,
//! `&&`, the array quantifiers (`ALL`/`ANY`/`NONE`, `AT LEAST (n)`) before a comparison,
//! `== != LIKE =~ !~`, `IN NOT IN` (and `NOT LIKE`), `< <= > >=`, `..`, `+ -`,
//! `* / %`, unary `! NOT - +`, then calls, `.`, `[]` and the expansions `[*]` /
//! `[? ...]`. Chains of `&&` / `||` are built balanced, every other level counts
//! against the nesting bound.

use super::parser::Parser;
use super::token::{Kw, Tok};
use crate::ast::{BinaryOp, Expansion, Expr, ObjectKey, Quantifier, UnaryOp};
use crate::error::{num, AqlResult};
use crate::value::Value;

const QUANTIFIER_BP: u8 = 3;
const AT_LEAST_BP: u8 = 4;
const EQUALITY_BP: u8 = 5;
const IN_BP: u8 = 6;
const RELATIONAL_BP: u8 = 7;
const RANGE_BP: u8 = 8;
const ADDITIVE_BP: u8 = 9;
const MULTIPLICATIVE_BP: u8 = 10;

/// An operator found after an operand: what to build and how tightly it binds.
enum Infix {
    Binary(BinaryOp, u8),
    Range,
    /// `NOT LIKE`, `NOT =~`, `NOT !~`: two tokens.
    Negated(BinaryOp),
    Quantified(Quantifier, u8),
    AtLeast,
}

impl<'a> Parser<'a> {
    pub(super) fn expression(&mut self) -> AqlResult<Expr> {
        self.enter()?;
        let out = self.ternary();
        self.leave(1);
        out
    }

    /// An expression where a top-level `IN` ends it (the collection of a modification).
    pub(super) fn expression_no_in(&mut self) -> AqlResult<Expr> {
        self.with_no_in(true, |p| p.expression())
    }

    /// An expression inside brackets, where `IN` is the operator again.
    fn nested(&mut self) -> AqlResult<Expr> {
        self.with_no_in(false, |p| p.expression())
    }

    fn ternary(&mut self) -> AqlResult<Expr> {
        let cond = self.or()?;
        if !self.eat(&Tok::Question) {
            return Ok(cond);
        }
        self.enter()?;
        let out = self.ternary_rest(cond);
        self.leave(1);
        out
    }

    fn ternary_rest(&mut self, cond: Expr) -> AqlResult<Expr> {
        let then = if self.eat(&Tok::Colon) {
            None
        } else {
            let then = self.ternary()?;
            self.expect(&Tok::Colon)?;
            Some(Box::new(then))
        };
        let otherwise = self.ternary()?;
        Ok(Expr::Ternary { cond: Box::new(cond), then, otherwise: Box::new(otherwise) })
    }

    fn or(&mut self) -> AqlResult<Expr> {
        let mut operands = vec![self.and()?];
        while self.eat(&Tok::Or) {
            operands.push(self.and()?);
        }
        Ok(balanced(BinaryOp::Or, operands))
    }

    fn and(&mut self) -> AqlResult<Expr> {
        let mut operands = vec![self.binary(QUANTIFIER_BP)?];
        while self.eat(&Tok::And) {
            operands.push(self.binary(QUANTIFIER_BP)?);
        }
        Ok(balanced(BinaryOp::And, operands))
    }

    fn infix(&self) -> Option<Infix> {
        let comparison = |t: &Tok| match t {
            Tok::Eq => Some((BinaryOp::Eq, EQUALITY_BP)),
            Tok::Ne => Some((BinaryOp::Ne, EQUALITY_BP)),
            Tok::Lt => Some((BinaryOp::Lt, RELATIONAL_BP)),
            Tok::Le => Some((BinaryOp::Le, RELATIONAL_BP)),
            Tok::Gt => Some((BinaryOp::Gt, RELATIONAL_BP)),
            Tok::Ge => Some((BinaryOp::Ge, RELATIONAL_BP)),
            Tok::Kw(Kw::In) => Some((BinaryOp::In, IN_BP)),
            Tok::NotIn => Some((BinaryOp::NotIn, IN_BP)),
            _ => None,
        };
        let quantifier = |q: Quantifier| comparison(self.peek_tok(1)).map(|_| Infix::Quantified(q, QUANTIFIER_BP));
        Some(match self.tok() {
            Tok::Kw(Kw::In) if self.no_in => return None,
            t @ (Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge | Tok::Kw(Kw::In) | Tok::NotIn) => {
                let (op, bp) = comparison(t)?;
                Infix::Binary(op, bp)
            }
            Tok::Kw(Kw::Like) => Infix::Binary(BinaryOp::Like, EQUALITY_BP),
            Tok::RegexMatch => Infix::Binary(BinaryOp::RegexMatch, EQUALITY_BP),
            Tok::RegexNotMatch => Infix::Binary(BinaryOp::RegexNotMatch, EQUALITY_BP),
            Tok::Not => match self.peek_tok(1) {
                Tok::Kw(Kw::Like) => Infix::Negated(BinaryOp::NotLike),
                Tok::RegexMatch => Infix::Negated(BinaryOp::RegexNotMatch),
                Tok::RegexNotMatch => Infix::Negated(BinaryOp::RegexMatch),
                _ => return None,
            },
            Tok::Range => Infix::Range,
            Tok::Plus => Infix::Binary(BinaryOp::Add, ADDITIVE_BP),
            Tok::Minus => Infix::Binary(BinaryOp::Sub, ADDITIVE_BP),
            Tok::Star => Infix::Binary(BinaryOp::Mul, MULTIPLICATIVE_BP),
            Tok::Slash => Infix::Binary(BinaryOp::Div, MULTIPLICATIVE_BP),
            Tok::Percent => Infix::Binary(BinaryOp::Mod, MULTIPLICATIVE_BP),
            Tok::Kw(Kw::All) => return quantifier(Quantifier::All),
            Tok::Kw(Kw::Any) => return quantifier(Quantifier::Any),
            Tok::Kw(Kw::None) => return quantifier(Quantifier::None),
            Tok::AtLeast => Infix::AtLeast,
            _ => return None,
        })
    }

    /// Precedence climbing over the levels from the quantifiers to `* / %`.
    fn binary(&mut self, min_bp: u8) -> AqlResult<Expr> {
        let mut lhs = self.unary()?;
        let mut wraps = 0;
        let out = loop {
            let Some(infix) = self.infix() else { break Ok(lhs) };
            let bp = match &infix {
                Infix::Binary(_, bp) | Infix::Quantified(_, bp) => *bp,
                Infix::Range => RANGE_BP,
                Infix::Negated(_) => IN_BP,
                Infix::AtLeast => AT_LEAST_BP,
            };
            if bp < min_bp {
                break Ok(lhs);
            }
            wraps += 1;
            if let Err(e) = self.enter() {
                break Err(e);
            }
            match self.apply(infix, lhs) {
                Ok(e) => lhs = e,
                Err(e) => break Err(e),
            }
        };
        self.leave(wraps);
        out
    }

    fn apply(&mut self, infix: Infix, lhs: Expr) -> AqlResult<Expr> {
        self.bump();
        let lhs = Box::new(lhs);
        Ok(match infix {
            Infix::Binary(op, bp) => Expr::Binary(op, lhs, Box::new(self.binary(bp + 1)?)),
            Infix::Range => Expr::Range(lhs, Box::new(self.binary(RANGE_BP + 1)?)),
            Infix::Negated(op) => {
                self.bump();
                Expr::Binary(op, lhs, Box::new(self.binary(EQUALITY_BP + 1)?))
            }
            Infix::Quantified(quantifier, _) => self.quantified(quantifier, lhs)?,
            Infix::AtLeast => {
                self.expect(&Tok::LParen)?;
                let n = self.nested()?;
                self.expect(&Tok::RParen)?;
                self.quantified(Quantifier::AtLeast(Box::new(n)), lhs)?
            }
        })
    }

    /// After the quantifier: the comparison and its right-hand side.
    fn quantified(&mut self, quantifier: Quantifier, lhs: Box<Expr>) -> AqlResult<Expr> {
        let (op, bp) = match self.tok() {
            Tok::Eq => (BinaryOp::Eq, EQUALITY_BP),
            Tok::Ne => (BinaryOp::Ne, EQUALITY_BP),
            Tok::Lt => (BinaryOp::Lt, RELATIONAL_BP),
            Tok::Le => (BinaryOp::Le, RELATIONAL_BP),
            Tok::Gt => (BinaryOp::Gt, RELATIONAL_BP),
            Tok::Ge => (BinaryOp::Ge, RELATIONAL_BP),
            Tok::Kw(Kw::In) => (BinaryOp::In, IN_BP),
            Tok::NotIn => (BinaryOp::NotIn, IN_BP),
            _ => return Err(self.unexpected()),
        };
        self.bump();
        let rhs = Box::new(self.binary(bp + 1)?);
        Ok(Expr::Quantified { quantifier, op, lhs, rhs })
    }

    fn unary(&mut self) -> AqlResult<Expr> {
        let op = match self.tok() {
            Tok::Not => UnaryOp::Not,
            Tok::Minus => UnaryOp::Minus,
            Tok::Plus => UnaryOp::Plus,
            _ => return self.postfix(),
        };
        self.bump();
        self.enter()?;
        let operand = self.unary();
        self.leave(1);
        Ok(fold_unary(op, operand?))
    }

    fn postfix(&mut self) -> AqlResult<Expr> {
        let mut expr = self.primary()?;
        let mut chained = false;
        let mut wraps = 0;
        let out = loop {
            let step = match self.tok() {
                Tok::Dot | Tok::LBracket => self.enter().and_then(|_| self.postfix_step(expr, &mut chained)),
                _ => break Ok(expr),
            };
            wraps += 1;
            match step {
                Ok(e) => expr = e,
                Err(e) => break Err(e),
            }
        };
        self.leave(wraps);
        out
    }

    /// One `.name`, `.@param`, `[index]`, `[*...]` or `[?...]` after `base`; `chained`
    /// says whether `base` is an expansion of this chain (then the step applies to
    /// every element).
    fn postfix_step(&mut self, base: Expr, chained: &mut bool) -> AqlResult<Expr> {
        if self.eat(&Tok::Dot) {
            let step = self.attribute_step()?;
            return Ok(self.apply_step(base, *chained, step));
        }
        self.bump();
        match self.tok() {
            Tok::Star => {
                let depth = self.count(&Tok::Star);
                let expansion = self.expansion_body(depth)?;
                Ok(chain_expansion(base, chained, expansion))
            }
            Tok::Question => {
                let depth = self.count(&Tok::Question);
                let test = self.question_body(depth)?;
                Ok(self.apply_step(base, *chained, Step::Question(test)))
            }
            _ => {
                let index = self.nested()?;
                self.expect(&Tok::RBracket)?;
                Ok(self.apply_step(base, *chained, Step::Index(index)))
            }
        }
    }

    fn count(&mut self, tok: &Tok) -> usize {
        let mut n = 0;
        while self.eat(tok) {
            n += 1;
        }
        n
    }

    fn attribute_step(&mut self) -> AqlResult<Step> {
        let step = match self.tok() {
            Tok::Ident(name) | Tok::QuotedIdent(name) => Step::Attribute(name.clone()),
            Tok::Kw(_) | Tok::Not | Tok::And | Tok::Or => Step::Attribute(self.token_text().to_string()),
            Tok::Param(name) => Step::Index(Expr::Bind(name.clone())),
            _ => return Err(self.unexpected()),
        };
        self.bump();
        Ok(step)
    }

    fn apply_step(&self, base: Expr, chained: bool, step: Step) -> Expr {
        match base {
            Expr::Expansion(mut e) if chained => {
                patch_innermost(&mut e, step);
                Expr::Expansion(e)
            }
            other => step.apply(other),
        }
    }

    /// After `[*`: `FILTER cond`, `LIMIT [offset,] count`, `RETURN expr`, then `]`.
    fn expansion_body(&mut self, depth: usize) -> AqlResult<Expansion> {
        let placeholder = Box::new(Expr::Literal(Value::Null));
        let mut e = Expansion { base: placeholder, depth, filter: None, limit: None, ret: None, rest: None };
        self.with_no_in(false, |p| {
            if p.eat_kw(Kw::Filter) {
                e.filter = Some(Box::new(p.expression()?));
            } else if !matches!(p.tok(), Tok::Kw(Kw::Limit | Kw::Return) | Tok::RBracket) {
                return Err(p.error_here("unexpected quantifier value found for array expansion operation."));
            }
            if p.eat_kw(Kw::Limit) {
                let first = p.expression()?;
                e.limit = Some(if p.eat(&Tok::Comma) {
                    (Some(Box::new(first)), Box::new(p.expression()?))
                } else {
                    (None, Box::new(first))
                });
            }
            if p.eat_kw(Kw::Return) {
                e.ret = Some(Box::new(p.expression()?));
            }
            p.expect(&Tok::RBracket)
        })?;
        Ok(e)
    }

    /// After `[?`: `[quantifier | count | min..max] FILTER cond`, then `]`. The test is
    /// expressed with the expansion: `x[? ALL FILTER c]` is `x[* RETURN TO_BOOL(c)] ALL
    /// == true`; `x[? 2 FILTER c]` is `LENGTH(x[* FILTER c]) == 2` (`IN` for a range).
    fn question_body(&mut self, depth: usize) -> AqlResult<QuestionTest> {
        self.with_no_in(false, |p| {
            let how = match p.tok() {
                Tok::Kw(Kw::Filter) | Tok::RBracket => QuestionHow::Quantifier(Quantifier::Any),
                Tok::Kw(Kw::All) => QuestionHow::Quantifier(Quantifier::All),
                Tok::Kw(Kw::Any) => QuestionHow::Quantifier(Quantifier::Any),
                Tok::Kw(Kw::None) => QuestionHow::Quantifier(Quantifier::None),
                Tok::AtLeast => {
                    p.bump();
                    p.expect(&Tok::LParen)?;
                    let n = p.expression()?;
                    p.expect(&Tok::RParen)?;
                    p.expect_kw(Kw::Filter)?;
                    let cond = p.expression()?;
                    p.expect(&Tok::RBracket)?;
                    let how = QuestionHow::Quantifier(Quantifier::AtLeast(Box::new(n)));
                    return Ok(QuestionTest { depth, how, cond: Some(cond) });
                }
                _ => QuestionHow::Count(p.expression()?),
            };
            if matches!(p.tok(), Tok::Kw(Kw::All | Kw::Any | Kw::None)) {
                p.bump();
            }
            let cond = if p.eat_kw(Kw::Filter) { Some(p.expression()?) } else { None };
            if cond.is_none() && matches!(how, QuestionHow::Count(_)) {
                return Err(p.unexpected());
            }
            p.expect(&Tok::RBracket)?;
            Ok(QuestionTest { depth, how, cond })
        })
    }

    fn primary(&mut self) -> AqlResult<Expr> {
        let t = self.bump();
        let at = crate::ast::Pos { line: t.line, column: t.column + 1 };
        Ok(match t.tok {
            Tok::Int(i) => Expr::Literal(Value::Int(i)),
            Tok::Double(d) => Expr::Literal(Value::double(d)),
            Tok::OutOfRange | Tok::Kw(Kw::Null) => Expr::Literal(Value::Null),
            Tok::Str(s) => Expr::Literal(Value::String(s)),
            Tok::Kw(Kw::True) => Expr::Literal(Value::Bool(true)),
            Tok::Kw(Kw::False) => Expr::Literal(Value::Bool(false)),
            Tok::Param(name) => Expr::Bind(name),
            Tok::CollectionParam(name) => Expr::BindCollection(name),
            Tok::Ident(name) | Tok::QuotedIdent(name) => match self.tok() {
                Tok::LParen | Tok::Scope => self.call(name, at)?,
                _ => Expr::Var(name),
            },
            Tok::Kw(Kw::Like) if self.tok() == &Tok::LParen => self.call("LIKE".to_string(), at)?,
            Tok::LParen => self.parenthesized()?,
            Tok::LBracket => self.array()?,
            Tok::LBrace => self.object()?,
            _ => {
                self.back();
                return Err(self.unexpected());
            }
        })
    }

    fn parenthesized(&mut self) -> AqlResult<Expr> {
        let inner = if self.starts_statement() {
            Expr::Subquery(Box::new(self.with_no_in(false, |p| p.subquery())?))
        } else {
            self.nested()?
        };
        self.expect(&Tok::RParen)?;
        Ok(inner)
    }

    /// `NAME(args)` or `NS::NAME(args)`, the name upper-cased; an argument may be a
    /// query without parentheses (`LENGTH(FOR x IN y RETURN x)`).
    fn call(&mut self, first: String, pos: crate::ast::Pos) -> AqlResult<Expr> {
        let mut name = first.to_uppercase();
        while self.eat(&Tok::Scope) {
            name.push_str("::");
            name.push_str(&self.identifier()?.to_uppercase());
        }
        self.expect(&Tok::LParen)?;
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                let arg = if self.starts_statement() {
                    Expr::Subquery(Box::new(self.with_no_in(false, |p| p.subquery())?))
                } else {
                    self.nested()?
                };
                args.push(arg);
                if self.eat(&Tok::RParen) {
                    break;
                }
                self.expect(&Tok::Comma)?;
            }
        }
        Ok(Expr::Call { name, args, pos })
    }

    fn array(&mut self) -> AqlResult<Expr> {
        let mut items = Vec::new();
        loop {
            if self.eat(&Tok::RBracket) {
                return Ok(Expr::Array(items));
            }
            items.push(self.nested()?);
            if !self.eat(&Tok::Comma) {
                self.expect(&Tok::RBracket)?;
                return Ok(Expr::Array(items));
            }
        }
    }

    /// After `{`: the members of an object literal and the closing `}`.
    pub(super) fn object(&mut self) -> AqlResult<Expr> {
        let mut members = Vec::new();
        loop {
            if self.eat(&Tok::RBrace) {
                return Ok(Expr::Object(members));
            }
            members.push(self.object_member()?);
            if !self.eat(&Tok::Comma) {
                self.expect(&Tok::RBrace)?;
                return Ok(Expr::Object(members));
            }
        }
    }

    fn object_member(&mut self) -> AqlResult<(ObjectKey, Expr)> {
        let colon_next = self.peek_tok(1) == &Tok::Colon;
        let key = match self.tok().clone() {
            Tok::Ident(name) | Tok::QuotedIdent(name) if !colon_next => {
                self.bump();
                return Ok((ObjectKey::Static(name.clone()), Expr::Var(name)));
            }
            Tok::Ident(name) | Tok::QuotedIdent(name) | Tok::Str(name) => ObjectKey::Static(name),
            Tok::Kw(_) | Tok::Not | Tok::And | Tok::Or if colon_next => {
                ObjectKey::Static(self.token_text().to_string())
            }
            Tok::Param(name) => ObjectKey::Computed(Expr::Bind(name)),
            Tok::CollectionParam(name) => {
                let message = format!("bind parameter '@{name}' has an invalid value or type");
                return Err(self.error_with(num::QUERY_BIND_PARAMETER_TYPE, &message));
            }
            Tok::LBracket => {
                self.bump();
                let key = self.nested()?;
                self.expect(&Tok::RBracket)?;
                self.expect(&Tok::Colon)?;
                return Ok((ObjectKey::Computed(key), self.nested()?));
            }
            _ => return Err(self.unexpected()),
        };
        self.bump();
        self.expect(&Tok::Colon)?;
        Ok((key, self.nested()?))
    }
}

/// What a `.`/`[]` step does, kept until it is known where it applies.
enum Step {
    Attribute(String),
    Index(Expr),
    Question(QuestionTest),
}

impl Step {
    fn apply(self, base: Expr) -> Expr {
        match self {
            Step::Attribute(name) => Expr::Attribute(Box::new(base), name),
            Step::Index(index) => Expr::Index(Box::new(base), Box::new(index)),
            Step::Question(test) => test.build(base),
        }
    }
}

struct QuestionTest {
    depth: usize,
    how: QuestionHow,
    cond: Option<Expr>,
}

enum QuestionHow {
    Quantifier(Quantifier),
    Count(Expr),
}

impl QuestionTest {
    fn build(self, base: Expr) -> Expr {
        let expansion = |filter: Option<Expr>, ret: Option<Expr>| {
            Expr::Expansion(Expansion {
                base: Box::new(base),
                depth: self.depth.max(1),
                filter: filter.map(Box::new),
                limit: None,
                ret: ret.map(Box::new),
                rest: None,
            })
        };
        let pos = crate::ast::Pos::default();
        match self.how {
            QuestionHow::Quantifier(quantifier) => {
                let test = match self.cond {
                    Some(c) => Expr::Call { name: "TO_BOOL".to_string(), args: vec![c], pos },
                    None => Expr::Literal(Value::Bool(true)),
                };
                Expr::Quantified {
                    quantifier,
                    op: BinaryOp::Eq,
                    lhs: Box::new(expansion(None, Some(test))),
                    rhs: Box::new(Expr::Literal(Value::Bool(true))),
                }
            }
            QuestionHow::Count(n) => {
                let op = if matches!(n, Expr::Range(..)) { BinaryOp::In } else { BinaryOp::Eq };
                let length = Expr::Call { name: "LENGTH".to_string(), args: vec![expansion(self.cond, None)], pos };
                Expr::Binary(op, Box::new(length), Box::new(n))
            }
        }
    }
}

/// `[*...]` after `base`: a `[*]` on an expansion of this chain maps every element
/// (`a[*].b[*]`), a `[**]` flattens the expansion before it.
fn chain_expansion(base: Expr, chained: &mut bool, mut expansion: Expansion) -> Expr {
    match base {
        Expr::Expansion(mut outer) if *chained && expansion.depth == 1 => {
            patch_innermost_with(&mut outer, |rest| {
                *expansion.base = rest;
                Expr::Expansion(expansion)
            });
            Expr::Expansion(outer)
        }
        other => {
            *expansion.base = other;
            *chained = true;
            Expr::Expansion(expansion)
        }
    }
}

fn patch_innermost(e: &mut Expansion, step: Step) {
    patch_innermost_with(e, |rest| step.apply(rest));
}

fn patch_innermost_with(e: &mut Expansion, f: impl FnOnce(Expr) -> Expr) {
    match e.rest.as_deref_mut() {
        Some(Expr::Expansion(inner)) => patch_innermost_with(inner, f),
        _ => {
            let rest = e.rest.take().map_or(Expr::Var("CURRENT".to_string()), |r| *r);
            e.rest = Some(Box::new(f(rest)));
        }
    }
}

/// `-1` and `+1` are the literals themselves, as ArangoDB folds them.
fn fold_unary(op: UnaryOp, operand: Expr) -> Expr {
    match (op, operand) {
        (UnaryOp::Minus, Expr::Literal(Value::Int(i))) if i != i64::MIN => Expr::Literal(Value::Int(-i)),
        (UnaryOp::Minus, Expr::Literal(Value::Double(d))) => Expr::Literal(Value::double(-d)),
        (UnaryOp::Plus, Expr::Literal(v @ (Value::Int(_) | Value::Double(_)))) => Expr::Literal(v),
        (op, operand) => Expr::Unary(op, Box::new(operand)),
    }
}

/// `a op b op c ...` as a balanced tree (AND and OR are associative).
fn balanced(op: BinaryOp, mut operands: Vec<Expr>) -> Expr {
    if operands.len() == 1 {
        if let Some(only) = operands.pop() {
            return only;
        }
    }
    if operands.is_empty() {
        return Expr::Literal(Value::Null);
    }
    let right = operands.split_off(operands.len() / 2);
    Expr::Binary(op, Box::new(balanced(op, operands)), Box::new(balanced(op, right)))
}
