//! Statements, queries (UNION), and the clauses of a single query: reading, projecting,
//! updating, FOREACH, CALL procedures and CALL subqueries.

use super::cursor::Parser;
use super::lexer::{Punct, Tok};
use crate::ast::*;
use crate::error::CypherResult;

const CLAUSE_WORDS: &[&str] = &[
    "MATCH", "OPTIONAL", "UNWIND", "WITH", "RETURN", "CREATE", "MERGE", "SET", "REMOVE", "DELETE", "DETACH",
    "NODETACH", "FOREACH", "CALL", "LOAD", "USE", "FINISH", "INSERT",
];

impl<'a> Parser<'a> {
    pub fn statement(&mut self) -> CypherResult<Statement> {
        self.enter()?;
        let st = if self.eat_kw("EXPLAIN") {
            Statement::Explain(Box::new(self.statement()?))
        } else if self.eat_kw("PROFILE") {
            Statement::Profile(Box::new(self.statement()?))
        } else if let Some(st) = self.command()? {
            st
        } else {
            Statement::Query(self.query()?)
        };
        self.exit();
        Ok(st)
    }

    pub fn at_clause_start(&self) -> bool {
        CLAUSE_WORDS.iter().any(|w| self.at_kw(w))
    }

    pub fn query(&mut self) -> CypherResult<Query> {
        let first = self.single_query()?;
        let mut unions = Vec::new();
        while self.eat_kw("UNION") {
            let all = self.eat_kw("ALL");
            if !all {
                self.eat_kw("DISTINCT");
            }
            unions.push((all, self.single_query()?));
        }
        Ok(Query { first, unions })
    }

    fn single_query(&mut self) -> CypherResult<SingleQuery> {
        let mut clauses = Vec::new();
        while let Some(c) = self.clause()? {
            clauses.push(c);
        }
        if clauses.is_empty() {
            return Err(self.unexpected("a clause (MATCH, RETURN, CREATE, ...)"));
        }
        Ok(SingleQuery { clauses })
    }

    fn clause(&mut self) -> CypherResult<Option<Clause>> {
        let Tok::Word(w) = self.peek() else { return Ok(None) };
        let position = self.position();
        let c = match w.to_ascii_uppercase().as_str() {
            "MATCH" => {
                self.advance();
                self.match_clause(false)?
            }
            "OPTIONAL" if self.is_kw_n(1, "MATCH") => {
                self.advance();
                self.advance();
                self.match_clause(true)?
            }
            "UNWIND" => {
                self.advance();
                let expr = self.expr()?;
                self.expect_kw("AS")?;
                Clause::Unwind { expr, variable: self.name("a variable name")? }
            }
            "WITH" => {
                self.advance();
                let projection = self.projection()?;
                let where_ = if self.eat_kw("WHERE") { Some(self.expr()?) } else { None };
                Clause::With(With { projection, where_ })
            }
            "RETURN" => {
                self.advance();
                Clause::Return(self.projection()?)
            }
            "CREATE" | "INSERT" => {
                self.advance();
                Clause::Create(self.pattern()?)
            }
            "MERGE" => {
                self.advance();
                self.merge_clause()?
            }
            "SET" => {
                self.advance();
                Clause::Set(self.set_items()?)
            }
            "REMOVE" => {
                self.advance();
                Clause::Remove(self.remove_items()?)
            }
            "DELETE" => {
                self.advance();
                Clause::Delete { detach: false, exprs: self.expr_list()? }
            }
            "DETACH" | "NODETACH" if self.is_kw_n(1, "DELETE") => {
                let detach = self.at_kw("DETACH");
                self.advance();
                self.advance();
                Clause::Delete { detach, exprs: self.expr_list()? }
            }
            "FOREACH" => {
                self.advance();
                self.foreach_clause()?
            }
            "CALL" => {
                self.advance();
                self.call_clause(position)?
            }
            "LOAD" if self.is_kw_n(1, "CSV") => {
                self.advance();
                self.advance();
                self.load_csv()?;
                Clause::Unsupported { clause: "LOAD CSV".into(), position }
            }
            "USE" => {
                self.advance();
                self.eat_kw("GRAPH");
                self.expr()?;
                Clause::Unsupported { clause: "USE".into(), position }
            }
            "FINISH" => {
                self.advance();
                Clause::Unsupported { clause: "FINISH".into(), position }
            }
            _ => return Ok(None),
        };
        Ok(Some(c))
    }

