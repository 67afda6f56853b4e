//! Where a MySQL result column comes from: for a select-list item that is a plain
//! reference to a base-table column (`c`, `t.c`, `db.t.c`, `t.c AS x`, `*`, `t.*`), the
//! database, the table alias as written, the table, the column and what the catalog knows
//! of it (declared type, NOT NULL, keys, AUTO_INCREMENT, default). The MySQL listener
//! turns it into the column definition's names, type and flags. A column read through a
//! derived table, a CTE or a view keeps the inner column's type and flags and is named
//! after it, as MariaDB does (table and original table: its name or alias as written).
//!
//! Resolution reads the statement's FROM clause the way the binder does (same
//! [`Binder::qualify`], same identifier rules) and gives up — no origin for any column —
//! whenever it cannot be sure, so a result column never claims a wrong origin: set
//! operations, system tables under `*` or unqualified names, USING / NATURAL
//! joins under `*`, recursive CTEs, column alias lists, and a column count that differs
//! from the binder's.

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
    /// The declared MySQL type as SHOW COLUMNS prints it ("int unsigned", "varchar(20)");
    /// empty for a computed column of a derived table.
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
    /// A character column with a binary collation (`utf8mb4_bin`).
    pub binary_collation: bool,
    /// DEFAULT CURRENT_TIMESTAMP or ON UPDATE CURRENT_TIMESTAMP.
    pub auto_timestamp: bool,
    pub on_update_now: bool,
    /// A computed value of the column's declared type (`MIN(c)`, `MAX(c)`): no names
    /// (unless a derived table gives it one), no key or NOT NULL flags.
    pub computed: bool,
}

/// A column a source exposes: its name there (None: a computed column without an alias)
/// and its origin.
type SourceColumn = (Option<String>, Option<ColumnOrigin>);

/// A relation of the FROM clause.
struct Source {
    /// The name `t.c` matches (alias, else table name), by the binder's identifier rules.
    key: String,
    /// The schema `db.t.c` matches.
    schema: String,
    /// None: columns unknown (view, system table, a source that cannot be read).
    columns: Option<Vec<SourceColumn>>,
}

/// Views read through views at most this deep (a deeper or cyclic one: no origins).
const MAX_VIEW_DEPTH: usize = 16;

/// The CTEs a query sees, in order: name and query (None: one that cannot be read).
type Ctes<'q> = Vec<(String, Option<&'q ast::Query>)>;

/// Sets `origin` on the columns of a MySQL query's result (all or none).
pub fn attach(binder: &Binder<'_>, query: &ast::Query, columns: &mut [Column]) {
    let Some(resolved) = resolve(binder, query, &Vec::new(), 0) else { return };
    if resolved.len() != columns.len() {
        return;
    }
    for (column, (_, origin)) in columns.iter_mut().zip(resolved) {
        column.origin = origin.map(Box::new);
    }
}

/// The declared MySQL type of a column reference, by the rules of [`attach`].
pub type TypeOf<'a> = dyn Fn(&ast::Expr) -> Option<String> + 'a;

