//! The binder: resolves names against the catalog and the scopes of the query (and of
//! enclosing queries, for correlated subqueries), types every expression with
//! PostgreSQL's rules (unknown literals take their context's type, numeric promotion),
//! and builds the [`Plan`] of a query: FROM (via the join planner) → WHERE →
//! GROUP BY/aggregates → HAVING → projection → DISTINCT → ORDER BY → LIMIT.

use super::join::{build_joins, split_join_condition, Rel};
use super::{AggCall, AggFunc, FrameBound, JoinKind, Plan, ScanNode, SetOpKind, SortKey, WindowCall};
use crate::catalog::{CatalogState, TableInfo, ViewDef};
use crate::error::{sqlstate, SqlError};
use crate::expr::cast::{cast_value, common_type, is_integer, is_numeric};
use crate::expr::{BinOp, Expr, QuantSource, SubPlan};
use crate::types::SqlType;
use orbit_storage::{DataType, Value};
use sqlparser::ast;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ScopeCol {
    pub table: Option<String>,
    pub name: String,
    pub ty: SqlType,
    /// Not expanded by `*` (hidden row ids, the right side of USING columns).
    pub hidden: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub cols: Vec<ScopeCol>,
}

impl Scope {
    pub fn len(&self) -> usize {
        self.cols.len()
    }
    pub fn is_empty(&self) -> bool {
        self.cols.is_empty()
    }
    pub fn concat(&self, other: &Scope) -> Scope {
        let mut cols = self.cols.clone();
        cols.extend(other.cols.iter().cloned());
        Scope { cols }
    }
    /// Position of a column; `Err` when ambiguous.
    fn find(&self, table: Option<&str>, name: &str) -> Result<Option<usize>, SqlError> {
        let hits: Vec<usize> = self
            .cols
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name == name && table.is_none_or(|t| c.table.as_deref() == Some(t)))
            .map(|(i, _)| i)
            .collect();
        match hits.len() {
            0 => Ok(None),
            1 => Ok(Some(hits[0])),
            _ => {
                let visible: Vec<usize> = hits.iter().copied().filter(|i| !self.cols[*i].hidden).collect();
                if visible.len() == 1 {
                    Ok(Some(visible[0]))
                } else {
                    Err(SqlError::new(sqlstate::AMBIGUOUS_COLUMN, format!("column reference \"{name}\" is ambiguous")))
                }
            }
        }
    }
    fn has_table(&self, table: &str) -> bool {
        self.cols.iter().any(|c| c.table.as_deref() == Some(table))
    }
}

/// A bound query: its plan and output columns.
#[derive(Debug, Clone)]
pub struct Bound {
    pub plan: Plan,
    pub cols: Vec<(String, SqlType)>,
}

pub struct AggCtx {
    group_strs: Vec<String>,
    agg_strs: Vec<String>,
    n_group: usize,
    from_scope: Scope,
    /// Window function calls (by SQL text) and the position of the first one's column.
    win_strs: Vec<String>,
    win_base: usize,
}

struct CteBinding {
    name: String,
    bound: Bound,
}

pub fn ident(i: &ast::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

pub fn object_name_parts(n: &ast::ObjectName) -> Result<Vec<String>, SqlError> {
    n.0.iter()
        .map(|p| match p {
            ast::ObjectNamePart::Identifier(i) => Ok(ident(i)),
            _ => Err(SqlError::not_supported("function-valued names")),
        })
        .collect()
}

const AGGREGATES: &[&str] = &[
    "count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "string_agg", "array_agg",
    // MySQL's statistical and bit aggregates, under the names its pre-pass gives them.
    "__orbit_var_pop", "__orbit_var_samp", "__orbit_stddev_pop", "__orbit_stddev_samp", "__orbit_bit_and",
    "__orbit_bit_or", "__orbit_bit_xor",
];

fn function_name(f: &ast::Function) -> String {
    f.name
        .0
        .last()
        .map(|p| match p {
            ast::ObjectNamePart::Identifier(i) => ident(i),
            _ => String::new(),
        })
        .unwrap_or_default()
}

fn is_aggregate_call(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Function(f) if f.over.is_none() && AGGREGATES.contains(&function_name(f).as_str()))
}

fn is_window_call(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Function(f) if f.over.is_some())
}

/// Visits the aggregate calls in an expression (not descending into subqueries).
fn find_aggregates<'a>(e: &'a ast::Expr, out: &mut Vec<&'a ast::Expr>) {
    find_calls(e, &is_aggregate_call, out)
}

/// Visits the window function calls in an expression.
fn find_windows<'a>(e: &'a ast::Expr, out: &mut Vec<&'a ast::Expr>) {
    find_calls(e, &is_window_call, out)
}

fn find_calls<'a>(e: &'a ast::Expr, pred: &dyn Fn(&ast::Expr) -> bool, out: &mut Vec<&'a ast::Expr>) {
    use ast::Expr as E;
    let find_aggregates = |x: &'a ast::Expr, out: &mut Vec<&'a ast::Expr>| find_calls(x, pred, out);
    if pred(e) {
        out.push(e);
        return;
    }
    match e {
        E::BinaryOp { left, right, .. } => {
            find_aggregates(left, out);
            find_aggregates(right, out);
        }
        E::UnaryOp { expr, .. }
        | E::Nested(expr)
        | E::IsNull(expr)
        | E::IsNotNull(expr)
        | E::IsTrue(expr)
        | E::IsFalse(expr)
        | E::IsNotTrue(expr)
        | E::IsNotFalse(expr)
        | E::IsUnknown(expr)
        | E::IsNotUnknown(expr)
        | E::Cast { expr, .. }
        | E::Collate { expr, .. }
        | E::Extract { expr, .. }
        | E::Ceil { expr, .. }
        | E::Floor { expr, .. } => find_aggregates(expr, out),
        E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b) => {
            find_aggregates(a, out);
            find_aggregates(b, out);
        }
        E::InList { expr, list, .. } => {
            find_aggregates(expr, out);
            list.iter().for_each(|x| find_aggregates(x, out));
        }
        E::InSubquery { expr, .. } => find_aggregates(expr, out),
        E::Between { expr, low, high, .. } => {
            find_aggregates(expr, out);
            find_aggregates(low, out);
            find_aggregates(high, out);
        }
        E::Like { expr, pattern, .. } | E::ILike { expr, pattern, .. } => {
            find_aggregates(expr, out);
            find_aggregates(pattern, out);
        }
        E::Case { operand, conditions, else_result, .. } => {
            if let Some(o) = operand {
                find_aggregates(o, out);
            }
            for c in conditions {
                find_aggregates(&c.condition, out);
                find_aggregates(&c.result, out);
            }
            if let Some(x) = else_result {
                find_aggregates(x, out);
            }
        }
        E::Function(f) => {
            if let ast::FunctionArguments::List(l) = &f.args {
                for a in &l.args {
                    if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = a {
                        find_aggregates(x, out);
                    }
                }
            }
        }
        E::Substring { expr, substring_from, substring_for, .. } => {
            find_aggregates(expr, out);
            if let Some(x) = substring_from {
                find_aggregates(x, out);
            }
            if let Some(x) = substring_for {
                find_aggregates(x, out);
            }
        }
        E::Trim { expr, trim_what, .. } => {
            find_aggregates(expr, out);
            if let Some(x) = trim_what {
                find_aggregates(x, out);
            }
        }
        E::Tuple(items) => items.iter().for_each(|x| find_aggregates(x, out)),
        _ => {}
    }
}

/// Maps a SQL type name to the storage type and the engine type.
pub fn map_data_type(dt: &ast::DataType) -> Result<(DataType, SqlType), SqlError> {
    use ast::DataType as D;
    let len = |l: &Option<ast::CharacterLength>| match l {
        Some(ast::CharacterLength::IntegerLength { length, .. }) => Some(*length as u32),
        _ => None,
    };
    let d = match dt {
        D::Bool | D::Boolean => DataType::Bool,
        D::SmallInt(_) | D::Int2(_) => DataType::Int16,
        D::Int(_) | D::Integer(_) | D::Int4(_) => DataType::Int32,
        D::BigInt(_) | D::Int8(_) => DataType::Int64,
        D::Real | D::Float4 => DataType::Float32,
        D::Float(info) => match info {
            ast::ExactNumberInfo::Precision(p) if *p <= 24 => DataType::Float32,
            _ => DataType::Float64,
        },
        D::Double(_) | D::DoublePrecision | D::Float8 => DataType::Float64,
        D::Numeric(info) | D::Decimal(info) => match info {
            ast::ExactNumberInfo::None => DataType::Decimal { precision: None, scale: None },
            ast::ExactNumberInfo::Precision(p) => DataType::Decimal { precision: Some(*p as u32), scale: Some(0) },
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => {
                DataType::Decimal { precision: Some(*p as u32), scale: Some((*s).max(0) as u32) }
            }
        },
        D::Text | D::String(_) => DataType::Text,
        D::Varchar(l) | D::CharacterVarying(l) => DataType::Varchar(len(l)),
        D::Char(l) | D::Character(l) => DataType::Char(Some(len(l).unwrap_or(1))),
        D::Bytea => DataType::Bytes,
        D::Date => DataType::Date,
        D::Time(_, tz) => match tz {
            ast::TimezoneInfo::WithTimeZone | ast::TimezoneInfo::Tz => {
                return Err(SqlError::not_supported("type time with time zone"))
            }
            _ => DataType::Time,
        },
        D::Timestamp(_, tz) => match tz {
            ast::TimezoneInfo::WithTimeZone | ast::TimezoneInfo::Tz => DataType::TimestampTz,
            _ => DataType::Timestamp,
        },
        D::Interval { .. } => DataType::Interval,
        D::Uuid => DataType::Uuid,
        D::JSON => DataType::Json,
        D::JSONB => DataType::Jsonb,
        D::Array(elem) => match elem {
            ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | ast::ArrayElemTypeDef::AngleBracket(inner)
            | ast::ArrayElemTypeDef::Parenthesis(inner) => DataType::Array(Box::new(map_data_type(inner)?.0)),
            _ => return Err(SqlError::not_supported("this array type")),
        },
        D::Custom(name, mods) => {
            let n = object_name_parts(name)?.last().cloned().unwrap_or_default();
            match n.as_str() {
                "int2" => DataType::Int16,
                "int4" | "int" => DataType::Int32,
                "int8" => DataType::Int64,
                "float4" => DataType::Float32,
                "float8" => DataType::Float64,
                "bool" => DataType::Bool,
                "timestamptz" => DataType::TimestampTz,
                "bpchar" => DataType::Char(mods.first().and_then(|m| m.parse().ok())),
                "serial" | "serial4" => DataType::Int32,
                "bigserial" | "serial8" => DataType::Int64,
                "smallserial" | "serial2" => DataType::Int16,
                "jsonb" => DataType::Jsonb,
                "json" => DataType::Json,
                "uuid" => DataType::Uuid,
                "bytea" => DataType::Bytes,
                "text" => DataType::Text,
                "varchar" => DataType::Varchar(mods.first().and_then(|m| m.parse().ok())),
                "numeric" | "decimal" => DataType::Decimal { precision: None, scale: None },
                "vector" => {
                    let dims = match mods.as_slice() {
                        [] => None,
                        [m] => Some(crate::vector::check_typmod(m.trim().parse::<i64>().map_err(|_| {
                            SqlError::new(sqlstate::SYNTAX_ERROR, format!("invalid type modifier \"{m}\" for type vector"))
                        })?)?),
                        _ => return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "invalid type modifier")),
                    };
                    return Ok((DataType::Bytes, SqlType::Vector(dims)));
                }
                other => {
                    return Err(SqlError::new(sqlstate::UNDEFINED_OBJECT, format!("type \"{other}\" does not exist")))
                }
            }
        }
        other => return Err(SqlError::not_supported(format!("type {other}"))),
    };
    let s = SqlType::from_data_type(&d);
    Ok((d, s))
}

/// Whether a type name is SERIAL-like (for CREATE TABLE).
pub fn serial_kind(dt: &ast::DataType) -> bool {
    if let ast::DataType::Custom(name, _) = dt {
        let n = object_name_parts(name).ok().and_then(|p| p.last().cloned()).unwrap_or_default();
        return matches!(n.as_str(), "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2");
    }
    false
}

fn parse_number(s: &str) -> Result<(Value, SqlType), SqlError> {
    if let Ok(i) = s.parse::<i64>() {
        return Ok(if i32::try_from(i).is_ok() {
            (Value::Int(i), SqlType::Int4)
        } else {
            (Value::Int(i), SqlType::Int8)
        });
    }
    let d = s
        .parse::<bigdecimal::BigDecimal>()
        .map_err(|_| SqlError::new(sqlstate::SYNTAX_ERROR, format!("invalid number \"{s}\"")))?;
    let d = crate::format::checked_decimal(d)?;
    let d = if d.as_bigint_and_exponent().1 < 0 { d.with_scale(0) } else { d };
    Ok((Value::Decimal(d), SqlType::Numeric))
}

pub struct Binder<'a> {
    pub cat: &'a CatalogState,
    pub db: String,
    pub schema: String,
    pub params: Vec<SqlType>,
    outer: Vec<Scope>,
    corr: Vec<bool>,
    next_id: usize,
    ctes: Vec<CteBinding>,
    /// Results of data-modifying CTEs (`WITH x AS (INSERT ... RETURNING ...)`), which the
    /// session runs before binding the query; see [`dml_cte_statement`].
    pub dml_ctes: std::collections::HashMap<String, Bound>,
    /// The WINDOW clause of the SELECT being bound.
    named_windows: Vec<(String, ast::WindowSpec)>,
    /// The session's dialect (identifier rules, functions, stored view texts).
    pub dialect: crate::Dialect,
    /// What a MySQL session lets the binder read (variables, DATABASE(), ...); see
    /// [`crate::mysql::bind`].
    pub mysql: Option<Arc<crate::mysql::bind::BindEnv>>,
    /// MySQL: the ENUM columns of the tables bound so far ([`crate::mysql_sql::enums`]).
    pub(crate) enum_columns: Vec<crate::mysql_sql::enums::EnumColumn>,
    /// MySQL: the first columns of the keys of the tables bound so far, as (table name in
    /// the query, column) — where an equality is an index lookup (see
    /// [`crate::mysql_sql::expr`]).
    pub(crate) key_columns: Vec<(String, String)>,
}

impl<'a> Binder<'a> {
    pub fn new(cat: &'a CatalogState, db: &str, schema: &str, params: &[SqlType]) -> Self {
        Binder {
            cat,
            db: db.to_string(),
            schema: schema.to_string(),
            params: params.to_vec(),
            outer: Vec::new(),
            corr: Vec::new(),
            next_id: 1,
            ctes: Vec::new(),
            dml_ctes: std::collections::HashMap::new(),
            named_windows: Vec::new(),
            dialect: crate::Dialect::PostgreSql,
            mysql: None,
            enum_columns: Vec::new(),
            key_columns: Vec::new(),
        }
    }

    /// Binds `q` with `bound` visible as the relation `name` (SHOW ... WHERE).
    pub(crate) fn bind_with_relation(&mut self, name: &str, bound: Bound, q: &ast::Query) -> Result<Bound, SqlError> {
        self.ctes.push(CteBinding { name: name.to_string(), bound });
        let r = self.bind_query(q);
        self.ctes.pop();
        r
    }

    /// The columns of view `qualified` ("db.schema.view"), empty when it does not bind.
    pub(crate) fn view_columns(&self, qualified: &str) -> Vec<(String, SqlType)> {
        let Some(view) = self.cat.views.get(qualified) else { return Vec::new() };
        let schema = qualified.split('.').nth(1).unwrap_or("public");
        let mut b = Binder::new(self.cat, &self.db, schema, &[]);
        b.dialect = self.dialect;
        b.bind_view(view).map(|bound| bound.cols).unwrap_or_default()
    }

    /// The catalog as pg_catalog describes it (see [`crate::catalog_views`]).
    pub fn catalog_model(&self) -> crate::catalog_views::Model {
        let view_columns = |q: &str| -> Vec<(String, SqlType)> {
            let Some(view) = self.cat.views.get(q) else { return Vec::new() };
            let schema = q.split('.').nth(1).unwrap_or("public");
            let mut b = Binder::new(self.cat, &self.db, schema, &[]);
            b.dialect = self.dialect;
            b.bind_view(view).map(|bound| bound.cols).unwrap_or_default()
        };
        crate::catalog_views::build(self.cat, &self.db, &self.schema, &view_columns)
    }

