//! The operations of a query, read top to bottom: `WITH` at the start, then FILTER,
//! LET, COLLECT, SORT, LIMIT, WINDOW, RETURN and the data modifications (FOR and the
//! graph walks are [`super::graph`]'s). A query ends with RETURN or a modification.

use super::parser::Parser;
use super::token::{Kw, Tok};
use crate::ast::{CollectInto, CollectOp, CollectionRef, Expr, Modify, Op, Query, SortKey, UpsertOp, WindowOp};
use crate::error::{AqlError, AqlResult};

/// ArangoDB's errorNum for an aggregate that is no function call.
const INVALID_AGGREGATE_EXPRESSION: u32 = 1574;

impl<'a> Parser<'a> {
    /// The whole text: `[WITH ...]` and a query, then the end.
    pub(super) fn top_query(&mut self) -> AqlResult<Query> {
        let mut with_collections = Vec::new();
        if self.eat_kw(Kw::With) {
            loop {
                match self.tok() {
                    Tok::Ident(name) | Tok::QuotedIdent(name) => with_collections.push(name.clone()),
                    Tok::Param(_) | Tok::CollectionParam(_) => {
                        return Err(AqlError::not_supported("bind parameters in WITH"));
                    }
                    _ if with_collections.is_empty() => return Err(self.unexpected()),
                    _ => break,
                }
                self.bump();
                self.eat(&Tok::Comma);
            }
        }
        let ops = self.operations()?;
        if self.tok() != &Tok::End {
            return Err(self.unexpected());
        }
        Ok(Query { with_collections, ops })
    }

    /// A query in parentheses or as a function argument.
    pub(super) fn subquery(&mut self) -> AqlResult<Query> {
        self.enter()?;
        let ops = self.operations();
        self.leave(1);
        Ok(Query { with_collections: Vec::new(), ops: ops? })
    }

    pub(super) fn starts_statement(&self) -> bool {
        matches!(
            self.tok(),
            Tok::Kw(
                Kw::For
                    | Kw::Let
                    | Kw::Filter
                    | Kw::Return
                    | Kw::Collect
                    | Kw::Sort
                    | Kw::Limit
                    | Kw::Window
                    | Kw::Insert
                    | Kw::Update
                    | Kw::Replace
                    | Kw::Remove
                    | Kw::Upsert
            )
        )
    }

    fn operations(&mut self) -> AqlResult<Vec<Op>> {
        let mut ops = Vec::new();
        let mut in_loop = false;
        loop {
            let Tok::Kw(kw) = self.tok().clone() else {
                return self.end_of_operations(ops);
            };
            match kw {
                Kw::For => {
                    self.for_statement(&mut ops)?;
                    in_loop = true;
                }
                Kw::Let => self.let_statement(&mut ops)?,
                Kw::Filter => {
                    self.bump();
                    ops.push(Op::Filter(self.expression()?));
                }
                Kw::Collect => ops.push(self.collect()?),
                Kw::Sort => ops.push(self.sort()?),
                Kw::Limit => ops.push(self.limit()?),
                Kw::Window => ops.push(self.window()?),
                Kw::Return => {
                    ops.push(self.return_statement(in_loop)?);
                    return Ok(ops);
                }
                Kw::Insert | Kw::Update | Kw::Replace | Kw::Remove => ops.push(self.modification(kw)?),
                Kw::Upsert => ops.push(self.upsert()?),
                _ => return self.end_of_operations(ops),
            }
        }
    }

    fn end_of_operations(&self, ops: Vec<Op>) -> AqlResult<Vec<Op>> {
        match ops.last() {
            Some(Op::Insert(_) | Op::Update(_) | Op::Replace(_) | Op::Remove(_) | Op::Upsert(_)) => Ok(ops),
            _ => Err(self.unexpected()),
        }
    }