/// `f` of each select-list expression of a MySQL query with a lookup of the declared type
/// of a column reference in it; one None per column of a `*` / `t.*`. None when the
/// query's sources cannot be read.
pub fn per_item<T>(
    binder: &Binder<'_>,
    query: &ast::Query,
    f: impl Fn(&ast::Expr, &TypeOf<'_>) -> Option<T>,
) -> Option<Vec<Option<T>>> {
    let ast::SetExpr::Select(select) = query.body.as_ref() else { return None };
    let (sources, _) = sources_of(binder, query, &Vec::new(), 0)?;
    let type_of = |e: &ast::Expr| column_ref(e, &sources).map(|o| o.mysql_type).filter(|t| !t.is_empty());
    let mut out = Vec::new();
    for item in &select.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                out.push(f(e, &type_of))
            }
            ast::SelectItem::Wildcard(_) => {
                for s in &sources {
                    out.extend(s.columns.as_ref()?.iter().map(|_| None));
                }
            }
            ast::SelectItem::QualifiedWildcard(ast::SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                let parts = object_name_parts(n).ok()?;
                out.extend(find_source(&sources, &parts)?.columns.as_ref()?.iter().map(|_| None));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The columns of a query with their origins; None when they cannot be known.
fn resolve<'q>(
    binder: &Binder<'_>,
    query: &'q ast::Query,
    outer: &Ctes<'q>,
    depth: usize,
) -> Option<Vec<SourceColumn>> {
    let select = match query.body.as_ref() {
        ast::SetExpr::Select(s) => s,
        _ => return None,
    };
    let (sources, plain_joins) = sources_of(binder, query, outer, depth)?;
    let mut out = Vec::new();
    for item in &select.projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) => out.push((written_column(e), item_origin(e, &sources))),
            ast::SelectItem::ExprWithAlias { expr, alias } => {
                out.push((Some(alias.value.clone()), item_origin(expr, &sources)))
            }
            ast::SelectItem::Wildcard(_) => {
                if !plain_joins {
                    return None;
                }
                for s in &sources {
                    out.extend(s.columns.as_ref()?.iter().cloned());
                }
            }
            ast::SelectItem::QualifiedWildcard(ast::SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                let parts = object_name_parts(n).ok()?;
                out.extend(find_source(&sources, &parts)?.columns.as_ref()?.iter().cloned());
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The relations of a query's FROM clause (its CTEs in scope), outer-join nullability
/// applied, and whether every join is a plain one (no USING / NATURAL).
fn sources_of<'q>(
    binder: &Binder<'_>,
    query: &'q ast::Query,
    outer: &Ctes<'q>,
    depth: usize,
) -> Option<(Vec<Source>, bool)> {
    let ast::SetExpr::Select(select) = query.body.as_ref() else { return None };
    let mut ctes = outer.clone();
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            let readable = !with.recursive && cte.alias.columns.is_empty();
            ctes.push((ident(&cte.alias.name), readable.then_some(&*cte.query)));
        }
    }
    let mut sources: Vec<Source> = Vec::new();
    // Sources on the nullable side of an outer join.
    let mut nullable: Vec<bool> = Vec::new();
    let mut plain_joins = true;
    for twj in &select.from {
        sources.push(source(binder, &twj.relation, &ctes, depth));
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
            sources.push(source(binder, &join.relation, &ctes, depth));
            nullable.push(right_nullable);
        }
    }
    for (s, n) in sources.iter_mut().zip(&nullable) {
        if let (Some(cols), true) = (s.columns.as_mut(), *n) {
            cols.iter_mut().filter_map(|(_, o)| o.as_mut()).for_each(|o| o.not_null = false);
        }
    }
    Some((sources, plain_joins))
}

