//! Bound expressions: the binder's output for every scalar expression, evaluated row by
//! row by the executor. Column references are resolved to positions (and to an outer
//! query level for correlated subqueries); types are known at bind time.
//!
//! * [`eval`]: the interpreter (three-valued logic, subqueries),
//! * [`cast`]: PostgreSQL's casts and assignment coercions,
//! * [`compare`]: value ordering and equality across numeric kinds,
//! * [`functions`]: the scalar function library and arithmetic.

pub mod cast;
pub mod compare;
pub mod eval;
pub mod functions;

use crate::plan::Plan;
use crate::types::SqlType;
use orbit_storage::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    JsonGet,
    JsonGetText,
    BitAnd,
    BitOr,
    BitXor,
    ShiftLeft,
    ShiftRight,
}

impl BinOp {
    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq)
    }
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Concat => "||",
            BinOp::Eq => "=",
            BinOp::NotEq => "<>",
            BinOp::Lt => "<",
            BinOp::LtEq => "<=",
            BinOp::Gt => ">",
            BinOp::GtEq => ">=",
            BinOp::JsonGet => "->",
            BinOp::JsonGetText => "->>",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "#",
            BinOp::ShiftLeft => "<<",
            BinOp::ShiftRight => ">>",
        }
    }
    /// The operator with its operands swapped (`a < b` is `b > a`).
    pub fn flip(self) -> BinOp {
        match self {
            BinOp::Lt => BinOp::Gt,
            BinOp::LtEq => BinOp::GtEq,
            BinOp::Gt => BinOp::Lt,
            BinOp::GtEq => BinOp::LtEq,
            other => other,
        }
    }
}

/// A subquery inside an expression.
#[derive(Debug, Clone)]
pub struct SubPlan {
    pub id: usize,
    pub plan: Box<Plan>,
    /// Refers to columns of an enclosing query: re-run per outer row.
    pub correlated: bool,
}

/// The function name a row constructor on the left of `(a, b) IN (subquery)` is bound
/// to; only [`Expr::InSubquery`] evaluates it.
pub const ROW_MARKER: &str = "__row";

#[derive(Debug, Clone)]
pub enum Expr {
    Literal(Value),
    /// `level` 0 is the current row, 1 the enclosing query's row, ...
    Column {
        level: usize,
        index: usize,
    },
    Param(usize, SqlType),
    Not(Box<Expr>),
    Neg(Box<Expr>, SqlType),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
        ty: SqlType,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    /// IS [NOT] TRUE / FALSE.
    IsBool {
        expr: Box<Expr>,
        value: bool,
        negated: bool,
    },
    IsDistinct {
        left: Box<Expr>,
        right: Box<Expr>,
        negated: bool,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    InSubquery {
        expr: Box<Expr>,
        subquery: SubPlan,
        negated: bool,
    },
    Exists {
        subquery: SubPlan,
        negated: bool,
    },
    ScalarSubquery(SubPlan),
    /// `expr op ANY/ALL (array or subquery)`.
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
        case_insensitive: bool,
    },
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    Cast {
        expr: Box<Expr>,
        to: SqlType,
        typmod: Option<orbit_storage::DataType>,
    },
    Func {
        name: String,
        args: Vec<Expr>,
        ty: SqlType,
    },
    Array(Vec<Expr>),
    /// `expr op ANY/ALL (subquery or array)`.
    Quantified {
        expr: Box<Expr>,
        op: BinOp,
        all: bool,
        source: Box<QuantSource>,
    },
}

#[derive(Debug, Clone)]
pub enum QuantSource {
    Subquery(SubPlan),
    Array(Expr),
}

impl Expr {
    pub fn lit(v: Value) -> Expr {
        Expr::Literal(v)
    }

    /// Whether the expression reads no column of the current row (level 0) and no subquery.
    pub fn is_row_independent(&self) -> bool {
        let mut ok = true;
        self.walk(&mut |e| match e {
            Expr::Column { level: 0, .. } => ok = false,
            Expr::Column { .. } | Expr::InSubquery { .. } | Expr::Exists { .. } | Expr::ScalarSubquery(_) => ok = false,
            Expr::Quantified { source, .. } if matches!(source.as_ref(), QuantSource::Subquery(_)) => ok = false,
            Expr::Func { name, .. } if name == "random" || name == "gen_random_uuid" => ok = false,
            Expr::Func { name, args, .. } if (name == "__my_rand" && args.is_empty()) || name == "__my_uuid" || name == "__my_sysdate" => ok = false,
            _ => {}
        });
        ok
    }

    /// Level-0 columns the expression reads (subqueries' correlated reads included as level-0 is not tracked).
    pub fn columns(&self, out: &mut Vec<usize>) {
        self.walk(&mut |e| {
            if let Expr::Column { level: 0, index } = e {
                out.push(*index);
            }
        });
    }