    /// `name = ` of LET, COLLECT, AGGREGATE, INTO.
    pub(super) fn assignment_target(&mut self) -> AqlResult<String> {
        let name = self.identifier()?;
        if !self.eat(&Tok::Assign) {
            return Err(self.unexpected_expecting("assignment"));
        }
        Ok(name)
    }

    fn let_statement(&mut self, ops: &mut Vec<Op>) -> AqlResult<()> {
        self.bump();
        loop {
            if self.starts_pattern() {
                let pattern = self.pattern()?;
                self.expect(&Tok::Assign)?;
                let expr = self.expression()?;
                let hidden = self.hidden_variable();
                ops.push(Op::Let { name: hidden.clone(), expr });
                self.lower_pattern(pattern, &hidden, ops);
            } else {
                let name = self.assignment_target()?;
                let expr = self.expression()?;
                ops.push(Op::Let { name, expr });
            }
            if !self.eat(&Tok::Comma) {
                return Ok(());
            }
        }
    }

    fn return_statement(&mut self, in_loop: bool) -> AqlResult<Op> {
        self.bump();
        let distinct = self.is_kw(Kw::Distinct);
        if distinct {
            if !in_loop {
                return Err(self.error_here("cannot use DISTINCT modifier on top-level query element"));
            }
            self.bump();
        }
        Ok(Op::Return { distinct, expr: self.expression()? })
    }

    /// `OPTIONS {...}` where a clause may end with it.
    pub(super) fn options(&mut self) -> AqlResult<Option<Expr>> {
        let Some(word) = self.tok().identifier() else { return Ok(None) };
        if !word.eq_ignore_ascii_case("OPTIONS") {
            let message = format!("unexpected qualifier '{word}', expecting 'OPTIONS'");
            return Err(self.error_here(&message));
        }
        self.bump();
        if self.tok() != &Tok::LBrace {
            return Err(self.unexpected());
        }
        Ok(Some(self.expression()?))
    }

    fn collect(&mut self) -> AqlResult<Op> {
        self.bump();
        let mut c = CollectOp {
            groups: Vec::new(),
            aggregates: Vec::new(),
            into: None,
            keep: Vec::new(),
            count_into: None,
            options: None,
        };
        if !self.is_kw(Kw::With) && !self.is_kw(Kw::Aggregate) {
            loop {
                let name = self.assignment_target()?;
                c.groups.push((name, self.expression()?));
                if !self.eat(&Tok::Comma) {
                    break;
                }
            }
        }
        if self.eat_kw(Kw::With) {
            if !self.is_word("COUNT") {
                let word = self.tok().identifier().unwrap_or(self.token_text()).to_string();
                return Err(self.error_here(&format!("unexpected qualifier '{word}', expecting 'COUNT'")));
            }
            self.bump();
            if !self.eat_kw(Kw::Into) {
                return Err(self.unexpected_expecting("INTO keyword"));
            }
            if self.tok().identifier().is_none() {
                return Err(self.unexpected_expecting("identifier"));
            }
            c.count_into = Some(self.identifier()?);
            c.options = self.options()?;
            return Ok(Op::Collect(c));
        }
        if self.is_kw(Kw::Aggregate) {
            c.aggregates = self.aggregates()?;
        }
        if self.eat_kw(Kw::Into) {
            let var = self.identifier()?;
            let projection = if self.eat(&Tok::Assign) { Some(self.expression()?) } else { None };
            c.into = Some(CollectInto { var, projection });
        }
        if c.aggregates.is_empty() && self.is_word("KEEP") {
            if c.into.is_none() {
                return Err(self.error_here("use of 'KEEP' without 'INTO'"));
            }
            self.bump();
            loop {
                c.keep.push(self.identifier()?);
                if !self.eat(&Tok::Comma) {
                    break;
                }
            }
        }
        c.options = self.options()?;
        Ok(Op::Collect(c))
    }

