//! The bind parameters a parsed query names, in order of first use, each once: `@x` as
//! "x" and `@@c` as "@c" (the keys of `bindVars`).

use crate::ast::{CollectionRef, Expr, ForSource, GraphRef, ObjectKey, Op, Query};

pub(super) fn collect(query: &Query) -> Vec<String> {
    let mut out = Vec::new();
    query_binds(query, &mut out);
    out
}

fn add(out: &mut Vec<String>, name: String) {
    if !out.contains(&name) {
        out.push(name);
    }
}

fn collection(c: &CollectionRef, out: &mut Vec<String>) {
    if let CollectionRef::Bind(name) = c {
        add(out, format!("@{name}"));
    }
}

fn opt(e: &Option<Expr>, out: &mut Vec<String>) {
    if let Some(e) = e {
        expr(e, out);
    }
}

fn graph(g: &GraphRef, out: &mut Vec<String>) {
    match g {
        GraphRef::Named(e) => expr(e, out),
        GraphRef::Collections(list) => list.iter().for_each(|(_, c)| collection(c, out)),
    }
}

fn query_binds(query: &Query, out: &mut Vec<String>) {
    for op in &query.ops {
        match op {
            Op::For(f) => {
                match &f.source {
                    ForSource::Expr(e) => expr(e, out),
                    ForSource::Traversal(t) => {
                        opt(&t.min, out);
                        opt(&t.max, out);
                        expr(&t.start, out);
                        graph(&t.graph, out);
                        if let Some(p) = &t.prune {
                            expr(&p.condition, out);
                        }
                        opt(&t.options, out);
                    }
                    ForSource::Path(p) => {
                        opt(&p.min, out);
                        opt(&p.max, out);
                        expr(&p.start, out);
                        expr(&p.target, out);
                        graph(&p.graph, out);
                        opt(&p.options, out);
                    }
                }
                opt(&f.search, out);
                opt(&f.options, out);
            }
            Op::Filter(e) | Op::Let { expr: e, .. } | Op::Return { expr: e, .. } => expr(e, out),
            Op::Collect(c) => {
                c.groups.iter().chain(&c.aggregates).for_each(|(_, e)| expr(e, out));
                if let Some(into) = &c.into {
                    opt(&into.projection, out);
                }
                opt(&c.options, out);
            }
            Op::Sort(keys) => keys.iter().for_each(|k| expr(&k.expr, out)),
            Op::Limit { offset, count } => {
                opt(offset, out);
                expr(count, out);
            }
            Op::Window(w) => {
                opt(&w.range_value, out);
                expr(&w.bounds, out);
                w.aggregates.iter().for_each(|(_, e)| expr(e, out));
            }
            Op::Insert(m) | Op::Update(m) | Op::Replace(m) | Op::Remove(m) => {
                expr(&m.target, out);
                opt(&m.with, out);
                collection(&m.collection, out);
                opt(&m.options, out);
            }
            Op::Upsert(u) => {
                opt(&u.search, out);
                opt(&u.filter, out);
                expr(&u.insert, out);
                expr(&u.update, out);
                collection(&u.collection, out);
                opt(&u.options, out);
            }
        }
    }
}

fn expr(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Literal(_) | Expr::Var(_) => {}
        Expr::Bind(name) => add(out, name.clone()),
        Expr::BindCollection(name) => add(out, format!("@{name}")),
        Expr::Array(items) => items.iter().for_each(|i| expr(i, out)),
        Expr::Object(members) => {
            for (key, value) in members {
                if let ObjectKey::Computed(k) = key {
                    expr(k, out);
                }
                expr(value, out);
            }
        }
        Expr::Attribute(base, _) => expr(base, out),
        Expr::Index(base, index) => {
            expr(base, out);
            expr(index, out);
        }
        Expr::Expansion(x) => {
            expr(&x.base, out);
            for part in [&x.filter, &x.ret, &x.rest].into_iter().flatten() {
                expr(part, out);
            }
            if let Some((offset, count)) = &x.limit {
                if let Some(o) = offset {
                    expr(o, out);
                }
                expr(count, out);
            }
        }
        Expr::Unary(_, a) => expr(a, out),
        Expr::Binary(_, a, b) | Expr::Range(a, b) => {
            expr(a, out);
            expr(b, out);
        }
        Expr::Quantified { quantifier, lhs, rhs, .. } => {
            expr(lhs, out);
            if let crate::ast::Quantifier::AtLeast(n) = quantifier {
                expr(n, out);
            }
            expr(rhs, out);
        }
        Expr::Ternary { cond, then, otherwise } => {
            expr(cond, out);
            if let Some(t) = then {
                expr(t, out);
            }
            expr(otherwise, out);
        }
        Expr::Call { args, .. } => args.iter().for_each(|a| expr(a, out)),
        Expr::Subquery(q) => query_binds(q, out),
    }
}
