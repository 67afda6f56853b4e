//! Expressions by precedence climbing, lowest first: OR, XOR, AND, NOT, comparisons
//! (chains desugared to AND), string/list/null predicates, + -, * / %, ^, unary + -,
//! then property lookups, indexing, slicing and label predicates on an atom. Unary minus
//! binds tighter than `^` (openCypher: `-3 ^ 2` is 9.0).

use super::cursor::Parser;
use super::lexer::{Punct, Tok};
use crate::ast::*;
use crate::error::CypherResult;

const OR: u8 = 1;
const XOR: u8 = 2;
const AND: u8 = 3;
const NOT: u8 = 4;
const CMP: u8 = 5;
const PRED: u8 = 6;
const ADD: u8 = 7;
const MUL: u8 = 8;
const POW: u8 = 9;

#[derive(Clone, Copy)]
enum Op {
    Bin(BinaryOp, usize),
    Is,
}

impl<'a> Parser<'a> {
    pub fn expr(&mut self) -> CypherResult<Expr> {
        self.enter()?;
        let e = self.binary(OR);
        self.exit();
        e
    }

    fn peek_op(&self) -> Option<(Op, u8)> {
        let bin = |op, n, lvl| Some((Op::Bin(op, n), lvl));
        match self.peek() {
            Tok::Word(w) => {
                let w = w.to_ascii_uppercase();
                match w.as_str() {
                    "OR" => bin(BinaryOp::Or, 1, OR),
                    "XOR" => bin(BinaryOp::Xor, 1, XOR),
                    "AND" => bin(BinaryOp::And, 1, AND),
                    "IN" => bin(BinaryOp::In, 1, PRED),
                    "CONTAINS" => bin(BinaryOp::Contains, 1, PRED),
                    "STARTS" if self.is_kw_n(1, "WITH") => bin(BinaryOp::StartsWith, 2, PRED),
                    "ENDS" if self.is_kw_n(1, "WITH") => bin(BinaryOp::EndsWith, 2, PRED),
                    "IS" => Some((Op::Is, PRED)),
                    _ => None,
                }
            }
            Tok::Punct(p) => match p {
                Punct::Eq => bin(BinaryOp::Eq, 1, CMP),
                Punct::Ne => bin(BinaryOp::Ne, 1, CMP),
                Punct::Lt => bin(BinaryOp::Lt, 1, CMP),
                Punct::Le => bin(BinaryOp::Le, 1, CMP),
                Punct::Gt => bin(BinaryOp::Gt, 1, CMP),
                Punct::Ge => bin(BinaryOp::Ge, 1, CMP),
                Punct::RegexEq => bin(BinaryOp::Regex, 1, PRED),
                Punct::Plus | Punct::DoublePipe => bin(BinaryOp::Add, 1, ADD),
                Punct::Minus => bin(BinaryOp::Sub, 1, ADD),
                Punct::Star => bin(BinaryOp::Mul, 1, MUL),
                Punct::Slash => bin(BinaryOp::Div, 1, MUL),
                Punct::Percent => bin(BinaryOp::Mod, 1, MUL),
                Punct::Caret => bin(BinaryOp::Pow, 1, POW),
                _ => None,
            },
            _ => None,
        }
    }

    fn binary(&mut self, min: u8) -> CypherResult<Expr> {
        let mut lhs = self.prefix(min)?;
        let entered = self.depth;
        let result = self.binary_tail(min, &mut lhs);
        self.depth = entered;
        result.map(|()| lhs)
    }