    /// `AGGREGATE name = FUNC(...), ...`
    fn aggregates(&mut self) -> AqlResult<Vec<(String, Expr)>> {
        self.bump();
        let mut out = Vec::new();
        loop {
            let name = self.assignment_target()?;
            let expr = self.expression()?;
            if !matches!(expr, Expr::Call { .. }) {
                return Err(
                    self.error_with(INVALID_AGGREGATE_EXPRESSION, "aggregate expression must be a function call")
                );
            }
            out.push((name, expr));
            if !self.eat(&Tok::Comma) {
                return Ok(out);
            }
        }
    }

    fn sort(&mut self) -> AqlResult<Op> {
        self.bump();
        let mut keys = Vec::new();
        loop {
            let expr = self.expression()?;
            let ascending = match self.tok().clone() {
                Tok::Kw(Kw::Asc) => Some(true),
                Tok::Kw(Kw::Desc) => Some(false),
                Tok::Kw(Kw::True) => Some(true),
                Tok::Kw(Kw::False) | Tok::Kw(Kw::Null) | Tok::OutOfRange => Some(false),
                Tok::Str(s) if s.eq_ignore_ascii_case("ASC") => Some(true),
                Tok::Str(s) if s.eq_ignore_ascii_case("DESC") => Some(false),
                Tok::Str(s) => Some(!s.is_empty()),
                Tok::Int(i) => Some(i != 0),
                Tok::Double(d) => Some(d != 0.0),
                Tok::Param(_) => return Err(AqlError::not_supported("a bind parameter as SORT direction")),
                _ => None,
            };
            if ascending.is_some() {
                self.bump();
            }
            keys.push(SortKey { expr, ascending: ascending.unwrap_or(true) });
            if !self.eat(&Tok::Comma) {
                return Ok(Op::Sort(keys));
            }
        }
    }

    fn limit(&mut self) -> AqlResult<Op> {
        self.bump();
        let first = self.expression()?;
        if self.eat(&Tok::Comma) {
            Ok(Op::Limit { offset: Some(first), count: self.expression()? })
        } else {
            Ok(Op::Limit { offset: None, count: first })
        }
    }

    /// `WINDOW {preceding, following} AGGREGATE ...` or `WINDOW value WITH {...} AGGREGATE ...`.
    fn window(&mut self) -> AqlResult<Op> {
        self.bump();
        let first = self.expression()?;
        let (range_value, bounds) = if self.eat_kw(Kw::With) {
            if self.tok() != &Tok::LBrace {
                return Err(self.unexpected());
            }
            (Some(first), self.expression()?)
        } else {
            (None, first)
        };
        let Expr::Object(members) = &bounds else { return Err(self.unexpected()) };
        self.check_window_bounds(members)?;
        if !self.is_kw(Kw::Aggregate) {
            return Err(self.unexpected());
        }
        let aggregates = self.aggregates()?;
        Ok(Op::Window(WindowOp { range_value, bounds, aggregates }))
    }

    fn check_window_bounds(&self, members: &[(crate::ast::ObjectKey, Expr)]) -> AqlResult<()> {
        if members.is_empty() {
            return Err(self.error_here("At least one WINDOW bound must be specified ('preceding'/'following')"));
        }
        let mut seen: Vec<&str> = Vec::new();
        for (key, _) in members {
            let crate::ast::ObjectKey::Static(name) = key else { continue };
            if name != "preceding" && name != "following" {
                let message =
                    format!("Invalid WINDOW attribute '{name}'; only \"preceding\" and \"following\" are supported");
                return Err(self.error_here(&message));
            }
            if seen.contains(&name.as_str()) {
                return Err(self.error_here(&format!("WINDOW attribute '{name}' is specified multiple times")));
            }
            seen.push(name);
        }
        Ok(())
    }

