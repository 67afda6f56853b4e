//! INSERT, UPDATE and DELETE: binding (also used by Describe) and execution against the
//! statement's storage transaction. Column values go through assignment casts (type,
//! varchar length, numeric scale), NOT NULL and CHECK constraints; defaults are
//! constants, expressions, or sequences (SERIAL, IDENTITY, hidden row ids).

use crate::catalog::{self, CatalogState, TableInfo, ROWID};
use crate::error::{sqlstate, SqlError};
use crate::exec::{self, ExecCtx};
use crate::expr::cast::assign_value;
use crate::expr::Expr;
use crate::plan::bind::{ident, object_name_parts, Binder, Scope, ScopeCol};
use crate::plan::join::{build_joins, Rel};
use crate::plan::Plan;
use crate::session::Session;
use crate::types::SqlType;
use crate::{Affected, Column, QueryOutput, Verb};
use orbit_storage::{ColumnDefault, StorageError, Transaction, Value};
use sqlparser::ast;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// RETURNING expressions and their output columns.
type Returning = Option<(Vec<Expr>, Vec<Column>)>;

/// One row change of UPDATE/DELETE: old key, old row, new row (None: delete), RETURNING values.
type RowChange = (Vec<Value>, Vec<Value>, Option<Vec<Value>>, Option<Vec<Value>>);

enum DefaultKind {
    None,
    Expr(Expr),
    Sequence(String),
}

enum ConflictAction {
    Nothing,
    Update { assignments: Vec<(usize, Expr)>, selection: Option<Expr> },
}

struct InsertPlan {
    table: Arc<TableInfo>,
    source: Plan,
    targets: Vec<usize>,
    defaults: Vec<DefaultKind>,
    checks: Vec<(String, Expr)>,
    conflict: Option<ConflictAction>,
    returning: Returning,
    /// Per VALUES row: the source positions written as DEFAULT.
    default_slots: Vec<Vec<usize>>,
    /// MySQL REPLACE: colliding rows are deleted first.
    replace: bool,
    /// MySQL INSERT IGNORE: colliding rows are skipped with a warning.
    ignore: bool,
}

/// UPDATE/DELETE: the rows to change come from `source`; each of them holds one row of
/// every target (MySQL's multi-table forms have several) at the target's offset.
struct ModifyPlan {
    source: Plan,
    targets: Vec<ModifyTarget>,
    returning: Returning,
}

/// One table an UPDATE/DELETE changes.
pub(crate) struct ModifyTarget {
    pub table: Arc<TableInfo>,
    /// Where the table's columns start in a source row.
    pub offset: usize,
    /// The new values (column position, expression over the whole source row).
    pub assignments: Vec<(usize, Expr)>,
    pub checks: Vec<(String, Expr)>,
}

fn table_scope(info: &TableInfo, alias: &str) -> Scope {
    Scope {
        cols: info
            .columns()
            .iter()
            .zip(info.column_types())
            .enumerate()
            .map(|(i, (c, t))| ScopeCol {
                table: Some(alias.to_string()),
                name: c.name.clone(),
                ty: t,
                hidden: info.hidden == Some(i),
            })
            .collect(),
    }
}

pub(crate) fn bind_checks(b: &mut Binder, info: &TableInfo) -> Result<Vec<(String, Expr)>, SqlError> {
    let scope = table_scope(info, &info.name);
    let mut out = Vec::new();
    for (name, sql) in &info.checks {
        let e = crate::parse::parse_expr(b.dialect, sql)?;
        out.push((name.clone(), b.bind_expr(&e, &scope, None)?.0));
    }
    Ok(out)
}

fn bind_returning(b: &mut Binder, items: &Option<Vec<ast::SelectItem>>, scope: &Scope) -> Result<Returning, SqlError> {
    let Some(items) = items else { return Ok(None) };
    let mut exprs = Vec::new();
    let mut cols = Vec::new();
    for item in items {
        match item {
            ast::SelectItem::UnnamedExpr(e) => {
                let (x, t) = b.bind_expr(e, scope, None)?;
                exprs.push(x);
                cols.push(Column {
                    name: crate::plan::bind::derive_name(e),
                    ty: if t == SqlType::Unknown { SqlType::Text } else { t },
                    origin: None,
                    decimals: None,
                });
            }
            ast::SelectItem::ExprWithAlias { expr, alias } => {
                let (x, t) = b.bind_expr(expr, scope, None)?;
                exprs.push(x);
                cols.push(Column::new(ident(alias), if t == SqlType::Unknown { SqlType::Text } else { t }));
            }
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                let table = match item {
                    ast::SelectItem::QualifiedWildcard(ast::SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                        object_name_parts(n)?.last().cloned()
                    }
                    _ => None,
                };
                for (i, c) in scope.cols.iter().enumerate() {
                    if c.hidden || (table.is_some() && c.table != table) {
                        continue;
                    }
                    exprs.push(Expr::Column { level: 0, index: i });
                    cols.push(Column::new(c.name.clone(), c.ty.clone()));
                }
            }
            _ => return Err(SqlError::not_supported("this RETURNING item")),
        }
    }
    Ok(Some((exprs, cols)))
}

fn assignment_target(a: &ast::Assignment) -> Result<String, SqlError> {
    match &a.target {
        ast::AssignmentTarget::ColumnName(n) => Ok(object_name_parts(n)?.last().cloned().unwrap_or_default()),
        ast::AssignmentTarget::Tuple(_) => Err(SqlError::not_supported("multiple-column assignment")),
    }
}