    pub fn fresh_id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id
    }

    /// Parameter types after inference (unresolved ones default to text).
    pub fn param_types(&self) -> Vec<SqlType> {
        self.params.iter().map(|t| if *t == SqlType::Unknown { SqlType::Text } else { t.clone() }).collect()
    }

    /// Qualified storage name of a relation name; errors for other databases and catalogs.
    pub fn qualify(&self, name: &ast::ObjectName) -> Result<(String, String, String), SqlError> {
        let parts = object_name_parts(name)?;
        let (db, schema, rel) = match parts.as_slice() {
            [_] if self.dialect.is_mysql() && self.schema.is_empty() => return Err(crate::mysql::no_database()),
            [r] => (self.db.clone(), self.schema.clone(), r.clone()),
            [s, r] => (self.db.clone(), s.clone(), r.clone()),
            [d, s, r] => {
                if *d != self.db {
                    return Err(SqlError::not_supported(format!("cross-database references: \"{d}.{s}.{r}\"")));
                }
                (d.clone(), s.clone(), r.clone())
            }
            _ => return Err(SqlError::new(sqlstate::SYNTAX_ERROR, format!("improper qualified name: {name}"))),
        };
        Ok((db, schema, rel))
    }

    pub fn lookup_table(&self, name: &ast::ObjectName) -> Result<Arc<TableInfo>, SqlError> {
        let (db, schema, rel) = self.qualify(name)?;
        let q = format!("{db}.{schema}.{rel}");
        match self.cat.tables.get(&q) {
            Some(t) => Ok(t.clone()),
            None if self.cat.views.contains_key(&q) => {
                Err(SqlError::new(sqlstate::WRONG_OBJECT_TYPE, format!("\"{rel}\" is a view")))
            }
            None => Err(undefined_table(&rel)),
        }
    }

    // ----- queries -----

    pub fn bind_query(&mut self, q: &ast::Query) -> Result<Bound, SqlError> {
        if !q.locks.is_empty() {
            return Err(SqlError::not_supported("locking clauses"));
        }
        if let Some(f) = &q.fetch {
            if f.with_ties || f.percent || q.limit_clause.is_some() {
                return Err(SqlError::not_supported("FETCH WITH TIES/PERCENT"));
            }
        }
        let n_ctes = self.ctes.len();
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let name = ident(&cte.alias.name);
                let bound = if dml_cte_statement(&cte.query).is_some() {
                    match self.dml_ctes.get(&name) {
                        Some(b) => b.clone(),
                        None => {
                            return Err(SqlError::not_supported(
                                "data-modifying statements in WITH other than at the top level of a simple query",
                            ))
                        }
                    }
                } else if with.recursive && query_references(&cte.query, &name) {
                    self.bind_recursive_cte(&name, cte)?
                } else {
                    self.bind_query(&cte.query)?
                };
                let bound =
                    rename_columns(bound, &cte.alias.columns.iter().map(|c| ident(&c.name)).collect::<Vec<_>>())?;
                self.ctes.push(CteBinding { name, bound });
            }
        }
        let result = self.bind_query_body(q);
        self.ctes.truncate(n_ctes);
        result
    }

    fn bind_query_body(&mut self, q: &ast::Query) -> Result<Bound, SqlError> {
        let order: Vec<&ast::OrderByExpr> = match &q.order_by {
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(v) => v.iter().collect(),
                ast::OrderByKind::All(_) => return Err(SqlError::not_supported("ORDER BY ALL")),
            },
            None => Vec::new(),
        };
        let mut bound = match q.body.as_ref() {
            ast::SetExpr::Select(s) => self.bind_select(s, &order)?,
            other => {
                let b = self.bind_set_expr(other)?;
                if order.is_empty() {
                    b
                } else {
                    self.order_output(b, &order)?
                }
            }
        };
        let fetch_clause = q.fetch.as_ref().map(|f| ast::LimitClause::LimitOffset {
            limit: Some(f.quantity.clone().unwrap_or(ast::Expr::Value(ast::Value::Number("1".into(), false).into()))),
            offset: None,
            limit_by: vec![],
        });
        if let Some(limit) = q.limit_clause.as_ref().or(fetch_clause.as_ref()) {
            let (limit, offset) = match limit {
                ast::LimitClause::LimitOffset { limit, offset, limit_by } => {
                    if !limit_by.is_empty() {
                        return Err(SqlError::not_supported("LIMIT BY"));
                    }
                    (limit.clone(), offset.as_ref().map(|o| o.value.clone()))
                }
                ast::LimitClause::OffsetCommaLimit { offset, limit } => (Some(limit.clone()), Some(offset.clone())),
            };
            let empty = Scope::default();
            let bind_count = |e: Option<ast::Expr>, b: &mut Self| -> Result<Option<Expr>, SqlError> {
                match e {
                    None => Ok(None),
                    Some(ast::Expr::Value(v)) if matches!(v.value, ast::Value::Null) => Ok(None),
                    Some(e) => {
                        let (x, t) = b.bind_expr(&e, &empty, None)?;
                        let x = b.coerce(x, &t, &SqlType::Int8)?;
                        if !(is_integer(&t) || t == SqlType::Unknown || is_numeric(&t)) {
                            return Err(SqlError::new(
                                sqlstate::DATATYPE_MISMATCH,
                                "argument of LIMIT must be type bigint",
                            ));
                        }
                        Ok(Some(x))
                    }
                }
            };
            let limit = bind_count(limit, self)?;
            let offset = bind_count(offset, self)?;
            bound.plan = Plan::Limit { input: Box::new(bound.plan), limit, offset };
            if !self.dialect.is_mysql() {
                crate::vector::plan::use_index(&mut bound.plan, self.cat);
            }
        }
        Ok(bound)
    }

    fn bind_recursive_cte(&mut self, name: &str, cte: &ast::Cte) -> Result<Bound, SqlError> {
        let ast::SetExpr::SetOperation { left, op: ast::SetOperator::Union, set_quantifier, right } =
            cte.query.body.as_ref()
        else {
            return Err(SqlError::not_supported("this form of recursive query"));
        };
        let base = self.bind_set_expr(left)?;
        let base = rename_columns(base, &cte.alias.columns.iter().map(|c| ident(&c.name)).collect::<Vec<_>>())?;
        let id = self.fresh_id();
        let width = base.cols.len();
        self.ctes.push(CteBinding {
            name: name.to_string(),
            bound: Bound { plan: Plan::WorkTable { id, width }, cols: base.cols.clone() },
        });
        let step = self.bind_set_expr(right);
        self.ctes.pop();
        let step = step?;
        if step.cols.len() != width {
            return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "each UNION query must have the same number of columns"));
        }
        let all = matches!(set_quantifier, ast::SetQuantifier::All);
        let step_plan = self.cast_columns(step.plan, &step.cols, &base.cols);
        Ok(Bound {
            plan: Plan::RecursiveUnion { id, base: Box::new(base.plan), step: Box::new(step_plan), all },
            cols: base.cols,
        })
    }

    fn cast_columns(&mut self, plan: Plan, from: &[(String, SqlType)], to: &[(String, SqlType)]) -> Plan {
        if from.iter().zip(to).all(|(a, b)| a.1 == b.1) {
            return plan;
        }
        let exprs = from
            .iter()
            .zip(to)
            .enumerate()
            .map(|(i, (a, b))| {
                let c = Expr::Column { level: 0, index: i };
                if a.1 == b.1 {
                    c
                } else {
                    Expr::Cast { expr: Box::new(c), to: b.1.clone(), typmod: None }
                }
            })
            .collect();
        Plan::Project { input: Box::new(plan), exprs }
    }

    fn bind_set_expr(&mut self, e: &ast::SetExpr) -> Result<Bound, SqlError> {
        match e {
            ast::SetExpr::Select(s) => self.bind_select(s, &[]),
            ast::SetExpr::Query(q) => self.bind_query(q),
            ast::SetExpr::Values(v) => self.bind_values(v, None),
            ast::SetExpr::SetOperation { left, op, set_quantifier, right } => {
                let l = self.bind_set_expr(left)?;
                let r = self.bind_set_expr(right)?;
                let kind = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except | ast::SetOperator::Minus => SetOpKind::Except,
                };
                if l.cols.len() != r.cols.len() {
                    let w = match kind {
                        SetOpKind::Union => "UNION",
                        SetOpKind::Intersect => "INTERSECT",
                        SetOpKind::Except => "EXCEPT",
                    };
                    return Err(SqlError::new(
                        sqlstate::SYNTAX_ERROR,
                        format!("each {w} query must have the same number of columns"),
                    ));
                }
                let all = match set_quantifier {
                    ast::SetQuantifier::All => true,
                    ast::SetQuantifier::Distinct | ast::SetQuantifier::None => false,
                    _ => return Err(SqlError::not_supported("BY NAME set operations")),
                };
                let mut cols = Vec::new();
                for ((ln, lt), (_, rt)) in l.cols.iter().zip(&r.cols) {
                    let t = common_type(lt, rt).ok_or_else(|| {
                        SqlError::new(
                            sqlstate::DATATYPE_MISMATCH,
                            format!("UNION types {} and {} cannot be matched", lt.name(), rt.name()),
                        )
                    })?;
                    cols.push((ln.clone(), output_type(t)));
                }
                let lp = self.cast_columns(l.plan, &l.cols, &cols);
                let rp = self.cast_columns(r.plan, &r.cols, &cols);
                Ok(Bound { plan: Plan::SetOp { op: kind, all, left: Box::new(lp), right: Box::new(rp) }, cols })
            }
            _ => Err(SqlError::not_supported("this query form")),
        }
    }

    /// VALUES rows; `target` types (for INSERT) coerce the unknown literals.
    pub fn bind_values(&mut self, v: &ast::Values, target: Option<&[SqlType]>) -> Result<Bound, SqlError> {
        let width = v.rows.first().map(|r| r.content.len()).unwrap_or(0);
        let empty = Scope::default();
        let mut rows = Vec::with_capacity(v.rows.len());
        let mut types: Vec<SqlType> = vec![SqlType::Unknown; width];
        for r in &v.rows {
            if r.content.len() != width {
                return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "VALUES lists must all be the same length"));
            }
            let mut row = Vec::with_capacity(width);
            for (i, e) in r.content.iter().enumerate() {
                let (x, t) = self.bind_expr(e, &empty, None)?;
                if target.is_none() {
                    types[i] = common_type(&types[i], &t).ok_or_else(|| {
                        SqlError::new(
                            sqlstate::DATATYPE_MISMATCH,
                            format!("VALUES types {} and {} cannot be matched", types[i].name(), t.name()),
                        )
                    })?;
                }
                row.push((x, t));
            }
            rows.push(row);
        }
        let mut out_rows = Vec::with_capacity(rows.len());
        for row in rows {
            let mut out = Vec::with_capacity(width);
            for (i, (x, t)) in row.into_iter().enumerate() {
                let want = match target {
                    Some(tt) => tt.get(i).cloned().unwrap_or(SqlType::Unknown),
                    None => types[i].clone(),
                };
                out.push(if target.is_some() && t != SqlType::Unknown { x } else { self.coerce(x, &t, &want)? });
            }
            out_rows.push(out);
        }
        let cols = types
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("column{}", i + 1), if t == SqlType::Unknown { SqlType::Text } else { t }))
            .collect();
        Ok(Bound { plan: Plan::Values { rows: out_rows, width }, cols })
    }

    /// ORDER BY over the output of a set operation or VALUES.
    fn order_output(&mut self, b: Bound, order: &[&ast::OrderByExpr]) -> Result<Bound, SqlError> {
        let scope = Scope {
            cols: b
                .cols
                .iter()
                .map(|(n, t)| ScopeCol { table: None, name: n.clone(), ty: t.clone(), hidden: false })
                .collect(),
        };
        let mut keys = Vec::new();
        for o in order {
            let expr = match self.output_position(&o.expr, &b.cols)? {
                Some(i) => Expr::Column { level: 0, index: i },
                None => self.bind_expr(&o.expr, &scope, None)?.0,
            };
            keys.push(sort_key(expr, &o.options));
        }
        Ok(Bound { plan: Plan::Sort { input: Box::new(b.plan), keys }, cols: b.cols })
    }

    /// ORDER BY n or ORDER BY output-name.
    fn output_position(&self, e: &ast::Expr, cols: &[(String, SqlType)]) -> Result<Option<usize>, SqlError> {
        match e {
            ast::Expr::Value(v) => {
                if let ast::Value::Number(n, _) = &v.value {
                    let k: usize = n
                        .parse()
                        .map_err(|_| SqlError::new(sqlstate::SYNTAX_ERROR, "non-integer constant in ORDER BY"))?;
                    if k == 0 || k > cols.len() {
                        return Err(SqlError::new(
                            sqlstate::INVALID_COLUMN_REFERENCE,
                            format!("ORDER BY position {k} is not in select list"),
                        ));
                    }
                    return Ok(Some(k - 1));
                }
                Ok(None)
            }
            ast::Expr::Identifier(i) => {
                let name = ident(i);
                let hits: Vec<usize> = cols.iter().enumerate().filter(|(_, c)| c.0 == name).map(|(i, _)| i).collect();
                Ok(if hits.len() == 1 { Some(hits[0]) } else { None })
            }
            _ => Ok(None),
        }
    }

    fn bind_select(&mut self, s: &ast::Select, order: &[&ast::OrderByExpr]) -> Result<Bound, SqlError> {
        if s.top.is_some() || s.into.is_some() || !s.lateral_views.is_empty() || s.qualify.is_some() {
            return Err(SqlError::not_supported("this SELECT clause"));
        }
        let mut named = Vec::new();
        for w in &s.named_window {
            match &w.1 {
                ast::NamedWindowExpr::WindowSpec(spec) => named.push((ident(&w.0), spec.clone())),
                ast::NamedWindowExpr::NamedWindow(_) => {
                    return Err(SqlError::not_supported("windows defined from other windows"))
                }
            }
        }
        let saved_windows = std::mem::replace(&mut self.named_windows, named);
        let rewritten = match srf_rewrite(s) {
            Ok(r) => r,
            Err(e) => {
                self.named_windows = saved_windows;
                return Err(e);
            }
        };
        let result = self.bind_select_inner(rewritten.as_ref().unwrap_or(s), order);
        self.named_windows = saved_windows;
        result
    }

    fn bind_select_inner(&mut self, s: &ast::Select, order: &[&ast::OrderByExpr]) -> Result<Bound, SqlError> {
        // FROM
        let (rels, mut conds, scope) = self.bind_from(&s.from)?;
        // MySQL: ORDER BY an ENUM column sorts by its members' positions.
        let enum_order = if self.dialect.is_mysql() {
            crate::mysql_sql::enums::order_items(&self.enum_columns, s, order)?
        } else {
            None
        };
        let enum_refs: Vec<&ast::OrderByExpr> = enum_order.iter().flatten().collect();
        let order: &[&ast::OrderByExpr] = if enum_order.is_some() { &enum_refs } else { order };
        // WHERE
        if let Some(w) = &s.selection {
            let mut aggs = Vec::new();
            find_aggregates(w, &mut aggs);
            if !aggs.is_empty() {
                return Err(SqlError::new(sqlstate::GROUPING_ERROR, "aggregate functions are not allowed in WHERE"));
            }
            let (pred, t) = self.bind_expr(w, &scope, None)?;
            self.require_bool(&t, "WHERE")?;
            conds.extend(pred.conjuncts());
        }
        let mut plan = build_joins(rels, conds);

        // Aggregation
        let mut rollup = false;
        let group_exprs: Vec<ast::Expr> = match &s.group_by {
            ast::GroupByExpr::Expressions(v, mods) => {
                match mods.as_slice() {
                    [] => {}
                    [ast::GroupByWithModifier::Rollup] if self.dialect.is_mysql() && !v.is_empty() => rollup = true,
                    _ => return Err(SqlError::not_supported("GROUP BY modifiers")),
                }
                v.clone()
            }
            ast::GroupByExpr::All(_) => return Err(SqlError::not_supported("GROUP BY ALL")),
        };
        let mut agg_asts: Vec<&ast::Expr> = Vec::new();
        for item in &s.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                    find_aggregates(e, &mut agg_asts)
                }
                _ => {}
            }
        }
        if let Some(h) = &s.having {
            find_aggregates(h, &mut agg_asts);
        }
        for o in order {
            find_aggregates(&o.expr, &mut agg_asts);
        }
        let agg_mode = !agg_asts.is_empty() || !group_exprs.is_empty() || s.having.is_some();
        let mut agg_ctx: Option<AggCtx> = None;
        let mut input_scope = scope.clone();
        if agg_mode {
            let mut group = Vec::new();
            let mut group_strs = Vec::new();
            let mut post = Scope::default();
            for g in &group_exprs {
                // GROUP BY output position or output alias.
                let g = self.resolve_group_alias(g, &s.projection, &scope)?;
                let (x, t) = self.bind_expr(&g, &scope, None)?;
                let col = match &x {
                    Expr::Column { level: 0, index } => {
                        let c = &scope.cols[*index];
                        ScopeCol { table: c.table.clone(), name: c.name.clone(), ty: t.clone(), hidden: false }
                    }
                    _ => ScopeCol { table: None, name: "?group?".into(), ty: t.clone(), hidden: true },
                };
                group_strs.push(g.to_string());
                group.push(x);
                post.cols.push(col);
            }
            let mut aggs: Vec<AggCall> = Vec::new();
            let mut agg_strs: Vec<String> = Vec::new();
            for a in &agg_asts {
                let key = a.to_string();
                if agg_strs.contains(&key) {
                    continue;
                }
                let call = self.bind_aggregate(a, &scope)?;
                post.cols.push(ScopeCol { table: None, name: "?agg?".into(), ty: call.ty.clone(), hidden: true });
                aggs.push(call);
                agg_strs.push(key);
            }
            let n_group = group.len();
            let always_one_row = group_exprs.is_empty();
            plan = Plan::Aggregate { input: Box::new(plan), group, aggs, always_one_row, rollup };
            agg_ctx = Some(AggCtx {
                group_strs,
                agg_strs,
                n_group,
                from_scope: scope.clone(),
                win_strs: vec![],
                win_base: 0,
            });
            input_scope = post;
            if let Some(h) = &s.having {
                let (pred, t) = self.bind_expr(h, &input_scope, agg_ctx.as_ref())?;
                self.require_bool(&t, "HAVING")?;
                plan = Plan::Filter { input: Box::new(plan), predicate: pred };
            }
        }

        // Window functions
        let mut win_asts: Vec<&ast::Expr> = Vec::new();
        for item in &s.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                    find_windows(e, &mut win_asts)
                }
                _ => {}
            }
        }
        for o in order {
            find_windows(&o.expr, &mut win_asts);
        }
        if !win_asts.is_empty() {
            let mut calls = Vec::new();
            let mut win_strs = Vec::new();
            let base = input_scope.len();
            for w in &win_asts {
                let key = w.to_string();
                if win_strs.contains(&key) {
                    continue;
                }
                let call = self.bind_window(w, &input_scope, agg_ctx.as_ref())?;
                win_strs.push(key);
                calls.push(call);
            }
            for c in &calls {
                input_scope.cols.push(ScopeCol {
                    table: None,
                    name: "?window?".into(),
                    ty: c.ty.clone(),
                    hidden: true,
                });
            }
            plan = Plan::Window { input: Box::new(plan), calls };
            match &mut agg_ctx {
                Some(a) => {
                    a.win_strs = win_strs;
                    a.win_base = base;
                }
                None => {
                    agg_ctx = Some(AggCtx {
                        group_strs: vec![],
                        agg_strs: vec![],
                        n_group: 0,
                        from_scope: Scope::default(),
                        win_strs,
                        win_base: base,
                    })
                }
            }
        }

        // Projection
        let mut exprs = Vec::new();
        let mut cols: Vec<(String, SqlType)> = Vec::new();
        for item in &s.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    let (x, t) = self.bind_expr(e, &input_scope, agg_ctx.as_ref())?;
                    exprs.push(x);
                    cols.push((derive_name(e), output_type(t)));
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    let (x, t) = self.bind_expr(expr, &input_scope, agg_ctx.as_ref())?;
                    exprs.push(x);
                    cols.push((ident(alias), output_type(t)));
                }
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    let table = match item {
                        ast::SelectItem::QualifiedWildcard(ast::SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                            let parts = object_name_parts(n)?;
                            let t = parts.last().cloned().unwrap_or_default();
                            if !scope.has_table(&t) {
                                return Err(SqlError::new(
                                    sqlstate::UNDEFINED_TABLE,
                                    format!("missing FROM-clause entry for table \"{t}\""),
                                ));
                            }
                            Some(t)
                        }
                        ast::SelectItem::QualifiedWildcard(..) => return Err(SqlError::not_supported("this wildcard")),
                        _ => None,
                    };
                    if scope.is_empty() && table.is_none() {
                        return Err(SqlError::new(
                            sqlstate::SYNTAX_ERROR,
                            "SELECT * with no tables specified is not valid",
                        ));
                    }
                    for (i, c) in scope.cols.iter().enumerate() {
                        if c.hidden || (table.is_some() && c.table != table) {
                            continue;
                        }
                        let x = match &agg_ctx {
                            None => Expr::Column { level: 0, index: i },
                            Some(a) if !agg_mode && a.from_scope.is_empty() => Expr::Column { level: 0, index: i },
                            Some(_) => {
                                let pos = input_scope
                                    .cols
                                    .iter()
                                    .position(|p| !p.hidden && p.name == c.name && p.table == c.table);
                                match pos {
                                    Some(p) => Expr::Column { level: 0, index: p },
                                    None => return Err(not_grouped(c)),
                                }
                            }
                        };
                        exprs.push(x);
                        cols.push((c.name.clone(), output_type(c.ty.clone())));
                    }
                }
                _ => return Err(SqlError::not_supported("this select item")),
            }
        }
        let visible = exprs.len();

        // DISTINCT ON keys (output positions, names, or expressions appended as hidden columns).
        let mut distinct_on: Option<Vec<Expr>> = None;
        if let Some(ast::Distinct::On(on)) = &s.distinct {
            let mut ks = Vec::new();
            for e in on {
                let k = match self.output_position(e, &cols)? {
                    Some(i) => Expr::Column { level: 0, index: i },
                    None => {
                        let (x, _) = self.bind_expr(e, &input_scope, agg_ctx.as_ref())?;
                        exprs.push(x);
                        Expr::Column { level: 0, index: exprs.len() - 1 }
                    }
                };
                ks.push(k);
            }
            distinct_on = Some(ks);
        }

        // ORDER BY
        let mut keys = Vec::new();
        for o in order {
            let key_ty;
            let expr = match self.output_position(&o.expr, &cols)? {
                Some(i) => {
                    key_ty = cols[i].1.clone();
                    Expr::Column { level: 0, index: i }
                }
                None => {
                    let (x, xt) = self.bind_expr(&o.expr, &input_scope, agg_ctx.as_ref())?;
                    key_ty = xt;
                    // Reuse an identical output expression when there is one.
                    let key_str = o.expr.to_string();
                    let same = s.projection.iter().position(|p| match p {
                        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => {
                            e.to_string() == key_str
                        }
                        _ => false,
                    });
                    match same {
                        Some(i)
                            if i < visible
                                && matches!(
                                    s.projection.get(i),
                                    Some(ast::SelectItem::UnnamedExpr(_) | ast::SelectItem::ExprWithAlias { .. })
                                )
                                && !has_wildcard(&s.projection) =>
                        {
                            Expr::Column { level: 0, index: i }
                        }
                        _ => {
                            exprs.push(x);
                            Expr::Column { level: 0, index: exprs.len() - 1 }
                        }
                    }
                }
            };
            // MySQL orders strings by their collation (utf8mb4_general_ci: case-insensitive).
            let expr = if self.dialect.is_mysql() && crate::expr::cast::is_textual(&key_ty) {
                Expr::Func { name: "__my_ci".into(), args: vec![expr], ty: SqlType::Text }
            } else {
                expr
            };
            keys.push(sort_key(expr, &o.options));
        }
        let extras = exprs.len() > visible;
        plan = Plan::Project { input: Box::new(plan), exprs };
        match &s.distinct {
            None | Some(ast::Distinct::All) => {}
            Some(ast::Distinct::Distinct) => {
                if extras {
                    return Err(SqlError::new(
                        sqlstate::INVALID_COLUMN_REFERENCE,
                        "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                    ));
                }
                plan = Plan::Distinct { input: Box::new(plan) };
            }
            Some(ast::Distinct::On(_)) => {}
        }
        if !keys.is_empty() {
            plan = Plan::Sort { input: Box::new(plan), keys };
        }
        if let Some(on) = distinct_on {
            plan = Plan::DistinctOn { input: Box::new(plan), keys: on };
        }
        if extras {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..visible).map(|i| Expr::Column { level: 0, index: i }).collect(),
            };
        }
        Ok(Bound { plan, cols })
    }

    fn resolve_group_alias(
        &self,
        g: &ast::Expr,
        projection: &[ast::SelectItem],
        scope: &Scope,
    ) -> Result<ast::Expr, SqlError> {
        match g {
            ast::Expr::Value(v) => {
                if let ast::Value::Number(n, _) = &v.value {
                    let k: usize = n.parse().unwrap_or(0);
                    return match projection.get(k.wrapping_sub(1)) {
                        Some(ast::SelectItem::UnnamedExpr(e))
                        | Some(ast::SelectItem::ExprWithAlias { expr: e, .. }) => Ok(e.clone()),
                        _ => Err(SqlError::new(
                            sqlstate::INVALID_COLUMN_REFERENCE,
                            format!("GROUP BY position {k} is not in select list"),
                        )),
                    };
                }
                Ok(g.clone())
            }
            ast::Expr::Identifier(i) => {
                let name = ident(i);
                if scope.find(None, &name)?.is_some() {
                    return Ok(g.clone());
                }
                for p in projection {
                    if let ast::SelectItem::ExprWithAlias { expr, alias } = p {
                        if ident(alias) == name {
                            return Ok(expr.clone());
                        }
                    }
                }
                Ok(g.clone())
            }
            _ => Ok(g.clone()),
        }
    }

    fn bind_aggregate(&mut self, e: &ast::Expr, scope: &Scope) -> Result<AggCall, SqlError> {
        let ast::Expr::Function(f) = e else { return Err(SqlError::new(sqlstate::INTERNAL_ERROR, "not an aggregate")) };
        let name = function_name(f);
        let mut order_asts: Vec<ast::OrderByExpr> = Vec::new();
        let (args, distinct) = match &f.args {
            ast::FunctionArguments::List(l) => {
                for c in &l.clauses {
                    match c {
                        ast::FunctionArgumentClause::OrderBy(v) => order_asts.extend(v.iter().cloned()),
                        _ => return Err(SqlError::not_supported("this aggregate clause")),
                    }
                }
                (l.args.as_slice(), matches!(l.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct)))
            }
            ast::FunctionArguments::None => (&[][..], false),
            ast::FunctionArguments::Subquery(_) => {
                return Err(SqlError::not_supported("subquery as aggregate argument"))
            }
        };
        if !f.within_group.is_empty() {
            return Err(SqlError::not_supported("WITHIN GROUP"));
        }
        let filter = match &f.filter {
            Some(x) => {
                let (p, t) = self.bind_expr(x, scope, None)?;
                self.require_bool(&t, "FILTER")?;
                Some(p)
            }
            None => None,
        };
        let star = args.len() == 1 && matches!(args[0], ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard));
        if name == "count" && (star || args.is_empty()) {
            return Ok(AggCall {
                func: AggFunc::CountStar,
                args: vec![],
                distinct: false,
                filter,
                order: vec![],
                ty: SqlType::Int8,
            });
        }
        let mut bound = Vec::new();
        let mut types = Vec::new();
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                    let mut inner = Vec::new();
                    find_aggregates(x, &mut inner);
                    if !inner.is_empty() {
                        return Err(SqlError::new(
                            sqlstate::GROUPING_ERROR,
                            "aggregate function calls cannot be nested",
                        ));
                    }
                    let (b, t) = self.bind_expr(x, scope, None)?;
                    bound.push(b);
                    types.push(t);
                }
                _ => return Err(SqlError::not_supported("this aggregate argument")),
            }
        }
        let t = types.first().cloned().unwrap_or(SqlType::Unknown);
        let want = |n: usize| -> Result<(), SqlError> {
            if bound.len() != n {
                Err(SqlError::new(
                    sqlstate::UNDEFINED_FUNCTION,
                    format!("function {name} with {} arguments does not exist", bound.len()),
                ))
            } else {
                Ok(())
            }
        };
        let (func, ty) = match name.as_str() {
            "count" => {
                want(1)?;
                (AggFunc::Count, SqlType::Int8)
            }
            "sum" | "avg" => {
                want(1)?;
                let ty = match (&t, name.as_str()) {
                    (SqlType::Int2 | SqlType::Int4, "sum") => SqlType::Int8,
                    (SqlType::Int8 | SqlType::Numeric | SqlType::Unknown, _) => SqlType::Numeric,
                    (SqlType::Int2 | SqlType::Int4, _) => SqlType::Numeric,
                    // MySQL sums FLOAT as DOUBLE.
                    (SqlType::Float4, "sum") if !self.dialect.is_mysql() => SqlType::Float4,
                    (SqlType::Float4 | SqlType::Float8, _) => SqlType::Float8,
                    (SqlType::Interval, _) => SqlType::Interval,
                    _ => {
                        return Err(SqlError::new(
                            sqlstate::UNDEFINED_FUNCTION,
                            format!("function {name}({}) does not exist", t.name()),
                        ))
                    }
                };
                (if name == "sum" { AggFunc::Sum } else { AggFunc::Avg }, ty)
            }
            "min" | "max" => {
                want(1)?;
                (if name == "min" { AggFunc::Min } else { AggFunc::Max }, output_type(t))
            }
            "bool_and" | "every" | "bool_or" => {
                want(1)?;
                (if name == "bool_or" { AggFunc::BoolOr } else { AggFunc::BoolAnd }, SqlType::Bool)
            }
            "string_agg" => {
                want(2)?;
                (AggFunc::StringAgg, SqlType::Text)
            }
            "array_agg" => {
                want(1)?;
                (AggFunc::ArrayAgg, SqlType::Array(Box::new(output_type(t))))
            }
            "__orbit_var_pop" | "__orbit_var_samp" | "__orbit_stddev_pop" | "__orbit_stddev_samp" => {
                want(1)?;
                let sample = name.ends_with("_samp");
                (AggFunc::Variance { sample, root: name.starts_with("__orbit_stddev") }, SqlType::Float8)
            }
            "__orbit_bit_and" | "__orbit_bit_or" | "__orbit_bit_xor" => {
                want(1)?;
                let f = match name.as_str() {
                    "__orbit_bit_and" => AggFunc::BitAnd,
                    "__orbit_bit_or" => AggFunc::BitOr,
                    _ => AggFunc::BitXor,
                };
                (f, SqlType::Numeric)
            }
            _ => return Err(SqlError::new(sqlstate::UNDEFINED_FUNCTION, format!("function {name} does not exist"))),
        };
        let mut order = Vec::new();
        for o in &order_asts {
            let (x, _) = self.bind_expr(&o.expr, scope, None)?;
            order.push(sort_key(x, &o.options));
        }
        Ok(AggCall { func, args: bound, distinct, filter, order, ty })
    }

    fn bind_window(&mut self, e: &ast::Expr, scope: &Scope, agg: Option<&AggCtx>) -> Result<WindowCall, SqlError> {
        let ast::Expr::Function(f) = e else {
            return Err(SqlError::new(sqlstate::INTERNAL_ERROR, "not a window call"));
        };
        let name = function_name(f);
        let lookup = |b: &Self, w: &ast::Ident| -> Result<ast::WindowSpec, SqlError> {
            let n = ident(w);
            b.named_windows
                .iter()
                .find(|(name, _)| *name == n)
                .map(|(_, spec)| spec.clone())
                .ok_or_else(|| SqlError::new(sqlstate::UNDEFINED_OBJECT, format!("window \"{n}\" does not exist")))
        };
        let spec_owned = match &f.over {
            Some(ast::WindowType::WindowSpec(spec)) => match &spec.window_name {
                None => spec.clone(),
                Some(base) => {
                    let mut b = lookup(self, base)?;
                    if !spec.partition_by.is_empty() || (!spec.order_by.is_empty() && !b.order_by.is_empty()) {
                        return Err(SqlError::new("42P20", "cannot override PARTITION BY or ORDER BY of a window"));
                    }
                    if !spec.order_by.is_empty() {
                        b.order_by = spec.order_by.clone();
                    }
                    if spec.window_frame.is_some() {
                        b.window_frame = spec.window_frame.clone();
                    }
                    b
                }
            },
            Some(ast::WindowType::NamedWindow(w)) => lookup(self, w)?,
            None => return Err(SqlError::new(sqlstate::INTERNAL_ERROR, "not a window call")),
        };
        let spec = &spec_owned;
        if f.filter.is_some() {
            return Err(SqlError::not_supported("FILTER in window functions"));
        }
        let mut partition = Vec::new();
        for p in &spec.partition_by {
            partition.push(self.bind_expr(p, scope, agg)?.0);
        }
        let mut order = Vec::new();
        for o in &spec.order_by {
            let (x, _) = self.bind_expr(&o.expr, scope, agg)?;
            order.push(sort_key(x, &o.options));
        }
        let frame = match &spec.window_frame {
            None => {
                (FrameBound::Unbounded, if order.is_empty() { FrameBound::Unbounded } else { FrameBound::CurrentPeers })
            }
            Some(fr) => {
                let rows = match fr.units {
                    ast::WindowFrameUnits::Rows => true,
                    ast::WindowFrameUnits::Range => false,
                    _ => return Err(SqlError::not_supported("GROUPS frames")),
                };
                let mut bound = |b: &ast::WindowFrameBound, is_start: bool| -> Result<FrameBound, SqlError> {
                    Ok(match b {
                        ast::WindowFrameBound::CurrentRow if rows => FrameBound::Offset(0),
                        ast::WindowFrameBound::CurrentRow if !is_start => {
                            if order.is_empty() {
                                FrameBound::Unbounded
                            } else {
                                FrameBound::CurrentPeers
                            }
                        }
                        ast::WindowFrameBound::Preceding(None) | ast::WindowFrameBound::Following(None) => {
                            FrameBound::Unbounded
                        }
                        ast::WindowFrameBound::Preceding(Some(n)) | ast::WindowFrameBound::Following(Some(n))
                            if rows =>
                        {
                            let (x, _) = self.bind_expr(n, &Scope::default(), None)?;
                            let Expr::Literal(Value::Int(k)) = x else {
                                return Err(SqlError::not_supported("non-constant frame offsets"));
                            };
                            if k < 0 {
                                return Err(SqlError::new("22013", "frame starting offset must not be negative"));
                            }
                            FrameBound::Offset(if matches!(b, ast::WindowFrameBound::Preceding(_)) { -k } else { k })
                        }
                        _ => return Err(SqlError::not_supported("this RANGE frame")),
                    })
                };
                let start = bound(&fr.start_bound, true)?;
                let end = match &fr.end_bound {
                    Some(b) => bound(b, false)?,
                    None => bound(&ast::WindowFrameBound::CurrentRow, false)?,
                };
                (start, end)
            }
        };
        let mut args = Vec::new();
        let mut types = Vec::new();
        let is_agg = AGGREGATES.contains(&name.as_str());
        let mut agg_call = None;
        if is_agg {
            let call = self.bind_aggregate(e, scope)?;
            if call.distinct || !call.order.is_empty() {
                return Err(SqlError::not_supported("DISTINCT or ORDER BY inside window aggregates"));
            }
            args = call.args.clone();
            types.push(call.ty.clone());
            agg_call = Some(call);
        } else if let ast::FunctionArguments::List(l) = &f.args {
            for a in &l.args {
                match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                        let (b, t) = self.bind_expr(x, scope, agg)?;
                        args.push(b);
                        types.push(t);
                    }
                    _ => return Err(SqlError::not_supported("this window function argument")),
                }
            }
        }
        let first = types.first().cloned().map(output_type).unwrap_or(SqlType::Text);
        let ty = match name.as_str() {
            "row_number" | "rank" | "dense_rank" | "ntile" => SqlType::Int8,
            "percent_rank" | "cume_dist" => SqlType::Float8,
            "lag" | "lead" => {
                if args.len() > 1 {
                    let t1 = types[1].clone();
                    args[1] = self.coerce(args[1].clone(), &t1, &SqlType::Int8)?;
                }
                if args.len() > 2 {
                    let t2 = types[2].clone();
                    args[2] = self.cast_to(args[2].clone(), &t2, &first)?;
                }
                first
            }
            "first_value" | "last_value" => first,
            _ if is_agg => first,
            other => {
                return Err(SqlError::new(
                    sqlstate::UNDEFINED_FUNCTION,
                    format!("function {other} is not a window function"),
                ))
            }
        };
        let ty = if name == "ntile" { SqlType::Int4 } else { ty };
        let ty = if matches!(name.as_str(), "row_number" | "rank" | "dense_rank") { SqlType::Int8 } else { ty };
        Ok(WindowCall { func: name, args, partition, order, frame, agg: agg_call, ty })
    }

    // ----- FROM -----

    pub fn bind_from(&mut self, from: &[ast::TableWithJoins]) -> Result<(Vec<Rel>, Vec<Expr>, Scope), SqlError> {
        if self.dialect.is_mysql() {
            let tables: usize = from.iter().map(|twj| 1 + twj.joins.len()).sum();
            if tables > 61 {
                return Err(SqlError::new("HY000", "Too many tables; MySQL can only use 61 tables in a join")
                    .with_mysql_errno(1116));
            }
        }
        let mut rels = Vec::new();
        let mut conds = Vec::new();
        let mut scope = Scope::default();
        for twj in from {
            if let (Some(item), false) = (lateral_item(&twj.relation), rels.is_empty()) {
                // `FROM a, LATERAL (...) x [JOIN ...]`: the item sees everything before it.
                let left = build_joins(std::mem::take(&mut rels), std::mem::take(&mut conds));
                let (plan, combined) = self.bind_lateral(left, &scope, item, JoinKind::Inner, None)?;
                let width = combined.len();
                let (r, c, s) = self.bind_joins_onto(vec![Rel { plan, width }], Vec::new(), combined, &twj.joins)?;
                rels = r;
                conds = c;
                scope = s;
                continue;
            }
            let (r, c, s) = self.bind_table_with_joins(twj)?;
            let off = scope.len();
            for mut e in c {
                e.remap_columns(&|i| i + off);
                conds.push(e);
            }
            rels.extend(r);
            scope = scope.concat(&s);
        }
        if rels.is_empty() {
            rels.push(Rel { plan: Plan::Values { rows: vec![vec![]], width: 0 }, width: 0 });
        }
        Ok((rels, conds, scope))
    }

    fn bind_table_with_joins(&mut self, twj: &ast::TableWithJoins) -> Result<(Vec<Rel>, Vec<Expr>, Scope), SqlError> {
        let (plan, scope) = self.bind_factor(&twj.relation)?;
        let rels = vec![Rel { width: scope.len(), plan }];
        self.bind_joins_onto(rels, Vec::new(), scope, &twj.joins)
    }

    /// Binds `joins` one after the other onto what is already bound.
    fn bind_joins_onto(
        &mut self,
        mut rels: Vec<Rel>,
        mut conds: Vec<Expr>,
        mut scope: Scope,
        joins: &[ast::Join],
    ) -> Result<(Vec<Rel>, Vec<Expr>, Scope), SqlError> {
        for join in joins {
            use ast::JoinOperator as J;
            let lateral = match lateral_item(&join.relation) {
                // A function joined RIGHT or FULL is an ordinary join (it cannot refer left).
                Some(LateralItem::Function(..))
                    if !matches!(
                        join.join_operator,
                        J::CrossJoin(_) | J::Join(_) | J::Inner(_) | J::Left(_) | J::LeftOuter(_)
                    ) =>
                {
                    None
                }
                other => other,
            };
            if let Some(item) = lateral {
                let (kind, on) = match &join.join_operator {
                    J::CrossJoin(_) => (JoinKind::Inner, None),
                    J::Join(c) | J::Inner(c) | J::Left(c) | J::LeftOuter(c) => {
                        let kind = if matches!(join.join_operator, J::Left(_) | J::LeftOuter(_)) {
                            JoinKind::Left
                        } else {
                            JoinKind::Inner
                        };
                        match c {
                            ast::JoinConstraint::On(e) => (kind, Some(e)),
                            ast::JoinConstraint::None => (kind, None),
                            _ => return Err(SqlError::not_supported("LATERAL with USING or NATURAL")),
                        }
                    }
                    _ => {
                        return Err(SqlError::new(
                            sqlstate::INVALID_COLUMN_REFERENCE,
                            "the combining JOIN type must be INNER or LEFT for a LATERAL reference",
                        ))
                    }
                };
                let left = build_joins(std::mem::take(&mut rels), std::mem::take(&mut conds));
                let (plan, combined) = self.bind_lateral(left, &scope, item, kind, on)?;
                rels = vec![Rel { width: combined.len(), plan }];
                scope = combined;
                continue;
            }
            let (rplan, mut rscope) = self.bind_factor(&join.relation)?;
            let (kind, constraint) = match &join.join_operator {
                J::Join(c) | J::Inner(c) => (JoinKind::Inner, Some(c)),
                J::CrossJoin(_) => (JoinKind::Inner, None),
                J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, Some(c)),
                J::Right(c) | J::RightOuter(c) => (JoinKind::Right, Some(c)),
                J::FullOuter(c) => (JoinKind::Full, Some(c)),
                _ => return Err(SqlError::not_supported("this join type")),
            };
            let lw = scope.len();
            let mut using: Vec<String> = Vec::new();
            let mut on: Option<&ast::Expr> = None;
            match constraint {
                Some(ast::JoinConstraint::On(e)) => on = Some(e),
                Some(ast::JoinConstraint::Using(cols)) => {
                    for c in cols {
                        using.push(object_name_parts(c)?.last().cloned().unwrap_or_default());
                    }
                }
                Some(ast::JoinConstraint::Natural) => {
                    for c in &rscope.cols {
                        if !c.hidden && scope.cols.iter().any(|l| !l.hidden && l.name == c.name) {
                            using.push(c.name.clone());
                        }
                    }
                }
                Some(ast::JoinConstraint::None) | None => {}
            }
            let mut cond_parts = Vec::new();
            let mut using_pairs: Vec<(usize, usize, SqlType)> = Vec::new();
            for name in &using {
                let l = scope.find(None, name)?.ok_or_else(|| undefined_column(name))?;
                let r = rscope.find(None, name)?.ok_or_else(|| undefined_column(name))?;
                let (lt, rt) = (scope.cols[l].ty.clone(), rscope.cols[r].ty.clone());
                let (le, re) = self.unify(
                    Expr::Column { level: 0, index: l },
                    &lt,
                    Expr::Column { level: 0, index: lw + r },
                    &rt,
                    BinOp::Eq,
                )?;
                cond_parts.push(Expr::Binary {
                    op: BinOp::Eq,
                    left: Box::new(le),
                    right: Box::new(re),
                    ty: SqlType::Bool,
                });
                using_pairs.push((l, r, common_type(&lt, &rt).unwrap_or(lt.clone())));
                rscope.cols[r].hidden = true;
                if kind == JoinKind::Right {
                    scope.cols[l].hidden = true;
                    rscope.cols[r].hidden = false;
                }
            }
            let combined = scope.concat(&rscope);
            if let Some(e) = on {
                let (c, t) = self.bind_expr(e, &combined, None)?;
                self.require_bool(&t, "JOIN/ON")?;
                cond_parts.push(c);
            }
            let cond = Expr::and_all(cond_parts);
            if kind == JoinKind::Inner {
                rels.push(Rel { width: rscope.len(), plan: rplan });
                if let Some(c) = cond {
                    conds.extend(c.conjuncts());
                }
            } else {
                let left = build_joins(std::mem::take(&mut rels), std::mem::take(&mut conds));
                let rw = rscope.len();
                let (left_keys, right_keys, condition) = split_join_condition(cond, lw);
                let mut plan = Plan::Join {
                    kind,
                    left: Box::new(left),
                    right: Box::new(rplan),
                    left_keys,
                    right_keys,
                    condition,
                    left_width: lw,
                    right_width: rw,
                };
                if kind == JoinKind::Full && !using_pairs.is_empty() {
                    // FULL JOIN USING: the merged column is coalesce(left, right).
                    let exprs = (0..lw + rw)
                        .map(|i| match using_pairs.iter().find(|(l, _, _)| *l == i) {
                            Some((l, r, t)) => Expr::Func {
                                name: "coalesce".into(),
                                args: vec![
                                    Expr::Column { level: 0, index: *l },
                                    Expr::Column { level: 0, index: lw + r },
                                ],
                                ty: t.clone(),
                            },
                            None => Expr::Column { level: 0, index: i },
                        })
                        .collect();
                    plan = Plan::Project { input: Box::new(plan), exprs };
                }
                rels = vec![Rel { plan, width: lw + rw }];
            }
            scope = combined;
        }
        Ok((rels, conds, scope))
    }

    /// `left [LEFT] JOIN LATERAL (subquery) alias [ON cond]`: the subquery is bound with
    /// the left side's columns as its outer row.
    fn bind_lateral(
        &mut self,
        left: Plan,
        left_scope: &Scope,
        item: LateralItem<'_>,
        kind: JoinKind,
        on: Option<&ast::Expr>,
    ) -> Result<(Plan, Scope), SqlError> {
        self.outer.push(left_scope.clone());
        self.corr.push(false);
        let saved_ctes = self.ctes.len();
        let result = match item {
            LateralItem::Subquery(subquery, alias) => self.bind_query(subquery).and_then(|bound| {
                let name = alias.map(|a| ident(&a.name)).unwrap_or_else(|| "subquery".into());
                self.aliased(bound, name, alias)
            }),
            LateralItem::Function(name, args, alias) => self.bind_table_function(name, args, alias),
        };
        self.ctes.truncate(saved_ctes);
        self.corr.pop();
        self.outer.pop();
        let (right, right_scope) = result?;
        let combined = left_scope.concat(&right_scope);
        let condition = match on {
            Some(e) => {
                let (c, t) = self.bind_expr(e, &combined, None)?;
                self.require_bool(&t, "JOIN/ON")?;
                Some(c)
            }
            None => None,
        };
        let plan = Plan::Lateral {
            kind,
            left: Box::new(left),
            right: Box::new(right),
            condition,
            left_width: left_scope.len(),
            right_width: right_scope.len(),
        };
        Ok((plan, combined))
    }

    fn bind_factor(&mut self, f: &ast::TableFactor) -> Result<(Plan, Scope), SqlError> {
        match f {
            ast::TableFactor::Table { name, alias, args, with_ordinality, .. } => {
                if *with_ordinality {
                    return Err(SqlError::not_supported("WITH ORDINALITY"));
                }
                if let Some(fargs) = args {
                    return self.bind_table_function(name, &fargs.args, alias.as_ref());
                }
                let parts = object_name_parts(name)?;
                if parts.len() == 1 {
                    if let Some(cte) = self.ctes.iter().rev().find(|c| c.name == parts[0]) {
                        let bound = cte.bound.clone();
                        let table = parts[0].clone();
                        return self.aliased(bound, table, alias.as_ref());
                    }
                }
                let (db, schema, rel) = self.qualify(name)?;
                let system = crate::catalog_views::SystemCatalog::of(self.dialect);
                if let Some(cs) = system.schema_of(parts.len() > 1, &schema, &rel) {
                    if let (true, Some(info)) = (cs == "pg_catalog", self.cat.roles_table.clone()) {
                        let (scan, scope) = self.scan_of(&info);
                        let names: Vec<String> = scope.cols.iter().map(|c| c.name.clone()).collect();
                        if let Some(bound) = crate::catalog_views::roles_relation(&rel, scan, &names) {
                            return self.aliased(bound, rel, alias.as_ref());
                        }
                    }
                    let bound = system.relation(&cs, &rel, self).ok_or_else(|| system.missing(&cs, &rel))?;
                    return self.aliased(bound, rel, alias.as_ref());
                }
                let q = format!("{db}.{schema}.{rel}");
                if let Some(info) = self.cat.tables.get(&q).cloned() {
                    let (plan, scope) = self.scan_of(&info);
                    let table = alias.as_ref().map(|a| ident(&a.name)).unwrap_or(rel);
                    let mut scope = scope;
                    for c in &mut scope.cols {
                        c.table = Some(table.clone());
                    }
                    let mut plan = plan;
                    if self.dialect.is_mysql() {
                        crate::mysql_sql::enums::register(&mut self.enum_columns, &table, &info);
                        let schema = &info.schema;
                        let pk = schema.primary_key_positions().first().map(|&p| info.columns()[p].name.clone());
                        let firsts = schema.indexes.iter().filter_map(|i| schema.index_column_names(i).first().map(|c| c.to_string()));
                        self.key_columns.extend(pk.into_iter().chain(firsts).map(|c| (table.clone(), c)));
                        let stamps = crate::mysql_sql::time_zone::timestamp_columns(&info);
                        let zone = match (&self.mysql, stamps.is_empty()) {
                            (Some(env), false) => env.zone_micros(),
                            _ => 0,
                        };
                        if zone != 0 {
                            plan = crate::mysql_sql::time_zone::local_scan(plan, scope.cols.len(), &stamps, zone);
                        }
                    }
                    if let Some(a) = alias {
                        rename_scope(&mut scope, &a.columns.iter().map(|c| ident(&c.name)).collect::<Vec<_>>())?;
                    }
                    return Ok((plan, scope));
                }
                if let Some(view) = self.cat.views.get(&q).cloned() {
                    let bound = self.bind_view(&view)?;
                    return self.aliased(bound, rel, alias.as_ref());
                }
                Err(undefined_table(&rel))
            }
            ast::TableFactor::Derived { lateral, subquery, alias, .. } => {
                // LATERAL with nothing before it to refer to is an ordinary subquery.
                let _ = lateral;
                let bound = self.bind_query(subquery)?;
                let name = alias.as_ref().map(|a| ident(&a.name)).unwrap_or_else(|| "subquery".into());
                self.aliased(bound, name, alias.as_ref())
            }
            ast::TableFactor::NestedJoin { table_with_joins, alias } => {
                let (rels, conds, scope) = self.bind_table_with_joins(table_with_joins)?;
                let plan = build_joins(rels, conds);
                let mut scope = scope;
                if let Some(a) = alias {
                    let t = ident(&a.name);
                    for c in &mut scope.cols {
                        c.table = Some(t.clone());
                    }
                }
                Ok((plan, scope))
            }
            _ => Err(SqlError::not_supported("this FROM item")),
        }
    }

    /// A set-returning function in FROM (see [`crate::table_functions`]); this binds
    /// `generate_series`, the others bind in [`Binder::bind_async_table_function`].
    fn bind_table_function(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Plan, Scope), SqlError> {
        let parts = object_name_parts(name)?;
        match crate::table_functions::lookup(&parts) {
            Some(crate::table_functions::TableFunction::GenerateSeries) => {}
            Some(crate::table_functions::TableFunction::Async(function)) => {
                return self.bind_async_table_function(function, args, alias)
            }
            None => {
                return Err(SqlError::new(
                    sqlstate::UNDEFINED_FUNCTION,
                    format!("function {} does not exist", parts.join(".")),
                ))
            }
        }
        let mut bound = Vec::new();
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                    bound.push(self.bind_expr(x, &Scope::default(), None)?)
                }
                _ => return Err(SqlError::not_supported("this generate_series argument")),
            }
        }
        let no_fn = |types: &[SqlType]| {
            SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!(
                    "function generate_series({}) does not exist",
                    types.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
                ),
            )
        };
        let types: Vec<SqlType> = bound.iter().map(|(_, t)| t.clone()).collect();
        if !(2..=3).contains(&bound.len()) {
            return Err(no_fn(&types));
        }
        let is_ts = |t: &SqlType| matches!(t, SqlType::Timestamp | SqlType::TimestampTz | SqlType::Date);
        let ty = if types.iter().take(2).any(is_ts) {
            if bound.len() != 3 {
                return Err(no_fn(&types));
            }
            if types.iter().take(2).any(|t| matches!(t, SqlType::TimestampTz | SqlType::Date)) {
                SqlType::TimestampTz
            } else {
                SqlType::Timestamp
            }
        } else if types.iter().all(|t| matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Unknown)) {
            SqlType::Int4
        } else if types.iter().all(|t| matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Unknown)) {
            SqlType::Int8
        } else if types
            .iter()
            .all(|t| matches!(t, SqlType::Int2 | SqlType::Int4 | SqlType::Int8 | SqlType::Numeric | SqlType::Unknown))
        {
            SqlType::Numeric
        } else {
            return Err(no_fn(&types));
        };
        let mut exprs = Vec::new();
        for (i, (e, t)) in bound.into_iter().enumerate() {
            let target = if i == 2 && matches!(ty, SqlType::Timestamp | SqlType::TimestampTz) {
                SqlType::Interval
            } else {
                ty.clone()
            };
            if i == 2 && target == SqlType::Interval && !matches!(t, SqlType::Interval | SqlType::Unknown) {
                return Err(no_fn(&types));
            }
            exprs.push(self.cast_to(e, &t, &target)?);
        }
        if exprs.len() == 2 {
            exprs.push(Expr::Literal(cast_value(Value::Int(1), &ty)?));
        }
        let table = alias.map(|a| ident(&a.name)).unwrap_or_else(|| "generate_series".into());
        let col = match alias {
            Some(a) if a.columns.len() > 1 => {
                return Err(SqlError::new(
                    sqlstate::SYNTAX_ERROR,
                    "too many column aliases specified for function generate_series",
                ))
            }
            Some(a) if a.columns.len() == 1 => ident(&a.columns[0].name),
            Some(_) => table.clone(),
            None => "generate_series".into(),
        };
        let scope = Scope { cols: vec![ScopeCol { table: Some(table), name: col, ty: ty.clone(), hidden: false }] };
        Ok((Plan::Series { args: exprs, ty }, scope))
    }

    /// A call of an asynchronous table function: a scan of the rows it returns.
    fn bind_async_table_function(
        &mut self,
        function: &'static crate::table_functions::AsyncTableFunction,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Plan, Scope), SqlError> {
        let mut bound = Vec::with_capacity(args.len());
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                    bound.push(self.bind_expr(x, &Scope::default(), None)?)
                }
                _ => return Err(SqlError::not_supported(format!("this argument of {}", function.name))),
            }
        }
        let dialect = self.dialect;
        let call = crate::table_functions::FunctionCall::bind(function, bound, dialect, |e, from, to| {
            self.cast_to(e, from, to)
        })?;
        let columns = call.columns();
        let id = self.fresh_id();
        let table = alias.map(|a| ident(&a.name)).unwrap_or_else(|| function.name.to_string());
        let mut scope = Scope {
            cols: columns
                .iter()
                .map(|(n, t)| ScopeCol { table: Some(table.clone()), name: n.to_string(), ty: t.clone(), hidden: false })
                .collect(),
        };
        if let Some(a) = alias {
            rename_scope(&mut scope, &a.columns.iter().map(|c| ident(&c.name)).collect::<Vec<_>>())?;
        }
        let plan = Plan::Scan(ScanNode {
            id,
            table: format!("\u{0}function {} {id}", function.name),
            label: function.name.to_string(),
            width: columns.len(),
            column_names: columns.iter().map(|(n, _)| n.to_string()).collect(),
            column_types: columns.into_iter().map(|(_, t)| t).collect(),
            pk: Vec::new(),
            indexes: Vec::new(),
            access: Default::default(),
            filter: None,
            function: Some(call),
            vector: None,
        });
        Ok((plan, scope))
    }

    fn aliased(
        &mut self,
        bound: Bound,
        table: String,
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Plan, Scope), SqlError> {
        let table = alias.map(|a| ident(&a.name)).unwrap_or(table);
        let mut scope = Scope {
            cols: bound
                .cols
                .iter()
                .map(|(n, t)| ScopeCol { table: Some(table.clone()), name: n.clone(), ty: t.clone(), hidden: false })
                .collect(),
        };
        if let Some(a) = alias {
            rename_scope(&mut scope, &a.columns.iter().map(|c| ident(&c.name)).collect::<Vec<_>>())?;
        }
        Ok((bound.plan, scope))
    }

    fn bind_view(&mut self, view: &ViewDef) -> Result<Bound, SqlError> {
        let stmts = crate::parse::parse(self.dialect, &view.sql)?;
        let Some(sqlparser::ast::Statement::Query(q)) = stmts.first() else {
            return Err(SqlError::new(sqlstate::INTERNAL_ERROR, "stored view definition is not a query"));
        };
        let mut inner = Binder::new(self.cat, &self.db, &self.schema, &[]);
        inner.dialect = self.dialect;
        inner.next_id = self.next_id + 1_000_000;
        let b = inner.bind_query(q)?;
        self.next_id = inner.next_id;
        rename_columns(b, &view.columns)
    }

    /// A full scan of a table and its scope (table name unqualified).
    pub fn scan_of(&mut self, info: &Arc<TableInfo>) -> (Plan, Scope) {
        let id = self.fresh_id();
        let schema = &info.schema;
        let names: Vec<String> = schema.columns().map(|c| c.name.clone()).collect();
        let types = info.column_types();
        let pk = schema.primary_key_positions();
        let indexes = schema
            .indexes
            .iter()
            .map(|i| {
                let cols = schema.index_column_names(i).iter().filter_map(|n| schema.column_position(n)).collect();
                (i.name.clone(), cols)
            })
            .collect();
        let scope = Scope {
            cols: names
                .iter()
                .zip(&types)
                .enumerate()
                .map(|(i, (n, t))| ScopeCol {
                    table: Some(info.name.clone()),
                    name: n.clone(),
                    ty: t.clone(),
                    hidden: info.hidden == Some(i),
                })
                .collect(),
        };
        let plan = Plan::Scan(ScanNode {
            id,
            table: info.storage_name.clone(),
            label: info.name.clone(),
            width: names.len(),
            column_names: names,
            column_types: types,
            pk,
            indexes,
            access: Default::default(),
            filter: None,
            function: None,
            vector: None,
        });
        (plan, scope)
    }

    // ----- expressions -----

    fn require_bool(&self, t: &SqlType, clause: &str) -> Result<(), SqlError> {
        // MySQL has no boolean type: any value is a condition (true when not 0).
        if matches!(t, SqlType::Bool | SqlType::Unknown) || self.dialect.is_mysql() {
            Ok(())
        } else {
            Err(SqlError::new(
                sqlstate::DATATYPE_MISMATCH,
                format!("argument of {clause} must be type boolean, not type {}", t.name()),
            ))
        }
    }

    /// Coerces an expression of type `from` to `to` (folding literals and typing parameters).
    pub fn coerce(&mut self, e: Expr, from: &SqlType, to: &SqlType) -> Result<Expr, SqlError> {
        if from == to || *to == SqlType::Unknown {
            return Ok(e);
        }
        match e {
            Expr::Literal(v) => Ok(Expr::Literal(cast_value(v, to)?)),
            Expr::Param(i, SqlType::Unknown) => {
                if let Some(p) = self.params.get_mut(i) {
                    if *p == SqlType::Unknown {
                        *p = to.clone();
                    }
                }
                Ok(Expr::Param(i, to.clone()))
            }
            e if *from == SqlType::Unknown => Ok(Expr::Cast { expr: Box::new(e), to: to.clone(), typmod: None }),
            e => Ok(e),
        }
    }

    /// Brings two operands to a common type for a comparison or arithmetic.
    fn unify(&mut self, l: Expr, lt: &SqlType, r: Expr, rt: &SqlType, op: BinOp) -> Result<(Expr, Expr), SqlError> {
        let t = common_type(lt, rt).ok_or_else(|| {
            SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("operator does not exist: {} {} {}", lt.name(), op.symbol(), rt.name()),
            )
        })?;
        let l = self.coerce(l, lt, &t)?;
        let r = self.coerce(r, rt, &t)?;
        Ok((l, r))
    }

    fn resolve_column(
        &mut self,
        parts: &[String],
        scope: &Scope,
        agg: Option<&AggCtx>,
    ) -> Result<(Expr, SqlType), SqlError> {
        let (table, name) = match parts {
            [c] => (None, c.as_str()),
            [t, c] => (Some(t.as_str()), c.as_str()),
            [_, t, c] | [_, _, t, c] => (Some(t.as_str()), c.as_str()),
            _ => return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "improper column reference")),
        };
        // MySQL compares column names case-insensitively.
        let ci_name;
        let name = if self.dialect.is_mysql() {
            ci_name = self.mysql_column_spelling(scope, agg, table, name);
            ci_name.as_str()
        } else {
            name
        };
        if let Some(i) = scope.find(table, name)? {
            return Ok((Expr::Column { level: 0, index: i }, scope.cols[i].ty.clone()));
        }
        if let Some(a) = agg {
            if let Some(i) = a.from_scope.find(table, name)? {
                return Err(not_grouped(&a.from_scope.cols[i]));
            }
        }
        for (depth, outer) in self.outer.iter().rev().enumerate() {
            if let Some(i) = outer.find(table, name)? {
                let level = depth + 1;
                let n = self.corr.len();
                for k in 0..level.min(n) {
                    self.corr[n - 1 - k] = true;
                }
                return Ok((Expr::Column { level, index: i }, outer.cols[i].ty.clone()));
            }
        }
        if let Some(t) = table {
            let known = scope.has_table(t)
                || agg.is_some_and(|a| a.from_scope.has_table(t))
                || self.outer.iter().any(|s| s.has_table(t));
            if !known {
                return Err(SqlError::new(
                    sqlstate::UNDEFINED_TABLE,
                    format!("missing FROM-clause entry for table \"{t}\""),
                ));
            }
            return Err(SqlError::new(sqlstate::UNDEFINED_COLUMN, format!("column {t}.{name} does not exist")));
        }
        Err(undefined_column(name))
    }

    /// The spelling of column `name` in the scopes, compared case-insensitively (MySQL).
    fn mysql_column_spelling(&self, scope: &Scope, agg: Option<&AggCtx>, table: Option<&str>, name: &str) -> String {
        let scopes = std::iter::once(scope).chain(agg.map(|a| &a.from_scope)).chain(self.outer.iter().rev());
        for s in scopes {
            let cols = || s.cols.iter().filter(|c| table.is_none_or(|t| c.table.as_deref() == Some(t)));
            if cols().any(|c| c.name == name) {
                return name.to_string();
            }
            if let Some(c) = cols().find(|c| c.name.eq_ignore_ascii_case(name)) {
                return c.name.clone();
            }
        }
        name.to_string()
    }

    fn bind_subquery(&mut self, q: &ast::Query, scope: &Scope) -> Result<(SubPlan, Vec<(String, SqlType)>), SqlError> {
        self.outer.push(scope.clone());
        self.corr.push(false);
        let saved_ctes = self.ctes.len();
        let result = self.bind_query(q);
        self.ctes.truncate(saved_ctes);
        let correlated = self.corr.pop().unwrap_or(true);
        self.outer.pop();
        let bound = result?;
        let id = self.fresh_id();
        Ok((SubPlan { id, plan: Box::new(bound.plan), correlated }, bound.cols))
    }

    pub fn bind_expr(
        &mut self,
        e: &ast::Expr,
        scope: &Scope,
        agg: Option<&AggCtx>,
    ) -> Result<(Expr, SqlType), SqlError> {
        use ast::Expr as E;
        if let Some(a) = agg {
            let s = e.to_string();
            if let Some(i) = a.group_strs.iter().position(|g| *g == s) {
                return Ok((Expr::Column { level: 0, index: i }, scope.cols[i].ty.clone()));
            }
            if is_window_call(e) {
                if let Some(j) = a.win_strs.iter().position(|g| *g == s) {
                    let idx = a.win_base + j;
                    return Ok((Expr::Column { level: 0, index: idx }, scope.cols[idx].ty.clone()));
                }
            }
            if is_aggregate_call(e) {
                if let Some(j) = a.agg_strs.iter().position(|g| *g == s) {
                    let idx = a.n_group + j;
                    return Ok((Expr::Column { level: 0, index: idx }, scope.cols[idx].ty.clone()));
                }
            }
        }
        if self.dialect.is_mysql() {
            if let Some(r) = self.mysql_expr(e, scope, agg) {
                return r;
            }
        }
        if self.dialect.is_mysql() {
            if let Some(bound) = crate::mysql_sql::expr::bind(self, e, scope, agg)? {
                return Ok(bound);
            }
        }
        Ok(match e {
            E::Identifier(i) => self.resolve_column(&[ident(i)], scope, agg)?,
            E::CompoundIdentifier(ids) => {
                let parts: Vec<String> = ids.iter().map(ident).collect();
                self.resolve_column(&parts, scope, agg)?
            }
            E::Value(v) => self.bind_value(&v.value)?,
            E::TypedString(ts) => {
                let (dt, st) = map_data_type(&ts.data_type)?;
                let text = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) | ast::Value::EscapedStringLiteral(s) => s.clone(),
                    other => other.to_string(),
                };
                let v = crate::format::parse_text(&text, &st)?;
                (Expr::Literal(crate::expr::cast::apply_typmod(v, &dt)?), st)
            }
            E::Nested(x) => self.bind_expr(x, scope, agg)?,
            E::BinaryOp { op: ast::BinaryOperator::And | ast::BinaryOperator::Or, .. } => {
                self.bind_logic(e, scope, agg)?
            }
            E::BinaryOp { left, op, right } => self.bind_binary(left, op, right, scope, agg)?,
            E::UnaryOp { op, expr } => {
                let (x, t) = self.bind_expr(expr, scope, agg)?;
                match op {
                    ast::UnaryOperator::Not => {
                        let x = self.coerce(x, &t, &SqlType::Bool)?;
                        self.require_bool(&t, "NOT")?;
                        (Expr::Not(Box::new(x)), SqlType::Bool)
                    }
                    ast::UnaryOperator::Minus => {
                        let t = if t == SqlType::Unknown { SqlType::Numeric } else { t };
                        if !(is_numeric(&t) || t == SqlType::Interval) {
                            return Err(SqlError::new(
                                sqlstate::UNDEFINED_FUNCTION,
                                format!("operator does not exist: - {}", t.name()),
                            ));
                        }
                        match x {
                            Expr::Literal(v) => (Expr::Literal(crate::expr::functions::negate(v, &SqlType::Int8)?), t),
                            x => (Expr::Neg(Box::new(x), t.clone()), t),
                        }
                    }
                    ast::UnaryOperator::Plus => (x, t),
                    _ => return Err(SqlError::not_supported(format!("operator {op}"))),
                }
            }
            E::IsNull(x) | E::IsNotNull(x) => {
                let (b, _) = self.bind_expr(x, scope, agg)?;
                (Expr::IsNull { expr: Box::new(b), negated: matches!(e, E::IsNotNull(_)) }, SqlType::Bool)
            }
            E::IsTrue(x) | E::IsNotTrue(x) | E::IsFalse(x) | E::IsNotFalse(x) => {
                let (b, t) = self.bind_expr(x, scope, agg)?;
                let b = self.coerce(b, &t, &SqlType::Bool)?;
                self.require_bool(&t, "IS TRUE")?;
                let value = matches!(e, E::IsTrue(_) | E::IsNotTrue(_));
                let negated = matches!(e, E::IsNotTrue(_) | E::IsNotFalse(_));
                (Expr::IsBool { expr: Box::new(b), value, negated }, SqlType::Bool)
            }
            E::IsUnknown(x) | E::IsNotUnknown(x) => {
                let (b, _) = self.bind_expr(x, scope, agg)?;
                (Expr::IsNull { expr: Box::new(b), negated: matches!(e, E::IsNotUnknown(_)) }, SqlType::Bool)
            }
            E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b) => {
                let (l, lt) = self.bind_expr(a, scope, agg)?;
                let (r, rt) = self.bind_expr(b, scope, agg)?;
                let (l, r) = self.unify(l, &lt, r, &rt, BinOp::Eq)?;
                (
                    Expr::IsDistinct {
                        left: Box::new(l),
                        right: Box::new(r),
                        negated: matches!(e, E::IsNotDistinctFrom(..)),
                    },
                    SqlType::Bool,
                )
            }
            E::InList { expr, list, negated } => {
                let (x, x_t) = self.bind_expr(expr, scope, agg)?;
                let mut t = x_t.clone();
                let mut items = Vec::with_capacity(list.len());
                for i in list {
                    let (b, bt) = self.bind_expr(i, scope, agg)?;
                    t = common_type(&t, &bt).ok_or_else(|| {
                        SqlError::new(
                            sqlstate::UNDEFINED_FUNCTION,
                            format!("operator does not exist: {} = {}", t.name(), bt.name()),
                        )
                    })?;
                    items.push((b, bt));
                }
                let x = self.coerce(x, &x_t, &t)?;
                let mut out = Vec::with_capacity(items.len());
                for (b, bt) in items {
                    out.push(self.coerce(b, &bt, &t)?);
                }
                (Expr::InList { expr: Box::new(x), list: out, negated: *negated }, SqlType::Bool)
            }
            E::InSubquery { expr, subquery, negated } if matches!(expr.as_ref(), E::Tuple(_)) => {
                let E::Tuple(items) = expr.as_ref() else { unreachable!("matched above") };
                let (sub, cols) = self.bind_subquery(subquery, scope)?;
                if cols.len() > items.len() {
                    return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "subquery has too many columns"));
                }
                if cols.len() < items.len() {
                    return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "subquery has too few columns"));
                }
                let mut row = Vec::with_capacity(items.len());
                for (item, (_, st)) in items.iter().zip(&cols) {
                    let (x, t) = self.bind_expr(item, scope, agg)?;
                    if common_type(&t, st).is_none() {
                        return Err(SqlError::new(
                            sqlstate::UNDEFINED_FUNCTION,
                            format!("operator does not exist: {} = {}", t.name(), st.name()),
                        ));
                    }
                    row.push(self.coerce(x, &t, st)?);
                }
                let row = Expr::Func { name: crate::expr::ROW_MARKER.into(), args: row, ty: SqlType::Text };
                (Expr::InSubquery { expr: Box::new(row), subquery: sub, negated: *negated }, SqlType::Bool)
            }
            E::InSubquery { expr, subquery, negated } => {
                let (x, t) = self.bind_expr(expr, scope, agg)?;
                let (sub, cols) = self.bind_subquery(subquery, scope)?;
                if cols.len() != 1 {
                    return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "subquery has too many columns"));
                }
                let st = cols[0].1.clone();
                if common_type(&t, &st).is_none() {
                    return Err(SqlError::new(
                        sqlstate::UNDEFINED_FUNCTION,
                        format!("operator does not exist: {} = {}", t.name(), st.name()),
                    ));
                }
                let x = self.coerce(x, &t, &st)?;
                (Expr::InSubquery { expr: Box::new(x), subquery: sub, negated: *negated }, SqlType::Bool)
            }
            E::Exists { subquery, negated } => {
                let (sub, _) = self.bind_subquery(subquery, scope)?;
                (Expr::Exists { subquery: sub, negated: *negated }, SqlType::Bool)
            }
            E::Subquery(q) => {
                let (sub, cols) = self.bind_subquery(q, scope)?;
                if cols.len() != 1 {
                    return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "subquery must return only one column"));
                }
                (Expr::ScalarSubquery(sub), cols[0].1.clone())
            }
            E::Between { expr, negated, low, high } if symmetric_low(low).is_some() => {
                let low = symmetric_low(low).unwrap_or(low);
                let between = |a: &ast::Expr, b: &ast::Expr| {
                    E::Nested(Box::new(E::Between {
                        expr: expr.clone(),
                        negated: false,
                        low: Box::new(a.clone()),
                        high: Box::new(b.clone()),
                    }))
                };
                let either = E::BinaryOp {
                    left: Box::new(between(low, high)),
                    op: ast::BinaryOperator::Or,
                    right: Box::new(between(high, low)),
                };
                let (x, _) = self.bind_expr(&either, scope, agg)?;
                (if *negated { Expr::Not(Box::new(x)) } else { x }, SqlType::Bool)
            }
            E::Between { expr, negated, low, high } => {
                let lo = E::BinaryOp { left: expr.clone(), op: ast::BinaryOperator::GtEq, right: low.clone() };
                let hi = E::BinaryOp { left: expr.clone(), op: ast::BinaryOperator::LtEq, right: high.clone() };
                let (l, _) = self.bind_expr(&lo, scope, agg)?;
                let (h, _) = self.bind_expr(&hi, scope, agg)?;
                let both = Expr::And(Box::new(l), Box::new(h));
                (if *negated { Expr::Not(Box::new(both)) } else { both }, SqlType::Bool)
            }
            E::Like { negated, any, expr, pattern, escape_char }
            | E::ILike { negated, any, expr, pattern, escape_char } => {
                if *any {
                    return Err(SqlError::not_supported("LIKE ANY"));
                }
                let (x, xt) = self.bind_expr(expr, scope, agg)?;
                let (mut p, pt) = self.bind_expr(pattern, scope, agg)?;
                if let Some(esc) = escape_char {
                    let (e, _) = self.bind_expr(esc, scope, agg)?;
                    let (Expr::Literal(Value::Text(esc)), Expr::Literal(Value::Text(pat))) = (&e, &p) else {
                        return Err(SqlError::not_supported("non-constant LIKE ... ESCAPE"));
                    };
                    let mut chars = esc.chars();
                    let (Some(ec), None) = (chars.next(), chars.next()) else {
                        return Err(SqlError::new("22025", "invalid escape string")
                            .with_hint("Escape string must be empty or one character."));
                    };
                    let mut out = String::new();
                    let mut it = pat.chars();
                    while let Some(c) = it.next() {
                        if c == ec {
                            if let Some(n) = it.next() {
                                out.push('\\');
                                out.push(n);
                            }
                        } else if c == '\\' {
                            out.push_str("\\\\");
                        } else {
                            out.push(c);
                        }
                    }
                    p = Expr::Literal(Value::Text(out));
                }
                let x = self.coerce(x, &xt, &SqlType::Text)?;
                let p = self.coerce(p, &pt, &SqlType::Text)?;
                (
                    Expr::Like {
                        expr: Box::new(x),
                        pattern: Box::new(p),
                        negated: *negated,
                        case_insensitive: matches!(e, E::ILike { .. }),
                    },
                    SqlType::Bool,
                )
            }
            E::Case { operand, conditions, else_result, .. } => {
                let op = match operand {
                    Some(o) => Some(self.bind_expr(o, scope, agg)?),
                    None => None,
                };
                let mut whens = Vec::new();
                let mut results = Vec::new();
                let mut rt = SqlType::Unknown;
                for c in conditions {
                    let (w, wt) = self.bind_expr(&c.condition, scope, agg)?;
                    let w = match &op {
                        Some((_, ot)) => {
                            if common_type(ot, &wt).is_none() {
                                return Err(SqlError::new(
                                    sqlstate::UNDEFINED_FUNCTION,
                                    format!("operator does not exist: {} = {}", ot.name(), wt.name()),
                                ));
                            }
                            self.coerce(w, &wt, ot)?
                        }
                        None => {
                            self.require_bool(&wt, "CASE/WHEN")?;
                            self.coerce(w, &wt, &SqlType::Bool)?
                        }
                    };
                    whens.push(w);
                    let (r, t) = self.bind_expr(&c.result, scope, agg)?;
                    rt = common_type(&rt, &t).ok_or_else(|| {
                        SqlError::new(
                            sqlstate::DATATYPE_MISMATCH,
                            format!("CASE types {} and {} cannot be matched", rt.name(), t.name()),
                        )
                    })?;
                    results.push((r, t));
                }
                let otherwise = match else_result {
                    Some(x) => {
                        let (r, t) = self.bind_expr(x, scope, agg)?;
                        rt = common_type(&rt, &t).ok_or_else(|| {
                            SqlError::new(
                                sqlstate::DATATYPE_MISMATCH,
                                format!("CASE types {} and {} cannot be matched", rt.name(), t.name()),
                            )
                        })?;
                        Some((r, t))
                    }
                    None => None,
                };
                let rt = output_type(rt);
                let mut pairs = Vec::new();
                for (w, (r, t)) in whens.into_iter().zip(results) {
                    pairs.push((w, self.cast_to(r, &t, &rt)?));
                }
                let otherwise = match otherwise {
                    Some((r, t)) => Some(Box::new(self.cast_to(r, &t, &rt)?)),
                    None => None,
                };
                (Expr::Case { operand: op.map(|(o, _)| Box::new(o)), whens: pairs, otherwise }, rt)
            }
            E::Cast { expr, data_type, kind, format } => {
                if format.is_some() || matches!(kind, ast::CastKind::TryCast | ast::CastKind::SafeCast) {
                    return Err(SqlError::not_supported("this cast form"));
                }
                if let Some(target) = catalog_cast_target(data_type) {
                    let (x, t) = self.bind_expr(expr, scope, agg)?;
                    let x = if let Expr::Param(i, SqlType::Unknown) = x {
                        self.coerce(Expr::Param(i, SqlType::Unknown), &t, &SqlType::Text)?
                    } else {
                        x
                    };
                    return crate::catalog_views::functions::bind_cast(&target, x, &t, &|| self.catalog_model());
                }
                self.check_vector_type(data_type)?;
                let (dt, st) = map_data_type(data_type)?;
                let (x, t) = self.bind_expr(expr, scope, agg)?;
                let typmod = match &dt {
                    DataType::Varchar(Some(_))
                    | DataType::Char(Some(_))
                    | DataType::Decimal { precision: Some(_), .. } => Some(dt.clone()),
                    _ => None,
                };
                if !crate::expr::cast::cast_exists(&t, &st) {
                    return Err(crate::expr::cast::cannot_cast(&t.name(), &st));
                }
                let x = match vector_cast(x, &t, &st) {
                    Ok(cast) => return Ok((cast, st)),
                    Err(x) => x,
                };
                match x {
                    Expr::Literal(v) => {
                        let v = cast_value(v, &st)?;
                        let v = match &typmod {
                            Some(dt) => crate::expr::cast::apply_typmod(crate::expr::cast::truncate_for(v, dt), dt)?,
                            None => v,
                        };
                        (Expr::Literal(v), st)
                    }
                    Expr::Param(i, SqlType::Unknown) => (self.coerce(Expr::Param(i, SqlType::Unknown), &t, &st)?, st),
                    x => (Expr::Cast { expr: Box::new(x), to: st.clone(), typmod }, st),
                }
            }
            E::Function(f) => self.bind_function(f, scope, agg)?,
            E::Extract { field, expr, .. } => {
                let (x, _) = self.bind_expr(expr, scope, agg)?;
                let name = format!("{field}").to_lowercase();
                (
                    Expr::Func {
                        name: "date_part".into(),
                        args: vec![Expr::Literal(Value::Text(name)), x],
                        ty: SqlType::Float8,
                    },
                    SqlType::Float8,
                )
            }
            E::Substring { expr, substring_from, substring_for, .. } => {
                let (x, xt) = self.bind_expr(expr, scope, agg)?;
                let mut args = vec![self.coerce(x, &xt, &SqlType::Text)?];
                let from = match substring_from {
                    Some(f) => self.bind_expr(f, scope, agg)?.0,
                    None => Expr::Literal(Value::Int(1)),
                };
                args.push(from);
                if let Some(f) = substring_for {
                    args.push(self.bind_expr(f, scope, agg)?.0);
                }
                (Expr::Func { name: "substr".into(), args, ty: SqlType::Text }, SqlType::Text)
            }
            E::Trim { expr, trim_where, trim_what, trim_characters } => {
                if trim_characters.is_some() {
                    return Err(SqlError::not_supported("this TRIM form"));
                }
                let (x, xt) = self.bind_expr(expr, scope, agg)?;
                let mut args = vec![self.coerce(x, &xt, &SqlType::Text)?];
                if let Some(w) = trim_what {
                    let (c, ct) = self.bind_expr(w, scope, agg)?;
                    args.push(self.coerce(c, &ct, &SqlType::Text)?);
                }
                let name = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                };
                (Expr::Func { name: name.into(), args, ty: SqlType::Text }, SqlType::Text)
            }
            E::Position { expr, r#in } => {
                let (n, _) = self.bind_expr(expr, scope, agg)?;
                let (h, _) = self.bind_expr(r#in, scope, agg)?;
                (Expr::Func { name: "strpos".into(), args: vec![h, n], ty: SqlType::Int4 }, SqlType::Int4)
            }
            E::Ceil { expr, field } | E::Floor { expr, field } => {
                if !matches!(field, ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime)) {
                    return Err(SqlError::not_supported("CEIL/FLOOR with a field"));
                }
                let (x, t) = self.bind_expr(expr, scope, agg)?;
                let name = if matches!(e, E::Ceil { .. }) { "ceil" } else { "floor" };
                let ty = crate::expr::functions::return_type(name, std::slice::from_ref(&t)).ok_or_else(|| {
                    SqlError::new(sqlstate::UNDEFINED_FUNCTION, format!("function {name}({}) does not exist", t.name()))
                })?;
                (Expr::Func { name: name.into(), args: vec![x], ty: ty.clone() }, ty)
            }
            E::Interval(iv) => {
                let (x, _) = self.bind_expr(&iv.value, scope, agg)?;
                let Expr::Literal(Value::Text(s)) = x else {
                    return Err(SqlError::not_supported("non-literal INTERVAL"));
                };
                let text = match &iv.leading_field {
                    Some(f) if iv.last_field.is_none() => format!("{s} {f}"),
                    _ => s,
                };
                (Expr::Literal(crate::format::parse_text(&text, &SqlType::Interval)?), SqlType::Interval)
            }
            E::Array(arr) => {
                let mut items = Vec::new();
                let mut t = SqlType::Unknown;
                for x in &arr.elem {
                    let (b, bt) = self.bind_expr(x, scope, agg)?;
                    t = common_type(&t, &bt)
                        .ok_or_else(|| SqlError::new(sqlstate::DATATYPE_MISMATCH, "ARRAY types cannot be matched"))?;
                    items.push((b, bt));
                }
                let t = output_type(t);
                let mut out = Vec::new();
                for (b, bt) in items {
                    out.push(self.cast_to(b, &bt, &t)?);
                }
                (Expr::Array(out), SqlType::Array(Box::new(t)))
            }
            E::Collate { expr, .. } => self.bind_expr(expr, scope, agg)?,
            E::AtTimeZone { timestamp, time_zone } => {
                let (z, _) = self.bind_expr(time_zone, scope, agg)?;
                let utc = matches!(&z, Expr::Literal(Value::Text(t)) if matches!(t.to_ascii_lowercase().as_str(), "utc" | "gmt" | "etc/utc" | "zulu" | "z"));
                if !utc {
                    return Err(SqlError::not_supported("AT TIME ZONE other than UTC"));
                }
                let (x, t) = self.bind_expr(timestamp, scope, agg)?;
                let to = match t {
                    SqlType::TimestampTz => SqlType::Timestamp,
                    SqlType::Timestamp | SqlType::Date | SqlType::Unknown => SqlType::TimestampTz,
                    other => {
                        return Err(SqlError::new(
                            sqlstate::UNDEFINED_FUNCTION,
                            format!("function timezone(unknown, {}) does not exist", other.name()),
                        ))
                    }
                };
                let x = if t == SqlType::Unknown { self.coerce(x, &t, &SqlType::Timestamp)? } else { x };
                (Expr::Cast { expr: Box::new(x), to: to.clone(), typmod: None }, to)
            }
            E::AnyOp { left, compare_op, right, .. } | E::AllOp { left, compare_op, right } => {
                let all = matches!(e, E::AllOp { .. });
                let op = match compare_op {
                    ast::BinaryOperator::Eq => BinOp::Eq,
                    ast::BinaryOperator::NotEq => BinOp::NotEq,
                    ast::BinaryOperator::Lt => BinOp::Lt,
                    ast::BinaryOperator::LtEq => BinOp::LtEq,
                    ast::BinaryOperator::Gt => BinOp::Gt,
                    ast::BinaryOperator::GtEq => BinOp::GtEq,
                    other => return Err(SqlError::not_supported(format!("operator {other} with ANY/ALL"))),
                };
                let (x, xt) = self.bind_expr(left, scope, agg)?;
                match right.as_ref() {
                    E::Subquery(q) => {
                        let (sub, cols) = self.bind_subquery(q, scope)?;
                        if cols.len() != 1 {
                            return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "subquery has too many columns"));
                        }
                        let st = cols[0].1.clone();
                        if common_type(&xt, &st).is_none() {
                            return Err(SqlError::new(
                                sqlstate::UNDEFINED_FUNCTION,
                                format!("operator does not exist: {} {} {}", xt.name(), op.symbol(), st.name()),
                            ));
                        }
                        let x = self.coerce(x, &xt, &st)?;
                        (
                            Expr::Quantified {
                                expr: Box::new(x),
                                op,
                                all,
                                source: Box::new(QuantSource::Subquery(sub)),
                            },
                            SqlType::Bool,
                        )
                    }
                    other => {
                        let (arr, at) = self.bind_expr(other, scope, agg)?;
                        let elem = match &at {
                            SqlType::Array(t) => t.as_ref().clone(),
                            SqlType::Unknown => xt.clone(),
                            t => {
                                return Err(SqlError::new(
                                    sqlstate::DATATYPE_MISMATCH,
                                    format!("op ANY/ALL (array) requires array on right side, not {}", t.name()),
                                ))
                            }
                        };
                        let arr = self.coerce(arr, &at, &SqlType::Array(Box::new(elem.clone())))?;
                        let x = self.coerce(x, &xt, &elem)?;
                        (
                            Expr::Quantified { expr: Box::new(x), op, all, source: Box::new(QuantSource::Array(arr)) },
                            SqlType::Bool,
                        )
                    }
                }
            }
            E::CompoundFieldAccess { root, access_chain } => {
                let (mut x, mut t) = self.bind_expr(root, scope, agg)?;
                for a in access_chain {
                    let ast::AccessExpr::Subscript(ast::Subscript::Index { index }) = a else {
                        return Err(SqlError::not_supported("array slices and field access"));
                    };
                    let SqlType::Array(inner) = t.clone() else {
                        return Err(SqlError::new(
                            sqlstate::DATATYPE_MISMATCH,
                            format!("cannot subscript type {} because it does not support subscripting", t.name()),
                        ));
                    };
                    let (i, it) = self.bind_expr(index, scope, agg)?;
                    let i = self.coerce(i, &it, &SqlType::Int4)?;
                    x = Expr::Func { name: "__subscript".into(), args: vec![x, i], ty: inner.as_ref().clone() };
                    t = *inner;
                }
                (x, t)
            }
            other => return Err(SqlError::not_supported(format!("expression {other}"))),
        })
    }

    /// Like [`Self::coerce`], but also casts typed expressions (for CASE branches and unions).
    fn cast_to(&mut self, e: Expr, from: &SqlType, to: &SqlType) -> Result<Expr, SqlError> {
        if from == to || *from == SqlType::Unknown || matches!(e, Expr::Literal(_)) {
            return self.coerce(e, from, to);
        }
        if is_integer(from) && is_integer(to) {
            return Ok(e);
        }
        Ok(Expr::Cast { expr: Box::new(e), to: to.clone(), typmod: None })
    }

    fn bind_value(&mut self, v: &ast::Value) -> Result<(Expr, SqlType), SqlError> {
        use ast::Value as V;
        Ok(match v {
            V::Number(n, _) => {
                let (v, t) = parse_number(n)?;
                (Expr::Literal(v), t)
            }
            V::SingleQuotedString(s)
            | V::EscapedStringLiteral(s)
            | V::NationalStringLiteral(s)
            | V::UnicodeStringLiteral(s) => (Expr::Literal(Value::Text(s.clone())), SqlType::Unknown),
            V::DollarQuotedString(d) => (Expr::Literal(Value::Text(d.value.clone())), SqlType::Unknown),
            // "x" is a string in MySQL (ANSI_QUOTES off); PostgreSQL never tokenizes one.
            V::DoubleQuotedString(s) if self.dialect.is_mysql() => (Expr::Literal(Value::Text(s.clone())), SqlType::Unknown),
            V::Boolean(b) => (Expr::Literal(Value::Bool(*b)), SqlType::Bool),
            V::Null => (Expr::Literal(Value::Null), SqlType::Unknown),
            V::Placeholder(p) => {
                let n: usize =
                    p.strip_prefix('$').and_then(|d| d.parse().ok()).filter(|n| *n >= 1).ok_or_else(|| {
                        SqlError::new(sqlstate::SYNTAX_ERROR, format!("syntax error at or near \"{p}\""))
                    })?;
                if n > 65535 {
                    return Err(SqlError::new(sqlstate::UNDEFINED_PARAMETER, format!("there is no parameter ${n}")));
                }
                if self.params.len() < n {
                    self.params.resize(n, SqlType::Unknown);
                }
                let t = self.params[n - 1].clone();
                (Expr::Param(n - 1, t.clone()), t)
            }
            V::HexStringLiteral(h) => {
                let bytes = crate::format::parse_text(&format!("\\x{h}"), &SqlType::Bytea)?;
                (Expr::Literal(bytes), SqlType::Bytea)
            }
            other => return Err(SqlError::not_supported(format!("literal {other}"))),
        })
    }

    /// AND/OR chains, bound iteratively (long WHERE clauses would otherwise recurse deeply).
    fn bind_logic(&mut self, e: &ast::Expr, scope: &Scope, agg: Option<&AggCtx>) -> Result<(Expr, SqlType), SqlError> {
        let is_and = matches!(e, ast::Expr::BinaryOp { op: ast::BinaryOperator::And, .. });
        let mut operands: Vec<&ast::Expr> = Vec::new();
        let mut stack: Vec<&ast::Expr> = vec![e];
        while let Some(x) = stack.pop() {
            match x {
                ast::Expr::BinaryOp { left, op: ast::BinaryOperator::And, right } if is_and => {
                    stack.push(right);
                    stack.push(left);
                }
                ast::Expr::BinaryOp { left, op: ast::BinaryOperator::Or, right } if !is_and => {
                    stack.push(right);
                    stack.push(left);
                }
                other => operands.push(other),
            }
        }
        let w = if is_and { "AND" } else { "OR" };
        let mut acc: Option<Expr> = None;
        for x in operands {
            let (b, t) = self.bind_expr(x, scope, agg)?;
            self.require_bool(&t, w)?;
            let b = self.coerce(b, &t, &SqlType::Bool)?;
            acc = Some(match acc {
                None => b,
                Some(a) if is_and => Expr::And(Box::new(a), Box::new(b)),
                Some(a) => Expr::Or(Box::new(a), Box::new(b)),
            });
        }
        Ok((acc.unwrap_or(Expr::Literal(Value::Bool(is_and))), SqlType::Bool))
    }

    /// Untyped arguments of a function call as text, or as the vector a vector function
    /// takes there.
    #[inline(never)]
    fn coerce_unknown_arguments(&mut self, name: &str, bound: Vec<Expr>, types: &[SqlType]) -> Result<Vec<Expr>, SqlError> {
        let params = crate::vector::functions::params(name).unwrap_or_default();
        let mut out = Vec::with_capacity(bound.len());
        for (i, (b, t)) in bound.into_iter().zip(types).enumerate() {
            let target = params.get(i).cloned().unwrap_or(SqlType::Text);
            out.push(if *t == SqlType::Unknown { self.coerce(b, t, &target)? } else { b });
        }
        Ok(out)
    }

    /// 42704 for `vector` in a database without the extension.
    #[inline(never)]
    fn check_vector_type(&self, data_type: &ast::DataType) -> Result<(), SqlError> {
        if crate::vector::extension::names_vector(data_type) && !self.cat.has_vector(&self.db) {
            return Err(crate::vector::extension::undefined_type());
        }
        Ok(())
    }

    /// A pgvector operator between `l` and `r` (see [`vector_operator`]); out of line so
    /// the recursive binder's frames stay small.
    #[inline(never)]
    fn bind_vector_operator(
        &mut self,
        name: &'static str,
        op: &ast::BinaryOperator,
        l: Expr,
        lt: &SqlType,
        r: Expr,
        rt: &SqlType,
    ) -> Result<(Expr, SqlType), SqlError> {
        let vector = SqlType::Vector(None);
        let fits = |t: &SqlType| matches!(t, SqlType::Vector(_) | SqlType::Unknown);
        if !(fits(lt) && fits(rt)) || !(matches!(lt, SqlType::Vector(_)) || matches!(rt, SqlType::Vector(_))) {
            return Err(SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("operator does not exist: {} {op} {}", lt.name(), rt.name()),
            )
            .with_hint("No operator matches the given name and argument types. You might need to add explicit type casts."));
        }
        let l = self.coerce(l, lt, &vector)?;
        let r = self.coerce(r, rt, &vector)?;
        let args = [lt.clone(), rt.clone()];
        let ty = crate::vector::functions::return_type(name, &args).flatten().ok_or_else(|| {
            SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!("operator does not exist: {} {op} {}", lt.name(), rt.name()),
            )
        })?;
        Ok((Expr::Func { name: name.into(), args: vec![l, r], ty: ty.clone() }, ty))
    }

    fn bind_binary(
        &mut self,
        left: &ast::Expr,
        op: &ast::BinaryOperator,
        right: &ast::Expr,
        scope: &Scope,
        agg: Option<&AggCtx>,
    ) -> Result<(Expr, SqlType), SqlError> {
        use ast::BinaryOperator as B;
        let (l, lt) = self.bind_expr(left, scope, agg)?;
        let (r, rt) = self.bind_expr(right, scope, agg)?;
        if let Some(name) = vector_operator(op, &lt, &rt, self.dialect) {
            return self.bind_vector_operator(name, op, l, &lt, r, &rt);
        }
        if let Some((negated, insensitive)) = regex_operator(op) {
            let l = self.coerce(l, &lt, &SqlType::Text)?;
            let r = self.coerce(r, &rt, &SqlType::Text)?;
            let name = if insensitive { "__orbit_regex_i" } else { "__orbit_regex" };
            let m = Expr::Func { name: name.into(), args: vec![l, r], ty: SqlType::Bool };
            return Ok((if negated { Expr::Not(Box::new(m)) } else { m }, SqlType::Bool));
        }
        let bop = match op {
            B::And | B::Or => {
                let l = self.coerce(l, &lt, &SqlType::Bool)?;
                let r = self.coerce(r, &rt, &SqlType::Bool)?;
                let w = if matches!(op, B::And) { "AND" } else { "OR" };
                self.require_bool(&lt, w)?;
                self.require_bool(&rt, w)?;
                return Ok((
                    if matches!(op, B::And) {
                        Expr::And(Box::new(l), Box::new(r))
                    } else {
                        Expr::Or(Box::new(l), Box::new(r))
                    },
                    SqlType::Bool,
                ));
            }
            B::Eq => BinOp::Eq,
            B::NotEq => BinOp::NotEq,
            B::Lt => BinOp::Lt,
            B::LtEq => BinOp::LtEq,
            B::Gt => BinOp::Gt,
            B::GtEq => BinOp::GtEq,
            B::Plus => BinOp::Add,
            B::Minus => BinOp::Sub,
            B::Multiply => BinOp::Mul,
            B::Divide => BinOp::Div,
            B::Modulo => BinOp::Mod,
            B::StringConcat => BinOp::Concat,
            B::Arrow => BinOp::JsonGet,
            B::BitwiseAnd | B::BitwiseOr | B::PGBitwiseXor | B::PGBitwiseShiftLeft | B::PGBitwiseShiftRight => {
                let bop = match op {
                    B::BitwiseAnd => BinOp::BitAnd,
                    B::BitwiseOr => BinOp::BitOr,
                    B::PGBitwiseXor => BinOp::BitXor,
                    B::PGBitwiseShiftLeft => BinOp::ShiftLeft,
                    _ => BinOp::ShiftRight,
                };
                let int = |t: &SqlType| is_integer(t) || *t == SqlType::Unknown;
                if !int(&lt) || !int(&rt) {
                    return Err(SqlError::new(
                        sqlstate::UNDEFINED_FUNCTION,
                        format!("operator does not exist: {} {} {}", lt.name(), bop.symbol(), rt.name()),
                    ));
                }
                let ty = if matches!(bop, BinOp::ShiftLeft | BinOp::ShiftRight) {
                    output_int(&lt)
                } else {
                    common_type(&output_int(&lt), &output_int(&rt)).unwrap_or(SqlType::Int8)
                };
                let l = self.coerce(l, &lt, &output_int(&lt))?;
                let r = self.coerce(r, &rt, &SqlType::Int4)?;
                return Ok((Expr::Binary { op: bop, left: Box::new(l), right: Box::new(r), ty: ty.clone() }, ty));
            }
            B::PGExp => {
                let ty =
                    if lt == SqlType::Numeric || rt == SqlType::Numeric { SqlType::Numeric } else { SqlType::Float8 };
                if !(is_numeric(&lt) || lt == SqlType::Unknown) || !(is_numeric(&rt) || rt == SqlType::Unknown) {
                    return Err(SqlError::new(
                        sqlstate::UNDEFINED_FUNCTION,
                        format!("operator does not exist: {} ^ {}", lt.name(), rt.name()),
                    ));
                }
                let l = self.coerce(l, &lt, &ty)?;
                let r = self.coerce(r, &rt, &ty)?;
                return Ok((Expr::Func { name: "power".into(), args: vec![l, r], ty: ty.clone() }, ty));
            }
            B::LongArrow => BinOp::JsonGetText,
            B::PGLikeMatch | B::PGILikeMatch | B::PGNotLikeMatch | B::PGNotILikeMatch => {
                let l = self.coerce(l, &lt, &SqlType::Text)?;
                let r = self.coerce(r, &rt, &SqlType::Text)?;
                return Ok((
                    Expr::Like {
                        expr: Box::new(l),
                        pattern: Box::new(r),
                        negated: matches!(op, B::PGNotLikeMatch | B::PGNotILikeMatch),
                        case_insensitive: matches!(op, B::PGILikeMatch | B::PGNotILikeMatch),
                    },
                    SqlType::Bool,
                ));
            }
            other => return Err(SqlError::not_supported(format!("operator {other}"))),
        };
        if bop.is_comparison() {
            let (l, r) = self.unify(l, &lt, r, &rt, bop)?;
            if lt == SqlType::Bpchar || rt == SqlType::Bpchar {
                // character(n) compares without its trailing blanks.
                let trim = |e: Expr| Expr::Func { name: "rtrim".into(), args: vec![e], ty: SqlType::Text };
                return Ok((
                    Expr::Binary { op: bop, left: Box::new(trim(l)), right: Box::new(trim(r)), ty: SqlType::Bool },
                    SqlType::Bool,
                ));
            }
            return Ok((
                Expr::Binary { op: bop, left: Box::new(l), right: Box::new(r), ty: SqlType::Bool },
                SqlType::Bool,
            ));
        }
        match bop {
            BinOp::Concat => {
                // character(n) loses its trailing blanks when converted to text.
                let trim = |e: Expr, t: &SqlType| {
                    if *t == SqlType::Bpchar {
                        Expr::Func { name: "rtrim".into(), args: vec![e], ty: SqlType::Text }
                    } else {
                        e
                    }
                };
                let (l, r) = (trim(l, &lt), trim(r, &rt));
                if matches!(lt, SqlType::Array(_)) || matches!(rt, SqlType::Array(_)) {
                    let t = if matches!(lt, SqlType::Array(_)) { lt.clone() } else { rt.clone() };
                    return Ok((Expr::Binary { op: bop, left: Box::new(l), right: Box::new(r), ty: t.clone() }, t));
                }
                Ok((Expr::Binary { op: bop, left: Box::new(l), right: Box::new(r), ty: SqlType::Text }, SqlType::Text))
            }
            BinOp::JsonGet | BinOp::JsonGetText => {
                if !matches!(lt, SqlType::Json | SqlType::Jsonb | SqlType::Unknown) {
                    return Err(SqlError::new(
                        sqlstate::UNDEFINED_FUNCTION,
                        format!("operator does not exist: {} {} {}", lt.name(), bop.symbol(), rt.name()),
                    ));
                }
                let l = self.coerce(l, &lt, &SqlType::Jsonb)?;
                let r = if rt == SqlType::Unknown { self.coerce(r, &rt, &SqlType::Text)? } else { r };
                let t = if bop == BinOp::JsonGetText {
                    SqlType::Text
                } else if lt == SqlType::Json {
                    SqlType::Json
                } else {
                    SqlType::Jsonb
                };
                Ok((Expr::Binary { op: bop, left: Box::new(l), right: Box::new(r), ty: t.clone() }, t))
            }
            _ => {
                let ty = arithmetic_type(bop, &lt, &rt).ok_or_else(|| {
                    SqlError::new(
                        sqlstate::UNDEFINED_FUNCTION,
                        format!("operator does not exist: {} {} {}", lt.name(), bop.symbol(), rt.name()),
                    )
                })?;
                let (l, r) = if is_numeric(&ty)
                    && (is_numeric(&lt) || lt == SqlType::Unknown)
                    && (is_numeric(&rt) || rt == SqlType::Unknown)
                {
                    let l = self.coerce(l, &lt, &ty)?;
                    let r = self.coerce(r, &rt, &ty)?;
                    (l, r)
                } else {
                    // Temporal arithmetic: unknown literals take the other side's type.
                    let l = if lt == SqlType::Unknown { self.coerce(l, &lt, &guess_other(&rt, bop))? } else { l };
                    let r = if rt == SqlType::Unknown { self.coerce(r, &rt, &guess_other(&lt, bop))? } else { r };
                    (l, r)
                };
                Ok((Expr::Binary { op: bop, left: Box::new(l), right: Box::new(r), ty: ty.clone() }, ty))
            }
        }
    }

    /// `ARRAY(subquery)`: the subquery's one column aggregated into an array ('{}' when empty).
    fn bind_array_subquery(&mut self, q: &ast::Query, scope: &Scope) -> Result<(Expr, SqlType), SqlError> {
        let (sub, cols) = self.bind_subquery(q, scope)?;
        if cols.len() != 1 {
            return Err(SqlError::new(sqlstate::SYNTAX_ERROR, "subquery must return only one column"));
        }
        let ty = SqlType::Array(Box::new(output_type(cols[0].1.clone())));
        let agg = AggCall {
            func: AggFunc::ArrayAgg,
            args: vec![Expr::Column { level: 0, index: 0 }],
            distinct: false,
            filter: None,
            order: Vec::new(),
            ty: ty.clone(),
        };
        let plan =
            Plan::Aggregate { input: sub.plan, group: Vec::new(), aggs: vec![agg], always_one_row: true, rollup: false };
        let sub = SubPlan { id: sub.id, plan: Box::new(plan), correlated: sub.correlated };
        let e = Expr::Func {
            name: "coalesce".into(),
            args: vec![Expr::ScalarSubquery(sub), Expr::Literal(Value::Array(Vec::new()))],
            ty: ty.clone(),
        };
        Ok((e, ty))
    }

    fn bind_function(
        &mut self,
        f: &ast::Function,
        scope: &Scope,
        agg: Option<&AggCtx>,
    ) -> Result<(Expr, SqlType), SqlError> {
        let name = function_name(f);
        if name == "generate_series" {
            return Err(SqlError::not_supported("set-returning function generate_series outside FROM"));
        }
        if f.over.is_some() {
            return Err(SqlError::new("42P20", "window functions are not allowed here"));
        }
        if AGGREGATES.contains(&name.as_str()) {
            return Err(SqlError::new(
                sqlstate::GROUPING_ERROR,
                format!("aggregate function {name} is not allowed here"),
            ));
        }
        if f.filter.is_some() {
            return Err(SqlError::new(
                sqlstate::SYNTAX_ERROR,
                format!("FILTER specified, but {name} is not an aggregate function"),
            ));
        }
        let args: Vec<&ast::FunctionArg> = match &f.args {
            ast::FunctionArguments::None => Vec::new(),
            ast::FunctionArguments::List(l) => l.args.iter().collect(),
            ast::FunctionArguments::Subquery(q) if name == "array" => return self.bind_array_subquery(q, scope),
            ast::FunctionArguments::Subquery(_) => return Err(SqlError::not_supported("subquery function arguments")),
        };
        let mut bound = Vec::new();
        let mut types = Vec::new();
        for a in args {
            match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                    let (b, t) = self.bind_expr(x, scope, agg)?;
                    bound.push(b);
                    types.push(t);
                }
                _ => return Err(SqlError::not_supported("named or wildcard function arguments")),
            }
        }
        let catalog_args: Vec<(Expr, SqlType)> = bound.iter().cloned().zip(types.iter().cloned()).collect();
        if let Some(r) = crate::catalog_views::functions::bind_call(&name, catalog_args, &|| self.catalog_model()) {
            return r;
        }
        if name == "pg_typeof" && types.len() == 1 {
            return Ok((Expr::Literal(Value::Text(output_type(types[0].clone()).name())), SqlType::Text));
        }
        let ty = crate::expr::functions::return_type(&name, &types).ok_or_else(|| {
            SqlError::new(
                sqlstate::UNDEFINED_FUNCTION,
                format!(
                    "function {name}({}) does not exist",
                    types.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
                ),
            )
            .with_hint(
                "No function matches the given name and argument types. You might need to add explicit type casts.",
            )
        })?;
        if matches!(name.as_str(), "length" | "char_length" | "character_length")
            && types.first() == Some(&SqlType::Bpchar)
        {
            bound = vec![Expr::Func { name: "rtrim".into(), args: bound, ty: SqlType::Text }];
        }
        if matches!(name.as_str(), "coalesce" | "greatest" | "least") {
            let mut out = Vec::new();
            for (b, t) in bound.into_iter().zip(&types) {
                out.push(self.cast_to(b, t, &ty)?);
            }
            bound = out;
        } else {
            bound = self.coerce_unknown_arguments(&name, bound, &types)?;
        }
        Ok((Expr::Func { name, args: bound, ty: ty.clone() }, ty))
    }
}

