//! FOR: a loop over an expression or collection (with `SEARCH` / `OPTIONS`), a graph
//! traversal `[min[..max]] OUTBOUND|INBOUND|ANY start GRAPH g | edge collections` with
//! `PRUNE [var =] cond` and `OPTIONS`, and the path searches SHORTEST_PATH,
//! K_SHORTEST_PATHS, K_PATHS and ALL_SHORTEST_PATHS (`start TO target`).

use super::parser::Parser;
use super::token::{Kw, Tok};
use crate::ast::Op;
use crate::ast::{
    CollectionRef, EdgeDirection, Expr, ForOp, ForSource, GraphRef, PathKind, PathSearch, Prune, Traversal,
};
use crate::error::AqlResult;

impl<'a> Parser<'a> {
    /// FOR, and the LETs of a destructuring loop variable (`FOR [k, v] IN ...`).
    pub(super) fn for_statement(&mut self, ops: &mut Vec<Op>) -> AqlResult<()> {
        let at = self.mark();
        self.bump();
        if !self.starts_pattern() {
            self.back();
            ops.push(self.for_loop()?);
            return Ok(());
        }
        let pattern = self.pattern()?;
        let hidden = self.hidden_variable();
        self.expect_kw(Kw::In)?;
        if self.direction().is_some() {
            return Err(self.unexpected());
        }
        let source = self.expression()?;
        if self.direction().is_some() {
            return Err(self.error_at(at, "Traversals only have one, two or three return variables"));
        }
        let (search, options) = self.for_options()?;
        let pos = self.pos_of(at);
        ops.push(Op::For(ForOp { pos, vars: vec![hidden.clone()], source: ForSource::Expr(source), options, search }));
        self.lower_pattern(pattern, &hidden, ops);
        Ok(())
    }

    fn for_loop(&mut self) -> AqlResult<Op> {
        let pos = self.pos();
        let vars_at = self.mark();
        self.bump();
        let mut vars = vec![self.identifier()?];
        while self.eat(&Tok::Comma) {
            vars.push(self.identifier()?);
        }
        self.expect_kw(Kw::In)?;
        let (depth, source) = if self.direction().is_some() {
            (None, None)
        } else {
            let e = self.expression()?;
            if self.direction().is_some() {
                (Some(e), None)
            } else {
                (None, Some(e))
            }
        };
        if let Some(source) = source {
            if vars.len() != 1 {
                let message = "Collections and views FOR loops only allow a single return variable";
                return Err(self.error_at(vars_at, message));
            }
            let (search, options) = self.for_options()?;
            if search.is_some() && !matches!(source, Expr::Var(_) | Expr::BindCollection(_)) {
                return Err(self.error_here("SEARCH condition used on non-view"));
            }
            return Ok(Op::For(ForOp { pos, vars, source: ForSource::Expr(source), options, search }));
        }
        let (min, max) = match depth {
            Some(Expr::Range(a, b)) => (Some(*a), Some(*b)),
            Some(e) => (Some(e), None),
            None => (None, None),
        };
        let direction = self.direction().unwrap_or(EdgeDirection::Outbound);
        self.bump();
        let kind = match self.tok() {
            Tok::Kw(Kw::ShortestPath) => Some(PathKind::ShortestPath),
            Tok::Kw(Kw::KShortestPaths) => Some(PathKind::KShortestPaths),
            Tok::Kw(Kw::KPaths) => Some(PathKind::KPaths),
            Tok::Kw(Kw::AllShortestPaths) => Some(PathKind::AllShortestPaths),
            _ => None,
        };
        let Some(kind) = kind else {
            return self.traversal(
                pos,
                vars,
                vars_at,
                Traversal {
                    min,
                    max,
                    direction,
                    start: Expr::Literal(crate::value::Value::Null),
                    graph: GraphRef::Collections(Vec::new()),
                    prune: None,
                    options: None,
                },
            );
        };
        if kind != PathKind::KPaths && min.is_some() {
            return Err(self.unexpected());
        }
        self.bump();
        let max_vars = if kind == PathKind::ShortestPath { 2 } else { 1 };
        if vars.len() > max_vars {
            let message = match kind {
                PathKind::ShortestPath => "SHORTEST_PATH must have one or two return variables",
                PathKind::KShortestPaths => "K_SHORTEST_PATHS only has one return variable",
                PathKind::KPaths => "K_PATHS only has one return variable",
                PathKind::AllShortestPaths => "ALL_SHORTEST_PATHS only has one return variable",
            };
            return Err(self.error_at(vars_at, message));
        }
        let start = self.expression()?;
        if !self.is_word("TO") {
            return match self.tok().identifier() {
                Some(word) => {
                    let message = format!("unexpected qualifier '{word}', expecting 'TO'");
                    Err(self.error_here(&message))
                }
                None => Err(self.unexpected()),
            };
        }
        self.bump();
        let target = self.expression()?;
        let graph = self.graph_subject()?;
        let options = self.options()?;
        let search = PathSearch { kind, min, max, direction, start, target, graph, options };
        Ok(Op::For(ForOp { pos, vars, source: ForSource::Path(search), options: None, search: None }))
    }

