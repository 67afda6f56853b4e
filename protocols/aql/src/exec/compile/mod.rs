//! The AST to a [`Plan`]: variable scopes (FOR/LET/COLLECT/INTO/NEW/OLD, COLLECT hiding
//! what came before it at its level, a subquery seeing its outer variables), bind
//! parameters substituted (1551 missing, 1552 unused, 1553 a `@@` that is not a string),
//! bare names that are not variables taken as collections (1568 where a value is
//! expected, as ArangoDB has it since 3.9; looked up in the
//! [`Catalog`]; the names it lacks are reported so the caller can fetch them and compile
//! again), functions resolved in [`calls`] (the executor's own, the library's, 1540
//! otherwise), operators over constants folded, nesting bounded (1524).

mod calls;

use super::access;
use super::plan::*;
use super::projection;
use super::vector_plan;
use crate::ast::{self, CollectionRef, Expr, ForSource, GraphRef, ObjectKey, Op, Query};
use crate::error::{num, AqlError, AqlResult, Warning};
use crate::functions::FnContext;
use crate::store::{CollectionInfo, IndexInfo};
use crate::value::{ops, Object, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// What the compiler knows of the database's collections.
#[derive(Default)]
pub struct Catalog {
    pub collections: HashMap<String, (Arc<CollectionInfo>, Vec<IndexInfo>)>,
}

/// ERROR_QUERY_INVALID_AGGREGATE_EXPRESSION
const INVALID_AGGREGATE: u32 = 1574;

/// Aggregate functions COLLECT ... AGGREGATE and WINDOW accept.
pub const AGGREGATES: &[&str] = &[
    "LENGTH",
    "COUNT",
    "MIN",
    "MAX",
    "SUM",
    "AVERAGE",
    "AVG",
    "VARIANCE_POPULATION",
    "VARIANCE",
    "VARIANCE_SAMPLE",
    "STDDEV_POPULATION",
    "STDDEV",
    "STDDEV_SAMPLE",
    "COUNT_DISTINCT",
    "COUNT_UNIQUE",
    "UNIQUE",
    "SORTED_UNIQUE",
    "PUSH",
    "BIT_AND",
    "BIT_OR",
    "BIT_XOR",
];

/// A plan's `RETURN [DISTINCT] expr`.
type Returned = (bool, CExpr);

pub struct Compiler<'a> {
    catalog: &'a Catalog,
    binds: &'a Object,
    used_binds: BTreeSet<String>,
    /// Collection names the catalog did not hold.
    pub missing: BTreeSet<String>,
    /// Every collection the query names.
    pub collections: BTreeSet<String>,
    /// The collections the query writes.
    pub written: BTreeSet<String>,
    slots: usize,
    levels: Vec<Vec<(String, Slot)>>,
    modifies: bool,
    /// Every user variable declared, for explain.
    pub variables: Vec<(String, Slot)>,
    /// Collections named where a value is expected (1568 once they are known to exist).
    pub operands: Vec<String>,
    /// Warnings of operators folded over constants (as ArangoDB's optimizer reports them).
    pub warnings: Vec<Warning>,
    depth: usize,
    /// Subquery nesting, and the shallowest nesting each collection was named at.
    nesting: usize,
    first_seen: HashMap<String, usize>,
}

/// The deepest nesting of expressions and subqueries the executor runs: evaluation
/// recurses once per level, and this many levels fit a 2 MiB worker stack with room
/// to spare (the parser accepts deeper text).
pub const MAX_NESTING: usize = 64;

fn too_deep() -> AqlError {
    AqlError::new(1524, "too much nesting or too many objects")
}

fn bind_key(name: &str) -> String {
    if name.starts_with('@') {
        name.to_string()
    } else {
        format!("@{name}")
    }
}