pub(crate) fn bind_assignments(
    b: &mut Binder,
    info: &TableInfo,
    assignments: &[ast::Assignment],
    scope: &Scope,
) -> Result<Vec<(usize, Expr)>, SqlError> {
    let cols = info.columns();
    let mut out: Vec<(usize, Expr)> = Vec::new();
    for a in assignments {
        let name = assignment_target(a)?;
        let pos = info.schema.column_position(&name).filter(|p| info.hidden != Some(*p)).ok_or_else(|| {
            SqlError::new(
                sqlstate::UNDEFINED_COLUMN,
                format!("column \"{name}\" of relation \"{}\" does not exist", info.name),
            )
        })?;
        if b.dialect.is_mysql() {
            // MySQL applies a single-table UPDATE's assignments left to right: the last
            // assignment to a column is the one that stays.
            out.retain(|(p, _)| *p != pos);
        } else if out.iter().any(|(p, _)| *p == pos) {
            return Err(SqlError::new(
                sqlstate::SYNTAX_ERROR,
                format!("multiple assignments to same column \"{name}\""),
            ));
        }
        let target = info.column_types().get(pos).cloned().unwrap_or_else(|| SqlType::from_data_type(&cols[pos].data_type));
        let x = if matches!(&a.value, ast::Expr::Identifier(i) if i.value.eq_ignore_ascii_case("default") && i.quote_style.is_none())
        {
            default_expr(b, &cols[pos].default)?
        } else {
            let (x, t) = b.bind_expr(&a.value, scope, None)?;
            if b.dialect.is_mysql() {
                mysql_assign(b, x, &t, &target)?
            } else {
                check_assignable(&t, &target, &name)?;
                b.coerce(x, &t, &target)?
            }
        };
        out.push((pos, x));
    }
    Ok(out)
}

/// MySQL's assignment: the column's own conversion ([`crate::mysql_sql::types::store`])
/// decides; only parameters take the column's type here (for Describe).
fn mysql_assign(b: &mut Binder, x: Expr, t: &SqlType, target: &SqlType) -> Result<Expr, SqlError> {
    match x {
        Expr::Param(..) => b.coerce(x, t, target),
        x => Ok(x),
    }
}

fn check_assignable(from: &SqlType, to: &SqlType, column: &str) -> Result<(), SqlError> {
    if crate::expr::cast::can_assign(from, to) {
        Ok(())
    } else {
        Err(SqlError::new(
            sqlstate::DATATYPE_MISMATCH,
            format!("column \"{column}\" is of type {} but expression is of type {}", to.name(), from.name()),
        )
        .with_hint("You will need to rewrite or cast the expression."))
    }
}

fn default_expr(b: &mut Binder, d: &Option<ColumnDefault>) -> Result<Expr, SqlError> {
    Ok(match d {
        None => Expr::Literal(Value::Null),
        Some(ColumnDefault::Value(v)) => Expr::Literal(v.clone()),
        Some(ColumnDefault::Expression(sql)) => {
            if sequence_of(sql).is_some() {
                return Err(SqlError::not_supported("DEFAULT of a serial column in UPDATE"));
            }
            let e = crate::parse::parse_expr(b.dialect, sql)?;
            b.bind_expr(&e, &Scope::default(), None)?.0
        }
    })
}

/// The sequence of a `nextval('name')` default.
pub fn sequence_of(sql: &str) -> Option<String> {
    let s = sql.trim();
    let inner = s.strip_prefix("nextval(")?.strip_suffix(')')?;
    let inner = inner.trim().trim_end_matches("::regclass");
    Some(inner.trim_matches('\'').to_string())
}