fn source<'q>(binder: &Binder<'_>, factor: &'q ast::TableFactor, ctes: &Ctes<'q>, depth: usize) -> Source {
    let unknown = |key: String| Source { key, schema: String::new(), columns: None };
    let (name, alias) = match factor {
        ast::TableFactor::Table { name, alias, args: None, .. } => (name, alias),
        ast::TableFactor::Derived { lateral: false, subquery, alias: Some(a), .. } => {
            let columns = (a.columns.is_empty())
                .then(|| resolve(binder, subquery, ctes, depth))
                .flatten()
                .map(|cols| derived(cols, &binder.schema, &a.name.value));
            return Source { key: ident(&a.name), schema: binder.schema.clone(), columns };
        }
        ast::TableFactor::Derived { alias: Some(a), .. } => return unknown(ident(&a.name)),
        _ => return unknown(String::new()),
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
    if let [single] = parts.as_slice() {
        if let Some(at) = ctes.iter().rposition(|(n, _)| n == single) {
            let columns = ctes[at]
                .1
                .and_then(|q| resolve(binder, q, &ctes[..at].to_vec(), depth))
                .map(|cols| derived(cols, &binder.schema, &written));
            return Source { key, schema: binder.schema.clone(), columns };
        }
    }
    let Ok((db, schema, rel)) = binder.qualify(name) else { return unknown(key) };
    let qualified = format!("{db}.{schema}.{rel}");
    if let Some(view) = binder.cat.views.get(&qualified) {
        let columns = view_columns(binder, view, &schema, depth).map(|cols| derived(cols, &schema, &written));
        return Source { key, schema, columns };
    }
    let Some(info) = binder.cat.tables.get(&qualified).cloned() else {
        return unknown(key);
    };
    let columns = table_columns(&info, &schema, &written).into_iter().map(|o| (Some(o.org_name.clone()), Some(o)));
    Source { key, schema, columns: Some(columns.collect()) }
}

/// The columns of a view (in `schema`) as its query reads them, under its column list.
fn view_columns(
    binder: &Binder<'_>,
    view: &crate::catalog::ViewDef,
    schema: &str,
    depth: usize,
) -> Option<Vec<SourceColumn>> {
    if depth >= MAX_VIEW_DEPTH {
        return None;
    }
    let stmts = crate::parse::parse(binder.dialect, &view.sql).ok()?;
    let Some(ast::Statement::Query(q)) = stmts.first() else { return None };
    let mut inner = Binder::new(binder.cat, &binder.db, schema, &[]);
    inner.dialect = binder.dialect;
    let mut cols = resolve(&inner, q, &Vec::new(), depth + 1)?;
    if !view.columns.is_empty() {
        if view.columns.len() != cols.len() {
            return None;
        }
        for (col, name) in cols.iter_mut().zip(&view.columns) {
            col.0 = Some(name.clone());
        }
    }
    Some(cols)
}

/// The columns of a derived table, CTE or view, written `table` in the query: an inner column
/// reference keeps its type and flags; every named column is named after the derived
/// table (a computed one with no database and no declared type).
fn derived(cols: Vec<SourceColumn>, schema: &str, table: &str) -> Vec<SourceColumn> {
    cols.into_iter()
        .map(|(name, origin)| {
            let Some(n) = name else { return (None, None) };
            let names = |o: ColumnOrigin, schema: &str| ColumnOrigin {
                schema: schema.to_string(),
                table: table.to_string(),
                org_table: table.to_string(),
                org_name: n.clone(),
                ..o
            };
            let origin = match origin {
                Some(o) if !o.computed => names(o, schema),
                Some(o) => names(o, ""),
                None => names(ColumnOrigin { computed: true, ..ColumnOrigin::default() }, ""),
            };
            (Some(n), Some(origin))
        })
        .collect()
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
                binary_collation: c.collation.as_deref().is_some_and(|co| co.ends_with("_bin")),
                auto_timestamp: on_update_now
                    || matches!(stored.and_then(|s| s.default.as_ref()), Some(ColumnDefault::Expression(_)))
                        && c.default.as_deref() == Some("CURRENT_TIMESTAMP"),
                on_update_now,
                computed: false,
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

/// The origin of a select-list expression: a column reference, or MIN / MAX of one (the
/// column's type, as MySQL gives it).
fn item_origin(e: &ast::Expr, sources: &[Source]) -> Option<ColumnOrigin> {
    let ast::Expr::Function(f) = e else { return column_ref(e, sources) };
    let name = match f.name.0.as_slice() {
        [ast::ObjectNamePart::Identifier(i)] => i.value.to_ascii_lowercase(),
        _ => return None,
    };
    let ast::FunctionArguments::List(list) = &f.args else { return None };
    let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(arg))] = list.args.as_slice() else { return None };
    if !matches!(name.as_str(), "min" | "max") || f.filter.is_some() || !list.clauses.is_empty() {
        return None;
    }
    let column = column_ref(arg, sources)?;
    Some(ColumnOrigin {
        mysql_type: column.mysql_type,
        binary_collation: column.binary_collation,
        computed: true,
        ..ColumnOrigin::default()
    })
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
    let named = |c: &&SourceColumn| c.0.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&column));
    if qualifier.is_empty() {
        // Every source must have known columns, else the name may be one of theirs.
        let mut hits = Vec::new();
        for s in sources {
            hits.extend(s.columns.as_ref()?.iter().filter(named));
        }
        return if hits.len() == 1 { hits[0].1.clone() } else { None };
    }
    let s = find_source(sources, &qualifier)?;
    let mut hits = s.columns.as_ref()?.iter().filter(named);
    let hit = hits.next()?;
    if hits.next().is_some() {
        return None;
    }
    hit.1.clone()
}

/// The name of a (parenthesized) column reference as written.
fn written_column(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Nested(inner) => written_column(inner),
        ast::Expr::Identifier(i) => Some(i.value.clone()),
        ast::Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
        _ => None,
    }
}
