//! Patterns: comma-separated parts (`p = ...`, `shortestPath(...)`), node patterns with
//! label expressions, properties and inline WHERE, relationship patterns with direction,
//! types, variable length and properties; and the Neo4j 5 label expression grammar
//! (`|`, `&`, `:` as `&`, `!`, `%`, parentheses).

use super::cursor::Parser;
use super::lexer::{Punct, Tok};
use crate::ast::*;
use crate::error::CypherResult;

impl<'a> Parser<'a> {
    pub fn pattern(&mut self) -> CypherResult<Pattern> {
        let mut parts = vec![self.pattern_part()?];
        while self.eat(Punct::Comma) {
            parts.push(self.pattern_part()?);
        }
        Ok(parts)
    }

    pub fn pattern_part(&mut self) -> CypherResult<PatternPart> {
        let variable = if self.at_name() && self.is_punct_n(1, Punct::Eq) {
            let v = self.name("a variable name")?;
            self.advance();
            Some(v)
        } else {
            None
        };
        let shortest = if self.at_kw("shortestPath") && self.is_punct_n(1, Punct::LParen) {
            Some(PathKind::ShortestPath)
        } else if self.at_kw("allShortestPaths") && self.is_punct_n(1, Punct::LParen) {
            Some(PathKind::AllShortestPaths)
        } else {
            None
        };
        if let Some(kind) = shortest {
            self.advance();
            self.expect(Punct::LParen)?;
            let element = self.pattern_element()?;
            self.expect(Punct::RParen)?;
            return Ok(PatternPart { variable, kind, element });
        }
        if self.at_kw("SHORTEST") || (self.at_kw("ANY") && !self.is_punct_n(1, Punct::LParen)) {
            return Err(self.not_supported("Path selectors (SHORTEST, ANY)"));
        }
        let element = self.pattern_element()?;
        Ok(PatternPart { variable, kind: PathKind::Plain, element })
    }

    pub fn pattern_element(&mut self) -> CypherResult<PatternElement> {
        self.enter()?;
        let r = self.pattern_element_inner();
        self.exit();
        r
    }

    fn pattern_element_inner(&mut self) -> CypherResult<PatternElement> {
        if self.at(Punct::LParen) && self.is_punct_n(1, Punct::LParen) {
            self.advance();
            let inner = self.pattern_element()?;
            self.expect(Punct::RParen)?;
            if self.at(Punct::LBrace) || self.at(Punct::Plus) || self.at(Punct::Star) {
                return Err(self.not_supported("Quantified path patterns"));
            }
            if self.at(Punct::Minus) || self.at(Punct::Lt) {
                return Err(self.unexpected("a pattern to end after a parenthesized path"));
            }
            return Ok(inner);
        }
        let start = self.node_pattern()?;
        let mut chain = Vec::new();
        while self.at(Punct::Minus) || (self.at(Punct::Lt) && self.is_punct_n(1, Punct::Minus)) {
            let rel = self.rel_pattern()?;
            let node = self.node_pattern()?;
            chain.push((rel, node));
        }
        Ok(PatternElement { start, chain })
    }

    fn node_pattern(&mut self) -> CypherResult<NodePattern> {
        let position = self.position();
        self.expect(Punct::LParen)?;
        let variable = if self.at_name() { Some(self.name("a variable name")?) } else { None };
        let labels = if self.eat(Punct::Colon) {
            Some(self.label_expr(true)?)
        } else if self.at_kw("IS") && variable.is_some() {
            self.advance();
            Some(self.label_expr(true)?)
        } else {
            None
        };
        let properties = self.pattern_properties()?;
        let where_ = if self.eat_kw("WHERE") { Some(self.expr()?) } else { None };
        self.expect(Punct::RParen)?;
        Ok(NodePattern { variable, labels, properties, where_, position })
    }

    fn pattern_properties(&mut self) -> CypherResult<Option<Expr>> {
        match self.peek() {
            Tok::Punct(Punct::LBrace) => Ok(Some(Expr::Map(self.map_literal()?))),
            Tok::Parameter(p) => {
                let p = p.clone();
                self.advance();
                Ok(Some(Expr::Parameter(p)))
            }
            _ => Ok(None),
        }
    }