/// A cast of vector `x` to text or an array (`Ok`), or `x` back for every other cast;
/// out of line so the recursive binder's frames stay small.
#[inline(never)]
fn vector_cast(x: Expr, from: &SqlType, to: &SqlType) -> Result<Expr, Expr> {
    if !matches!(from, SqlType::Vector(_)) {
        return Err(x);
    }
    match crate::vector::functions::cast_from_vector(x.clone(), to) {
        Some(cast) => Ok(cast),
        None => Err(x),
    }
}

/// The vector function of pgvector's operators (`<->`, `<#>`, `<=>`, `<+>`, and `+ - *`
/// when an operand is a vector) in PostgreSQL sessions.
fn vector_operator(op: &ast::BinaryOperator, lt: &SqlType, rt: &SqlType, dialect: crate::Dialect) -> Option<&'static str> {
    use ast::BinaryOperator as B;
    if dialect.is_mysql() {
        return None;
    }
    let is_vector = |t: &SqlType| matches!(t, SqlType::Vector(_));
    let symbol = match op {
        B::LtDashGt => "<->",
        B::Spaceship => "<=>",
        B::Custom(s) => s.as_str(),
        B::PGCustomBinaryOperator(parts) if parts.len() == 1 => parts[0].as_str(),
        B::Plus | B::Minus | B::Multiply if is_vector(lt) || is_vector(rt) => return crate::vector::functions::operator_function(&op.to_string()),
        _ => return None,
    };
    crate::vector::functions::operator_function(symbol).filter(|_| !matches!(symbol, "+" | "-" | "*"))
}

