//! What can be known of an expression's type before it runs: enough to refuse what the
//! TCK refuses at compile time (a property of a path, `labels()` of a relationship,
//! `NOT 1`, `1 IN 'x'`, `'a' % 2`, ...), and `Any` for everything else.

use super::Scope;
use crate::ast::{BinaryOp, Expr, Literal, UnaryOp};

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    Any,
    Null,
    Bool,
    Int,
    Float,
    Str,
    Map,
    /// A list, with its element type when known.
    List(Box<Ty>),
    Node,
    Rel,
    Path,
}

impl Ty {
    pub fn name(&self) -> &'static str {
        match self {
            Ty::Any => "Any",
            Ty::Null => "Null",
            Ty::Bool => "Boolean",
            Ty::Int => "Integer",
            Ty::Float => "Float",
            Ty::Str => "String",
            Ty::Map => "Map",
            Ty::List(_) => "List",
            Ty::Node => "Node",
            Ty::Rel => "Relationship",
            Ty::Path => "Path",
        }
    }

    /// Cannot be a boolean (nor null).
    pub fn not_boolean(&self) -> bool {
        !matches!(self, Ty::Any | Ty::Null | Ty::Bool)
    }

    /// Cannot be a list (nor null).
    pub fn not_list(&self) -> bool {
        !matches!(self, Ty::Any | Ty::Null | Ty::List(_))
    }

    pub fn numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }

    /// Has no properties: a property lookup on it is a type error.
    pub fn no_properties(&self) -> bool {
        matches!(self, Ty::Bool | Ty::Int | Ty::Float | Ty::Str | Ty::List(_) | Ty::Path)
    }
}

pub fn type_of(e: &Expr, scope: &Scope) -> Ty {
    match e {
        Expr::Literal(l) => match l {
            Literal::Null => Ty::Null,
            Literal::Bool(_) => Ty::Bool,
            Literal::Integer(_) => Ty::Int,
            Literal::Float(_) => Ty::Float,
            Literal::String(_) => Ty::Str,
        },
        Expr::Variable(v) => scope.get(v).cloned().unwrap_or(Ty::Any),
        Expr::List(items) => {
            let mut elem: Option<Ty> = None;
            for i in items {
                let t = type_of(i, scope);
                elem = match elem {
                    None => Some(t),
                    Some(prev) if prev == t => Some(prev),
                    Some(_) => Some(Ty::Any),
                };
            }
            Ty::List(Box::new(elem.unwrap_or(Ty::Any)))
        }
        Expr::Map(_) | Expr::MapProjection { .. } => Ty::Map,
        Expr::ListComprehension { .. } | Expr::PatternComprehension { .. } | Expr::CollectSubquery(_) => {
            Ty::List(Box::new(Ty::Any))
        }
        Expr::Unary(op, inner) => match op {
            UnaryOp::Not | UnaryOp::IsNull | UnaryOp::IsNotNull => Ty::Bool,
            UnaryOp::Neg | UnaryOp::Plus => match type_of(inner, scope) {
                t @ (Ty::Int | Ty::Float) => t,
                _ => Ty::Any,
            },
        },
        Expr::Binary(op, l, r) => binary_type(*op, &type_of(l, scope), &type_of(r, scope)),
        Expr::HasLabels(..) | Expr::PatternPredicate(_) | Expr::Exists(_) | Expr::Quantified { .. } => Ty::Bool,
        Expr::CountSubquery(_) | Expr::CountStar => Ty::Int,
        Expr::Function { name, .. } => function_type(name),
        _ => Ty::Any,
    }
}

fn binary_type(op: BinaryOp, l: &Ty, r: &Ty) -> Ty {
    use BinaryOp::*;
    match op {
        Or | Xor | And | Eq | Ne | Lt | Le | Gt | Ge | In | StartsWith | EndsWith | Contains | Regex => Ty::Bool,
        Add if *l == Ty::Str || *r == Ty::Str => Ty::Str,
        Add | Sub | Mul | Div | Mod => match (l, r) {
            (Ty::Int, Ty::Int) => Ty::Int,
            (Ty::Float, Ty::Int | Ty::Float) | (Ty::Int, Ty::Float) => Ty::Float,
            _ => Ty::Any,
        },
        Pow if l.numeric() && r.numeric() => Ty::Float,
        Pow => Ty::Any,
    }
}

fn function_type(name: &str) -> Ty {
    match name.to_ascii_lowercase().as_str() {
        "count" | "size" | "length" | "id" | "tointeger" | "char_length" | "character_length" => Ty::Int,
        "tostring" | "type" | "tolower" | "toupper" | "trim" | "substring" | "replace" | "elementid" => Ty::Str,
        "tofloat" | "rand" | "pi" | "e" | "sqrt" | "stdev" | "stdevp" => Ty::Float,
        "labels" | "keys" | "nodes" | "relationships" | "range" | "split" | "collect" | "tail" => {
            Ty::List(Box::new(Ty::Any))
        }
        "properties" => Ty::Map,
        "startnode" | "endnode" => Ty::Node,
        "exists" | "isempty" | "isnan" | "toboolean" => Ty::Bool,
        _ => Ty::Any,
    }
}
