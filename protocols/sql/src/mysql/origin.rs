//! Where a MySQL result column comes from: for a select-list item that is a plain
//! reference to a base-table column (`c`, `t.c`, `db.t.c`, `t.c AS x`, `*`, `t.*`), the
//! database, the table alias as written, the table, the column and what the catalog knows
//! of it (declared type, NOT NULL, keys, AUTO_INCREMENT, default). The MySQL listener
//! turns it into the column definition's names, type and flags.
//!
//! Resolution reads the statement's FROM clause the way the binder does (same
//! [`Binder::qualify`], same identifier rules) and gives up — no origin for any column —
//! whenever it cannot be sure, so a result column never claims a wrong origin: set
//! operations, CTE / derived-table / view sources under `*` or unqualified names,
//! USING / NATURAL joins under `*`, and a column count that differs from the binder's.

use super::describe;
use crate::catalog::TableInfo;
use crate::plan::bind::{ident, object_name_parts, Binder};
use crate::Column;
use orbit_storage::ColumnDefault;
use sqlparser::ast;

/// The base-table column behind a result column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnOrigin {
    /// The MySQL database (engine schema).
    pub schema: String,
    /// The table's name or alias as the query wrote it.
    pub table: String,
    pub org_table: String,
    pub org_name: String,
    /// The declared MySQL type as SHOW COLUMNS prints it ("int unsigned", "varchar(20)").
    pub mysql_type: String,
    /// NOT NULL, and not on the nullable side of an outer join.
    pub not_null: bool,
    pub primary_key: bool,
    /// The first column of a single-column UNIQUE index (not the primary key).
    pub unique_key: bool,
    /// The first column of any other index.
    pub multiple_key: bool,
    /// In some key.
    pub part_key: bool,
    pub auto_increment: bool,
    /// NOT NULL without a default (an insert must name it).
    pub no_default: bool,
    /// DEFAULT CURRENT_TIMESTAMP or ON UPDATE CURRENT_TIMESTAMP.
    pub auto_timestamp: bool,
    pub on_update_now: bool,
}

/// A relation of the FROM clause.
struct Source {
    /// The name `t.c` matches (alias, else table name), by the binder's identifier rules.
    key: String,
    /// The schema `db.t.c` matches.
    schema: String,
    /// None: not a base table (CTE, derived table, view, system table) — columns unknown.
    table: Option<Vec<ColumnOrigin>>,
}

/// Sets `origin` on the columns of a MySQL query's result (all or none).
pub fn attach(binder: &Binder<'_>, query: &ast::Query, columns: &mut [Column]) {
    let Some(origins) = resolve(binder, query) else { return };
    if origins.len() != columns.len() {
        return;
    }
    for (column, origin) in columns.iter_mut().zip(origins) {
        column.origin = origin.map(Box::new);
    }
}

fn resolve(binder: &Binder<'_>, query: &ast::Query) -> Option<Vec<Option<ColumnOrigin>>> {
    let select = match query.body.as_ref() {
        ast::SetExpr::Select(s) => s,
        _ => return None,
    };
    let ctes: Vec<String> = query.with.iter().flat_map(|w| &w.cte_tables).map(|c| ident(&c.alias.name)).collect();
    let mut sources: Vec<Source> = Vec::new();
    // Sources on the nullable side of an outer join.
    let mut nullable: Vec<bool> = Vec::new();
    let mut plain_joins = true;
    for twj in &select.from {
        sources.push(source(binder, &twj.relation, &ctes));
        nullable.push(false);
        for join in &twj.joins {
            use ast::JoinOperator as J;
            let constraint = match &join.join_operator {
                J::Join(c)
                | J::Inner(c)
                | J::Left(c)
                | J::LeftOuter(c)
                | J::Right(c)
                | J::RightOuter(c)
                | J::FullOuter(c) => Some(c),
                J::CrossJoin(_) => None,
                _ => return None,
            };
            if matches!(constraint, Some(ast::JoinConstraint::Using(_) | ast::JoinConstraint::Natural)) {
                plain_joins = false;
            }
            let right_nullable = matches!(join.join_operator, J::Left(_) | J::LeftOuter(_) | J::FullOuter(_));
            if matches!(join.join_operator, J::Right(_) | J::RightOuter(_) | J::FullOuter(_)) {
                nullable.iter_mut().for_each(|n| *n = true);
            }
            sources.push(source(binder, &join.relation, &ctes));
            nullable.push(right_nullable);
        }
    }
    for (s, n) in sources.iter_mut().zip(&nullable) {
        if let (Some(cols), true) = (s.table.as_mut(), *n) {
            cols.iter_mut().for_each(|c| c.not_null = false);
        }
    }
    let mut out = Vec::new();
    for item in &select.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                out.push(column_ref(e, &sources));
            }
            ast::SelectItem::Wildcard(_) => {
                if !plain_joins {
                    return None;
                }
                for s in &sources {
                    out.extend(s.table.as_ref()?.iter().cloned().map(Some));
                }
            }
            ast::SelectItem::QualifiedWildcard(ast::SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                let parts = object_name_parts(n).ok()?;
                let s = find_source(&sources, &parts)?;
                out.extend(s.table.as_ref()?.iter().cloned().map(Some));
            }
            _ => return None,
        }
    }
    Some(out)
}

