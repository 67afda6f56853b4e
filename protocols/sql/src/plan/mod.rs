//! Logical/physical plans. The binder ([`bind`]) turns a parsed query into a [`Plan`]
//! whose expressions reference columns by position; the join planner ([`join`]) orders
//! inner joins, turns equi-conditions into hash joins, pushes predicates down to scans
//! and picks primary-key or index access paths. EXPLAIN renders a plan with [`explain`].

pub mod bind;
pub mod join;

use crate::expr::{Expr, SubPlan};
use crate::types::SqlType;

/// How a scan reads its table: a prefix of equalities on the key (primary key when
/// `index` is None, else the named secondary index), optionally followed by a range on
/// the next key column. Bounds are re-checked by the scan's filter.
#[derive(Debug, Clone, Default)]
pub struct Access {
    pub index: Option<String>,
    pub eq: Vec<Expr>,
    pub lower: Option<Expr>,
    pub upper: Option<Expr>,
    /// Number of key columns of the chosen key.
    pub key_len: usize,
}

impl Access {
    pub fn is_full(&self) -> bool {
        self.index.is_none() && self.eq.is_empty() && self.lower.is_none() && self.upper.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct ScanNode {
    pub id: usize,
    /// Storage name of the table.
    pub table: String,
    /// Name shown by EXPLAIN.
    pub label: String,
    pub width: usize,
    pub column_names: Vec<String>,
    /// Storage types of the columns (access-path values are coerced to them).
    pub column_types: Vec<SqlType>,
    pub pk: Vec<usize>,
    /// Secondary indexes: name and column positions.
    pub indexes: Vec<(String, Vec<usize>)>,
    pub access: Access,
    pub filter: Option<Expr>,
    /// A set-returning function whose rows this scan reads instead of a table's
    /// ([`crate::table_functions`]); `table` is then a name of its own.
    pub function: Option<crate::table_functions::FunctionCall>,
    /// An hnsw index answering the ORDER BY above this scan ([`crate::vector::plan`]).
    pub vector: Option<Box<crate::vector::plan::VectorScan>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOpKind {
    Union,
    Intersect,
    Except,
}

#[derive(Debug, Clone)]
pub struct SortKey {
    pub expr: Expr,
    pub desc: bool,
    pub nulls_first: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    BoolAnd,
    BoolOr,
    StringAgg,
    ArrayAgg,
    /// MySQL's VAR_POP / VAR_SAMP, and with `root` STDDEV_POP / STDDEV_SAMP (DOUBLE).
    Variance { sample: bool, root: bool },
    /// MySQL's BIT_AND / BIT_OR / BIT_XOR over 64-bit unsigned values.
    BitAnd,
    BitOr,
    BitXor,
}

#[derive(Debug, Clone)]
pub struct AggCall {
    pub func: AggFunc,
    pub args: Vec<Expr>,
    pub distinct: bool,
    pub filter: Option<Expr>,
    /// ORDER BY inside the call (string_agg(x, ',' ORDER BY y)).
    pub order: Vec<SortKey>,
    pub ty: SqlType,
}

/// A window frame bound: offsets in rows relative to the current row (None = unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameBound {
    Unbounded,
    Offset(i64),
    /// The current row's last peer (RANGE ... CURRENT ROW, the default frame's end).
    CurrentPeers,
}

/// A window function call: `func(args) OVER (PARTITION BY ... ORDER BY ... frame)`.
#[derive(Debug, Clone)]
pub struct WindowCall {
    pub func: String,
    pub args: Vec<Expr>,
    pub partition: Vec<Expr>,
    pub order: Vec<SortKey>,
    /// Frame for aggregates and first/last_value: (start, end).
    pub frame: (FrameBound, FrameBound),
    /// The aggregate, for aggregate functions used as window functions.
    pub agg: Option<AggCall>,
    pub ty: SqlType,
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Plan {
    Scan(ScanNode),
    /// Rows of expressions (VALUES, or one empty row for a SELECT without FROM).
    Values {
        rows: Vec<Vec<Expr>>,
        width: usize,
    },
    Filter {
        input: Box<Plan>,
        predicate: Expr,
    },
    Project {
        input: Box<Plan>,
        exprs: Vec<Expr>,
    },
    /// Output: left columns then right columns. Keys pair up for a hash join (empty:
    /// nested loop); `condition` is checked on the joined row.
    Join {
        kind: JoinKind,
        left: Box<Plan>,
        right: Box<Plan>,
        left_keys: Vec<Expr>,
        right_keys: Vec<Expr>,
        condition: Option<Expr>,
        left_width: usize,
        right_width: usize,
    },
    /// Output: group values then aggregate values.
    Aggregate {
        input: Box<Plan>,
        group: Vec<Expr>,
        aggs: Vec<AggCall>,
        always_one_row: bool,
        /// MySQL's WITH ROLLUP: the groups in order, each prefix of the group values
        /// followed by its super-aggregate row (the rest of the group values NULL).
        rollup: bool,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<SortKey>,
    },
    /// Appends one column per window function to every input row.
    Window {
        input: Box<Plan>,
        calls: Vec<WindowCall>,
    },
    Limit {
        input: Box<Plan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
    },
    Distinct {
        input: Box<Plan>,
    },
    /// Keeps the first row of each group of equal `keys` (SELECT DISTINCT ON).
    DistinctOn {
        input: Box<Plan>,
        keys: Vec<Expr>,
    },
    SetOp {
        op: SetOpKind,
        all: bool,
        left: Box<Plan>,
        right: Box<Plan>,
    },
    /// `generate_series(start, stop, step)`: one column of type `ty`.
    Series {
        args: Vec<Expr>,
        ty: SqlType,
    },
    /// The working table of a recursive CTE.
    WorkTable {
        id: usize,
        width: usize,
    },
    RecursiveUnion {
        id: usize,
        base: Box<Plan>,
        step: Box<Plan>,
        all: bool,
    },
    /// `left [LEFT] JOIN LATERAL right`: `right` runs once per left row, which it sees as
    /// its level-1 outer row. Output: left columns then right columns; `condition` is
    /// checked on the joined row; a left row without match is kept (null-padded) when
    /// `kind` is Left.
    Lateral {
        kind: JoinKind,
        left: Box<Plan>,
        right: Box<Plan>,
        condition: Option<Expr>,
        left_width: usize,
        right_width: usize,
    },
}

impl Plan {
    /// Scans and subplans reachable from this plan (for prefetching).
    pub fn visit_scans<'a>(&'a self, f: &mut dyn FnMut(&'a ScanNode)) {
        let on_expr = |e: &'a Expr, f: &mut dyn FnMut(&'a ScanNode)| visit_expr_scans(e, f);
        match self {
            Plan::Scan(s) => {
                f(s);
                if let Some(e) = &s.filter {
                    on_expr(e, f);
                }
                if let Some(call) = &s.function {
                    call.args.iter().for_each(|e| on_expr(e, f));
                }
                if let Some(v) = &s.vector {
                    on_expr(&v.query, f);
                    on_expr(&v.k, f);
                }
            }
            Plan::Values { rows, .. } => rows.iter().flatten().for_each(|e| on_expr(e, f)),
            Plan::Series { args, .. } => args.iter().for_each(|e| on_expr(e, f)),
            Plan::Filter { input, predicate } => {
                input.visit_scans(f);
                on_expr(predicate, f);
            }
            Plan::Project { input, exprs } => {
                input.visit_scans(f);
                exprs.iter().for_each(|e| on_expr(e, f));
            }
            Plan::Join { left, right, condition, .. } => {
                left.visit_scans(f);
                right.visit_scans(f);
                if let Some(c) = condition {
                    on_expr(c, f);
                }
            }
            Plan::Aggregate { input, group, aggs, .. } => {
                input.visit_scans(f);
                group.iter().for_each(|e| on_expr(e, f));
                for a in aggs {
                    a.args.iter().for_each(|e| on_expr(e, f));
                    if let Some(e) = &a.filter {
                        on_expr(e, f);
                    }
                }
            }
            Plan::Sort { input, keys } => {
                input.visit_scans(f);
                keys.iter().for_each(|k| on_expr(&k.expr, f));
            }
            Plan::Window { input, calls } => {
                input.visit_scans(f);
                for c in calls {
                    c.args.iter().chain(c.partition.iter()).for_each(|e| on_expr(e, f));
                    c.order.iter().for_each(|k| on_expr(&k.expr, f));
                }
            }
            Plan::Limit { input, .. } | Plan::Distinct { input } => input.visit_scans(f),
            Plan::DistinctOn { input, keys } => {
                input.visit_scans(f);
                keys.iter().for_each(|e| on_expr(e, f));
            }
            Plan::SetOp { left, right, .. } => {
                left.visit_scans(f);
                right.visit_scans(f);
            }
            Plan::WorkTable { .. } => {}
            Plan::RecursiveUnion { base, step, .. } => {
                base.visit_scans(f);
                step.visit_scans(f);
            }
            Plan::Lateral { left, right, condition, .. } => {
                left.visit_scans(f);
                right.visit_scans(f);
                if let Some(c) = condition {
                    on_expr(c, f);
                }
            }
        }
    }

    pub fn width(&self) -> usize {
        match self {
            Plan::Scan(s) => s.width,
            Plan::Values { width, .. } | Plan::WorkTable { width, .. } => *width,
            Plan::Series { .. } => 1,
            Plan::Filter { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Limit { input, .. }
            | Plan::Distinct { input }
            | Plan::DistinctOn { input, .. } => input.width(),
            Plan::Project { exprs, .. } => exprs.len(),
            Plan::Join { left_width, right_width, .. } | Plan::Lateral { left_width, right_width, .. } => {
                left_width + right_width
            }
            Plan::Aggregate { group, aggs, .. } => group.len() + aggs.len(),
            Plan::Window { input, calls } => input.width() + calls.len(),
            Plan::SetOp { left, .. } => left.width(),
            Plan::RecursiveUnion { base, .. } => base.width(),
        }
    }
}

fn visit_expr_scans<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a ScanNode)) {
    let mut subs: Vec<&'a SubPlan> = Vec::new();
    collect_subplans(e, &mut subs);
    for s in subs {
        s.plan.visit_scans(f);
    }
}

fn collect_subplans<'a>(e: &'a Expr, out: &mut Vec<&'a SubPlan>) {
    match e {
        Expr::InSubquery { expr, subquery, .. } => {
            collect_subplans(expr, out);
            out.push(subquery);
        }
        Expr::Exists { subquery, .. } | Expr::ScalarSubquery(subquery) => out.push(subquery),
        Expr::Literal(_) | Expr::Column { .. } | Expr::Param(..) => {}
        Expr::Not(x) | Expr::Neg(x, _) | Expr::IsNull { expr: x, .. } | Expr::IsBool { expr: x, .. } => {
            collect_subplans(x, out)
        }
        Expr::Cast { expr, .. } => collect_subplans(expr, out),
        Expr::And(a, b) | Expr::Or(a, b) => {
            collect_subplans(a, out);
            collect_subplans(b, out);
        }
        Expr::Binary { left, right, .. } | Expr::IsDistinct { left, right, .. } => {
            collect_subplans(left, out);
            collect_subplans(right, out);
        }
        Expr::Like { expr, pattern, .. } => {
            collect_subplans(expr, out);
            collect_subplans(pattern, out);
        }
        Expr::InList { expr, list, .. } => {
            collect_subplans(expr, out);
            list.iter().for_each(|x| collect_subplans(x, out));
        }
        Expr::Case { operand, whens, otherwise } => {
            if let Some(o) = operand {
                collect_subplans(o, out);
            }
            for (w, t) in whens {
                collect_subplans(w, out);
                collect_subplans(t, out);
            }
            if let Some(o) = otherwise {
                collect_subplans(o, out);
            }
        }
        Expr::Func { args, .. } | Expr::Array(args) => args.iter().for_each(|x| collect_subplans(x, out)),
        Expr::Quantified { expr, source, .. } => {
            collect_subplans(expr, out);
            match source.as_ref() {
                crate::expr::QuantSource::Subquery(s) => out.push(s),
                crate::expr::QuantSource::Array(a) => collect_subplans(a, out),
            }
        }
    }
}