/// `~`, `!~`, `~*`, `!~*` and `OPERATOR(pg_catalog.~)`: (negated, case-insensitive).
fn regex_operator(op: &ast::BinaryOperator) -> Option<(bool, bool)> {
    use ast::BinaryOperator as B;
    let symbol = match op {
        B::PGRegexMatch => "~",
        B::PGRegexNotMatch => "!~",
        B::PGRegexIMatch => "~*",
        B::PGRegexNotIMatch => "!~*",
        B::PGCustomBinaryOperator(parts) if parts.len() <= 2 && (parts.len() == 1 || parts[0] == "pg_catalog") => {
            parts.last().map(|s| s.as_str()).unwrap_or("")
        }
        _ => return None,
    };
    match symbol {
        "~" => Some((false, false)),
        "!~" => Some((true, false)),
        "~*" => Some((false, true)),
        "!~*" => Some((true, true)),
        _ => None,
    }
}

/// The catalog type a cast names (`regclass`, `pg_catalog.oid`, `"char"`, ...), if any.
fn catalog_cast_target(dt: &ast::DataType) -> Option<String> {
    match dt {
        ast::DataType::Custom(name, _) => {
            let parts = object_name_parts(name).ok()?;
            let last = parts.last()?.clone();
            let qualified_ok = parts.len() == 1 || (parts.len() == 2 && parts[0] == "pg_catalog");
            (qualified_ok && crate::catalog_views::functions::is_catalog_type(&last)).then_some(last)
        }
        ast::DataType::Regclass => Some("regclass".into()),
        _ => None,
    }
}