    /// Whether the expression contains a subquery (whose outer references we do not track).
    pub fn has_subquery(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            if matches!(e, Expr::InSubquery { .. } | Expr::Exists { .. } | Expr::ScalarSubquery(_))
                || matches!(e, Expr::Quantified { source, .. } if matches!(source.as_ref(), QuantSource::Subquery(_)))
            {
                found = true
            }
        });
        found
    }

    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Literal(_)
            | Expr::Column { .. }
            | Expr::Param(..)
            | Expr::Exists { .. }
            | Expr::ScalarSubquery(_) => {}
            Expr::Not(e) | Expr::Neg(e, _) | Expr::IsNull { expr: e, .. } | Expr::IsBool { expr: e, .. } => e.walk(f),
            Expr::Cast { expr, .. } => expr.walk(f),
            Expr::InSubquery { expr, .. } => expr.walk(f),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.walk(f);
                b.walk(f)
            }
            Expr::Binary { left, right, .. } | Expr::IsDistinct { left, right, .. } => {
                left.walk(f);
                right.walk(f)
            }
            Expr::Like { expr, pattern, .. } => {
                expr.walk(f);
                pattern.walk(f)
            }
            Expr::InList { expr, list, .. } => {
                expr.walk(f);
                list.iter().for_each(|e| e.walk(f))
            }
            Expr::Case { operand, whens, otherwise } => {
                if let Some(o) = operand {
                    o.walk(f)
                }
                for (w, t) in whens {
                    w.walk(f);
                    t.walk(f)
                }
                if let Some(o) = otherwise {
                    o.walk(f)
                }
            }
            Expr::Func { args, .. } | Expr::Array(args) => args.iter().for_each(|e| e.walk(f)),
            Expr::Quantified { expr, source, .. } => {
                expr.walk(f);
                if let QuantSource::Array(a) = source.as_ref() {
                    a.walk(f)
                }
            }
        }
    }

    /// Rewrites level-0 column positions (used when the optimizer reorders join inputs).
    pub fn remap_columns(&mut self, map: &dyn Fn(usize) -> usize) {
        self.walk_mut(&mut |e| {
            if let Expr::Column { level: 0, index } = e {
                *index = map(*index);
            }
        });
    }

    pub fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        f(self);
        match self {
            Expr::Literal(_)
            | Expr::Column { .. }
            | Expr::Param(..)
            | Expr::Exists { .. }
            | Expr::ScalarSubquery(_) => {}
            Expr::Not(e) | Expr::Neg(e, _) | Expr::IsNull { expr: e, .. } | Expr::IsBool { expr: e, .. } => {
                e.walk_mut(f)
            }
            Expr::Cast { expr, .. } => expr.walk_mut(f),
            Expr::InSubquery { expr, .. } => expr.walk_mut(f),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.walk_mut(f);
                b.walk_mut(f)
            }
            Expr::Binary { left, right, .. } | Expr::IsDistinct { left, right, .. } => {
                left.walk_mut(f);
                right.walk_mut(f)
            }
            Expr::Like { expr, pattern, .. } => {
                expr.walk_mut(f);
                pattern.walk_mut(f)
            }
            Expr::InList { expr, list, .. } => {
                expr.walk_mut(f);
                list.iter_mut().for_each(|e| e.walk_mut(f))
            }
            Expr::Case { operand, whens, otherwise } => {
                if let Some(o) = operand {
                    o.walk_mut(f)
                }
                for (w, t) in whens {
                    w.walk_mut(f);
                    t.walk_mut(f)
                }
                if let Some(o) = otherwise {
                    o.walk_mut(f)
                }
            }
            Expr::Func { args, .. } | Expr::Array(args) => args.iter_mut().for_each(|e| e.walk_mut(f)),
            Expr::Quantified { expr, source, .. } => {
                expr.walk_mut(f);
                if let QuantSource::Array(a) = source.as_mut() {
                    a.walk_mut(f)
                }
            }
        }
    }

    /// Splits a conjunction into its conjuncts.
    pub fn conjuncts(self) -> Vec<Expr> {
        match self {
            Expr::And(a, b) => {
                let mut v = a.conjuncts();
                v.extend(b.conjuncts());
                v
            }
            e => vec![e],
        }
    }

    pub fn and_all(mut exprs: Vec<Expr>) -> Option<Expr> {
        let first = if exprs.is_empty() { return None } else { exprs.remove(0) };
        Some(exprs.into_iter().fold(first, |acc, e| Expr::And(Box::new(acc), Box::new(e))))
    }

    /// A short human-readable rendering for EXPLAIN.
    pub fn describe(&self, names: &dyn Fn(usize) -> String) -> String {
        match self {
            Expr::Literal(v) => match v {
                Value::Text(s) => format!("'{s}'"),
                v => crate::format::format_text(v, &SqlType::Text).unwrap_or_else(|| "NULL".into()),
            },
            Expr::Column { level: 0, index } => names(*index),
            Expr::Column { level, index } => format!("outer{level}.${index}"),
            Expr::Param(i, _) => format!("${}", i + 1),
            Expr::Not(e) => format!("NOT {}", e.describe(names)),
            Expr::Neg(e, _) => format!("-{}", e.describe(names)),
            Expr::And(a, b) => format!("({} AND {})", a.describe(names), b.describe(names)),
            Expr::Or(a, b) => format!("({} OR {})", a.describe(names), b.describe(names)),
            Expr::Binary { op, left, right, .. } => {
                format!("({} {} {})", left.describe(names), op.symbol(), right.describe(names))
            }
            Expr::IsNull { expr, negated } => {
                format!("({} IS {}NULL)", expr.describe(names), if *negated { "NOT " } else { "" })
            }
            Expr::Cast { expr, to, .. } => format!("({})::{}", expr.describe(names), to.name()),
            Expr::Func { name, args, .. } => {
                format!("{name}({})", args.iter().map(|a| a.describe(names)).collect::<Vec<_>>().join(", "))
            }
            Expr::InSubquery { .. } | Expr::Exists { .. } | Expr::ScalarSubquery(_) => "(SubPlan)".into(),
            _ => "(expr)".into(),
        }
    }
}