    /// `IN coll` / `INTO coll`: a name, a quoted name or `@@param`.
    fn target_collection(&mut self) -> AqlResult<CollectionRef> {
        let into = self.is_kw(Kw::Into);
        if !self.eat_kw(Kw::In) && !self.eat_kw(Kw::Into) {
            return Err(self.unexpected());
        }
        let out = match self.tok() {
            Tok::Ident(name) | Tok::QuotedIdent(name) | Tok::Str(name) => CollectionRef::Name(name.clone()),
            Tok::CollectionParam(name) => CollectionRef::Bind(name.clone()),
            _ if into => {
                return Err(self.unexpected_expecting("identifier or quoted string or bind data source parameter"))
            }
            _ => return Err(self.unexpected()),
        };
        self.bump();
        Ok(out)
    }

    /// The expression before `IN coll`, where that `IN` names the collection — unless
    /// what follows the name continues an expression: then, as in ArangoDB's grammar,
    /// `x IN a - b` is the expression and `IN`/`INTO` must still come.
    fn document_expression(&mut self) -> AqlResult<Expr> {
        let start = self.mark();
        let e = self.expression_no_in()?;
        let collection_next =
            matches!(self.peek_tok(1), Tok::Ident(_) | Tok::QuotedIdent(_) | Tok::Str(_) | Tok::CollectionParam(_));
        if self.is_kw(Kw::In) && collection_next && continues_expression(self.peek_tok(2)) {
            self.reset(start);
            return self.with_no_in(false, |p| p.expression());
        }
        Ok(e)
    }

    fn modification(&mut self, kw: Kw) -> AqlResult<Op> {
        let pos = self.pos();
        self.bump();
        let target = self.document_expression()?;
        let with = if matches!(kw, Kw::Update | Kw::Replace) && self.eat_kw(Kw::With) {
            Some(self.document_expression()?)
        } else {
            None
        };
        let collection = self.target_collection()?;
        let options = self.options()?;
        let m = Modify { pos, target, with, collection, options };
        Ok(match kw {
            Kw::Insert => Op::Insert(m),
            Kw::Update => Op::Update(m),
            Kw::Replace => Op::Replace(m),
            _ => Op::Remove(m),
        })
    }

    /// `UPSERT {search} | UPSERT FILTER cond` `INSERT doc UPDATE|REPLACE doc IN coll`.
    fn upsert(&mut self) -> AqlResult<Op> {
        let pos = self.pos();
        self.bump();
        let (search, filter) = if self.eat_kw(Kw::Filter) {
            (None, Some(self.expression()?))
        } else {
            let search = match self.bump().tok {
                Tok::LBrace => self.with_no_in(false, |p| p.object())?,
                Tok::Param(name) => Expr::Bind(name),
                _ => {
                    self.back();
                    return Err(self.unexpected());
                }
            };
            (Some(search), None)
        };
        if !self.eat_kw(Kw::Insert) {
            return Err(if search.is_some() { self.unexpected_expecting("INSERT command") } else { self.unexpected() });
        }
        let insert = self.expression()?;
        let replace = match self.tok() {
            Tok::Kw(Kw::Update) => false,
            Tok::Kw(Kw::Replace) => true,
            _ => return Err(self.unexpected()),
        };
        self.bump();
        let update = self.document_expression()?;
        let collection = self.target_collection()?;
        let options = self.options()?;
        Ok(Op::Upsert(UpsertOp { pos, search, filter, insert, update, replace, collection, options }))
    }
}

/// Whether `tok` after an operand goes on with the expression.
fn continues_expression(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::Eq
            | Tok::Ne
            | Tok::Lt
            | Tok::Le
            | Tok::Gt
            | Tok::Ge
            | Tok::NotIn
            | Tok::RegexMatch
            | Tok::RegexNotMatch
            | Tok::Range
            | Tok::Plus
            | Tok::Minus
            | Tok::Star
            | Tok::Slash
            | Tok::Percent
            | Tok::And
            | Tok::Or
            | Tok::Not
            | Tok::AtLeast
            | Tok::Question
            | Tok::Dot
            | Tok::LBracket
            | Tok::LParen
            | Tok::Scope
            | Tok::Kw(Kw::In | Kw::Like | Kw::All | Kw::Any | Kw::None)
    )
}