fn output_int(t: &SqlType) -> SqlType {
    if *t == SqlType::Unknown {
        SqlType::Int4
    } else {
        t.clone()
    }
}

fn guess_other(t: &SqlType, op: BinOp) -> SqlType {
    match (t, op) {
        (SqlType::Date, BinOp::Sub) => SqlType::Date,
        (SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz | SqlType::Time, _) => SqlType::Interval,
        (SqlType::Interval, _) => SqlType::Interval,
        (t, _) => t.clone(),
    }
}

/// Result type of arithmetic `l op r`.
fn arithmetic_type(op: BinOp, l: &SqlType, r: &SqlType) -> Option<SqlType> {
    use SqlType as T;
    let numeric_side = |t: &T| is_numeric(t) || *t == T::Unknown;
    if numeric_side(l) && numeric_side(r) && !(*l == T::Unknown && *r == T::Unknown) {
        return common_type(l, r);
    }
    Some(match (l, r, op) {
        (T::Date, T::Int2 | T::Int4 | T::Int8, BinOp::Add | BinOp::Sub) => T::Date,
        (T::Int2 | T::Int4 | T::Int8, T::Date, BinOp::Add) => T::Date,
        (T::Date, T::Date, BinOp::Sub) => T::Int4,
        (T::Date, T::Unknown, BinOp::Sub) => T::Int4,
        (T::Date | T::Timestamp, T::Interval | T::Unknown, BinOp::Add | BinOp::Sub) => T::Timestamp,
        (T::Interval, T::Date | T::Timestamp, BinOp::Add) => T::Timestamp,
        (T::TimestampTz, T::Interval | T::Unknown, BinOp::Add | BinOp::Sub) => T::TimestampTz,
        (T::Interval, T::TimestampTz, BinOp::Add) => T::TimestampTz,
        (T::Timestamp | T::TimestampTz, T::Timestamp | T::TimestampTz, BinOp::Sub) => T::Interval,
        (T::Time, T::Interval, BinOp::Add | BinOp::Sub) => T::Time,
        (T::Time, T::Time, BinOp::Sub) => T::Interval,
        (T::Time, T::Unknown, BinOp::Sub) => T::Interval,
        (T::Time, T::Unknown, BinOp::Add) => T::Time,
        (T::Interval, T::Interval | T::Unknown, BinOp::Add | BinOp::Sub) => T::Interval,
        (T::Interval, t, BinOp::Mul | BinOp::Div) if is_numeric(t) => T::Interval,
        (t, T::Interval, BinOp::Mul) if is_numeric(t) => T::Interval,
        _ => return None,
    })
}