fn source(binder: &Binder<'_>, factor: &ast::TableFactor, ctes: &[String]) -> Source {
    let unknown = |key: String| Source { key, schema: String::new(), table: None };
    let ast::TableFactor::Table { name, alias, args: None, .. } = factor else {
        let key = match factor {
            ast::TableFactor::Derived { alias: Some(a), .. } => ident(&a.name),
            _ => String::new(),
        };
        return unknown(key);
    };
    let parts = object_name_parts(name).unwrap_or_default();
    let written_name = match name.0.last() {
        Some(ast::ObjectNamePart::Identifier(i)) => i.value.clone(),
        _ => String::new(),
    };
    let (key, written) = match alias {
        Some(a) => (ident(&a.name), a.name.value.clone()),
        None => (parts.last().cloned().unwrap_or_default(), written_name),
    };
    if parts.len() == 1 && ctes.contains(&parts[0]) {
        return unknown(key);
    }
    let Ok((db, schema, rel)) = binder.qualify(name) else { return unknown(key) };
    let Some(info) = binder.cat.tables.get(&format!("{db}.{schema}.{rel}")).cloned() else {
        return unknown(key);
    };
    let columns = table_columns(&info, &schema, &written);
    Source { key, schema, table: Some(columns) }
}

/// Every visible column of a base table as an origin.
fn table_columns(info: &TableInfo, schema: &str, written: &str) -> Vec<ColumnOrigin> {
    let indexes = describe::indexes(info);
    describe::columns(info)
        .into_iter()
        .map(|c| {
            let in_index = |ix: &describe::MyIndex| ix.columns.contains(&c.name);
            let first_of = |ix: &describe::MyIndex| ix.columns.first() == Some(&c.name);
            let primary_key = indexes.iter().any(|ix| ix.name == "PRIMARY" && in_index(ix));
            let others = || indexes.iter().filter(|ix| ix.name != "PRIMARY");
            let unique_key = others().any(|ix| ix.unique && ix.columns.len() == 1 && first_of(ix));
            let multiple_key = others().any(|ix| !(ix.unique && ix.columns.len() == 1) && first_of(ix));
            let stored = info.schema.columns().find(|s| s.name == c.name);
            let has_default = stored.is_some_and(|s| s.default.is_some());
            let on_update_now = c.extra.contains("on update");
            ColumnOrigin {
                schema: schema.to_string(),
                table: written.to_string(),
                org_table: info.name.clone(),
                org_name: c.name.clone(),
                mysql_type: c.column_type.clone(),
                not_null: !c.nullable,
                primary_key,
                unique_key,
                multiple_key,
                part_key: indexes.iter().any(in_index),
                auto_increment: c.auto_increment,
                no_default: !c.nullable && !has_default && !c.auto_increment,
                auto_timestamp: on_update_now
                    || matches!(stored.and_then(|s| s.default.as_ref()), Some(ColumnDefault::Expression(_)))
                        && c.default.as_deref() == Some("CURRENT_TIMESTAMP"),
                on_update_now,
            }
        })
        .collect()
}

/// `t`, `db.t` among the sources.
fn find_source<'s>(sources: &'s [Source], qualifier: &[String]) -> Option<&'s Source> {
    let (schema, table) = match qualifier {
        [t] => (None, t),
        [s, t] => (Some(s), t),
        _ => return None,
    };
    let mut hits = sources.iter().filter(|s| &s.key == table && schema.is_none_or(|d| &s.schema == d));
    let hit = hits.next()?;
    hits.next().is_none().then_some(hit)
}

/// The origin of a select-list expression that is a plain column reference.
fn column_ref(e: &ast::Expr, sources: &[Source]) -> Option<ColumnOrigin> {
    let (qualifier, column) = match e {
        ast::Expr::Nested(inner) => return column_ref(inner, sources),
        ast::Expr::Identifier(i) => (Vec::new(), ident(i)),
        ast::Expr::CompoundIdentifier(parts) => {
            let (last, rest) = parts.split_last()?;
            (rest.iter().map(ident).collect(), ident(last))
        }
        _ => return None,
    };
    let matches = |o: &&ColumnOrigin| o.org_name.eq_ignore_ascii_case(&column);
    if qualifier.is_empty() {
        // Every source must have known columns, else the name may be one of theirs.
        let mut hits = Vec::new();
        for s in sources {
            hits.extend(s.table.as_ref()?.iter().filter(matches));
        }
        return (hits.len() == 1).then(|| hits[0].clone());
    }
    let s = find_source(sources, &qualifier)?;
    s.table.as_ref()?.iter().find(matches).cloned()
}