    fn expr_list(&mut self) -> CypherResult<Vec<Expr>> {
        let mut out = vec![self.expr()?];
        while self.eat(Punct::Comma) {
            out.push(self.expr()?);
        }
        Ok(out)
    }

    fn match_clause(&mut self, optional: bool) -> CypherResult<Clause> {
        if self.at_kw("REPEATABLE") || self.at_kw("DIFFERENT") {
            return Err(self.not_supported("MATCH modes (REPEATABLE ELEMENTS, DIFFERENT RELATIONSHIPS)"));
        }
        let pattern = self.pattern()?;
        let mut hints = Vec::new();
        while self.at_kw("USING") {
            hints.push(self.hint()?);
        }
        let where_ = if self.eat_kw("WHERE") { Some(self.expr()?) } else { None };
        Ok(Clause::Match(Match { optional, pattern, where_, hints }))
    }

    /// `USING [TEXT|RANGE|POINT] INDEX [SEEK] n:L(p, ...)`, `USING SCAN n:L`,
    /// `USING JOIN ON a, b`: kept as written.
    fn hint(&mut self) -> CypherResult<String> {
        let start = self.offset();
        self.advance();
        if self.eat_kw("JOIN") {
            self.expect_kw("ON")?;
            self.name("a variable name")?;
            while self.eat(Punct::Comma) {
                self.name("a variable name")?;
            }
        } else if self.eat_kw("SCAN") {
            self.name("a variable name")?;
            self.expect(Punct::Colon)?;
            self.name("a label name")?;
        } else {
            for kind in ["TEXT", "RANGE", "POINT", "BTREE"] {
                if self.eat_kw(kind) {
                    break;
                }
            }
            self.expect_kw("INDEX")?;
            self.eat_kw("SEEK");
            self.name("a variable name")?;
            self.expect(Punct::Colon)?;
            self.name("a label name")?;
            self.expect(Punct::LParen)?;
            self.name("a property key name")?;
            while self.eat(Punct::Comma) {
                self.name("a property key name")?;
            }
            self.expect(Punct::RParen)?;
        }
        Ok(self.src.get(start..self.prev_end()).unwrap_or("").to_string())
    }

    fn projection(&mut self) -> CypherResult<Projection> {
        let distinct = self.eat_kw("DISTINCT");
        let mut items = Vec::new();
        let star = self.eat(Punct::Star);
        if !star || self.eat(Punct::Comma) {
            loop {
                items.push(self.projection_item()?);
                if !self.eat(Punct::Comma) {
                    break;
                }
            }
        }
        let mut order_by = Vec::new();
        if self.at_kw("ORDER") {
            self.advance();
            self.expect_kw("BY")?;
            loop {
                let expr = self.expr()?;
                let descending = if self.eat_kw("DESC") || self.eat_kw("DESCENDING") {
                    true
                } else {
                    let _ = self.eat_kw("ASC") || self.eat_kw("ASCENDING");
                    false
                };
                order_by.push(SortItem { expr, descending });
                if !self.eat(Punct::Comma) {
                    break;
                }
            }
        }
        let skip = if self.eat_kw("SKIP") || self.eat_kw("OFFSET") { Some(self.expr()?) } else { None };
        let limit = if self.eat_kw("LIMIT") { Some(self.expr()?) } else { None };
        Ok(Projection { distinct, star, items, order_by, skip, limit })
    }

    fn projection_item(&mut self) -> CypherResult<ProjectionItem> {
        let start = self.offset();
        let expr = self.expr()?;
        let text = self.src.get(start..self.prev_end()).unwrap_or("").trim().to_string();
        let alias = if self.eat_kw("AS") { Some(self.name("a variable name")?) } else { None };
        Ok(ProjectionItem { expr, alias, text })
    }