fn has_wildcard(items: &[ast::SelectItem]) -> bool {
    items.iter().any(|i| matches!(i, ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..)))
}

fn sort_key(expr: Expr, o: &ast::OrderByOptions) -> SortKey {
    let desc = matches!(o.sort, Some(ast::OrderBySort::Desc));
    SortKey { expr, desc, nulls_first: o.nulls_first.unwrap_or(desc) }
}

fn output_type(t: SqlType) -> SqlType {
    if t == SqlType::Unknown {
        SqlType::Text
    } else {
        t
    }
}

fn undefined_table(name: &str) -> SqlError {
    SqlError::new(sqlstate::UNDEFINED_TABLE, format!("relation \"{name}\" does not exist"))
}

pub fn undefined_column(name: &str) -> SqlError {
    SqlError::new(sqlstate::UNDEFINED_COLUMN, format!("column \"{name}\" does not exist"))
}

fn not_grouped(c: &ScopeCol) -> SqlError {
    let q = match &c.table {
        Some(t) => format!("{t}.{}", c.name),
        None => c.name.clone(),
    };
    SqlError::new(
        sqlstate::GROUPING_ERROR,
        format!("column \"{q}\" must appear in the GROUP BY clause or be used in an aggregate function"),
    )
}

fn rename_scope(scope: &mut Scope, names: &[String]) -> Result<(), SqlError> {
    if names.len() > scope.cols.iter().filter(|c| !c.hidden).count() {
        return Err(SqlError::new(sqlstate::INVALID_COLUMN_REFERENCE, "too many column aliases specified"));
    }
    let mut it = names.iter();
    for c in scope.cols.iter_mut().filter(|c| !c.hidden) {
        match it.next() {
            Some(n) => c.name = n.clone(),
            None => break,
        }
    }
    Ok(())
}

