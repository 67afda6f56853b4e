//! SELECT, INSERT, UPDATE, DELETE and BATCH.

use super::ast::*;
use super::cursor::Cursor;
use super::terms::{relations, select_items, term};
use super::{qualified_name, statement};
use crate::error::CqlResult;
use crate::schema::ClusteringOrder;

pub fn select(c: &mut Cursor) -> CqlResult<Statement> {
    let json = c.eat_word("json");
    let distinct = c.eat_word("distinct");
    let items = select_items(c)?;
    c.expect_word("from")?;
    let table = qualified_name(c)?;
    let where_clause = if c.eat_word("where") { relations(c)? } else { Vec::new() };
    let mut group_by = Vec::new();
    if c.eat_words(&["group", "by"]) {
        group_by.push(c.ident()?);
        while c.eat_symbol(",") {
            group_by.push(c.ident()?);
        }
    }
    let mut order_by = Vec::new();
    if c.eat_words(&["order", "by"]) {
        loop {
            let name = c.ident()?;
            let order = if c.eat_word("desc") {
                ClusteringOrder::Desc
            } else {
                c.eat_word("asc");
                ClusteringOrder::Asc
            };
            order_by.push((name, order));
            if !c.eat_symbol(",") {
                break;
            }
        }
    }
    let per_partition_limit = if c.eat_words(&["per", "partition", "limit"]) { Some(term(c)?) } else { None };
    let limit = if c.eat_word("limit") { Some(term(c)?) } else { None };
    let allow_filtering = c.eat_words(&["allow", "filtering"]);
    Ok(Statement::Select(Select {
        json,
        distinct,
        items,
        table,
        where_clause,
        group_by,
        order_by,
        per_partition_limit,
        limit,
        allow_filtering,
    }))
}

fn using(c: &mut Cursor, allow_ttl: bool) -> CqlResult<Using> {
    let mut using = Using::default();
    if !c.eat_word("using") {
        return Ok(using);
    }
    loop {
        if allow_ttl && c.eat_word("ttl") {
            using.ttl = Some(term(c)?);
        } else if c.eat_word("timestamp") {
            using.timestamp = Some(term(c)?);
        } else {
            return Err(c.error("expecting TTL or TIMESTAMP"));
        }
        if !c.eat_word("and") {
            return Ok(using);
        }
    }
}

fn condition(c: &mut Cursor, allow_not_exists: bool) -> CqlResult<Condition> {
    if !c.eat_word("if") {
        return Ok(Condition::None);
    }
    if c.eat_word("exists") {
        return Ok(Condition::IfExists);
    }
    if allow_not_exists && c.eat_words(&["not", "exists"]) {
        return Ok(Condition::IfNotExists);
    }
    Ok(Condition::If(relations(c)?))
}

pub fn insert(c: &mut Cursor) -> CqlResult<Statement> {
    c.expect_word("into")?;
    let table = qualified_name(c)?;
    let mut columns = Vec::new();
    let mut values = Vec::new();
    let mut json = None;
    if c.eat_word("json") {
        let doc = term(c)?;
        let mut unset = false;
        if c.eat_word("default") {
            if c.eat_word("unset") {
                unset = true;
            } else {
                c.expect_word("null")?;
            }
        }
        json = Some((doc, unset));
    } else {
        c.expect_symbol("(")?;
        loop {
            columns.push(c.ident()?);
            if c.eat_symbol(")") {
                break;
            }
            c.expect_symbol(",")?;
        }
        c.expect_word("values")?;
        c.expect_symbol("(")?;
        loop {
            values.push(term(c)?);
            if c.eat_symbol(")") {
                break;
            }
            c.expect_symbol(",")?;
        }
    }
    let if_not_exists = c.eat_words(&["if", "not", "exists"]);
    let using = using(c, true)?;
    Ok(Statement::Insert(Insert { table, columns, values, json, if_not_exists, using }))
}

fn assign_target(c: &mut Cursor) -> CqlResult<AssignTarget> {
    let name = c.ident()?;
    if c.eat_symbol("[") {
        let key = term(c)?;
        c.expect_symbol("]")?;
        Ok(AssignTarget::Element(name, key))
    } else if c.eat_symbol(".") {
        Ok(AssignTarget::Field(name, c.ident()?))
    } else {
        Ok(AssignTarget::Column(name))
    }
}

pub fn update(c: &mut Cursor) -> CqlResult<Statement> {
    let table = qualified_name(c)?;
    let using = using(c, true)?;
    c.expect_word("set")?;
    let mut assignments = Vec::new();
    loop {
        let target = assign_target(c)?;
        c.expect_symbol("=")?;
        let value = match (term(c)?, &target) {
            (Term::Binary { op, left, right }, AssignTarget::Column(name)) if *left == Term::Column(name.clone()) => {
                match op {
                    BinaryOp::Add => AssignValue::Append(*right),
                    BinaryOp::Subtract => AssignValue::Remove(*right),
                }
            }
            (Term::Binary { op: BinaryOp::Add, left, right }, AssignTarget::Column(name))
                if *right == Term::Column(name.clone()) =>
            {
                AssignValue::Prepend(*left)
            }
            (other, _) => AssignValue::Set(other),
        };
        assignments.push(Assignment { target, value });
        if !c.eat_symbol(",") {
            break;
        }
    }
    c.expect_word("where")?;
    let where_clause = relations(c)?;
    let condition = condition(c, false)?;
    Ok(Statement::Update(Update { table, using, assignments, where_clause, condition }))
}

pub fn delete(c: &mut Cursor) -> CqlResult<Statement> {
    let mut targets = Vec::new();
    if !c.is_word("from") {
        loop {
            targets.push(assign_target(c)?);
            if !c.eat_symbol(",") {
                break;
            }
        }
    }
    c.expect_word("from")?;
    let table = qualified_name(c)?;
    let timestamp = using(c, false)?.timestamp;
    c.expect_word("where")?;
    let where_clause = relations(c)?;
    let condition = condition(c, false)?;
    Ok(Statement::Delete(Delete { targets, table, timestamp, where_clause, condition }))
}

/// After BEGIN.
pub fn batch(c: &mut Cursor) -> CqlResult<Statement> {
    let kind = if c.eat_word("unlogged") {
        BatchType::Unlogged
    } else if c.eat_word("counter") {
        BatchType::Counter
    } else {
        BatchType::Logged
    };
    c.expect_word("batch")?;
    let timestamp = using(c, false)?.timestamp;
    let mut statements = Vec::new();
    loop {
        while c.eat_symbol(";") {}
        if c.eat_words(&["apply", "batch"]) {
            break;
        }
        if c.at_end() {
            return Err(c.error("expecting APPLY BATCH"));
        }
        let s = statement(c)?;
        match s {
            Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => statements.push(s),
            _ => return Err(c.error("only INSERT, UPDATE and DELETE are allowed in a BATCH")),
        }
    }
    Ok(Statement::Batch(Batch { kind, timestamp, statements }))
}
