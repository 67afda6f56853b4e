//! ENUM columns in a number's place, as MySQL treats them: ORDER BY an ENUM column sorts
//! by the members' positions (the order of the column's definition), and an ENUM column
//! in arithmetic (`e + 0`) is its position (1-based, 0 for the empty string of an invalid
//! value). The values are stored as their text; the binder notes the ENUM columns of the
//! tables a query reads ([`register`]) and puts the position of `e` among the members
//! (FIELD, NULL for NULL) in those places.

use crate::catalog::TableInfo;
use crate::error::SqlError;
use crate::plan::bind::ident;
use sqlparser::ast;

/// An ENUM column of a table the query reads: the name the query knows the table by, the
/// column, its members.
#[derive(Debug, Clone)]
pub struct EnumColumn {
    table: String,
    column: String,
    members: Vec<String>,
}

/// Notes the ENUM columns of `info`, known as `table` in the query.
pub(crate) fn register(cols: &mut Vec<EnumColumn>, table: &str, info: &TableInfo) {
    for (c, kind) in info.columns().iter().zip(&info.mysql_kinds) {
        if let Some(super::types::Kind::Enum(members)) = kind {
            cols.push(EnumColumn { table: table.to_string(), column: c.name.clone(), members: members.clone() });
        }
    }
}

/// The members of the ENUM column `e` names (a bare or qualified column name), if it
/// names one without doubt.
pub(crate) fn members<'a>(cols: &'a [EnumColumn], e: &ast::Expr) -> Option<&'a [String]> {
    let (table, column) = match e {
        ast::Expr::Identifier(i) => (None, ident(i)),
        ast::Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            (Some(ident(&parts[parts.len() - 2])), ident(&parts[parts.len() - 1]))
        }
        _ => return None,
    };
    let mut hits = cols
        .iter()
        .filter(|c| c.column.eq_ignore_ascii_case(&column) && table.as_ref().is_none_or(|t| *t == c.table));
    let first = hits.next()?;
    // The same name in two tables: leave it to the binder (ambiguous, or not an ENUM).
    if hits.any(|c| c.members != first.members) {
        return None;
    }
    Some(&first.members)
}

/// `__orbit_enum_index(e, 'a', 'b', ...)`: the position of `e`'s value among `members`
/// (FIELD, but NULL for NULL).
pub(crate) fn position(e: &ast::Expr, members: &[String]) -> Result<ast::Expr, SqlError> {
    let list: Vec<String> = members.iter().map(|m| format!("'{}'", m.replace('\'', "''"))).collect();
    let mut call = crate::parse::parse_expr(crate::Dialect::MySql, &format!("__orbit_enum_index(NULL, {})", list.join(", ")))?;
    if let ast::Expr::Function(f) = &mut call {
        if let ast::FunctionArguments::List(l) = &mut f.args {
            if let Some(first) = l.args.first_mut() {
                *first = ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e.clone()));
            }
        }
    }
    Ok(call)
}

/// A SELECT's ORDER BY with its ENUM columns sorted by position (`None`: nothing to change).
/// A name that is also the alias of another output expression sorts by that, as in MySQL.
pub(crate) fn order_items(
    cols: &[EnumColumn],
    select: &ast::Select,
    order: &[&ast::OrderByExpr],
) -> Result<Option<Vec<ast::OrderByExpr>>, SqlError> {
    if cols.is_empty() {
        return Ok(None);
    }
    // Output aliases naming something else than the column of the same name.
    let aliases: Vec<String> = select
        .projection
        .iter()
        .filter_map(|item| match item {
            ast::SelectItem::ExprWithAlias { alias, expr } => match expr {
                ast::Expr::Identifier(i) if ident(i).eq_ignore_ascii_case(&ident(alias)) => None,
                _ => Some(ident(alias)),
            },
            _ => None,
        })
        .collect();
    let mut changed = false;
    let mut out = Vec::with_capacity(order.len());
    for o in order {
        let mut o = (*o).clone();
        let is_alias = match &o.expr {
            ast::Expr::Identifier(i) => aliases.iter().any(|a| a.eq_ignore_ascii_case(&ident(i))),
            _ => false,
        };
        if !is_alias {
            if let Some(m) = members(cols, &o.expr) {
                o.expr = position(&o.expr, m)?;
                changed = true;
            }
        }
        out.push(o);
    }
    Ok(changed.then_some(out))
}
