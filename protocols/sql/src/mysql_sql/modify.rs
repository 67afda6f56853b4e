//! MySQL's multi-table UPDATE and DELETE: `UPDATE t1 JOIN t2 ON c SET t1.a = .., t2.b =
//! .. WHERE w`, `UPDATE t1, t2 SET ..`, `DELETE t1, t2 FROM t1 LEFT JOIN t2 ON c WHERE w`
//! and `DELETE FROM t1, t2 USING t1 JOIN t2 ..`. The whole table list binds as the FROM of
//! a SELECT (outer joins included); the result is one source plan whose rows hold a row of
//! every table, and the targets that change: for UPDATE the tables the SET list assigns
//! (grouped by qualifier, an unqualified column belongs to the one table that has it), for
//! DELETE the tables named before FROM (or USING). Execution changes each target row once
//! ([`crate::dml`]), so the affected counts are MySQL's.

use crate::dml::{bind_assignments, bind_checks, ModifyTarget};
use crate::error::SqlError;
use crate::plan::bind::{ident, object_name_parts, Binder, Scope};
use crate::plan::join::build_joins;
use crate::plan::Plan;
use crate::types::SqlType;
use sqlparser::ast;

/// The source rows and the tables they change.
pub(crate) type Bound = (Plan, Vec<ModifyTarget>);

/// The tables of a table list, by the name a query refers to them with.
fn table_factors<'a>(items: &'a [ast::TableWithJoins], out: &mut Vec<(String, &'a ast::ObjectName)>) -> Result<(), SqlError> {
    fn factor<'a>(f: &'a ast::TableFactor, out: &mut Vec<(String, &'a ast::ObjectName)>) -> Result<(), SqlError> {
        match f {
            ast::TableFactor::Table { name, alias, args: None, .. } => {
                let refname = match alias {
                    Some(a) => ident(&a.name),
                    None => object_name_parts(name)?.last().cloned().unwrap_or_default(),
                };
                out.push((refname, name));
            }
            ast::TableFactor::NestedJoin { table_with_joins, alias: None } => {
                table_factors(std::slice::from_ref(table_with_joins.as_ref()), out)?
            }
            _ => {}
        }
        Ok(())
    }
    for twj in items {
        factor(&twj.relation, out)?;
        for j in &twj.joins {
            factor(&j.relation, out)?;
        }
    }
    Ok(())
}

/// Binds the table list and the WHERE.
fn bind_source(b: &mut Binder, from: &[ast::TableWithJoins], selection: Option<&ast::Expr>) -> Result<(Plan, Scope), SqlError> {
    let (rels, mut conds, scope) = b.bind_from(from)?;
    if let Some(w) = selection {
        let (p, t) = b.bind_expr(w, &scope, None)?;
        if !matches!(t, SqlType::Bool | SqlType::Unknown) {
            return Err(SqlError::new(
                crate::error::sqlstate::DATATYPE_MISMATCH,
                format!("argument of WHERE must be type boolean, not type {}", t.name()),
            ));
        }
        conds.extend(p.conjuncts());
    }
    Ok((build_joins(rels, conds), scope))
}

/// A target: the table behind `refname` and where its columns sit in the source rows.
fn target(
    b: &mut Binder,
    scope: &Scope,
    refname: &str,
    name: &ast::ObjectName,
    assignments: &[ast::Assignment],
) -> Result<ModifyTarget, SqlError> {
    let table = b.lookup_table(name)?;
    super::time_zone::refuse_write(b, &table)?;
    let width = table.columns().len();
    let offset = scope
        .cols
        .iter()
        .position(|c| c.table.as_deref() == Some(refname))
        .filter(|&o| o + width <= scope.len() && scope.cols[o..o + width].iter().all(|c| c.table.as_deref() == Some(refname)))
        .ok_or_else(|| SqlError::not_supported("this target of a multi-table UPDATE/DELETE"))?;
    let assignments = bind_assignments(b, &table, assignments, scope)?;
    let checks = bind_checks(b, &table)?;
    Ok(ModifyTarget { table, offset, assignments, checks })
}

