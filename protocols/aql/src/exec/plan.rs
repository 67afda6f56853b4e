//! The compiled form of a query: the AST with every name resolved. Variables became row
//! slots (one numbering for the whole query, subqueries included, so a correlated
//! subquery starts from a copy of its outer row), bind parameters became literals, bare
//! names became collections, and each collection loop carries the access path the
//! planner chose (full scan, `_key`/`_id` lookup, edge index, persistent index).

use crate::ast::{BinaryOp, EdgeDirection, PathKind, Quantifier, UnaryOp};
use crate::store::VectorMetric;
use crate::value::Value;
use std::sync::Arc;

/// A variable's place in a row.
pub type Slot = usize;

/// One row of the pipeline: every slot of the query, unset ones null.
pub type Row = Vec<Value>;

#[derive(Debug, Clone)]
pub enum CKey {
    Static(String),
    Computed(CExpr),
}

#[derive(Debug, Clone)]
pub struct CExpansion {
    pub base: CExpr,
    pub depth: usize,
    /// The slot `CURRENT` is bound to inside the inline operators.
    pub current: Slot,
    pub filter: Option<CExpr>,
    pub limit: Option<(Option<CExpr>, CExpr)>,
    pub ret: Option<CExpr>,
    pub rest: Option<CExpr>,
}

/// Functions the executor answers itself (they read documents or know the query).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Document,
    CollectionCount,
    Collections,
    CurrentDatabase,
    CurrentUser,
    /// LENGTH/COUNT of a collection name.
    CollectionLength,
    SchemaGet,
    /// CALL(name, args...) / APPLY(name, [args]): a library function named at run time.
    Call,
    Apply,
    /// APPROX_NEAR_COSINE / _L2 / _INNER_PRODUCT before the planner gave it a vector
    /// index (one left so after planning is the query's 1554).
    ApproxNear(VectorMetric),
    /// An APPROX_NEAR_* whose loop reads a vector index: its value, computed exactly.
    VectorScore(VectorMetric),
    /// A GRAPHRAG_* function of the GraphRAG engine.
    GraphRag(super::graphrag::GraphRagFn),
}

#[derive(Debug, Clone)]
pub enum CExpr {
    Lit(Value),
    Array(Vec<CExpr>),
    Object(Vec<(CKey, CExpr)>),
    Var(Slot),
    Attr(Box<CExpr>, String),
    Index(Box<CExpr>, Box<CExpr>),
    Expand(Box<CExpansion>),
    Unary(UnaryOp, Box<CExpr>),
    Binary(BinaryOp, Box<CExpr>, Box<CExpr>),
    Quantified {
        /// `AT LEAST`'s own expression is in `at_least`.
        quantifier: Quantifier,
        at_least: Option<Box<CExpr>>,
        op: BinaryOp,
        lhs: Box<CExpr>,
        rhs: Box<CExpr>,
    },
    Ternary {
        cond: Box<CExpr>,
        then: Option<Box<CExpr>>,
        otherwise: Box<CExpr>,
    },
    Range(Box<CExpr>, Box<CExpr>),
    Call {
        name: String,
        args: Vec<CExpr>,
    },
    Builtin(Builtin, Vec<CExpr>),
    Subquery(Arc<Plan>),
}

impl CExpr {
    /// Whether the expression reads any slot in `slots`.
    pub fn uses_any(&self, slots: &dyn Fn(Slot) -> bool) -> bool {
        let mut found = false;
        self.visit(&mut |e| {
            if let CExpr::Var(s) = e {
                if slots(*s) {
                    found = true;
                }
            }
        });
        found
    }