    fn binary_tail(&mut self, min: u8, lhs: &mut Expr) -> CypherResult<()> {
        loop {
            if self.at(Punct::BangEq) {
                return Err(self.error_here(
                    "Unknown operation '!=' (you probably meant to use '<>', which is the operator for inequality testing)",
                ));
            }
            let Some((op, lvl)) = self.peek_op() else { return Ok(()) };
            if lvl < min {
                return Ok(());
            }
            self.enter()?;
            let left = std::mem::replace(lhs, Expr::Literal(Literal::Null));
            *lhs = match op {
                Op::Is => {
                    self.advance();
                    let not = self.eat_kw("NOT");
                    if !self.eat_kw("NULL") {
                        return Err(self.not_supported("IS predicates other than IS [NOT] NULL"));
                    }
                    Expr::Unary(if not { UnaryOp::IsNotNull } else { UnaryOp::IsNull }, Box::new(left))
                }
                Op::Bin(op, n) if lvl == CMP => self.comparison_chain(left, op, n)?,
                Op::Bin(op, n) => {
                    for _ in 0..n {
                        self.advance();
                    }
                    let rhs = self.binary(lvl + 1)?;
                    Expr::Binary(op, Box::new(left), Box::new(rhs))
                }
            };
        }
    }

    /// `a < b <= c` is `a < b AND b <= c`.
    fn comparison_chain(&mut self, first: Expr, op: BinaryOp, n: usize) -> CypherResult<Expr> {
        let mut operands = vec![first];
        let mut ops = vec![op];
        for _ in 0..n {
            self.advance();
        }
        operands.push(self.binary(CMP + 1)?);
        while let Some((Op::Bin(op, n), CMP)) = self.peek_op() {
            self.enter()?;
            for _ in 0..n {
                self.advance();
            }
            ops.push(op);
            operands.push(self.binary(CMP + 1)?);
        }
        let mut parts = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let (Some(l), Some(r)) = (operands.get(i), operands.get(i + 1)) else { break };
            parts.push(Expr::Binary(*op, Box::new(l.clone()), Box::new(r.clone())));
        }
        let mut it = parts.into_iter();
        let mut acc = it.next().unwrap_or(Expr::Literal(Literal::Null));
        for p in it {
            acc = Expr::Binary(BinaryOp::And, Box::new(acc), Box::new(p));
        }
        Ok(acc)
    }

    fn prefix(&mut self, min: u8) -> CypherResult<Expr> {
        if min <= NOT && self.at_kw("NOT") {
            self.advance();
            self.enter()?;
            let e = self.binary(NOT);
            self.exit();
            return Ok(Expr::Unary(UnaryOp::Not, Box::new(e?)));
        }
        let sign = if self.at(Punct::Minus) {
            Some(UnaryOp::Neg)
        } else if self.at(Punct::Plus) {
            Some(UnaryOp::Plus)
        } else {
            None
        };
        if let Some(op) = sign {
            self.advance();
            self.enter()?;
            let e = self.signed_operand(op);
            self.exit();
            return e;
        }
        self.postfix(true)
    }

    fn signed_operand(&mut self, op: UnaryOp) -> CypherResult<Expr> {
        if op == UnaryOp::Neg {
            match self.peek().clone() {
                Tok::Integer(v) => {
                    let lit = match v {
                        Some(v) if v <= 1u64 << 63 => (v as i64).wrapping_neg(),
                        _ => return Err(self.error_here("integer is too large (IntegerOverflow)")),
                    };
                    self.advance();
                    return self.postfix_from(Expr::Literal(Literal::Integer(lit)), true);
                }
                Tok::Float(f) => {
                    self.advance();
                    return self.postfix_from(Expr::Literal(Literal::Float(-f)), true);
                }
                _ => {}
            }
        }
        let e = self.prefix(POW + 1)?;
        Ok(Expr::Unary(op, Box::new(e)))
    }

    /// An atom followed by property lookups, indexes and slices, then (if `labels`) a
    /// label predicate.
    pub fn postfix(&mut self, labels: bool) -> CypherResult<Expr> {
        let atom = self.atom()?;
        self.postfix_from(atom, labels)
    }

    fn postfix_from(&mut self, mut e: Expr, labels: bool) -> CypherResult<Expr> {
        let entered = self.depth;
        let r = self.postfix_loop(&mut e, labels);
        self.depth = entered;
        r.map(|()| e)
    }

    fn postfix_loop(&mut self, e: &mut Expr, labels: bool) -> CypherResult<()> {
        loop {
            if self.at(Punct::Dot) {
                self.advance();
                let key = self.name("a property key name")?;
                self.enter()?;
                let base = std::mem::replace(e, Expr::Literal(Literal::Null));
                *e = Expr::Property(Box::new(base), key);
            } else if self.at(Punct::LBracket) {
                self.advance();
                self.enter()?;
                let base = std::mem::replace(e, Expr::Literal(Literal::Null));
                *e = self.index_or_slice(base)?;
            } else if self.at(Punct::LBrace) && matches!(e, Expr::Variable(_)) {
                self.enter()?;
                let base = std::mem::replace(e, Expr::Literal(Literal::Null));
                *e = self.map_projection(base)?;
            } else if labels && self.at(Punct::Colon) {
                self.advance();
                self.enter()?;
                let le = self.label_expr(!self.no_pipe_labels)?;
                let base = std::mem::replace(e, Expr::Literal(Literal::Null));
                *e = Expr::HasLabels(Box::new(base), le);
            } else {
                return Ok(());
            }
        }
    }

    fn index_or_slice(&mut self, base: Expr) -> CypherResult<Expr> {
        let saved = self.no_pipe_labels;
        self.no_pipe_labels = false;
        let r = self.index_or_slice_inner(base);
        self.no_pipe_labels = saved;
        r
    }

    fn index_or_slice_inner(&mut self, base: Expr) -> CypherResult<Expr> {
        if self.eat(Punct::DotDot) {
            let to = if self.at(Punct::RBracket) { None } else { Some(Box::new(self.expr()?)) };
            self.expect(Punct::RBracket)?;
            return Ok(Expr::Slice(Box::new(base), None, to));
        }
        let first = self.expr()?;
        if self.eat(Punct::DotDot) {
            let to = if self.at(Punct::RBracket) { None } else { Some(Box::new(self.expr()?)) };
            self.expect(Punct::RBracket)?;
            return Ok(Expr::Slice(Box::new(base), Some(Box::new(first)), to));
        }
        self.expect(Punct::RBracket)?;
        Ok(Expr::Index(Box::new(base), Box::new(first)))
    }

    fn map_projection(&mut self, base: Expr) -> CypherResult<Expr> {
        self.expect(Punct::LBrace)?;
        let mut items = Vec::new();
        if !self.at(Punct::RBrace) {
            loop {
                if self.eat(Punct::Dot) {
                    if self.eat(Punct::Star) {
                        items.push(MapProjectionItem::AllProperties);
                    } else {
                        items.push(MapProjectionItem::Property(self.name("a property key name")?));
                    }
                } else {
                    let name = self.name("a map projection item")?;
                    if self.eat(Punct::Colon) {
                        items.push(MapProjectionItem::Literal(name, self.expr()?));
                    } else {
                        items.push(MapProjectionItem::Variable(name));
                    }
                }
                if !self.eat(Punct::Comma) {
                    break;
                }
            }
        }
        self.expect(Punct::RBrace)?;
        Ok(Expr::MapProjection { base: Box::new(base), items })
    }

    fn atom(&mut self) -> CypherResult<Expr> {
        let tok = self.peek().clone();
        match tok {
            Tok::Integer(v) => {
                self.advance();
                match v {
                    Some(v) if v <= i64::MAX as u64 => Ok(Expr::Literal(Literal::Integer(v as i64))),
                    _ => {
                        self.pos -= 1;
                        Err(self.error_here("integer is too large (IntegerOverflow)"))
                    }
                }
            }
            Tok::Float(f) => {
                self.advance();
                Ok(Expr::Literal(Literal::Float(f)))
            }
            Tok::Str(s) => {
                self.advance();
                Ok(Expr::Literal(Literal::String(s)))
            }
            Tok::Parameter(p) => {
                self.advance();
                Ok(Expr::Parameter(p))
            }
            Tok::Quoted(name) => {
                self.advance();
                Ok(Expr::Variable(name))
            }
            Tok::Word(w) => self.word_atom(&w),
            Tok::Punct(Punct::LParen) => self.paren_atom(),
            Tok::Punct(Punct::LBracket) => self.bracket_atom(),
            Tok::Punct(Punct::LBrace) => self.map_literal().map(Expr::Map),
            _ => Err(self.unexpected("an expression")),
        }
    }

    pub fn map_literal(&mut self) -> CypherResult<Vec<(String, Expr)>> {
        self.expect(Punct::LBrace)?;
        let saved = self.no_pipe_labels;
        self.no_pipe_labels = false;
        let mut entries = Vec::new();
        let r = (|| {
            if !self.at(Punct::RBrace) {
                loop {
                    let key = self.name("a property key name")?;
                    self.expect(Punct::Colon)?;
                    entries.push((key, self.expr()?));
                    if !self.eat(Punct::Comma) {
                        break;
                    }
                }
            }
            self.expect(Punct::RBrace)
        })();
        self.no_pipe_labels = saved;
        r.map(|()| entries)
    }

    fn word_atom(&mut self, w: &str) -> CypherResult<Expr> {
        let upper = w.to_ascii_uppercase();
        let next_paren = self.is_punct_n(1, Punct::LParen);
        let next_brace = self.is_punct_n(1, Punct::LBrace);
        match upper.as_str() {
            "NULL" => {
                self.advance();
                return Ok(Expr::Literal(Literal::Null));
            }
            "TRUE" => {
                self.advance();
                return Ok(Expr::Literal(Literal::Bool(true)));
            }
            "FALSE" => {
                self.advance();
                return Ok(Expr::Literal(Literal::Bool(false)));
            }
            "CASE" => return self.case_expr(),
            "EXISTS" if next_brace => {
                self.advance();
                return Ok(Expr::Exists(Box::new(self.subquery_body()?)));
            }
            "COUNT" if next_brace => {
                self.advance();
                return Ok(Expr::CountSubquery(Box::new(self.subquery_body()?)));
            }
            "COLLECT" if next_brace => {
                self.advance();
                return Ok(Expr::CollectSubquery(Box::new(self.subquery_body()?)));
            }
            "COUNT" if next_paren && self.is_punct_n(2, Punct::Star) && self.is_punct_n(3, Punct::RParen) => {
                for _ in 0..4 {
                    self.advance();
                }
                return Ok(Expr::CountStar);
            }
            "ALL" | "ANY" | "NONE" | "SINGLE"
                if next_paren && matches!(self.peek_n(2), Tok::Word(_) | Tok::Quoted(_)) && self.is_kw_n(3, "IN") =>
            {
                let quantifier = match upper.as_str() {
                    "ALL" => Quantifier::All,
                    "ANY" => Quantifier::Any,
                    "NONE" => Quantifier::None,
                    _ => Quantifier::Single,
                };
                self.advance();
                self.advance();
                let (variable, list, predicate) = self.id_in_coll_where()?;
                self.expect(Punct::RParen)?;
                return Ok(Expr::Quantified { quantifier, variable, list: Box::new(list), predicate });
            }
            "REDUCE" if next_paren => return self.reduce_expr(),
            _ => {}
        }
        if let Some(n) = self.function_name_len() {
            return self.function_call(n);
        }
        self.advance();
        Ok(Expr::Variable(w.to_string()))
    }

    /// How many tokens a function name takes (`name` or `ns.name`), when a `(` follows.
    fn function_name_len(&self) -> Option<usize> {
        let mut n = 1;
        loop {
            if self.is_punct_n(n, Punct::LParen) {
                return Some(n);
            }
            if self.is_punct_n(n, Punct::Dot) && matches!(self.peek_n(n + 1), Tok::Word(_) | Tok::Quoted(_)) {
                n += 2;
            } else {
                return None;
            }
        }
    }

    fn function_call(&mut self, name_tokens: usize) -> CypherResult<Expr> {
        let mut name = String::new();
        for _ in 0..name_tokens {
            match self.advance().tok {
                Tok::Word(w) | Tok::Quoted(w) => name.push_str(&w),
                _ => name.push('.'),
            }
        }
        self.expect(Punct::LParen)?;
        let saved = self.no_pipe_labels;
        self.no_pipe_labels = false;
        let r = (|| {
            let distinct = self.eat_kw("DISTINCT");
            if !distinct {
                self.eat_kw("ALL");
            }
            let mut args = Vec::new();
            if !self.at(Punct::RParen) {
                loop {
                    args.push(self.expr()?);
                    if !self.eat(Punct::Comma) {
                        break;
                    }
                }
            }
            self.expect(Punct::RParen)?;
            Ok(Expr::Function { name, distinct, args })
        })();
        self.no_pipe_labels = saved;
        r
    }

    /// `x IN list [WHERE predicate]`, shared by quantifiers and list comprehensions.
    fn id_in_coll_where(&mut self) -> CypherResult<(String, Expr, Option<Box<Expr>>)> {
        let variable = self.name("a variable name")?;
        self.expect_kw("IN")?;
        let list = self.expr()?;
        let predicate = if self.eat_kw("WHERE") { Some(Box::new(self.comprehension_predicate()?)) } else { None };
        Ok((variable, list, predicate))
    }

    fn comprehension_predicate(&mut self) -> CypherResult<Expr> {
        let saved = self.no_pipe_labels;
        self.no_pipe_labels = true;
        let r = self.expr();
        self.no_pipe_labels = saved;
        r
    }

    fn reduce_expr(&mut self) -> CypherResult<Expr> {
        self.advance();
        self.expect(Punct::LParen)?;
        let accumulator = self.name("an accumulator variable")?;
        self.expect(Punct::Eq)?;
        let init = self.expr()?;
        self.expect(Punct::Comma)?;
        let variable = self.name("a variable name")?;
        self.expect_kw("IN")?;
        let list = self.expr()?;
        self.expect(Punct::Pipe)?;
        let expr = self.expr()?;
        self.expect(Punct::RParen)?;
        Ok(Expr::Reduce { accumulator, init: Box::new(init), variable, list: Box::new(list), expr: Box::new(expr) })
    }

    fn case_expr(&mut self) -> CypherResult<Expr> {
        self.advance();
        let operand = if self.at_kw("WHEN") { None } else { Some(Box::new(self.expr()?)) };
        let mut whens = Vec::new();
        while self.eat_kw("WHEN") {
            let w = self.expr()?;
            self.expect_kw("THEN")?;
            whens.push((w, self.expr()?));
        }
        if whens.is_empty() {
            return Err(self.unexpected("WHEN"));
        }
        let otherwise = if self.eat_kw("ELSE") { Some(Box::new(self.expr()?)) } else { None };
        self.expect_kw("END")?;
        Ok(Expr::Case { operand, whens, otherwise })
    }

    /// `( ... )`: a pattern used as a predicate when it has a relationship, else a
    /// parenthesized expression.
    fn paren_atom(&mut self) -> CypherResult<Expr> {
        if let Some(element) = self.try_pattern_element(false)? {
            return Ok(Expr::PatternPredicate(Box::new(element)));
        }
        self.advance();
        let saved = self.no_pipe_labels;
        self.no_pipe_labels = false;
        let e = self.expr();
        self.no_pipe_labels = saved;
        let e = e?;
        self.expect(Punct::RParen)?;
        Ok(e)
    }

    /// Tries a pattern element with at least one relationship here (or, with
    /// `comprehension`, one followed by WHERE or `|`); restores the position when there
    /// is none.
    pub fn try_pattern_element(&mut self, comprehension: bool) -> CypherResult<Option<PatternElement>> {
        let start = self.pos;
        if self.failed_patterns.contains(&(start, comprehension)) {
            return Ok(None);
        }
        let mark = self.mark();
        let r = self.pattern_element();
        match r {
            Ok(el)
                if (!el.chain.is_empty() && !comprehension)
                    || (comprehension && (self.at_kw("WHERE") || self.at(Punct::Pipe))) =>
            {
                return Ok(Some(el));
            }
            Err(e) if e.kind == crate::error::ErrorKind::NotSupported => return Err(e),
            _ => {}
        }
        self.reset(mark);
        self.failed_patterns.insert((start, comprehension));
        Ok(None)
    }

    /// `[`: a list comprehension, a pattern comprehension or a list literal.
    fn bracket_atom(&mut self) -> CypherResult<Expr> {
        let saved = self.no_pipe_labels;
        self.no_pipe_labels = false;
        let r = self.bracket_atom_inner();
        self.no_pipe_labels = saved;
        r
    }

    fn bracket_atom_inner(&mut self) -> CypherResult<Expr> {
        self.advance();
        if matches!(self.peek(), Tok::Word(_) | Tok::Quoted(_)) && self.is_kw_n(1, "IN") {
            let (variable, list, predicate) = self.id_in_coll_where()?;
            let map = if self.eat(Punct::Pipe) { Some(Box::new(self.expr()?)) } else { None };
            self.expect(Punct::RBracket)?;
            return Ok(Expr::ListComprehension { variable, list: Box::new(list), predicate, map });
        }
        let named = matches!(self.peek(), Tok::Word(_) | Tok::Quoted(_))
            && self.is_punct_n(1, Punct::Eq)
            && self.is_punct_n(2, Punct::LParen);
        if named || self.at(Punct::LParen) {
            let mark = self.mark();
            let variable = if named {
                let v = self.name("a variable name")?;
                self.advance();
                Some(v)
            } else {
                None
            };
            if let Some(pattern) = self.try_pattern_element(true)? {
                let predicate =
                    if self.eat_kw("WHERE") { Some(Box::new(self.comprehension_predicate()?)) } else { None };
                self.expect(Punct::Pipe)?;
                let map = self.expr()?;
                self.expect(Punct::RBracket)?;
                return Ok(Expr::PatternComprehension {
                    variable,
                    pattern: Box::new(pattern),
                    predicate,
                    map: Box::new(map),
                });
            }
            self.reset(mark);
        }
        let mut items = Vec::new();
        if !self.at(Punct::RBracket) {
            loop {
                items.push(self.expr()?);
                if !self.eat(Punct::Comma) {
                    break;
                }
            }
        }
        self.expect(Punct::RBracket)?;
        Ok(Expr::List(items))
    }

    /// The body of EXISTS/COUNT/COLLECT `{ ... }`: a query, or a pattern with an optional
    /// WHERE, which becomes a query of one MATCH clause.
    fn subquery_body(&mut self) -> CypherResult<Query> {
        self.expect(Punct::LBrace)?;
        self.enter()?;
        let saved = self.no_pipe_labels;
        self.no_pipe_labels = false;
        let r = if self.at_clause_start() {
            self.query()
        } else {
            (|| {
                let pattern = self.pattern()?;
                let where_ = if self.eat_kw("WHERE") { Some(self.expr()?) } else { None };
                let m = Match { optional: false, pattern, where_, hints: Vec::new() };
                Ok(Query { first: SingleQuery { clauses: vec![Clause::Match(m)] }, unions: Vec::new() })
            })()
        };
        self.no_pipe_labels = saved;
        self.exit();
        let q = r?;
        self.expect(Punct::RBrace)?;
        Ok(q)
    }
}
