//! The parse result of `POST /_api/query` in ArangoDB's AST form (`{type, subNodes}`
//! nodes: root, for, filter, let, limit, return; values, arrays, objects, references
//! with variable ids, collections, bind parameters, attribute and indexed access,
//! operators, ranges, ternaries, function calls). Queries using anything else are
//! answered in Orbit's own form instead (see [`super::query`]), never approximated.

use crate::ast::{BinaryOp, Expr, ForSource, ObjectKey, Op, Query, UnaryOp};
use crate::value::{Object, Value};

struct Scope {
    vars: Vec<String>,
}

fn node(ty: &str, sub: Vec<Value>) -> Value {
    Value::object([("type", Value::str(ty)), ("subNodes", Value::Array(sub))])
}

fn leaf(ty: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut o = Object::new();
    o.insert("type".into(), Value::str(ty));
    for (k, v) in fields {
        o.insert(k.into(), v);
    }
    Value::Object(o)
}

fn value(v: &Value) -> Value {
    match v {
        Value::Array(items) => node("array", items.iter().map(value).collect()),
        Value::Object(o) => node(
            "object",
            o.iter()
                .map(|(k, v)| {
                    leaf("object element", vec![("name", Value::str(k)), ("subNodes", Value::Array(vec![value(v)]))])
                })
                .collect(),
        ),
        scalar => leaf("value", vec![("value", scalar.clone())]),
    }
}

fn binary_name(op: BinaryOp) -> Option<&'static str> {
    Some(match op {
        BinaryOp::Or => "logical or",
        BinaryOp::And => "logical and",
        BinaryOp::Eq => "compare ==",
        BinaryOp::Ne => "compare !=",
        BinaryOp::Lt => "compare <",
        BinaryOp::Le => "compare <=",
        BinaryOp::Gt => "compare >",
        BinaryOp::Ge => "compare >=",
        BinaryOp::In => "compare in",
        BinaryOp::NotIn => "compare not in",
        BinaryOp::Add => "plus",
        BinaryOp::Sub => "minus",
        BinaryOp::Mul => "times",
        BinaryOp::Div => "quotient",
        BinaryOp::Mod => "modulus",
        BinaryOp::Like | BinaryOp::NotLike | BinaryOp::RegexMatch | BinaryOp::RegexNotMatch => return None,
    })
}

impl Scope {
    fn reference(&self, name: &str) -> Value {
        match self.vars.iter().position(|v| v == name) {
            Some(id) => leaf(
                "reference",
                vec![
                    ("name", Value::str(name)),
                    ("id", Value::Int(id as i64)),
                    ("subqueryReference", Value::Bool(false)),
                ],
            ),
            None => leaf("collection", vec![("name", Value::str(name))]),
        }
    }

    fn declare(&mut self, name: &str) -> Value {
        self.vars.push(name.to_string());
        leaf("variable", vec![("name", Value::str(name)), ("id", Value::Int(self.vars.len() as i64 - 1))])
    }

    fn expr(&self, e: &Expr) -> Option<Value> {
        Some(match e {
            Expr::Literal(v) => value(v),
            Expr::Array(items) => node("array", items.iter().map(|i| self.expr(i)).collect::<Option<Vec<_>>>()?),
            Expr::Object(items) => {
                let mut elements = Vec::with_capacity(items.len());
                for (key, v) in items {
                    let ObjectKey::Static(name) = key else { return None };
                    elements.push(leaf(
                        "object element",
                        vec![("name", Value::str(name)), ("subNodes", Value::Array(vec![self.expr(v)?]))],
                    ));
                }
                node("object", elements)
            }
            Expr::Var(name) => self.reference(name),
            Expr::Bind(name) => leaf("parameter", vec![("name", Value::str(name))]),
            Expr::BindCollection(name) => {
                leaf("datasource parameter", vec![("name", Value::String(format!("@{name}")))])
            }
            Expr::Attribute(base, name) => leaf(
                "attribute access",
                vec![("name", Value::str(name)), ("subNodes", Value::Array(vec![self.expr(base)?]))],
            ),
            Expr::Index(base, index) => node("indexed access", vec![self.expr(base)?, self.expr(index)?]),
            Expr::Unary(op, inner) => {
                let name = match op {
                    UnaryOp::Not => "unary not",
                    UnaryOp::Minus => "unary minus",
                    UnaryOp::Plus => "unary plus",
                };
                node(name, vec![self.expr(inner)?])
            }
            Expr::Binary(op, a, b) => node(binary_name(*op)?, vec![self.expr(a)?, self.expr(b)?]),
            Expr::Range(a, b) => node("range", vec![self.expr(a)?, self.expr(b)?]),
            Expr::Ternary { cond, then: Some(then), otherwise } => {
                node("ternary", vec![self.expr(cond)?, self.expr(then)?, self.expr(otherwise)?])
            }
            Expr::Call { name, args, .. } => leaf(
                "function call",
                vec![
                    ("name", Value::str(name)),
                    (
                        "subNodes",
                        Value::Array(vec![node(
                            "array",
                            args.iter().map(|a| self.expr(a)).collect::<Option<Vec<_>>>()?,
                        )]),
                    ),
                ],
            ),
            _ => return None,
        })
    }
}

/// The query in ArangoDB's AST form, or None when it uses a construct not rendered here.
pub fn render(query: &Query) -> Option<Value> {
    if !query.with_collections.is_empty() {
        return None;
    }
    let mut scope = Scope { vars: Vec::new() };
    let mut nodes = Vec::with_capacity(query.ops.len());
    for op in &query.ops {
        nodes.push(match op {
            Op::For(f) => {
                let ([var], ForSource::Expr(source), None, None) =
                    (f.vars.as_slice(), &f.source, &f.options, &f.search)
                else {
                    return None;
                };
                let source = scope.expr(source)?;
                let variable = scope.declare(var);
                node("for", vec![variable, source, leaf("no-op", vec![])])
            }
            Op::Filter(e) => node("filter", vec![scope.expr(e)?]),
            Op::Let { name, expr } => {
                let e = scope.expr(expr)?;
                node("let", vec![scope.declare(name), e])
            }
            Op::Limit { offset, count } => {
                let offset = match offset {
                    Some(o) => scope.expr(o)?,
                    None => value(&Value::Int(0)),
                };
                node("limit", vec![offset, scope.expr(count)?])
            }
            Op::Return { distinct: false, expr } => node("return", vec![scope.expr(expr)?]),
            _ => return None,
        });
    }
    Some(Value::Array(vec![node("root", nodes)]))
}