    pub fn visit(&self, f: &mut dyn FnMut(&CExpr)) {
        f(self);
        match self {
            CExpr::Lit(_) | CExpr::Var(_) => {}
            CExpr::Array(items) => items.iter().for_each(|e| e.visit(f)),
            CExpr::Object(items) => {
                for (k, v) in items {
                    if let CKey::Computed(k) = k {
                        k.visit(f);
                    }
                    v.visit(f);
                }
            }
            CExpr::Attr(b, _) | CExpr::Unary(_, b) => b.visit(f),
            CExpr::Index(a, b) | CExpr::Binary(_, a, b) | CExpr::Range(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            CExpr::Expand(x) => {
                x.base.visit(f);
                for e in [&x.filter, &x.ret, &x.rest].into_iter().flatten() {
                    e.visit(f);
                }
                if let Some((o, c)) = &x.limit {
                    if let Some(o) = o {
                        o.visit(f);
                    }
                    c.visit(f);
                }
            }
            CExpr::Quantified { at_least, lhs, rhs, .. } => {
                if let Some(n) = at_least {
                    n.visit(f);
                }
                lhs.visit(f);
                rhs.visit(f);
            }
            CExpr::Ternary { cond, then, otherwise } => {
                cond.visit(f);
                if let Some(t) = then {
                    t.visit(f);
                }
                otherwise.visit(f);
            }
            CExpr::Call { args, .. } | CExpr::Builtin(_, args) => args.iter().for_each(|e| e.visit(f)),
            CExpr::Subquery(p) => p.visit_exprs(f),
        }
    }
}

/// How a collection loop reads its documents.
#[derive(Debug, Clone)]
pub enum Access {
    Scan,
    /// `doc._key == expr`
    Key(CExpr),
    /// `doc._key IN expr`
    Keys(CExpr),
    /// `doc._id == expr`
    Id(CExpr),
    /// `edge._from == expr` (Outbound) / `edge._to == expr` (Inbound)
    Edges(EdgeDirection, CExpr),
    /// `doc.field IN expr` on a persistent index's first field: one lookup per value.
    IndexIn {
        index: String,
        fields: Vec<String>,
        values: CExpr,
    },
    /// A persistent index: equality on a prefix of its fields, then maybe a range.
    Index {
        index: String,
        fields: Vec<String>,
        equal: Vec<CExpr>,
        lower: Option<(CExpr, bool)>,
        upper: Option<(CExpr, bool)>,
        reverse: bool,
    },
    /// `SORT APPROX_NEAR_*(doc.field, query) LIMIT offset, count` on a vector index: the
    /// offset + count nearest documents, nearest first (the SORT is dropped).
    Vector {
        index: String,
        field: String,
        query: CExpr,
        offset: CExpr,
        count: CExpr,
    },
}

/// Where a graph walk finds its edges.
#[derive(Debug, Clone)]
pub enum GraphSource {
    Named(CExpr),
    Collections(Vec<(Option<EdgeDirection>, String)>),
}

#[derive(Debug, Clone)]
pub struct TraversalPlan {
    pub vertex: Slot,
    pub edge: Slot,
    pub path: Slot,
    /// Whether the query names the path variable (else it is never built).
    pub wants_path: bool,
    pub min: Option<CExpr>,
    pub max: Option<CExpr>,
    pub direction: EdgeDirection,
    pub start: CExpr,
    pub graph: GraphSource,
    pub prune: Option<CExpr>,
    pub prune_var: Option<Slot>,
    pub options: Option<CExpr>,
}

#[derive(Debug, Clone)]
pub struct PathPlan {
    pub kind: PathKind,
    /// SHORTEST_PATH: vertex and edge; the others: the path.
    pub vars: Vec<Slot>,
    pub min: Option<CExpr>,
    pub max: Option<CExpr>,
    pub direction: EdgeDirection,
    pub start: CExpr,
    pub target: CExpr,
    pub graph: GraphSource,
    pub options: Option<CExpr>,
}

#[derive(Debug, Clone)]
pub struct AggregatePlan {
    pub slot: Slot,
    /// Upper-case aggregate function name.
    pub function: String,
    pub arg: Option<CExpr>,
}

#[derive(Debug, Clone)]
pub enum IntoPlan {
    /// Each row as an object of the named variables.
    Vars(Vec<(String, Slot)>),
    Projection(CExpr),
}

#[derive(Debug, Clone)]
pub struct CollectPlan {
    pub groups: Vec<(Slot, CExpr)>,
    pub aggregates: Vec<AggregatePlan>,
    pub into: Option<(Slot, IntoPlan)>,
    pub count_into: Option<Slot>,
}

#[derive(Debug, Clone)]
pub struct WindowPlan {
    pub range_value: Option<CExpr>,
    pub bounds: CExpr,
    pub aggregates: Vec<AggregatePlan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModifyKind {
    Insert,
    Update,
    Replace,
    Remove,
}

#[derive(Debug, Clone)]
pub struct ModifyPlan {
    pub kind: ModifyKind,
    pub target: CExpr,
    pub with: Option<CExpr>,
    pub collection: String,
    pub options: Option<CExpr>,
    pub new_slot: Slot,
    pub old_slot: Slot,
}

#[derive(Debug, Clone)]
pub struct UpsertPlan {
    pub search: Option<CExpr>,
    /// `UPSERT FILTER cond`: the condition over `current`.
    pub filter: Option<CExpr>,
    pub current: Slot,
    pub insert: CExpr,
    pub update: CExpr,
    pub replace: bool,
    pub collection: String,
    pub options: Option<CExpr>,
    pub new_slot: Slot,
    pub old_slot: Slot,
    /// A persistent index whose fields are all attributes of the search object: its
    /// name and fields.
    pub index: Option<(String, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub enum PlanOp {
    ForExpr {
        slot: Slot,
        expr: CExpr,
    },
    ForRange {
        slot: Slot,
        from: CExpr,
        to: CExpr,
    },
    ForCollection {
        slot: Slot,
        collection: String,
        access: Access,
        /// The only top-level attributes the query reads of the loop variable
        /// ([`super::projection`]); None reads whole documents.
        project: Option<Arc<[String]>>,
    },
    Traversal(Box<TraversalPlan>),
    Path(Box<PathPlan>),
    Filter(CExpr),
    Let {
        slot: Slot,
        expr: CExpr,
    },
    Collect(Box<CollectPlan>),
    Sort(Vec<(CExpr, bool)>),
    Limit {
        offset: CExpr,
        count: CExpr,
        full_count: bool,
    },
    Window(Box<WindowPlan>),
    Modify(Box<ModifyPlan>),
    Upsert(Box<UpsertPlan>),
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub ops: Vec<PlanOp>,
    /// `RETURN [DISTINCT] expr`; None for a modification query without RETURN.
    pub ret: Option<(bool, CExpr)>,
    /// Slots of the whole query (rows are this long).
    pub slots: usize,
    /// Whether this plan or one of its subqueries modifies data.
    pub modifies: bool,
    /// A subquery that reads no variable of its outer query, calls nothing
    /// nondeterministic and writes nothing: its result is the same for every outer row.
    pub independent: bool,
}

impl Plan {
    pub fn visit_exprs(&self, f: &mut dyn FnMut(&CExpr)) {
        let mut each = |e: &CExpr| e.visit(f);
        for op in &self.ops {
            op_exprs(op, &mut each);
        }
        if let Some((_, e)) = &self.ret {
            each(e);
        }
    }
}

fn op_exprs(op: &PlanOp, f: &mut dyn FnMut(&CExpr)) {
    match op {
        PlanOp::ForExpr { expr, .. } | PlanOp::Filter(expr) | PlanOp::Let { expr, .. } => f(expr),
        PlanOp::ForRange { from, to, .. } => {
            f(from);
            f(to);
        }
        PlanOp::ForCollection { access, .. } => match access {
            Access::Scan => {}
            Access::Key(e) | Access::Keys(e) | Access::Id(e) | Access::Edges(_, e) => f(e),
            Access::IndexIn { values, .. } => f(values),
            Access::Vector { query, offset, count, .. } => {
                f(query);
                f(offset);
                f(count);
            }
            Access::Index { equal, lower, upper, .. } => {
                equal.iter().for_each(&mut *f);
                for (e, _) in [lower, upper].into_iter().flatten() {
                    f(e);
                }
            }
        },
        PlanOp::Traversal(t) => {
            for e in [&t.min, &t.max, &t.prune, &t.options].into_iter().flatten() {
                f(e);
            }
            f(&t.start);
            if let GraphSource::Named(g) = &t.graph {
                f(g);
            }
        }
        PlanOp::Path(p) => {
            for e in [&p.min, &p.max, &p.options].into_iter().flatten() {
                f(e);
            }
            f(&p.start);
            f(&p.target);
            if let GraphSource::Named(g) = &p.graph {
                f(g);
            }
        }
        PlanOp::Collect(c) => {
            c.groups.iter().for_each(|(_, e)| f(e));
            c.aggregates.iter().filter_map(|a| a.arg.as_ref()).for_each(&mut *f);
            if let Some((_, IntoPlan::Projection(e))) = &c.into {
                f(e);
            }
        }
        PlanOp::Sort(keys) => keys.iter().for_each(|(e, _)| f(e)),
        PlanOp::Limit { offset, count, .. } => {
            f(offset);
            f(count);
        }
        PlanOp::Window(w) => {
            if let Some(r) = &w.range_value {
                f(r);
            }
            f(&w.bounds);
            w.aggregates.iter().filter_map(|a| a.arg.as_ref()).for_each(&mut *f);
        }
        PlanOp::Modify(m) => {
            for e in [&m.with, &m.options].into_iter().flatten() {
                f(e);
            }
            f(&m.target);
        }
        PlanOp::Upsert(u) => {
            for e in [&u.search, &u.filter, &u.options].into_iter().flatten() {
                f(e);
            }
            f(&u.insert);
            f(&u.update);
        }
    }
}