impl Session {
    fn bind_insert(
        &self,
        cat: &CatalogState,
        ins: &ast::Insert,
        param_types: &[SqlType],
    ) -> Result<(InsertPlan, Vec<SqlType>), SqlError> {
        let mut b = self.binder(cat, param_types);
        let ast::TableObject::TableName(name) = &ins.table else {
            return Err(SqlError::not_supported("INSERT into a table function"));
        };
        let mysql = b.dialect.is_mysql();
        if ins.or.is_some()
            || ins.overwrite
            || !ins.assignments.is_empty()
            || (!mysql && (ins.ignore || ins.replace_into))
            || (mysql && ins.ignore && ins.replace_into)
        {
            return Err(SqlError::not_supported("this INSERT form"));
        }
        let info = b.lookup_table(name)?;
        crate::mysql_sql::time_zone::refuse_write(&b, &info)?;
        let alias = ins.table_alias.as_ref().map(|a| ident(&a.alias)).unwrap_or_else(|| info.name.clone());
        let cols = info.columns();
        let visible: Vec<usize> = (0..cols.len()).filter(|i| info.hidden != Some(*i)).collect();
        let targets: Vec<usize> = if ins.columns.is_empty() {
            visible.clone()
        } else {
            let mut t = Vec::new();
            for c in &ins.columns {
                let n = object_name_parts(c)?.last().cloned().unwrap_or_default();
                let pos = info.schema.column_position(&n).filter(|p| info.hidden != Some(*p)).ok_or_else(|| {
                    SqlError::new(
                        sqlstate::UNDEFINED_COLUMN,
                        format!("column \"{n}\" of relation \"{}\" does not exist", info.name),
                    )
                })?;
                if t.contains(&pos) {
                    return Err(SqlError::new(
                        sqlstate::DUPLICATE_COLUMN,
                        format!("column \"{n}\" specified more than once"),
                    ));
                }
                t.push(pos);
            }
            t
        };
        let column_types = info.column_types();
        let target_types: Vec<SqlType> = targets.iter().map(|p| column_types[*p].clone()).collect();
        let mut default_slots: Vec<Vec<usize>> = Vec::new();
        let source = match &ins.source {
            None => Plan::Values { rows: vec![vec![]], width: 0 },
            Some(q) => {
                if let (ast::SetExpr::Values(v), None, None) = (q.body.as_ref(), &q.order_by, &q.limit_clause) {
                    if q.with.is_none() {
                        // DEFAULT inside VALUES.
                        let mut rows = Vec::new();
                        for r in &v.rows {
                            if mysql && r.content.len() != targets.len() {
                                return Err(crate::mysql_sql::errors::value_count(rows.len() + 1));
                            }
                            if r.content.len() > targets.len() {
                                return Err(SqlError::new(
                                    sqlstate::SYNTAX_ERROR,
                                    "INSERT has more expressions than target columns",
                                ));
                            }
                            if r.content.len() < targets.len() && !ins.columns.is_empty() {
                                return Err(SqlError::new(
                                    sqlstate::SYNTAX_ERROR,
                                    "INSERT has more target columns than expressions",
                                ));
                            }
                            let mut row = Vec::new();
                            let mut slots = Vec::new();
                            for (i, e) in r.content.iter().enumerate() {
                                if matches!(e, ast::Expr::Identifier(id) if id.value.eq_ignore_ascii_case("default") && id.quote_style.is_none())
                                {
                                    row.push(Expr::Literal(Value::Null));
                                    slots.push(i);
                                    continue;
                                }
                                let (x, t) = b.bind_expr(e, &Scope::default(), None)?;
                                let col_name = &cols[targets[i]].name;
                                if mysql {
                                    row.push(mysql_assign(&mut b, x, &t, &target_types[i])?);
                                    continue;
                                }
                                check_assignable(&t, &target_types[i], col_name)?;
                                row.push(b.coerce(x, &t, &target_types[i])?);
                            }
                            rows.push(row);
                            default_slots.push(slots);
                        }
                        let width = rows.first().map(|r| r.len()).unwrap_or(0);
                        Plan::Values { rows, width }
                    } else {
                        b.bind_query(q)?.plan
                    }
                } else {
                    let bound = b.bind_query(q)?;
                    if bound.cols.len() > targets.len() {
                        return Err(SqlError::new(
                            sqlstate::SYNTAX_ERROR,
                            "INSERT has more expressions than target columns",
                        ));
                    }
                    if mysql && bound.cols.len() != targets.len() {
                        return Err(crate::mysql_sql::errors::value_count(1));
                    }
                    for (i, (_, t)) in bound.cols.iter().enumerate() {
                        if !mysql {
                            check_assignable(t, &target_types[i], &cols[targets[i]].name)?;
                        }
                    }
                    bound.plan
                }
            }
        };
        for (i, pos) in targets.iter().enumerate() {
            let name = &cols[*pos].name;
            if info.schema.options.contains_key(&format!("{}{name}", catalog::OPT_IDENTITY_ALWAYS_PREFIX)) {
                let all_default = match &source {
                    Plan::Values { rows, .. } if rows.len() == default_slots.len() => {
                        rows.iter().zip(&default_slots).all(|(r, d)| i >= r.len() || d.contains(&i))
                    }
                    _ => false,
                };
                if !all_default {
                    return Err(SqlError::new(
                        "428C9",
                        format!("cannot insert a non-DEFAULT value into column \"{name}\""),
                    )
                    .with_detail(format!("Column \"{name}\" is an identity column defined as GENERATED ALWAYS.")));
                }
            }
        }
        let mut defaults = Vec::new();
        for (i, c) in cols.iter().enumerate() {
            defaults.push(if info.hidden == Some(i) {
                DefaultKind::Sequence(format!("{}.{ROWID}", info.storage_name))
            } else {
                match &c.default {
                    None => DefaultKind::None,
                    Some(ColumnDefault::Value(v)) => DefaultKind::Expr(Expr::Literal(v.clone())),
                    Some(ColumnDefault::Expression(sql)) => match sequence_of(sql) {
                        Some(seq) => DefaultKind::Sequence(seq),
                        None => {
                            let e = crate::parse::parse_expr(self.engine.dialect, sql)?;
                            DefaultKind::Expr(b.bind_expr(&e, &Scope::default(), None)?.0)
                        }
                    },
                }
            });
        }
        let checks = bind_checks(&mut b, &info)?;
        let scope = table_scope(&info, &alias);
        let conflict = match &ins.on {
            None => None,
            Some(ast::OnInsert::OnConflict(oc)) => Some(match &oc.action {
                ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
                ast::OnConflictAction::DoUpdate(du) => {
                    if oc.conflict_target.is_none() {
                        return Err(SqlError::new(
                            sqlstate::SYNTAX_ERROR,
                            "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                        ));
                    }
                    let mut excluded = table_scope(&info, "excluded");
                    for c in &mut excluded.cols {
                        c.hidden = true;
                    }
                    let both = scope.concat(&excluded);
                    let assignments = bind_assignments(&mut b, &info, &du.assignments, &both)?;
                    let selection = match &du.selection {
                        Some(s) => Some(b.bind_expr(s, &both, None)?.0),
                        None => None,
                    };
                    ConflictAction::Update { assignments, selection }
                }
            }),
            Some(ast::OnInsert::DuplicateKeyUpdate(assignments)) if mysql => {
                // The proposed row is `__values` (VALUES(c)) and the row alias of `AS new`.
                let mut proposed = table_scope(&info, crate::mysql_sql::rewrite::VALUES_ROW);
                if let Some(a) = &ins.insert_alias {
                    if a.col_aliases.as_ref().is_some_and(|c| !c.is_empty()) {
                        return Err(SqlError::not_supported("column aliases of the INSERT row alias"));
                    }
                    let alias = object_name_parts(&a.row_alias)?.last().cloned().unwrap_or_default();
                    proposed = proposed.concat(&table_scope(&info, &alias));
                }
                for c in &mut proposed.cols {
                    c.hidden = true;
                }
                let width = info.columns().len();
                let both = scope.concat(&proposed);
                let mut bound = bind_assignments(&mut b, &info, assignments, &both)?;
                // Both copies of the proposed row read the same values.
                for (_, e) in &mut bound {
                    e.remap_columns(&|i| if i >= 2 * width { i - width } else { i });
                }
                Some(ConflictAction::Update { assignments: bound, selection: None })
            }
            Some(_) => return Err(SqlError::not_supported("ON DUPLICATE KEY UPDATE")),
        };
        let returning = bind_returning(&mut b, &ins.returning, &scope)?;
        let params = b.param_types();
        let (replace, ignore) = (ins.replace_into, ins.ignore);
        Ok((
            InsertPlan { table: info, source, targets, defaults, checks, conflict, returning, default_slots, replace, ignore },
            params,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn bind_modify(
        &self,
        cat: &CatalogState,
        table: &ast::TableWithJoins,
        from: &[ast::TableWithJoins],
        selection: &Option<ast::Expr>,
        assignments: &[ast::Assignment],
        returning: &Option<Vec<ast::SelectItem>>,
        param_types: &[SqlType],
        order_limit: (&[ast::OrderByExpr], Option<&ast::Expr>),
    ) -> Result<(ModifyPlan, Vec<SqlType>), SqlError> {
        let mut b = self.binder(cat, param_types);
        if !table.joins.is_empty() {
            return Err(SqlError::not_supported("joins in the target of UPDATE/DELETE"));
        }
        let ast::TableFactor::Table { name, alias, .. } = &table.relation else {
            return Err(SqlError::not_supported("this UPDATE/DELETE target"));
        };
        let info = b.lookup_table(name)?;
        crate::mysql_sql::time_zone::refuse_write(&b, &info)?;
        let alias_name = alias.as_ref().map(|a| ident(&a.name)).unwrap_or_else(|| info.name.clone());
        let (scan, _) = b.scan_of(&info);
        let target_scope = table_scope(&info, &alias_name);
        let target_width = target_scope.len();
        let (from_rels, from_conds, from_scope) =
            if from.is_empty() { (Vec::new(), Vec::new(), Scope::default()) } else { b.bind_from(from)? };
        let scope = target_scope.concat(&from_scope);
        let mut rels = vec![Rel { plan: scan, width: target_width }];
        let mut conds: Vec<Expr> = Vec::new();
        for mut c in from_conds {
            c.remap_columns(&|i| i + target_width);
            conds.push(c);
        }
        rels.extend(from_rels);
        if let Some(w) = selection {
            let (p, t) = b.bind_expr(w, &scope, None)?;
            if !matches!(t, SqlType::Bool | SqlType::Unknown) {
                return Err(SqlError::new(
                    sqlstate::DATATYPE_MISMATCH,
                    format!("argument of WHERE must be type boolean, not type {}", t.name()),
                ));
            }
            conds.extend(p.conjuncts());
        }
        let mut source = build_joins(rels, conds);
        // MySQL's UPDATE/DELETE ... ORDER BY ... LIMIT n.
        let (order_by, limit) = order_limit;
        if !order_by.is_empty() {
            let mut keys = Vec::new();
            for o in order_by {
                let (x, _) = b.bind_expr(&o.expr, &scope, None)?;
                let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
                keys.push(crate::plan::SortKey { expr: x, desc, nulls_first: o.options.nulls_first.unwrap_or(!desc) });
            }
            source = Plan::Sort { input: Box::new(source), keys };
        }
        if let Some(l) = limit {
            let (x, t) = b.bind_expr(l, &Scope::default(), None)?;
            let x = b.coerce(x, &t, &SqlType::Int8)?;
            source = Plan::Limit { input: Box::new(source), limit: Some(x), offset: None };
        }
        let assignments = bind_assignments(&mut b, &info, assignments, &scope)?;
        let checks = bind_checks(&mut b, &info)?;
        let returning = bind_returning(&mut b, returning, &scope)?;
        let params = b.param_types();
        let target = ModifyTarget { table: info, offset: 0, assignments, checks };
        Ok((ModifyPlan { source, targets: vec![target], returning }, params))
    }

    fn bind_update(
        &self,
        cat: &CatalogState,
        up: &ast::Update,
        param_types: &[SqlType],
    ) -> Result<(ModifyPlan, Vec<SqlType>), SqlError> {
        let mysql = self.engine.dialect.is_mysql();
        if up.or.is_some() || (!mysql && (up.limit.is_some() || !up.order_by.is_empty())) {
            return Err(SqlError::not_supported("this UPDATE form"));
        }
        if mysql {
            let mut b = self.binder(cat, param_types);
            if let Some((source, targets)) = crate::mysql_sql::modify::update(&mut b, up)? {
                if up.limit.is_some() || !up.order_by.is_empty() {
                    return Err(SqlError::not_supported("ORDER BY and LIMIT in a multi-table UPDATE"));
                }
                return Ok((ModifyPlan { source, targets, returning: None }, b.param_types()));
            }
        }
        let from: Vec<ast::TableWithJoins> = match &up.from {
            None => Vec::new(),
            Some(ast::UpdateTableFromKind::BeforeSet(f)) | Some(ast::UpdateTableFromKind::AfterSet(f)) => f.clone(),
        };
        let ol = (up.order_by.as_slice(), up.limit.as_ref());
        self.bind_modify(cat, &up.table, &from, &up.selection, &up.assignments, &up.returning, param_types, ol)
    }

    fn bind_delete(
        &self,
        cat: &CatalogState,
        del: &ast::Delete,
        param_types: &[SqlType],
    ) -> Result<(ModifyPlan, Vec<SqlType>), SqlError> {
        let mysql = self.engine.dialect.is_mysql();
        if !mysql && (del.limit.is_some() || !del.order_by.is_empty() || !del.tables.is_empty()) {
            return Err(SqlError::not_supported("this DELETE form"));
        }
        if mysql {
            let mut b = self.binder(cat, param_types);
            if let Some((source, targets)) = crate::mysql_sql::modify::delete(&mut b, del)? {
                if del.limit.is_some() || !del.order_by.is_empty() {
                    return Err(SqlError::not_supported("ORDER BY and LIMIT in a multi-table DELETE"));
                }
                return Ok((ModifyPlan { source, targets, returning: None }, b.param_types()));
            }
        }
        let tables = match &del.from {
            ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
        };
        let [target] = tables.as_slice() else {
            return Err(SqlError::not_supported("DELETE from several tables"));
        };
        let using = del.using.clone().unwrap_or_default();
        let ol = (del.order_by.as_slice(), del.limit.as_ref());
        self.bind_modify(cat, target, &using, &del.selection, &[], &del.returning, param_types, ol)
    }

    pub(crate) fn describe_dml(
        &self,
        cat: &CatalogState,
        stmt: &ast::Statement,
        param_types: &[SqlType],
    ) -> Result<(Vec<SqlType>, Vec<Column>), SqlError> {
        let (returning, params) = match stmt {
            ast::Statement::Insert(i) => {
                let (p, params) = self.bind_insert(cat, i, param_types)?;
                (p.returning, params)
            }
            ast::Statement::Update(u) => {
                let (p, params) = self.bind_update(cat, u, param_types)?;
                (p.returning, params)
            }
            ast::Statement::Delete(d) => {
                let (p, params) = self.bind_delete(cat, d, param_types)?;
                (p.returning, params)
            }
            _ => return Ok((vec![], vec![])),
        };
        Ok((params, returning.map(|(_, c)| c).unwrap_or_default()))
    }

    pub(crate) fn explain_dml(&self, stmt: &ast::Statement, param_types: &[SqlType]) -> Result<Vec<String>, SqlError> {
        let cat = self.engine.catalog();
        let (title, plan) = match stmt {
            ast::Statement::Insert(i) => {
                let (p, _) = self.bind_insert(&cat, i, param_types)?;
                (format!("Insert on {}", p.table.name), p.source)
            }
            ast::Statement::Update(u) => {
                let (p, _) = self.bind_update(&cat, u, param_types)?;
                (format!("Update on {}", p.targets[0].table.name), p.source)
            }
            ast::Statement::Delete(d) => {
                let (p, _) = self.bind_delete(&cat, d, param_types)?;
                (format!("Delete on {}", p.targets[0].table.name), p.source)
            }
            _ => return Err(SqlError::not_supported("EXPLAIN of this statement")),
        };
        let mut lines = vec![title];
        lines.extend(crate::plan::explain(&plan).into_iter().map(|l| format!("  ->  {l}")));
        Ok(lines)
    }

    fn finish_row(
        &self,
        info: &TableInfo,
        ctx: &ExecCtx,
        checks: &[(String, Expr)],
        row: Vec<Value>,
        row_no: usize,
    ) -> Result<Vec<Value>, SqlError> {
        self.finish_row_with(info, ctx, checks, row, row_no, None)
    }

    /// [`Self::finish_row`]; with `lenient` (MySQL's INSERT IGNORE) a value that does
    /// not fit its column is adjusted as MySQL does and the error becomes a warning.
    fn finish_row_with(
        &self,
        info: &TableInfo,
        ctx: &ExecCtx,
        checks: &[(String, Expr)],
        row: Vec<Value>,
        row_no: usize,
        mut lenient: Option<&mut Vec<SqlError>>,
    ) -> Result<Vec<Value>, SqlError> {
        let cols = info.columns();
        let types = info.column_types();
        let mut out = Vec::with_capacity(row.len());
        let mysql = self.engine.dialect.is_mysql();
        for (i, (v, c)) in row.into_iter().zip(cols.iter()).enumerate() {
            let v = match types.get(i) {
                Some(vector @ crate::SqlType::Vector(_)) => crate::expr::cast::cast_value(v, vector)?,
                _ => v,
            };
            if let Some(Some(kind)) = info.mysql_kinds.get(i) {
                let v = match (crate::mysql_sql::types::store(kind, &c.data_type, v.clone(), &c.name, row_no), &mut lenient) {
                    (Ok(v), _) => v,
                    (Err(e), Some(warnings)) => {
                        warnings.push(e);
                        crate::mysql_sql::types::adjust(kind, &c.data_type, v)
                    }
                    (Err(e), None) => return Err(e),
                };
                if v.is_null() && !c.nullable {
                    match &mut lenient {
                        Some(warnings) => {
                            warnings.push(crate::mysql_sql::errors::cannot_be_null(&c.name));
                            out.push(crate::mysql_sql::types::implicit_default(kind, &c.data_type));
                            continue;
                        }
                        None => return Err(crate::mysql_sql::errors::cannot_be_null(&c.name)),
                    }
                }
                out.push(v);
                continue;
            }
            let v = assign_value(v, &c.data_type).map_err(|e| {
                if e.code == sqlstate::DATATYPE_MISMATCH {
                    SqlError::new(
                        sqlstate::DATATYPE_MISMATCH,
                        format!("column \"{}\" is of type {}", c.name, c.data_type),
                    )
                } else {
                    e
                }
            })?;
            if v.is_null() && !c.nullable {
                return Err(SqlError::new(
                    sqlstate::NOT_NULL_VIOLATION,
                    format!(
                        "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                        c.name, info.name
                    ),
                ));
            }
            out.push(v);
        }
        for (name, check) in checks {
            if let Value::Bool(false) = ctx.env().eval(check, &out)? {
                if mysql {
                    return Err(SqlError::new(crate::mysql_sql::errors::GENERAL, format!("Check constraint '{name}' is violated."))
                        .with_mysql_errno(3819));
                }
                return Err(SqlError::new(
                    sqlstate::CHECK_VIOLATION,
                    format!("new row for relation \"{}\" violates check constraint \"{name}\"", info.name),
                ));
            }
        }
        Ok(out)
    }

    fn new_ctx(&self, params: &[Value], data: exec::ScanData) -> ExecCtx {
        ExecCtx::new(
            params.to_vec(),
            data,
            self.statement_now(),
            self.cancel_flag(),
            self.session_info(),
        )
    }

    pub(crate) async fn execute_insert(
        &mut self,
        tx: &mut dyn Transaction,
        ins: &ast::Insert,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let (plan, _) = {
            let cat = self.engine.catalog();
            self.bind_insert(&cat, ins, param_types)?
        };
        self.note_vector_write(&plan.table);
        let data = exec::prefetch(tx, &plan.source, params, self.statement_now(), &self.services()).await?;
        // Build the candidate rows (sync), leaving sequence defaults as markers.
        let mysql_cols = if self.engine.dialect.is_mysql() { plan.table.columns().iter().map(|c| (c.name.clone(), c.nullable)).collect() } else { Vec::new() };
        let (mut rows, mut needs_seq) = {
            let ctx = self.new_ctx(params, data);
            crate::mysql_sql::functions::take_divisions_by_zero();
            let source_rows = exec::run(&ctx, &plan.source, &[])?;
            // MySQL's strict mode (ERROR_FOR_DIVISION_BY_ZERO) fails the INSERT.
            if crate::mysql_sql::functions::take_divisions_by_zero() > 0 && !mysql_cols.is_empty() && !plan.ignore {
                return Err(crate::mysql_sql::errors::division_by_zero());
            }
            let ncols = plan.defaults.len();
            let mut rows = Vec::with_capacity(source_rows.len());
            let mut needs_seq: Vec<Vec<usize>> = Vec::with_capacity(source_rows.len());
            for (ri, src) in source_rows.into_iter().enumerate() {
                let mut row: Vec<Option<Value>> = vec![None; ncols];
                let defaulted = plan.default_slots.get(ri);
                for (i, v) in src.into_iter().enumerate() {
                    if defaulted.is_some_and(|d| d.contains(&i)) {
                        continue;
                    }
                    if let Some(&pos) = plan.targets.get(i) {
                        row[pos] = Some(v);
                    }
                }
                let mut seq_cols = Vec::new();
                let mut full = Vec::with_capacity(ncols);
                for (pos, slot) in row.into_iter().enumerate() {
                    full.push(match slot {
                        Some(v) => v,
                        _ => match &plan.defaults[pos] {
                            DefaultKind::None => match mysql_cols.get(pos) {
                                Some((name, false)) if plan.table.hidden != Some(pos) => {
                                    return Err(crate::mysql_sql::errors::no_default(name))
                                }
                                _ => Value::Null,
                            },
                            DefaultKind::Expr(e) => ctx.env().eval(e, &[])?,
                            DefaultKind::Sequence(_) => {
                                seq_cols.push(pos);
                                Value::Null
                            }
                        },
                    });
                }
                rows.push(full);
                needs_seq.push(seq_cols);
            }
            (rows, needs_seq)
        };
        let last_insert_id = if self.engine.dialect.is_mysql() {
            let info = plan.table.clone();
            self.mysql_auto_increment(&info, &mut rows, &mut needs_seq).await?
        } else {
            None
        };
        // Sequence values, allocated per column in one block.
        let mut per_seq: std::collections::BTreeMap<usize, usize> = Default::default();
        for cols in &needs_seq {
            for c in cols {
                *per_seq.entry(*c).or_default() += 1;
            }
        }
        let mut next: std::collections::BTreeMap<usize, i64> = Default::default();
        for (col, n) in per_seq {
            if let DefaultKind::Sequence(seq) = &plan.defaults[col] {
                let replayed = self.replay_draws.as_mut().and_then(|d| d.pop_front());
                let first = match replayed {
                    Some(v) => v,
                    None => catalog::next_values(&self.engine.storage, seq, n as i64).await?,
                };
                self.seq_draws.push(first);
                next.insert(col, first);
            }
        }
        for (row, cols) in rows.iter_mut().zip(&needs_seq) {
            for c in cols {
                if let Some(v) = next.get_mut(c) {
                    row[*c] = Value::Int(*v);
                    *v += 1;
                }
            }
        }
        let info = plan.table.clone();
        let table = info.storage_name.clone();
        let pk = info.schema.primary_key_positions();
        let mut count = 0u64;
        let mut returned = Vec::new();
        let ctx = self.new_ctx(params, Default::default());
        let mut ctx_holder = Some(ctx);
        let mysql = self.engine.dialect.is_mysql();
        let cat = self.engine.catalog();
        let fk_checks =
            if self.mysql_foreign_key_checks() { crate::mysql_sql::foreign_keys::Checks::of(&cat, &info) } else { None };
        let records = rows.len() as u64;
        let mut duplicates = 0u64;
        for (ri, row) in rows.into_iter().enumerate() {
            let row_no = ri + 1;
            if self.cancel.load(Ordering::Relaxed) {
                return Err(SqlError::new(sqlstate::QUERY_CANCELED, "canceling statement due to user request"));
            }
            let row = {
                let ctx = ctx_holder.take().unwrap_or_else(|| self.new_ctx(params, Default::default()));
                let mut warnings = Vec::new();
                let lenient = if plan.ignore { Some(&mut warnings) } else { None };
                crate::mysql_sql::types::take_rounding_notes();
                let r = self.finish_row_with(&info, &ctx, &plan.checks, row, row_no, lenient);
                drop(ctx);
                for n in crate::mysql_sql::types::take_rounding_notes() {
                    self.mysql_diagnostic("Note", 1265, n);
                }
                for w in warnings {
                    self.warning(w.code, w.message);
                }
                r?
            };
            if let Some(c) = &fk_checks {
                match c.written(tx, &cat, &row, None).await {
                    // INSERT IGNORE skips the row with a warning.
                    Err(e) if plan.ignore => {
                        self.mysql_diagnostic("Warning", e.mysql_errno.unwrap_or(1452), e.message);
                        duplicates += 1;
                        continue;
                    }
                    r => r?,
                }
            }
            let mut attempt = tx.insert(&table, row.clone()).await;
            // REPLACE: delete the rows the new one collides with, then insert it.
            while let (true, Err(e @ (StorageError::DuplicateKey { .. } | StorageError::UniqueViolation { .. }))) =
                (plan.replace, &attempt)
            {
                let Some(existing) = conflicting_row(tx, &info, e, &row).await? else { break };
                let key: Vec<Value> = pk.iter().map(|p| existing[*p].clone()).collect();
                if let Some(c) = &fk_checks {
                    c.removed(tx, &cat, &existing, None).await?;
                }
                tx.delete(&table, &key).await?;
                count += 1;
                duplicates += 1;
                attempt = tx.insert(&table, row.clone()).await;
            }
            match attempt {
                Ok(()) => {
                    count += 1;
                    if let Some((exprs, _)) = &plan.returning {
                        let ctx = self.new_ctx(params, Default::default());
                        returned.push(exprs.iter().map(|e| ctx.env().eval(e, &row)).collect::<Result<Vec<_>, _>>()?);
                    }
                }
                Err(e @ (StorageError::DuplicateKey { .. } | StorageError::UniqueViolation { .. })) => {
                    let dup = |e: StorageError| {
                        if mysql {
                            crate::mysql_sql::insert::duplicate_error(&info, &e, &row)
                        } else {
                            unique_error(&info, e)
                        }
                    };
                    if plan.ignore {
                        self.warning("23000", dup(e).message);
                        duplicates += 1;
                        continue;
                    }
                    let Some(action) = &plan.conflict else { return Err(dup(e)) };
                    let ConflictAction::Update { assignments, selection } = action else { continue };
                    let existing = conflicting_row(tx, &info, &e, &row).await?;
                    let Some(existing) = existing else { return Err(dup(e)) };
                    duplicates += 1;
                    let updated = {
                        let ctx = self.new_ctx(params, Default::default());
                        let mut both = existing.clone();
                        both.extend(row.iter().cloned());
                        if let Some(sel) = selection {
                            if !ctx.env().test(sel, &both)? {
                                continue;
                            }
                        }
                        let mut new_row = existing.clone();
                        for (pos, e) in assignments {
                            new_row[*pos] = ctx.env().eval(e, &both)?;
                        }
                        self.finish_row(&info, &ctx, &plan.checks, new_row, row_no)?
                    };
                    let key: Vec<Value> = pk.iter().map(|p| existing[*p].clone()).collect();
                    if mysql {
                        // MySQL counts an updated row twice and an unchanged one not at all.
                        if updated == existing {
                            continue;
                        }
                        count += 1;
                    }
                    if let Some(c) = &fk_checks {
                        c.written(tx, &cat, &updated, Some(&existing)).await?;
                        c.removed(tx, &cat, &existing, Some(&updated)).await?;
                    }
                    tx.update(&table, &key, updated.clone()).await.map_err(|e| {
                        if mysql {
                            crate::mysql_sql::insert::duplicate_error(&info, &e, &updated)
                        } else {
                            unique_error(&info, e)
                        }
                    })?;
                    count += 1;
                    if let Some((exprs, _)) = &plan.returning {
                        let ctx = self.new_ctx(params, Default::default());
                        returned
                            .push(exprs.iter().map(|e| ctx.env().eval(e, &updated)).collect::<Result<Vec<_>, _>>()?);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        let affected = (Verb::Insert, Affected { rows: count, matched: count, last_insert_id, records, duplicates });
        Ok(match plan.returning {
            Some((_, columns)) => QueryOutput::Rows { columns, rows: returned, affected: Some(affected) },
            None => QueryOutput::Command { command: "INSERT".into(), affected: Some(affected) },
        })
    }

    pub(crate) async fn execute_update(
        &mut self,
        tx: &mut dyn Transaction,
        up: &ast::Update,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let (plan, _) = {
            let cat = self.engine.catalog();
            self.bind_update(&cat, up, param_types)?
        };
        self.execute_modify(tx, plan, params, true).await
    }

    pub(crate) async fn execute_delete(
        &mut self,
        tx: &mut dyn Transaction,
        del: &ast::Delete,
        param_types: &[SqlType],
        params: &[Value],
    ) -> Result<QueryOutput, SqlError> {
        let (plan, _) = {
            let cat = self.engine.catalog();
            self.bind_delete(&cat, del, param_types)?
        };
        self.execute_modify(tx, plan, params, false).await
    }

    async fn execute_modify(
        &mut self,
        tx: &mut dyn Transaction,
        plan: ModifyPlan,
        params: &[Value],
        update: bool,
    ) -> Result<QueryOutput, SqlError> {
        // Lock the rows to change; when that waited for another transaction or the rows
        // may have changed since the snapshot, read them again through a fresh one.
        for t in &plan.targets {
            self.note_vector_write(&t.table);
        }
        let mut rounds = 0;
        let (ctx, rows) = loop {
            let data = exec::prefetch(tx, &plan.source, params, self.statement_now(), &self.services()).await?;
            let ctx = self.new_ctx(params, data);
            let rows = exec::run(&ctx, &plan.source, &[])?;
            let (mut waited, mut held_before) = (false, true);
            for t in &plan.targets {
                let keys: Vec<_> = rows.iter().filter_map(|row| t.key(row)).map(|k| crate::expr::compare::row_key(&k)).collect();
                let locked = self.engine.locks.lock_all(self.lock_owner, &t.table.storage_name, &keys, &self.cancel).await?;
                waited |= locked.waited;
                held_before &= locked.all_held_before;
            }
            let current = rounds > 0 && held_before;
            if current || (!waited && tx.snapshot_is_current()) || rounds >= 8 {
                break (ctx, rows);
            }
            tx.refresh_snapshot().await?;
            rounds += 1;
        };
        let mysql = self.engine.dialect.is_mysql();
        let mut unchanged = 0u64;
        // (target, change)
        let mut changes: Vec<(usize, RowChange)> = Vec::with_capacity(rows.len());
        for (ti, t) in plan.targets.iter().enumerate() {
            let info = &t.table;
            let width = t.width();
            let on_update = if mysql && update { on_update_columns(info) } else { Vec::new() };
            // Each target row changes once, however many source rows it appears in.
            let mut seen = HashSet::new();
            let mut row_no = 0;
            for row in &rows {
                let Some(key) = t.key(row) else { continue };
                if !seen.insert(crate::expr::compare::row_key(&key)) {
                    continue;
                }
                let old = &row[t.offset..t.offset + width];
                if !update {
                    let ret = match &plan.returning {
                        Some((exprs, _)) => Some(exprs.iter().map(|e| ctx.env().eval(e, row)).collect::<Result<Vec<_>, _>>()?),
                        None => None,
                    };
                    changes.push((ti, (key, old.to_vec(), None, ret)));
                    continue;
                }
                let mut new_row = old.to_vec();
                for (pos, e) in &t.assignments {
                    new_row[*pos] = ctx.env().eval(e, row)?;
                }
                if !on_update.is_empty() && new_row[..] != old[..] {
                    // In the session's zone: a table with TIMESTAMP columns is not written
                    // outside UTC, so these are DATETIME columns then.
                    let zone = self.mysql.as_ref().map_or(0, |m| crate::mysql_sql::time_zone::session_offset(&m.vars));
                    let now = crate::expr::functions::now_micros() + zone;
                    for p in &on_update {
                        if !t.assignments.iter().any(|(a, _)| a == p) {
                            new_row[*p] = Value::Timestamp(now - now.rem_euclid(1_000_000));
                        }
                    }
                }
                row_no += 1;
                let new_row = self.finish_row(info, &ctx, &t.checks, new_row, row_no)?;
                // MySQL counts a row whose values do not change as matched, not affected.
                if mysql && new_row[..] == old[..] {
                    unchanged += 1;
                    continue;
                }
                let ret = match &plan.returning {
                    Some((exprs, _)) => {
                        let mut full = row.clone();
                        full.splice(t.offset..t.offset + width, new_row.iter().cloned());
                        Some(exprs.iter().map(|e| ctx.env().eval(e, &full)).collect::<Result<Vec<_>, _>>()?)
                    }
                    None => None,
                };
                changes.push((ti, (key, old.to_vec(), Some(new_row), ret)));
            }
        }
        // A table named twice (MySQL's `UPDATE t a JOIN t b SET a.x = .., b.y = ..`): a
        // later target's change goes onto what an earlier one wrote.
        let shared = plan.targets.len() > 1;
        let mut written: std::collections::HashMap<(String, Vec<crate::expr::compare::HashKey>), Vec<Value>> = Default::default();
        let cat = self.engine.catalog();
        let fk_checks: Vec<Option<crate::mysql_sql::foreign_keys::Checks>> = if self.mysql_foreign_key_checks() {
            plan.targets.iter().map(|t| crate::mysql_sql::foreign_keys::Checks::of(&cat, &t.table)).collect()
        } else {
            Vec::new()
        };
        let mut count = 0u64;
        let mut returned = Vec::new();
        for (ti, (key, old, new_row, ret)) in changes {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(SqlError::new(sqlstate::QUERY_CANCELED, "canceling statement due to user request"));
            }
            let t = &plan.targets[ti];
            let table = &t.table.storage_name;
            let done = match new_row {
                Some(mut r) => {
                    let slot = (table.clone(), crate::expr::compare::row_key(&key));
                    if let Some(earlier) = written.get(&slot).filter(|_| shared) {
                        let mut merged = earlier.clone();
                        for (pos, _) in &t.assignments {
                            merged[*pos] = r[*pos].clone();
                        }
                        r = merged;
                    }
                    if let Some(Some(c)) = fk_checks.get(ti) {
                        c.written(tx, &cat, &r, Some(&old)).await?;
                        c.removed(tx, &cat, &old, Some(&r)).await?;
                    }
                    let done = tx.update(table, &key, r.clone()).await.map_err(|e| {
                        if mysql {
                            crate::mysql_sql::insert::duplicate_error(&t.table, &e, &r)
                        } else {
                            unique_error(&t.table, e)
                        }
                    })?;
                    if shared {
                        written.insert(slot, r);
                    }
                    done
                }
                None => {
                    if let Some(Some(c)) = fk_checks.get(ti) {
                        c.removed(tx, &cat, &old, None).await?;
                    }
                    tx.delete(table, &key).await?.is_some()
                }
            };
            if done {
                count += 1;
                if let Some(r) = ret {
                    returned.push(r);
                }
            }
        }
        let verb = if update { Verb::Update } else { Verb::Delete };
        let affected = (verb, Affected { rows: count, matched: count + unchanged, ..Default::default() });
        Ok(match plan.returning {
            Some((_, columns)) => QueryOutput::Rows { columns, rows: returned, affected: Some(affected) },
            None => QueryOutput::Command { command: verb.name().into(), affected: Some(affected) },
        })
    }
}

/// MySQL's ON UPDATE CURRENT_TIMESTAMP columns of a table.
fn on_update_columns(info: &TableInfo) -> Vec<usize> {
    info.schema
        .options
        .keys()
        .filter_map(|k| k.strip_prefix(crate::mysql_sql::ddl::OPT_ON_UPDATE_PREFIX))
        .filter_map(|c| info.schema.column_position(c))
        .collect()
}

impl ModifyTarget {
    fn width(&self) -> usize {
        self.table.columns().len()
    }

    /// The target's primary key in a source row (`None`: an outer join's missing row).
    fn key(&self, row: &[Value]) -> Option<Vec<Value>> {
        let key: Vec<Value> = self.table.schema.primary_key_positions().iter().map(|p| row[self.offset + p].clone()).collect();
        (!key.iter().any(Value::is_null)).then_some(key)
    }
}

/// The existing row a unique violation of `row` collides with.
async fn conflicting_row(
    tx: &mut dyn Transaction,
    info: &TableInfo,
    e: &StorageError,
    row: &[Value],
) -> Result<Option<Vec<Value>>, SqlError> {
    let table = &info.storage_name;
    Ok(match e {
        StorageError::DuplicateKey { .. } => {
            let key: Vec<Value> = info.schema.primary_key_positions().iter().map(|p| row[*p].clone()).collect();
            tx.get(table, &key).await?
        }
        StorageError::UniqueViolation { index, .. } => match info.schema.index(index).cloned() {
            Some(idx) => {
                let key: Vec<Value> = info
                    .schema
                    .index_column_names(&idx)
                    .iter()
                    .filter_map(|n| info.schema.column_position(n))
                    .map(|p| row[p].clone())
                    .collect();
                tx.index_scan(table, index, &orbit_storage::ScanOptions::prefix(key)).await?.into_iter().next()
            }
            None => None,
        },
        _ => None,
    })
}

fn unique_error(info: &TableInfo, e: StorageError) -> SqlError {
    match e {
        StorageError::DuplicateKey { .. } => SqlError::new(
            sqlstate::UNIQUE_VIOLATION,
            format!("duplicate key value violates unique constraint \"{}_pkey\"", info.name),
        ),
        StorageError::UniqueViolation { index, .. } => SqlError::new(
            sqlstate::UNIQUE_VIOLATION,
            format!("duplicate key value violates unique constraint \"{index}\""),
        ),
        other => other.into(),
    }
}