    fn merge_clause(&mut self) -> CypherResult<Clause> {
        let part = self.pattern_part()?;
        let mut on_create = Vec::new();
        let mut on_match = Vec::new();
        while self.at_kw("ON") {
            self.advance();
            let create = if self.eat_kw("CREATE") {
                true
            } else if self.eat_kw("MATCH") {
                false
            } else {
                return Err(self.unexpected("CREATE or MATCH"));
            };
            self.expect_kw("SET")?;
            let items = self.set_items()?;
            if create {
                on_create.extend(items);
            } else {
                on_match.extend(items);
            }
        }
        Ok(Clause::Merge(Merge { part, on_create, on_match }))
    }

    fn set_items(&mut self) -> CypherResult<Vec<SetItem>> {
        let mut items = vec![self.set_item()?];
        while self.eat(Punct::Comma) {
            items.push(self.set_item()?);
        }
        Ok(items)
    }

    fn set_item(&mut self) -> CypherResult<SetItem> {
        let target = self.postfix(false)?;
        if self.at(Punct::Colon) || self.at_kw("IS") {
            let Expr::Variable(variable) = target else {
                return Err(self.unexpected("'=' or '+='"));
            };
            return Ok(SetItem::Labels { variable, labels: self.label_list()? });
        }
        if self.eat(Punct::PlusEq) {
            let Expr::Variable(variable) = target else {
                return Err(self.error_here("Invalid input '+=': expected a variable on its left"));
            };
            return Ok(SetItem::Merge { variable, value: self.expr()? });
        }
        self.expect(Punct::Eq)?;
        let value = self.expr()?;
        match target {
            Expr::Variable(variable) => Ok(SetItem::Replace { variable, value }),
            Expr::Property(target, key) => Ok(SetItem::Property { target: *target, key, value }),
            Expr::Index(..) => Err(self.not_supported("SET with a dynamic property key (n[key] = ...)")),
            _ => Err(self.error_here("Invalid input: SET needs a property or a variable on the left of '='")),
        }
    }

    /// `:A:B` (or `IS A`) as SET and REMOVE take them.
    fn label_list(&mut self) -> CypherResult<Vec<String>> {
        let mut labels = Vec::new();
        if self.eat_kw("IS") {
            labels.push(self.name("a label name")?);
            while self.eat(Punct::Amp) {
                labels.push(self.name("a label name")?);
            }
            return Ok(labels);
        }
        while self.eat(Punct::Colon) {
            labels.push(self.name("a label name")?);
            while self.eat(Punct::Amp) {
                labels.push(self.name("a label name")?);
            }
        }
        if self.at(Punct::Pipe) {
            return Err(self.unexpected("a label conjunction (':A:B'); '|' is not allowed here"));
        }
        Ok(labels)
    }

    fn remove_items(&mut self) -> CypherResult<Vec<RemoveItem>> {
        let mut items = Vec::new();
        loop {
            let target = self.postfix(false)?;
            let item = if self.at(Punct::Colon) || self.at_kw("IS") {
                let Expr::Variable(variable) = target else {
                    return Err(self.unexpected("a variable before the labels"));
                };
                RemoveItem::Labels { variable, labels: self.label_list()? }
            } else {
                match target {
                    Expr::Property(target, key) => RemoveItem::Property { target: *target, key },
                    Expr::Index(..) => return Err(self.not_supported("REMOVE with a dynamic property key")),
                    _ => return Err(self.unexpected("a property or labels to remove")),
                }
            };
            items.push(item);
            if !self.eat(Punct::Comma) {
                return Ok(items);
            }
        }
    }