fn rename_columns(mut b: Bound, names: &[String]) -> Result<Bound, SqlError> {
    if names.len() > b.cols.len() {
        return Err(SqlError::new(sqlstate::INVALID_COLUMN_REFERENCE, "too many column names specified"));
    }
    for (c, n) in b.cols.iter_mut().zip(names) {
        c.0 = n.clone();
    }
    Ok(b)
}

/// PostgreSQL's output column name for an unaliased expression.
pub fn derive_name(e: &ast::Expr) -> String {
    use ast::Expr as E;
    match e {
        E::Identifier(i) => ident(i),
        E::CompoundIdentifier(ids) => ids.last().map(ident).unwrap_or_else(|| "?column?".into()),
        E::Function(f) => function_name(f),
        E::Nested(x) => derive_name(x),
        E::Cast { expr, data_type, .. } => match expr.as_ref() {
            E::Identifier(_) | E::CompoundIdentifier(_) | E::Function(_) => derive_name(expr),
            _ => match map_data_type(data_type) {
                Ok((_, t)) => match t {
                    SqlType::Int2 => "int2".into(),
                    SqlType::Int4 => "int4".into(),
                    SqlType::Int8 => "int8".into(),
                    SqlType::Float4 => "float4".into(),
                    SqlType::Float8 => "float8".into(),
                    SqlType::Bool => "bool".into(),
                    SqlType::Varchar => "varchar".into(),
                    SqlType::Bpchar => "bpchar".into(),
                    SqlType::Timestamp => "timestamp".into(),
                    SqlType::TimestampTz => "timestamptz".into(),
                    t => t.name(),
                },
                Err(_) => "?column?".into(),
            },
        },
        E::Case { .. } => "case".into(),
        E::Exists { .. } => "exists".into(),
        E::Subquery(q) => match q.body.as_ref() {
            ast::SetExpr::Select(s) => match s.projection.first() {
                Some(ast::SelectItem::UnnamedExpr(x)) => derive_name(x),
                Some(ast::SelectItem::ExprWithAlias { alias, .. }) => ident(alias),
                _ => "?column?".into(),
            },
            _ => "?column?".into(),
        },
        E::Extract { .. } => "extract".into(),
        E::Substring { .. } => "substring".into(),
        E::Trim { .. } => "btrim".into(),
        E::Position { .. } => "position".into(),
        E::Ceil { .. } => "ceil".into(),
        E::Floor { .. } => "floor".into(),
        E::Array(_) => "array".into(),
        E::TypedString(ts) => match map_data_type(&ts.data_type) {
            Ok((_, t)) => t.name(),
            Err(_) => "?column?".into(),
        },
        E::Interval(_) => "interval".into(),
        _ => "?column?".into(),
    }
}