impl<'a> Compiler<'a> {
    pub fn new(catalog: &'a Catalog, binds: &'a Object) -> Compiler<'a> {
        Compiler {
            catalog,
            binds,
            used_binds: BTreeSet::new(),
            missing: BTreeSet::new(),
            collections: BTreeSet::new(),
            written: BTreeSet::new(),
            slots: 0,
            levels: Vec::new(),
            modifies: false,
            variables: Vec::new(),
            operands: Vec::new(),
            warnings: Vec::new(),
            depth: 0,
            nesting: 0,
            first_seen: HashMap::new(),
        }
    }

    /// Compiles the whole query; `full_count` marks its last top-level LIMIT.
    pub fn compile(&mut self, query: &Query, full_count: bool) -> AqlResult<Plan> {
        self.nesting = 1;
        for name in &query.with_collections {
            self.collection(name);
        }
        self.nesting = 0;
        let mut plan = self.query(query)?;
        if full_count {
            if let Some(PlanOp::Limit { full_count, .. }) =
                plan.ops.iter_mut().rev().find(|op| matches!(op, PlanOp::Limit { .. }))
            {
                *full_count = true;
            }
        }
        plan.slots = self.slots;
        for name in self.binds.keys() {
            if !self.used_binds.contains(name) {
                return Err(AqlError::new(
                    num::QUERY_BIND_PARAMETER_UNDECLARED,
                    format!("bind parameter '{name}' was not declared in the query (while parsing)"),
                ));
            }
        }
        Ok(plan)
    }

    fn slot(&mut self) -> Slot {
        self.slots += 1;
        self.slots - 1
    }

    fn lookup(&self, name: &str) -> Option<Slot> {
        self.levels.iter().rev().flat_map(|l| l.iter().rev()).find(|(n, _)| n == name).map(|(_, s)| *s)
    }

    fn declare(&mut self, name: &str) -> AqlResult<Slot> {
        if self.lookup(name).is_some() {
            return Err(AqlError::new(
                num::QUERY_VARIABLE_REDECLARED,
                format!("variable '{name}' is assigned multiple times"),
            ));
        }
        let slot = self.slot();
        self.bind(name, slot);
        self.variables.push((name.to_string(), slot));
        Ok(slot)
    }

    fn bind(&mut self, name: &str, slot: Slot) {
        if let Some(level) = self.levels.last_mut() {
            level.retain(|(n, _)| n != name);
            level.push((name.to_string(), slot));
        }
    }

    fn collection(&mut self, name: &str) -> String {
        self.collections.insert(name.to_string());
        let level = self.first_seen.entry(name.to_string()).or_insert(self.nesting);
        *level = (*level).min(self.nesting);
        if !self.catalog.collections.contains_key(name) {
            self.missing.insert(name.to_string());
        }
        name.to_string()
    }

    fn collection_ref(&mut self, r: &CollectionRef) -> AqlResult<String> {
        match r {
            CollectionRef::Name(n) => Ok(self.collection(n)),
            CollectionRef::Bind(n) => self.bind_collection(n),
        }
    }

    fn bind_value(&mut self, name: &str) -> AqlResult<Value> {
        match self.binds.get(name) {
            Some(v) => {
                self.used_binds.insert(name.to_string());
                Ok(v.clone())
            }
            None => Err(AqlError::new(
                num::QUERY_BIND_PARAMETER_MISSING,
                format!("no value specified for declared bind parameter '{name}' (while parsing)"),
            )),
        }
    }

    fn bind_collection(&mut self, name: &str) -> AqlResult<String> {
        let key = bind_key(name);
        match self.bind_value(&key)? {
            Value::String(s) if !s.is_empty() => Ok(self.collection(&s)),
            _ => Err(AqlError::new(
                num::QUERY_BIND_PARAMETER_TYPE,
                format!("bind parameter '{key}' has an invalid value or type (while parsing)"),
            )),
        }
    }

    pub fn query(&mut self, query: &Query) -> AqlResult<Plan> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(too_deep());
        }
        self.levels.push(Vec::new());
        self.nesting += 1;
        let result = self.ops(&query.ops);
        self.nesting -= 1;
        self.levels.pop();
        self.depth -= 1;
        let (mut ops, ret) = result?;
        let catalog = self.catalog;
        access::choose(&mut ops, &|name| catalog.collections.get(name));
        let mut plan = Plan { ops, ret, slots: self.slots, modifies: self.modifies, independent: false };
        if self.missing.is_empty() {
            vector_plan::check_placed(&plan)?;
        }
        projection::apply(&mut plan);
        Ok(plan)
    }

    fn ops(&mut self, ops: &[Op]) -> AqlResult<(Vec<PlanOp>, Option<Returned>)> {
        let mut out = Vec::with_capacity(ops.len());
        let mut ret = None;
        for op in ops {
            match op {
                Op::For(f) => out.push(self.for_op(f)?),
                Op::Filter(e) => out.push(PlanOp::Filter(self.expr(e)?)),
                Op::Let { name, expr } => {
                    let expr = self.expr(expr)?;
                    out.push(PlanOp::Let { slot: self.declare(name)?, expr });
                }
                Op::Collect(c) => out.push(self.collect(c)?),
                Op::Sort(keys) => {
                    let keys = keys.iter().map(|k| Ok((self.expr(&k.expr)?, k.ascending))).collect::<AqlResult<_>>()?;
                    out.push(PlanOp::Sort(keys));
                }
                Op::Limit { offset, count } => {
                    let offset = match offset {
                        Some(o) => self.expr(o)?,
                        None => CExpr::Lit(Value::Int(0)),
                    };
                    out.push(PlanOp::Limit { offset, count: self.expr(count)?, full_count: false });
                }
                Op::Window(w) => {
                    let range_value = w.range_value.as_ref().map(|e| self.expr(e)).transpose()?;
                    let bounds = self.expr(&w.bounds)?;
                    let aggregates = self.aggregates(&w.aggregates)?;
                    out.push(PlanOp::Window(Box::new(WindowPlan { range_value, bounds, aggregates })));
                }
                Op::Return { distinct, expr } => ret = Some((*distinct, self.expr(expr)?)),
                Op::Insert(m) => out.push(self.modify(ModifyKind::Insert, m)?),
                Op::Update(m) => out.push(self.modify(ModifyKind::Update, m)?),
                Op::Replace(m) => out.push(self.modify(ModifyKind::Replace, m)?),
                Op::Remove(m) => out.push(self.modify(ModifyKind::Remove, m)?),
                Op::Upsert(u) => out.push(self.upsert(u)?),
            }
        }
        Ok((out, ret))
    }

    fn for_op(&mut self, f: &ast::ForOp) -> AqlResult<PlanOp> {
        if f.search.is_some() {
            return Err(AqlError::not_supported("SEARCH (ArangoSearch views)"));
        }
        match &f.source {
            ForSource::Expr(e) => {
                let var = match f.vars.as_slice() {
                    [one] => one,
                    _ => return Err(AqlError::parse("FOR over an array or collection binds exactly one variable")),
                };
                let op = match e {
                    Expr::Var(name) if self.lookup(name).is_none() => {
                        let collection = self.collection(name);
                        PlanOp::ForCollection { slot: 0, collection, access: Access::Scan, project: None }
                    }
                    Expr::BindCollection(name) => {
                        let collection = self.bind_collection(name)?;
                        PlanOp::ForCollection { slot: 0, collection, access: Access::Scan, project: None }
                    }
                    Expr::Range(a, b) => PlanOp::ForRange { slot: 0, from: self.expr(a)?, to: self.expr(b)? },
                    other => PlanOp::ForExpr { slot: 0, expr: self.expr(other)? },
                };
                let slot = self.declare(var)?;
                Ok(match op {
                    PlanOp::ForCollection { collection, access, .. } => {
                        PlanOp::ForCollection { slot, collection, access, project: None }
                    }
                    PlanOp::ForRange { from, to, .. } => PlanOp::ForRange { slot, from, to },
                    PlanOp::ForExpr { expr, .. } => PlanOp::ForExpr { slot, expr },
                    other => other,
                })
            }
            ForSource::Traversal(t) => self.traversal(f, t),
            ForSource::Path(p) => self.path(f, p),
        }
    }

    fn graph(&mut self, g: &GraphRef) -> AqlResult<GraphSource> {
        Ok(match g {
            GraphRef::Named(e) => GraphSource::Named(self.expr(e)?),
            GraphRef::Collections(list) => GraphSource::Collections(
                list.iter().map(|(d, c)| Ok((*d, self.collection_ref(c)?))).collect::<AqlResult<_>>()?,
            ),
        })
    }

    fn opt(&mut self, e: &Option<Expr>) -> AqlResult<Option<CExpr>> {
        e.as_ref().map(|e| self.expr(e)).transpose()
    }

    /// Slots for up to `n` loop variables; unnamed ones get internal slots.
    fn loop_vars(&mut self, vars: &[String], n: usize) -> AqlResult<Vec<Slot>> {
        if vars.len() > n || vars.is_empty() {
            return Err(AqlError::parse(format!("this FOR binds at most {n} variables")));
        }
        (0..n).map(|i| if let Some(name) = vars.get(i) { self.declare(name) } else { Ok(self.slot()) }).collect()
    }

    fn traversal(&mut self, f: &ast::ForOp, t: &ast::Traversal) -> AqlResult<PlanOp> {
        let (min, max) = (self.opt(&t.min)?, self.opt(&t.max)?);
        let start = self.expr(&t.start)?;
        let graph = self.graph(&t.graph)?;
        let options = match (&t.options, &f.options) {
            (Some(o), _) | (None, Some(o)) => Some(self.expr(o)?),
            _ => None,
        };
        let [vertex, edge, path] = self.loop_vars(&f.vars, 3)?[..] else {
            return Err(AqlError::internal("traversal variables"));
        };
        let (prune, prune_var) = match &t.prune {
            Some(p) => {
                let cond = self.expr(&p.condition)?;
                let var = p.var.as_ref().map(|v| self.declare(v)).transpose()?;
                (Some(cond), var)
            }
            None => (None, None),
        };
        Ok(PlanOp::Traversal(Box::new(TraversalPlan {
            vertex,
            edge,
            path,
            wants_path: f.vars.len() >= 3,
            min,
            max,
            direction: t.direction,
            start,
            graph,
            prune,
            prune_var,
            options,
        })))
    }

    fn path(&mut self, f: &ast::ForOp, p: &ast::PathSearch) -> AqlResult<PlanOp> {
        let (min, max) = (self.opt(&p.min)?, self.opt(&p.max)?);
        let start = self.expr(&p.start)?;
        let target = self.expr(&p.target)?;
        let graph = self.graph(&p.graph)?;
        let options = match (&p.options, &f.options) {
            (Some(o), _) | (None, Some(o)) => Some(self.expr(o)?),
            _ => None,
        };
        let n = if p.kind == ast::PathKind::ShortestPath { 2 } else { 1 };
        let vars = self.loop_vars(&f.vars, n)?;
        Ok(PlanOp::Path(Box::new(PathPlan {
            kind: p.kind,
            vars,
            min,
            max,
            direction: p.direction,
            start,
            target,
            graph,
            options,
        })))
    }

    fn aggregates(&mut self, list: &[(String, Expr)]) -> AqlResult<Vec<AggregatePlan>> {
        let mut compiled = Vec::with_capacity(list.len());
        for (_, e) in list {
            let (function, arg) = match e {
                Expr::Call { name, args, .. } if AGGREGATES.contains(&name.as_str()) && args.len() <= 1 => {
                    (name.clone(), args.first().map(|a| self.expr(a)).transpose()?)
                }
                _ => return Err(AqlError::new(INVALID_AGGREGATE, "invalid aggregate expression")),
            };
            compiled.push((function, arg));
        }
        let mut out = Vec::with_capacity(list.len());
        for ((name, _), (function, arg)) in list.iter().zip(compiled) {
            out.push(AggregatePlan { slot: self.declare(name)?, function, arg });
        }
        Ok(out)
    }

    fn collect(&mut self, c: &ast::CollectOp) -> AqlResult<PlanOp> {
        let groups: Vec<(String, CExpr)> =
            c.groups.iter().map(|(n, e)| Ok((n.clone(), self.expr(e)?))).collect::<AqlResult<_>>()?;
        let mut agg_args = Vec::new();
        for (_, e) in &c.aggregates {
            match e {
                Expr::Call { name, args, .. } if AGGREGATES.contains(&name.as_str()) && args.len() <= 1 => {
                    agg_args.push((name.clone(), args.first().map(|a| self.expr(a)).transpose()?))
                }
                _ => return Err(AqlError::new(INVALID_AGGREGATE, "invalid aggregate expression")),
            }
        }
        let into = match &c.into {
            Some(into) => Some((
                into.var.clone(),
                match &into.projection {
                    Some(p) => IntoPlan::Projection(self.expr(p)?),
                    None => IntoPlan::Vars(self.visible_here(&c.keep)?),
                },
            )),
            None => None,
        };
        if let Some(level) = self.levels.last_mut() {
            level.clear();
        }
        let groups = groups.into_iter().map(|(n, e)| Ok((self.declare(&n)?, e))).collect::<AqlResult<_>>()?;
        let mut aggregates = Vec::new();
        for ((name, _), (function, arg)) in c.aggregates.iter().zip(agg_args) {
            aggregates.push(AggregatePlan { slot: self.declare(name)?, function, arg });
        }
        let into = match into {
            Some((name, plan)) => Some((self.declare(&name)?, plan)),
            None => None,
        };
        let count_into = c.count_into.as_ref().map(|n| self.declare(n)).transpose()?;
        Ok(PlanOp::Collect(Box::new(CollectPlan { groups, aggregates, into, count_into })))
    }

    /// The variables an `INTO` without projection copies: those of the current level
    /// (only the `keep` ones when given).
    fn visible_here(&self, keep: &[String]) -> AqlResult<Vec<(String, Slot)>> {
        let level = self.levels.last().cloned().unwrap_or_default();
        if keep.is_empty() {
            return Ok(level.into_iter().filter(|(n, _)| n != "NEW" && n != "OLD").collect());
        }
        keep.iter()
            .map(|k| match self.lookup(k) {
                Some(s) => Ok((k.clone(), s)),
                None => Err(AqlError::new(num::QUERY_VARIABLE_NAME_UNKNOWN, format!("unknown variable '{k}'"))),
            })
            .collect()
    }

    /// 1579 for a write inside a subquery to a collection an outer query reads.
    fn check_write(&self, collection: &str) -> AqlResult<()> {
        match self.first_seen.get(collection) {
            Some(level) if *level < self.nesting => Err(AqlError::new(
                num::QUERY_ACCESS_AFTER_MODIFICATION,
                format!("access after data-modification by collection '{collection}'"),
            )),
            _ => Ok(()),
        }
    }

    fn modify(&mut self, kind: ModifyKind, m: &ast::Modify) -> AqlResult<PlanOp> {
        let target = self.expr(&m.target)?;
        let with = self.opt(&m.with)?;
        let collection = self.collection_ref(&m.collection)?;
        self.check_write(&collection)?;
        let options = self.opt(&m.options)?;
        self.modifies = true;
        self.written.insert(collection.clone());
        let (new_slot, old_slot) = (self.slot(), self.slot());
        self.bind("NEW", new_slot);
        self.bind("OLD", old_slot);
        Ok(PlanOp::Modify(Box::new(ModifyPlan { kind, target, with, collection, options, new_slot, old_slot })))
    }

    fn upsert(&mut self, u: &ast::UpsertOp) -> AqlResult<PlanOp> {
        let search = self.opt(&u.search)?;
        let current = self.slot();
        let filter = match &u.filter {
            Some(f) => {
                self.levels.push(vec![("CURRENT".to_string(), current)]);
                let r = self.expr(f);
                self.levels.pop();
                Some(r?)
            }
            None => None,
        };
        let insert = self.expr(&u.insert)?;
        let (new_slot, old_slot) = (self.slot(), self.slot());
        self.levels.push(vec![("OLD".to_string(), old_slot)]);
        let update = self.expr(&u.update);
        self.levels.pop();
        let update = update?;
        let collection = self.collection_ref(&u.collection)?;
        self.check_write(&collection)?;
        let options = self.opt(&u.options)?;
        self.modifies = true;
        self.written.insert(collection.clone());
        let index = match (&search, self.catalog.collections.get(&collection)) {
            (Some(CExpr::Object(items)), Some((_, indexes))) => access::upsert_index(items, indexes),
            _ => None,
        };
        self.bind("NEW", new_slot);
        self.bind("OLD", old_slot);
        Ok(PlanOp::Upsert(Box::new(UpsertPlan {
            search,
            filter,
            current,
            insert,
            update,
            replace: u.replace,
            collection,
            options,
            new_slot,
            old_slot,
            index,
        })))
    }

    /// An operator over two constants, evaluated once; its warnings carry ArangoDB's
    /// plain error text, as its optimizer's constant folding reports them.
    fn fold(&mut self, op: ast::BinaryOp, a: &Value, b: &Value) -> Value {
        let mut ctx = FnContext::default();
        let v = ops::binary(op, a, b, &mut ctx);
        for w in ctx.warnings {
            let message =
                if w.code == num::QUERY_DIVISION_BY_ZERO { "division by zero".to_string() } else { w.message };
            self.warnings.push(Warning { code: w.code, message });
        }
        v
    }

    fn boxed(&mut self, e: &Expr) -> AqlResult<Box<CExpr>> {
        Ok(Box::new(self.expr(e)?))
    }

    pub fn expr(&mut self, e: &Expr) -> AqlResult<CExpr> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(too_deep());
        }
        let r = self.expr_at(e);
        self.depth -= 1;
        r
    }

    fn expr_at(&mut self, e: &Expr) -> AqlResult<CExpr> {
        Ok(match e {
            Expr::Literal(v) => CExpr::Lit(v.clone()),
            Expr::Array(items) => CExpr::Array(items.iter().map(|e| self.expr(e)).collect::<AqlResult<_>>()?),
            Expr::Object(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (k, v) in items {
                    let key = match k {
                        ObjectKey::Static(s) => CKey::Static(s.clone()),
                        ObjectKey::Computed(e) => CKey::Computed(self.expr(e)?),
                    };
                    out.push((key, self.expr(v)?));
                }
                CExpr::Object(out)
            }
            Expr::Var(name) => match self.lookup(name) {
                Some(slot) => CExpr::Var(slot),
                None if matches!(name.as_str(), "CURRENT" | "NEW" | "OLD") => {
                    return Err(AqlError::new(num::QUERY_VARIABLE_NAME_UNKNOWN, format!("unknown variable '{name}'")))
                }
                None => {
                    let name = self.collection(name);
                    self.operands.push(name);
                    CExpr::Lit(Value::Null)
                }
            },
            Expr::Bind(name) => CExpr::Lit(self.bind_value(name)?),
            Expr::BindCollection(name) => {
                let name = self.bind_collection(name)?;
                self.operands.push(name);
                CExpr::Lit(Value::Null)
            }
            Expr::Attribute(base, name) => CExpr::Attr(self.boxed(base)?, name.clone()),
            Expr::Index(base, index) => CExpr::Index(self.boxed(base)?, self.boxed(index)?),
            Expr::Expansion(x) => {
                let base = self.expr(&x.base)?;
                let current = self.slot();
                self.levels.push(vec![("CURRENT".to_string(), current)]);
                let r = self.expansion_parts(x);
                self.levels.pop();
                let (filter, limit, ret, rest) = r?;
                CExpr::Expand(Box::new(CExpansion { base, depth: x.depth, current, filter, limit, ret, rest }))
            }
            Expr::Unary(op, v) => match self.expr(v)? {
                CExpr::Lit(v) => CExpr::Lit(ops::unary(*op, &v)),
                v => CExpr::Unary(*op, Box::new(v)),
            },
            Expr::Binary(op, a, b) => match (self.expr(a)?, self.expr(b)?) {
                (CExpr::Lit(a), CExpr::Lit(b)) => CExpr::Lit(self.fold(*op, &a, &b)),
                (a, b) => CExpr::Binary(*op, Box::new(a), Box::new(b)),
            },
            Expr::Quantified { quantifier, op, lhs, rhs } => {
                let at_least = match quantifier {
                    ast::Quantifier::AtLeast(n) => Some(self.boxed(n)?),
                    _ => None,
                };
                CExpr::Quantified {
                    quantifier: quantifier.clone(),
                    at_least,
                    op: *op,
                    lhs: self.boxed(lhs)?,
                    rhs: self.boxed(rhs)?,
                }
            }
            Expr::Ternary { cond, then, otherwise } => CExpr::Ternary {
                cond: self.boxed(cond)?,
                then: then.as_ref().map(|t| self.boxed(t)).transpose()?,
                otherwise: self.boxed(otherwise)?,
            },
            Expr::Range(a, b) => CExpr::Range(self.boxed(a)?, self.boxed(b)?),
            Expr::Call { name, args, .. } => self.call(name, args)?,
            Expr::Subquery(q) => {
                let (first, modified) = (self.slots, self.modifies);
                self.modifies = false;
                let mut plan = self.query(q)?;
                plan.independent = !plan.modifies && calls::independent(&plan, first);
                self.modifies |= modified;
                CExpr::Subquery(Arc::new(plan))
            }
        })
    }

    #[allow(clippy::type_complexity)]
    fn expansion_parts(
        &mut self,
        x: &ast::Expansion,
    ) -> AqlResult<(Option<CExpr>, Option<(Option<CExpr>, CExpr)>, Option<CExpr>, Option<CExpr>)> {
        let filter = x.filter.as_ref().map(|f| self.expr(f)).transpose()?;
        let limit = match &x.limit {
            Some((o, c)) => Some((o.as_ref().map(|o| self.expr(o)).transpose()?, self.expr(c)?)),
            None => None,
        };
        let ret = x.ret.as_ref().map(|r| self.expr(r)).transpose()?;
        let rest = x.rest.as_ref().map(|r| self.expr(r)).transpose()?;
        Ok((filter, limit, ret, rest))
    }
}