    fn foreach_clause(&mut self) -> CypherResult<Clause> {
        self.expect(Punct::LParen)?;
        let variable = self.name("a variable name")?;
        self.expect_kw("IN")?;
        let list = self.expr()?;
        self.expect(Punct::Pipe)?;
        self.enter()?;
        let mut clauses = Vec::new();
        while let Some(c) = self.clause()? {
            clauses.push(c);
        }
        self.exit();
        if clauses.is_empty() {
            return Err(self.unexpected("an updating clause"));
        }
        self.expect(Punct::RParen)?;
        Ok(Clause::Foreach { variable, list, clauses })
    }

    fn call_clause(&mut self, position: Position) -> CypherResult<Clause> {
        if self.at(Punct::LBrace) || self.at(Punct::LParen) {
            return self.call_subquery();
        }
        let mut name = self.name("a procedure name")?;
        while self.eat(Punct::Dot) {
            name.push('.');
            name.push_str(&self.name("a procedure name")?);
        }
        let args = if self.eat(Punct::LParen) {
            let mut args = Vec::new();
            if !self.at(Punct::RParen) {
                args = self.expr_list()?;
            }
            self.expect(Punct::RParen)?;
            Some(args)
        } else {
            None
        };
        let mut call = ProcedureCall { name, args, yields: None, yield_star: false, where_: None, position };
        if self.eat_kw("YIELD") {
            if self.eat(Punct::Star) {
                call.yield_star = true;
                call.yields = Some(Vec::new());
            } else {
                let mut items = Vec::new();
                loop {
                    let field = self.name("a procedure result field")?;
                    let alias = if self.eat_kw("AS") { Some(self.name("a variable name")?) } else { None };
                    items.push(YieldItem { field, alias });
                    if !self.eat(Punct::Comma) {
                        break;
                    }
                }
                call.yields = Some(items);
            }
            if self.eat_kw("WHERE") {
                call.where_ = Some(self.expr()?);
            }
        }
        Ok(Clause::CallProcedure(call))
    }

    fn call_subquery(&mut self) -> CypherResult<Clause> {
        let scope = if self.eat(Punct::LParen) {
            let mut vars = Vec::new();
            if self.eat(Punct::Star) {
                return Err(self.not_supported("CALL (*) { } scope"));
            }
            if !self.at(Punct::RParen) {
                loop {
                    vars.push(self.name("a variable name")?);
                    if !self.eat(Punct::Comma) {
                        break;
                    }
                }
            }
            self.expect(Punct::RParen)?;
            Some(vars)
        } else {
            None
        };
        self.expect(Punct::LBrace)?;
        self.enter()?;
        let query = self.query();
        self.exit();
        let query = query?;
        self.expect(Punct::RBrace)?;
        let in_transactions = if self.at_kw("IN") {
            self.advance();
            if self.at_kw("CONCURRENT") || !self.at_kw("TRANSACTIONS") {
                return Err(self.not_supported("CALL { } IN CONCURRENT TRANSACTIONS"));
            }
            self.advance();
            let rows = if self.eat_kw("OF") {
                let e = self.expr()?;
                if !self.eat_kw("ROWS") && !self.eat_kw("ROW") {
                    return Err(self.unexpected("ROWS"));
                }
                Some(e)
            } else {
                None
            };
            if self.at_kw("ON") || self.at_kw("REPORT") {
                return Err(self.not_supported("CALL { } IN TRANSACTIONS ON ERROR / REPORT STATUS"));
            }
            Some(InTransactions { rows })
        } else {
            None
        };
        Ok(Clause::CallSubquery { query: Box::new(query), scope, in_transactions })
    }

    /// `LOAD CSV [WITH HEADERS] FROM url AS line [FIELDTERMINATOR 'c']`, parsed only.
    fn load_csv(&mut self) -> CypherResult<()> {
        if self.eat_kw("WITH") {
            self.expect_kw("HEADERS")?;
        }
        self.expect_kw("FROM")?;
        self.expr()?;
        self.expect_kw("AS")?;
        self.name("a variable name")?;
        if self.eat_kw("FIELDTERMINATOR") {
            if !matches!(self.peek(), Tok::Str(_)) {
                return Err(self.unexpected("a string"));
            }
            self.advance();
        }
        Ok(())
    }
}