/// Whether `q` refers to a relation named `name` anywhere (for WITH RECURSIVE).
fn query_references(q: &ast::Query, name: &str) -> bool {
    // A cheap, conservative textual check over the query's SQL.
    let text = q.to_string().to_lowercase();
    text.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == name)
}

/// The low bound of `BETWEEN SYMMETRIC` (see [`crate::parse::SYMMETRIC_MARKER`]).
fn symmetric_low(low: &ast::Expr) -> Option<&ast::Expr> {
    let ast::Expr::Function(f) = low else { return None };
    if !f.name.to_string().eq_ignore_ascii_case(crate::parse::SYMMETRIC_MARKER) {
        return None;
    }
    match &f.args {
        ast::FunctionArguments::List(list) if list.args.len() == 1 => match &list.args[0] {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        },
        _ => None,
    }
}

/// A FROM item that may refer to the items before it: `LATERAL (subquery) alias`, or a
/// function call (functions in FROM are implicitly lateral in PostgreSQL).
#[derive(Clone, Copy)]
enum LateralItem<'a> {
    Subquery(&'a ast::Query, Option<&'a ast::TableAlias>),
    Function(&'a ast::ObjectName, &'a [ast::FunctionArg], Option<&'a ast::TableAlias>),
}

fn lateral_item(f: &ast::TableFactor) -> Option<LateralItem<'_>> {
    match f {
        ast::TableFactor::Derived { lateral: true, subquery, alias, .. } => {
            Some(LateralItem::Subquery(subquery, alias.as_ref()))
        }
        ast::TableFactor::Table { name, alias, args: Some(fargs), with_ordinality: false, .. } => {
            Some(LateralItem::Function(name, &fargs.args, alias.as_ref()))
        }
        _ => None,
    }
}

/// The name set-returning calls in a SELECT list are rewritten to (see `srf_rewrite`).
const SRF_COLUMN: &str = "__orbit_srf";

/// Whether `e` has a `generate_series(...)` call where [`take_srf_calls`] looks for one.
fn contains_srf_call(e: &ast::Expr) -> bool {
    use ast::Expr as E;
    match e {
        E::Function(f) => f.over.is_none() && function_name(f) == "generate_series",
        E::BinaryOp { left, right, .. } => contains_srf_call(left) || contains_srf_call(right),
        E::UnaryOp { expr, .. } | E::Nested(expr) | E::Cast { expr, .. } => contains_srf_call(expr),
        _ => false,
    }
}

/// Replaces the `generate_series(...)` calls in `e` (not inside subqueries) with a
/// reference to [`SRF_COLUMN`], collecting them.
fn take_srf_calls(e: &mut ast::Expr, found: &mut Vec<ast::Expr>) {
    use ast::Expr as E;
    match e {
        E::Function(f) if f.over.is_none() && function_name(f) == "generate_series" => {
            found.push(e.clone());
            *e = E::Identifier(ast::Ident::new(SRF_COLUMN));
        }
        E::BinaryOp { left, right, .. } => {
            take_srf_calls(left, found);
            take_srf_calls(right, found);
        }
        E::UnaryOp { expr, .. } | E::Nested(expr) | E::Cast { expr, .. } => take_srf_calls(expr, found),
        _ => {}
    }
}

/// The INSERT, UPDATE or DELETE a CTE consists of, if it is data-modifying.
pub fn dml_cte_statement(q: &ast::Query) -> Option<&ast::Statement> {
    match q.body.as_ref() {
        ast::SetExpr::Insert(s) | ast::SetExpr::Update(s) | ast::SetExpr::Delete(s) => Some(s),
        _ => None,
    }
}

/// A bound relation holding already computed rows (a data-modifying CTE's RETURNING).
pub fn materialized(columns: Vec<(String, SqlType)>, rows: Vec<Vec<Value>>) -> Bound {
    let width = columns.len();
    let rows = rows.into_iter().map(|r| r.into_iter().map(Expr::Literal).collect()).collect();
    Bound { plan: Plan::Values { rows, width }, cols: columns }
}

/// `SELECT generate_series(1, x) FROM t` runs as
/// `SELECT __orbit_srf FROM t, generate_series(1, x) AS __orbit_srf(__orbit_srf)`
/// (one set-returning call in the SELECT list, no aggregation). `None`: nothing to do.
fn srf_rewrite(s: &ast::Select) -> Result<Option<ast::Select>, SqlError> {
    // Every SELECT comes through here: look before cloning anything.
    let has_srf = s.projection.iter().any(|item| match item {
        ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } => contains_srf_call(e),
        _ => false,
    });
    if !has_srf {
        return Ok(None);
    }
    let mut projection = s.projection.clone();
    let mut found = Vec::new();
    for item in &mut projection {
        match item {
            ast::SelectItem::UnnamedExpr(e) => {
                let before = found.len();
                let whole = matches!(e, ast::Expr::Function(_));
                take_srf_calls(e, &mut found);
                if found.len() > before && whole {
                    // The output column keeps the function's name, as in PostgreSQL.
                    *item =
                        ast::SelectItem::ExprWithAlias { expr: e.clone(), alias: ast::Ident::new("generate_series") };
                }
            }
            ast::SelectItem::ExprWithAlias { expr, .. } => take_srf_calls(expr, &mut found),
            _ => {}
        }
    }
    let Some(call) = found.first().cloned() else { return Ok(None) };
    let distinct: std::collections::HashSet<String> = found.iter().map(|c| c.to_string()).collect();
    let mut aggs = Vec::new();
    for item in &s.projection {
        if let ast::SelectItem::UnnamedExpr(e) | ast::SelectItem::ExprWithAlias { expr: e, .. } = item {
            find_aggregates(e, &mut aggs);
            find_windows(e, &mut aggs);
        }
    }
    let grouped = !matches!(&s.group_by, ast::GroupByExpr::Expressions(v, _) if v.is_empty());
    if distinct.len() > 1 || !aggs.is_empty() || grouped || s.having.is_some() {
        return Err(SqlError::not_supported(
            "set-returning functions in a SELECT list with aggregation or with several of them",
        ));
    }
    let ast::Expr::Function(f) = &call else { return Ok(None) };
    let args = match &f.args {
        ast::FunctionArguments::List(list) => list.args.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "),
        _ => String::new(),
    };
    let sql = format!("SELECT 1 FROM {} ({args}) AS {SRF_COLUMN}({SRF_COLUMN})", f.name);
    let parsed = crate::parse::parse(crate::Dialect::PostgreSql, &sql)?;
    let Some(ast::Statement::Query(q)) = parsed.into_iter().next() else { return Ok(None) };
    let ast::SetExpr::Select(sel) = *q.body else { return Ok(None) };
    let mut out = s.clone();
    out.projection = projection;
    out.from.extend(sel.from);
    Ok(Some(out))
}