/// A multi-table UPDATE (`None`: a plain one-table UPDATE).
pub(crate) fn update(b: &mut Binder, up: &ast::Update) -> Result<Option<Bound>, SqlError> {
    if up.table.joins.is_empty() && up.from.is_none() {
        return Ok(None);
    }
    let mut from = vec![up.table.clone()];
    if let Some(ast::UpdateTableFromKind::BeforeSet(f) | ast::UpdateTableFromKind::AfterSet(f)) = &up.from {
        from.extend(f.iter().cloned());
    }
    let mut tables = Vec::new();
    table_factors(&from, &mut tables)?;
    // The SET list by target, in FROM order.
    let mut per_table: Vec<Vec<ast::Assignment>> = vec![Vec::new(); tables.len()];
    for a in &up.assignments {
        let ast::AssignmentTarget::ColumnName(n) = &a.target else {
            return Err(SqlError::not_supported("multiple-column assignment"));
        };
        let parts = object_name_parts(n)?;
        let column = parts.last().cloned().unwrap_or_default();
        let at = match parts.len() {
            1 => {
                let mut having = Vec::new();
                for (i, (_, name)) in tables.iter().enumerate() {
                    let info = b.lookup_table(name)?;
                    if info.schema.column_position(&column).is_some_and(|p| info.hidden != Some(p)) {
                        having.push(i);
                    }
                }
                match having.as_slice() {
                    [one] => *one,
                    [] => return Err(super::errors::unknown_column(&column, "field list")),
                    _ => {
                        return Err(SqlError::new(super::errors::INTEGRITY, format!("Column '{column}' in field list is ambiguous"))
                            .with_mysql_errno(1052))
                    }
                }
            }
            n => {
                let qualifier = &parts[n - 2];
                tables
                    .iter()
                    .position(|(r, _)| r == qualifier)
                    .ok_or_else(|| super::errors::unknown_column(&format!("{qualifier}.{column}"), "field list"))?
            }
        };
        per_table[at].push(a.clone());
    }
    let (source, scope) = bind_source(b, &from, up.selection.as_ref())?;
    let mut targets = Vec::new();
    for ((refname, name), assignments) in tables.iter().zip(&per_table) {
        if !assignments.is_empty() {
            targets.push(target(b, &scope, refname, name, assignments)?);
        }
    }
    Ok(Some((source, targets)))
}

/// A multi-table DELETE: `DELETE t1[, t2] FROM ...` or `DELETE FROM t1[, t2] USING ...`
/// (`None`: a plain one-table DELETE).
pub(crate) fn delete(b: &mut Binder, del: &ast::Delete) -> Result<Option<Bound>, SqlError> {
    let listed = match &del.from {
        ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
    };
    let joined = listed.iter().any(|t| !t.joins.is_empty());
    if del.tables.is_empty() && del.using.is_none() && !joined && listed.len() == 1 {
        return Ok(None);
    }
    // The names of the tables to delete from, and the table list they come from.
    let (names, from): (Vec<String>, &[ast::TableWithJoins]) = match &del.using {
        Some(using) => {
            let mut names = Vec::new();
            for twj in listed {
                if !twj.joins.is_empty() {
                    return Err(super::errors::syntax_error("JOIN"));
                }
                let mut one = Vec::new();
                table_factors(std::slice::from_ref(twj), &mut one)?;
                names.extend(one.into_iter().map(|(r, _)| r));
            }
            (names, using)
        }
        None if !del.tables.is_empty() => {
            let mut names = Vec::new();
            for n in &del.tables {
                names.push(object_name_parts(n)?.last().cloned().unwrap_or_default());
            }
            (names, listed)
        }
        // `DELETE FROM t1 JOIN t2 ...` names no target.
        None => return Err(super::errors::syntax_error("JOIN")),
    };
    let mut tables = Vec::new();
    table_factors(from, &mut tables)?;
    let mut chosen: Vec<usize> = Vec::new();
    for n in &names {
        let at = tables
            .iter()
            .position(|(r, _)| r == n)
            .ok_or_else(|| {
                SqlError::new(super::errors::NO_SUCH_TABLE, format!("Unknown table '{n}' in MULTI DELETE")).with_mysql_errno(1109)
            })?;
        if !chosen.contains(&at) {
            chosen.push(at);
        }
    }
    chosen.sort_unstable();
    let (source, scope) = bind_source(b, from, del.selection.as_ref())?;
    let mut targets = Vec::new();
    for at in chosen {
        let (refname, name) = &tables[at];
        targets.push(target(b, &scope, refname, name, &[])?);
    }
    Ok(Some((source, targets)))
}