    fn rel_pattern(&mut self) -> CypherResult<RelPattern> {
        let position = self.position();
        let left = self.eat(Punct::Lt);
        self.expect(Punct::Minus)?;
        let mut rel = RelPattern {
            variable: None,
            direction: RelDirection::Either,
            types: Vec::new(),
            length: None,
            properties: None,
            where_: None,
            position,
        };
        if self.eat(Punct::LBracket) {
            if self.at_name() {
                rel.variable = Some(self.name("a variable name")?);
            }
            if self.eat(Punct::Colon) {
                let le = self.label_expr(true)?;
                rel.types = relationship_types(&le).ok_or_else(|| {
                    self.not_supported("Relationship type expressions other than a disjunction of types (A|B)")
                })?;
            }
            if self.eat(Punct::Star) {
                rel.length = Some(self.range()?);
            }
            rel.properties = self.pattern_properties()?;
            if self.eat_kw("WHERE") {
                rel.where_ = Some(self.expr()?);
            }
            self.expect(Punct::RBracket)?;
        }
        self.expect(Punct::Minus)?;
        let right = self.eat(Punct::Gt);
        rel.direction = match (left, right) {
            (true, false) => RelDirection::Incoming,
            (false, true) => RelDirection::Outgoing,
            _ => RelDirection::Either,
        };
        Ok(rel)
    }

    fn range(&mut self) -> CypherResult<(Option<u64>, Option<u64>)> {
        let min = self.range_bound()?;
        if self.eat(Punct::DotDot) {
            let max = self.range_bound()?;
            return Ok((min, max));
        }
        Ok((min, min))
    }

    fn range_bound(&mut self) -> CypherResult<Option<u64>> {
        match self.peek() {
            Tok::Integer(Some(v)) if *v <= i64::MAX as u64 => {
                let v = *v;
                self.advance();
                Ok(Some(v))
            }
            Tok::Integer(_) => Err(self.error_here("integer is too large (IntegerOverflow)")),
            _ => Ok(None),
        }
    }

    /// A label expression after `:`. `allow_pipe` is false where `|` ends the expression
    /// (the predicate of a comprehension).
    pub fn label_expr(&mut self, allow_pipe: bool) -> CypherResult<LabelExpr> {
        self.enter()?;
        let r = self.label_or(allow_pipe);
        self.exit();
        r
    }

    fn label_or(&mut self, allow_pipe: bool) -> CypherResult<LabelExpr> {
        let first = self.label_and()?;
        if !allow_pipe || !self.at(Punct::Pipe) {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.eat(Punct::Pipe) {
            self.eat(Punct::Colon);
            parts.push(self.label_and()?);
        }
        Ok(LabelExpr::Or(parts))
    }

    fn label_and(&mut self) -> CypherResult<LabelExpr> {
        let first = self.label_not()?;
        if !self.at(Punct::Amp) && !self.at(Punct::Colon) {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.eat(Punct::Amp) || self.eat(Punct::Colon) {
            parts.push(self.label_not()?);
        }
        Ok(LabelExpr::And(parts))
    }

    fn label_not(&mut self) -> CypherResult<LabelExpr> {
        if self.eat(Punct::Bang) {
            self.enter()?;
            let inner = self.label_not();
            self.exit();
            return Ok(LabelExpr::Not(Box::new(inner?)));
        }
        if self.eat(Punct::Percent) {
            return Ok(LabelExpr::Wildcard);
        }
        if self.eat(Punct::LParen) {
            let inner = self.label_expr(true)?;
            self.expect(Punct::RParen)?;
            return Ok(inner);
        }
        Ok(LabelExpr::Name(self.name("a label name")?))
    }
}

/// The types of `:A|B|C` (or a single `:A`); None for any other label expression.
fn relationship_types(le: &LabelExpr) -> Option<Vec<String>> {
    match le {
        LabelExpr::Name(n) => Some(vec![n.clone()]),
        LabelExpr::Or(parts) => {
            let mut out = Vec::new();
            for p in parts {
                out.extend(relationship_types(p)?);
            }
            Some(out)
        }
        _ => None,
    }
}