    fn traversal(
        &mut self,
        pos: crate::ast::Pos,
        vars: Vec<String>,
        vars_at: usize,
        mut t: Traversal,
    ) -> AqlResult<Op> {
        if vars.len() > 3 {
            return Err(self.error_at(vars_at, "Traversals only have one, two or three return variables"));
        }
        t.start = self.expression()?;
        t.graph = self.graph_subject()?;
        if self.is_word("PRUNE") {
            self.bump();
            let var = match (self.tok().identifier(), self.peek_tok(1)) {
                (Some(name), Tok::Assign) => {
                    let name = name.to_string();
                    self.bump();
                    self.bump();
                    Some(name)
                }
                _ => None,
            };
            let condition = self.expression()?;
            if uses_subquery(&condition) {
                return Err(self.error_here("PRUNE condition must not use a subquery"));
            }
            t.prune = Some(Prune { var, condition });
            t.options = self.options()?;
        } else if self.is_word("OPTIONS") {
            self.bump();
            let options = self.expression()?;
            self.check_options(&options)?;
            t.options = Some(options);
        } else if let Some(word) = self.tok().identifier() {
            let message = format!("unexpected qualifier '{word}', expecting 'PRUNE' or 'OPTIONS'");
            return Err(self.error_here(&message));
        }
        Ok(Op::For(ForOp { pos, vars, source: ForSource::Traversal(t), options: None, search: None }))
    }

    fn direction(&self) -> Option<EdgeDirection> {
        match self.tok() {
            Tok::Kw(Kw::Outbound) => Some(EdgeDirection::Outbound),
            Tok::Kw(Kw::Inbound) => Some(EdgeDirection::Inbound),
            Tok::Kw(Kw::Any) => Some(EdgeDirection::Any),
            _ => None,
        }
    }

    /// `GRAPH 'name' | GRAPH name | GRAPH @g`, or edge collections `[dir] coll, ...`.
    fn graph_subject(&mut self) -> AqlResult<GraphRef> {
        if self.eat_kw(Kw::Graph) {
            let name = match self.tok() {
                Tok::Str(s) | Tok::Ident(s) | Tok::QuotedIdent(s) => {
                    Expr::Literal(crate::value::Value::String(s.clone()))
                }
                Tok::Param(p) => Expr::Bind(p.clone()),
                Tok::CollectionParam(p) => Expr::BindCollection(p.clone()),
                _ => return Err(self.unexpected()),
            };
            self.bump();
            return Ok(GraphRef::Named(name));
        }
        let mut list = Vec::new();
        loop {
            let direction = self.direction();
            if direction.is_some() {
                self.bump();
            }
            let coll = match self.tok() {
                Tok::Ident(s) | Tok::QuotedIdent(s) => CollectionRef::Name(s.clone()),
                Tok::CollectionParam(p) => CollectionRef::Bind(p.clone()),
                Tok::Param(p) => {
                    let what = format!("a value bind parameter (@{p}) as edge collection; bind it as @@{p}");
                    return Err(crate::error::AqlError::not_supported(what));
                }
                _ => return Err(self.unexpected()),
            };
            self.bump();
            list.push((direction, coll));
            if !self.eat(&Tok::Comma) {
                return Ok(GraphRef::Collections(list));
            }
        }
    }

    /// After a loop's source: `SEARCH expr [OPTIONS {...}]` or `OPTIONS {...}`.
    fn for_options(&mut self) -> AqlResult<(Option<Expr>, Option<Expr>)> {
        let Some(word) = self.tok().identifier() else { return Ok((None, None)) };
        if word.eq_ignore_ascii_case("SEARCH") {
            self.bump();
            let search = self.expression()?;
            let options = match self.tok().identifier() {
                Some(w) if w.eq_ignore_ascii_case("OPTIONS") => {
                    self.bump();
                    let options = self.expression()?;
                    self.check_options(&options)?;
                    Some(options)
                }
                Some(w) => {
                    let message = format!("unexpected qualifier '{w}', expecting 'SEARCH' and 'OPTIONS'");
                    return Err(self.error_here(&message));
                }
                None => None,
            };
            return Ok((Some(search), options));
        }
        if !word.eq_ignore_ascii_case("OPTIONS") {
            let message = format!("unexpected qualifier '{word}', expecting 'SEARCH' or 'OPTIONS'");
            return Err(self.error_here(&message));
        }
        self.bump();
        let options = self.expression()?;
        self.check_options(&options)?;
        Ok((None, Some(options)))
    }

    fn check_options(&self, options: &Expr) -> AqlResult<()> {
        match options {
            Expr::Object(_) | Expr::Bind(_) => Ok(()),
            _ => Err(self.error_here("'OPTIONS' have to be an object")),
        }
    }
}

/// Whether a subquery occurs in `e` (ArangoDB refuses one in PRUNE).
fn uses_subquery(e: &Expr) -> bool {
    match e {
        Expr::Subquery(_) => true,
        Expr::Literal(_) | Expr::Var(_) | Expr::Bind(_) | Expr::BindCollection(_) => false,
        Expr::Array(items) | Expr::Call { args: items, .. } => items.iter().any(uses_subquery),
        Expr::Object(members) => members
            .iter()
            .any(|(k, v)| matches!(k, crate::ast::ObjectKey::Computed(k) if uses_subquery(k)) || uses_subquery(v)),
        Expr::Attribute(a, _) | Expr::Unary(_, a) => uses_subquery(a),
        Expr::Index(a, b) | Expr::Binary(_, a, b) | Expr::Range(a, b) => uses_subquery(a) || uses_subquery(b),
        Expr::Quantified { quantifier, lhs, rhs, .. } => {
            matches!(quantifier, crate::ast::Quantifier::AtLeast(n) if uses_subquery(n))
                || uses_subquery(lhs)
                || uses_subquery(rhs)
        }
        Expr::Ternary { cond, then, otherwise } => {
            uses_subquery(cond) || then.as_deref().is_some_and(uses_subquery) || uses_subquery(otherwise)
        }
        Expr::Expansion(x) => {
            let limit = x.limit.iter().flat_map(|(o, c)| o.iter().chain(std::iter::once(c)));
            uses_subquery(&x.base)
                || [&x.filter, &x.ret, &x.rest].into_iter().flatten().any(|b| uses_subquery(b))
                || limit.into_iter().any(|b| uses_subquery(b))
        }
    }
}
