//! MySQL's multi-table UPDATE and DELETE in terms of the shared one-target form:
//! `UPDATE t1 JOIN t2 ON c SET t1.a = t2.b WHERE w` is `UPDATE t1 SET a = t2.b FROM t2
//! WHERE c AND w`, and `DELETE t1 FROM t1 JOIN t2 ON c` / `DELETE FROM t1 USING t1 JOIN
//! t2 ON c` are `DELETE FROM t1 USING t2 WHERE c`. Inner joins (and comma / CROSS JOIN)
//! only; changing several tables in one statement, or an outer join around the target,
//! answers "not supported".

use crate::error::SqlError;
use sqlparser::ast;

/// One target, the other tables, and the condition (joins' ON and the WHERE).
pub struct Normalized {
    pub target: ast::TableWithJoins,
    pub from: Vec<ast::TableWithJoins>,
    pub selection: Option<ast::Expr>,
}

fn factor_name(f: &ast::TableFactor) -> Option<String> {
    match f {
        ast::TableFactor::Table { alias: Some(a), .. } => Some(a.name.value.clone()),
        ast::TableFactor::Table { name, .. } => match name.0.last()? {
            ast::ObjectNamePart::Identifier(i) => Some(i.value.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn table_name(f: &ast::TableFactor) -> Option<String> {
    match f {
        ast::TableFactor::Table { name, .. } => match name.0.last()? {
            ast::ObjectNamePart::Identifier(i) => Some(i.value.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Every table of a FROM list and the ON conditions of its (inner) joins.
fn flatten(items: &[ast::TableWithJoins]) -> Result<(Vec<ast::TableFactor>, Vec<ast::Expr>), SqlError> {
    let mut factors = Vec::new();
    let mut conds = Vec::new();
    for twj in items {
        factors.push(twj.relation.clone());
        for j in &twj.joins {
            match &j.join_operator {
                ast::JoinOperator::Join(c) | ast::JoinOperator::Inner(c) | ast::JoinOperator::CrossJoin(c) => match c {
                    ast::JoinConstraint::On(e) => conds.push(e.clone()),
                    ast::JoinConstraint::None => {}
                    _ => return Err(SqlError::not_supported("USING and NATURAL joins in a multi-table UPDATE/DELETE")),
                },
                _ => return Err(SqlError::not_supported("outer joins in a multi-table UPDATE/DELETE")),
            }
            factors.push(j.relation.clone());
        }
    }
    Ok((factors, conds))
}

fn and_all(conds: Vec<ast::Expr>, selection: Option<&ast::Expr>) -> Option<ast::Expr> {
    let mut all: Vec<ast::Expr> = conds.into_iter().map(|c| ast::Expr::Nested(Box::new(c))).collect();
    if let Some(s) = selection {
        all.push(ast::Expr::Nested(Box::new(s.clone())));
    }
    all.into_iter().reduce(|a, b| ast::Expr::BinaryOp { left: Box::new(a), op: ast::BinaryOperator::And, right: Box::new(b) })
}

fn split(factors: Vec<ast::TableFactor>, target: usize, conds: Vec<ast::Expr>, selection: Option<&ast::Expr>, extra_from: &[ast::TableWithJoins]) -> Normalized {
    let mut from: Vec<ast::TableWithJoins> = extra_from.to_vec();
    let mut target_twj = None;
    for (i, f) in factors.into_iter().enumerate() {
        let twj = ast::TableWithJoins { relation: f, joins: vec![] };
        if i == target {
            target_twj = Some(twj);
        } else {
            from.push(twj);
        }
    }
    Normalized { target: target_twj.expect("target index is in range"), from, selection: and_all(conds, selection) }
}

/// A multi-table UPDATE as one target (`None`: a plain one-table UPDATE).
pub fn update(up: &ast::Update) -> Result<Option<Normalized>, SqlError> {
    if up.table.joins.is_empty() {
        return Ok(None);
    }
    let (factors, conds) = flatten(std::slice::from_ref(&up.table))?;
    let mut qualifiers: Vec<String> = Vec::new();
    for a in &up.assignments {
        if let ast::AssignmentTarget::ColumnName(n) = &a.target {
            if n.0.len() >= 2 {
                if let ast::ObjectNamePart::Identifier(q) = &n.0[n.0.len() - 2] {
                    if !qualifiers.contains(&q.value) {
                        qualifiers.push(q.value.clone());
                    }
                }
            }
        }
    }
    if qualifiers.len() > 1 {
        return Err(SqlError::not_supported("UPDATE of several tables in one statement"));
    }
    let target = match qualifiers.first() {
        Some(q) => factors.iter().position(|f| factor_name(f).as_deref() == Some(q)).unwrap_or(0),
        None => 0,
    };
    let extra = match &up.from {
        Some(ast::UpdateTableFromKind::BeforeSet(f)) | Some(ast::UpdateTableFromKind::AfterSet(f)) => f.clone(),
        None => Vec::new(),
    };
    Ok(Some(split(factors, target, conds, up.selection.as_ref(), &extra)))
}

/// `DELETE t1 FROM ...` / `DELETE FROM t1 USING ...` as one target (`None`: plain DELETE).
pub fn delete(del: &ast::Delete) -> Result<Option<Normalized>, SqlError> {
    let tables = match &del.from {
        ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
    };
    let joined = tables.iter().any(|t| !t.joins.is_empty());
    if del.tables.is_empty() && del.using.is_none() && !joined && tables.len() == 1 {
        return Ok(None);
    }
    if del.tables.len() > 1 {
        return Err(SqlError::not_supported("DELETE from several tables in one statement"));
    }
    let (factors, conds, name) = if let Some(name) = del.tables.first() {
        let (f, c) = flatten(tables)?;
        let n = match name.0.last() {
            Some(ast::ObjectNamePart::Identifier(i)) => i.value.clone(),
            _ => String::new(),
        };
        (f, c, n)
    } else if let Some(using) = &del.using {
        // DELETE FROM t1 USING t1 JOIN t2: the FROM list names the target.
        let [one] = tables.as_slice() else { return Err(SqlError::not_supported("DELETE from several tables in one statement")) };
        let name = factor_name(&one.relation).unwrap_or_default();
        let (f, c) = flatten(using)?;
        (f, c, name)
    } else {
        return Err(SqlError::not_supported("DELETE from several tables in one statement"));
    };
    let target = factors
        .iter()
        .position(|f| factor_name(f).as_deref() == Some(&name))
        .or_else(|| factors.iter().position(|f| table_name(f).as_deref() == Some(&name)))
        .ok_or_else(|| {
            SqlError::new(super::errors::NO_SUCH_TABLE, format!("Unknown table '{name}' in MULTI DELETE")).with_mysql_errno(1109)
        })?;
    Ok(Some(split(factors, target, conds, del.selection.as_ref(), &[])))
}