/// Renders a plan as EXPLAIN's lines.
pub fn explain(plan: &Plan) -> Vec<String> {
    let mut lines = Vec::new();
    explain_into(plan, 0, &mut lines);
    lines
}

fn explain_into(plan: &Plan, depth: usize, out: &mut Vec<String>) {
    let pad = if depth == 0 { String::new() } else { format!("{}->  ", "      ".repeat(depth - 1) + "  ") };
    let detail_pad = "      ".repeat(depth) + "  ";
    let col = |n: &[String]| {
        let names = n.to_vec();
        move |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("${i}"))
    };
    match plan {
        Plan::Scan(s) => {
            let names = col(&s.column_names);
            if let Some(v) = &s.vector {
                let (kind, order) = crate::vector::plan::explain(s, v, &names);
                out.push(format!("{pad}{kind}"));
                out.push(format!("{detail_pad}{order}"));
                if let Some(f) = &s.filter {
                    out.push(format!("{detail_pad}Filter: {}", f.describe(&names)));
                }
                return;
            }
            let kind = if let Some(call) = &s.function {
                format!("Function Scan on {}", call.function.name)
            } else if s.access.is_full() {
                format!("Seq Scan on {}", s.label)
            } else if let Some(idx) = &s.access.index {
                format!("Index Scan using {idx} on {}", s.label)
            } else if s.access.eq.len() == s.pk.len() && s.access.lower.is_none() && s.access.upper.is_none() {
                format!("Primary Key Lookup on {}", s.label)
            } else {
                format!("Primary Key Range Scan on {}", s.label)
            };
            out.push(format!("{pad}{kind}"));
            if !s.access.is_full() {
                let key_cols: Vec<usize> = match &s.access.index {
                    Some(i) => s.indexes.iter().find(|(n, _)| n == i).map(|(_, c)| c.clone()).unwrap_or_default(),
                    None => s.pk.clone(),
                };
                let mut conds: Vec<String> = s
                    .access
                    .eq
                    .iter()
                    .enumerate()
                    .map(|(i, e)| format!("{} = {}", names(key_cols.get(i).copied().unwrap_or(0)), e.describe(&names)))
                    .collect();
                let next = key_cols.get(s.access.eq.len()).copied().unwrap_or(0);
                if let Some(l) = &s.access.lower {
                    conds.push(format!("{} >= {}", names(next), l.describe(&names)));
                }
                if let Some(u) = &s.access.upper {
                    conds.push(format!("{} <= {}", names(next), u.describe(&names)));
                }
                out.push(format!("{detail_pad}Index Cond: {}", conds.join(" AND ")));
            }
            if let Some(f) = &s.filter {
                out.push(format!("{detail_pad}Filter: {}", f.describe(&names)));
            }
        }
        Plan::Values { rows, .. } => out.push(format!("{pad}Values ({} rows)", rows.len())),
        Plan::Series { .. } => out.push(format!("{pad}Function Scan on generate_series")),
        Plan::Filter { input, predicate } => {
            out.push(format!("{pad}Filter"));
            out.push(format!("{detail_pad}Filter: {}", predicate.describe(&|i| format!("${i}"))));
            explain_into(input, depth + 1, out);
        }
        Plan::Project { input, .. } => {
            // Projections are implicit in PostgreSQL's EXPLAIN output.
            explain_into(input, depth, out)
        }
        Plan::Join { kind, left, right, left_keys, condition, .. } => {
            let k = match kind {
                JoinKind::Inner => "",
                JoinKind::Left => "Left ",
                JoinKind::Right => "Right ",
                JoinKind::Full => "Full ",
            };
            if left_keys.is_empty() {
                out.push(format!("{pad}Nested Loop {k}Join"));
            } else {
                out.push(format!(
                    "{pad}Hash {k}Join ({} key{})",
                    left_keys.len(),
                    if left_keys.len() == 1 { "" } else { "s" }
                ));
            }
            if let Some(c) = condition {
                out.push(format!("{detail_pad}Join Filter: {}", c.describe(&|i| format!("${i}"))));
            }
            explain_into(left, depth + 1, out);
            explain_into(right, depth + 1, out);
        }
        Plan::Aggregate { input, group, .. } => {
            out.push(format!("{pad}{}", if group.is_empty() { "Aggregate" } else { "HashAggregate" }));
            explain_into(input, depth + 1, out);
        }
        Plan::Sort { input, .. } => {
            out.push(format!("{pad}Sort"));
            explain_into(input, depth + 1, out);
        }
        Plan::Window { input, .. } => {
            out.push(format!("{pad}WindowAgg"));
            explain_into(input, depth + 1, out);
        }
        Plan::Limit { input, .. } => {
            out.push(format!("{pad}Limit"));
            explain_into(input, depth + 1, out);
        }
        Plan::Distinct { input } => {
            out.push(format!("{pad}HashAggregate (distinct)"));
            explain_into(input, depth + 1, out);
        }
        Plan::DistinctOn { input, .. } => {
            out.push(format!("{pad}Unique"));
            explain_into(input, depth + 1, out);
        }
        Plan::SetOp { op, all, left, right } => {
            let name = match op {
                SetOpKind::Union => "Append (union)",
                SetOpKind::Intersect => "SetOp Intersect",
                SetOpKind::Except => "SetOp Except",
            };
            out.push(format!("{pad}{name}{}", if *all { " all" } else { "" }));
            explain_into(left, depth + 1, out);
            explain_into(right, depth + 1, out);
        }
        Plan::WorkTable { .. } => out.push(format!("{pad}WorkTable Scan")),
        Plan::RecursiveUnion { base, step, .. } => {
            out.push(format!("{pad}Recursive Union"));
            explain_into(base, depth + 1, out);
            explain_into(step, depth + 1, out);
        }
        Plan::Lateral { kind, left, right, condition, .. } => {
            let k = if *kind == JoinKind::Left { "Left " } else { "" };
            out.push(format!("{pad}Nested Loop {k}Join (lateral)"));
            if let Some(c) = condition {
                out.push(format!("{detail_pad}Join Filter: {}", c.describe(&|i| format!("${i}"))));
            }
            explain_into(left, depth + 1, out);
            explain_into(right, depth + 1, out);
        }
    }
}
