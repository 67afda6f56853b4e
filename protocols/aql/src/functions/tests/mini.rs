//! A test-only evaluator for the documentation examples the function library can run
//! alone: `FOR x IN expr`, `LET x = expr`, `FILTER expr` and one `RETURN expr`, with
//! literals, bind parameters, variables, attribute access, `[n]` indexes, function calls, unary minus
//! and the comparison, logical and arithmetic operators (through value::ops). Anything
//! else makes [`parse`] answer None and the example is left to the executor's tests.

use crate::ast::{BinaryOp, UnaryOp};
use crate::error::AqlError;
use crate::functions::{call, FnContext};
use crate::value::{cast, ops, Object, Value};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Value),
    Str(String),
    Ident(String),
    Sym(&'static str),
}

fn lex(q: &str) -> Option<Vec<Tok>> {
    let c: Vec<char> = q.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while let Some(&ch) = c.get(i) {
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while c.get(i).is_some_and(|&x| x != '\n') {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            i += 2;
            while !(c.get(i) == Some(&'*') && c.get(i + 1) == Some(&'/')) {
                c.get(i)?;
                i += 1;
            }
            i += 2;
        } else if ch == '"' || ch == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                let x = *c.get(i)?;
                i += 1;
                match x {
                    '\\' => {
                        let e = *c.get(i)?;
                        i += 1;
                        s.push(match e {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            other => other,
                        });
                    }
                    q if q == ch => break,
                    other => s.push(other),
                }
            }
            out.push(Tok::Str(s));
        } else if ch.is_ascii_digit() || (ch == '.' && c.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            if ch == '0' && matches!(c.get(i + 1), Some('x') | Some('X')) {
                i += 2;
                while c.get(i).is_some_and(|d| d.is_ascii_hexdigit()) {
                    i += 1;
                }
                let text: String = c[start + 2..i].iter().collect();
                out.push(Tok::Num(Value::Int(i64::from_str_radix(&text, 16).ok()?)));
                continue;
            }
            while c.get(i).is_some_and(|d| d.is_ascii_digit() || *d == '.' || *d == 'e' || *d == 'E') {
                if c.get(i) == Some(&'.') && c.get(i + 1) == Some(&'.') {
                    break;
                }
                i += 1;
            }
            let text: String = c[start..i].iter().collect();
            out.push(Tok::Num(match text.parse::<i64>() {
                Ok(n) => Value::Int(n),
                Err(_) => Value::double(text.parse::<f64>().ok()?),
            }));
        } else if ch.is_alphabetic() || ch == '_' || ch == '@' {
            let start = i;
            i += 1;
            while c.get(i).is_some_and(|d| d.is_alphanumeric() || *d == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            let sym = ["==", "!=", "<=", ">=", "&&", "||", ".."].into_iter().find(|s| *s == two).or_else(|| {
                ["(", ")", "[", "]", "{", "}", ",", ":", ".", "<", ">", "+", "-", "*", "/", "%", "=", "!"]
                    .into_iter()
                    .find(|s| s.starts_with(ch))
            })?;
            i += sym.chars().count();
            out.push(Tok::Sym(sym));
        }
    }
    Some(out)
}

#[derive(Debug, Clone)]
enum E {
    Lit(Value),
    Var(String),
    Array(Vec<E>),
    Object(Vec<(String, E)>),
    Call(String, Vec<E>),
    Attr(Box<E>, String),
    Index(Box<E>, Box<E>),
    Unary(UnaryOp, Box<E>),
    Binary(BinaryOp, Box<E>, Box<E>),
    Range(Box<E>, Box<E>),
}

#[derive(Debug)]
enum Op {
    For(String, E),
    Let(String, E),
    Filter(E),
    Return(E),
}

pub struct Program {
    ops: Vec<Op>,
    pub calls: Vec<String>,
}

struct P {
    t: Vec<Tok>,
    at: usize,
    calls: Vec<String>,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.at)
    }
    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.at += 1;
            return true;
        }
        false
    }
    fn keyword(&mut self, k: &str) -> bool {
        match self.peek() {
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(k) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }
    fn ident(&mut self) -> Option<String> {
        match self.peek()?.clone() {
            Tok::Ident(w) => {
                self.at += 1;
                Some(w)
            }
            _ => None,
        }
    }

    fn binary_op(&mut self, level: usize) -> Option<BinaryOp> {
        let table: &[&[(&str, BinaryOp)]] = &[
            &[("||", BinaryOp::Or), ("OR", BinaryOp::Or)],
            &[("&&", BinaryOp::And), ("AND", BinaryOp::And)],
            &[("==", BinaryOp::Eq), ("!=", BinaryOp::Ne), ("IN", BinaryOp::In)],
            &[("<=", BinaryOp::Le), (">=", BinaryOp::Ge), ("<", BinaryOp::Lt), (">", BinaryOp::Gt)],
            &[("+", BinaryOp::Add), ("-", BinaryOp::Sub)],
            &[("*", BinaryOp::Mul), ("/", BinaryOp::Div), ("%", BinaryOp::Mod)],
        ];
        for (text, op) in table.get(level)?.iter() {
            let hit = if text.chars().all(|c| c.is_ascii_alphabetic()) { self.keyword(text) } else { self.sym(text) };
            if hit {
                return Some(*op);
            }
        }
        None
    }

    fn expr(&mut self, level: usize) -> Option<E> {
        if level == 6 {
            return self.range();
        }
        let mut lhs = self.expr(level + 1)?;
        while let Some(op) = self.binary_op(level) {
            let rhs = self.expr(level + 1)?;
            lhs = E::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Some(lhs)
    }

    fn range(&mut self) -> Option<E> {
        let lhs = self.unary()?;
        if self.sym("..") {
            let rhs = self.unary()?;
            return Some(E::Range(Box::new(lhs), Box::new(rhs)));
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<E> {
        if self.sym("-") {
            return Some(E::Unary(UnaryOp::Minus, Box::new(self.unary()?)));
        }
        if self.sym("!") || self.keyword("NOT") {
            return Some(E::Unary(UnaryOp::Not, Box::new(self.unary()?)));
        }
        let mut e = self.primary()?;
        loop {
            if self.sym(".") {
                e = E::Attr(Box::new(e), self.ident()?);
            } else if self.sym("[") {
                if self.peek() == Some(&Tok::Sym("*")) {
                    return None;
                }
                let i = self.expr(0)?;
                self.sym("]").then_some(())?;
                e = E::Index(Box::new(e), Box::new(i));
            } else {
                return Some(e);
            }
        }
    }

    fn list(&mut self, close: &str) -> Option<Vec<E>> {
        let mut items = Vec::new();
        if self.sym(close) {
            return Some(items);
        }
        loop {
            items.push(self.expr(0)?);
            if self.sym(close) {
                return Some(items);
            }
            self.sym(",").then_some(())?;
        }
    }

    fn primary(&mut self) -> Option<E> {
        match self.peek()?.clone() {
            Tok::Num(n) => {
                self.at += 1;
                Some(E::Lit(n))
            }
            Tok::Str(s) => {
                self.at += 1;
                Some(E::Lit(Value::String(s)))
            }
            Tok::Sym("(") => {
                self.at += 1;
                let e = self.expr(0)?;
                self.sym(")").then_some(E::Lit(Value::Null)).map(|_| e)
            }
            Tok::Sym("[") => {
                self.at += 1;
                Some(E::Array(self.list("]")?))
            }
            Tok::Sym("{") => {
                self.at += 1;
                let mut fields = Vec::new();
                if self.sym("}") {
                    return Some(E::Object(fields));
                }
                loop {
                    let key = match self.peek()?.clone() {
                        Tok::Ident(w) | Tok::Str(w) => w,
                        _ => return None,
                    };
                    self.at += 1;
                    let value = if self.sym(":") { self.expr(0)? } else { E::Var(key.clone()) };
                    fields.push((key, value));
                    if self.sym("}") {
                        return Some(E::Object(fields));
                    }
                    self.sym(",").then_some(())?;
                }
            }
            Tok::Ident(w) => {
                self.at += 1;
                match w.to_ascii_lowercase().as_str() {
                    "true" => return Some(E::Lit(Value::Bool(true))),
                    "false" => return Some(E::Lit(Value::Bool(false))),
                    "null" => return Some(E::Lit(Value::Null)),
                    _ => {}
                }
                if self.sym("(") {
                    let name = w.to_ascii_uppercase();
                    self.calls.push(name.clone());
                    return Some(E::Call(name, self.list(")")?));
                }
                Some(E::Var(w))
            }
            Tok::Sym(_) => None,
        }
    }
}

pub fn parse(query: &str) -> Option<Program> {
    let mut p = P { t: lex(query)?, at: 0, calls: Vec::new() };
    let mut ops = Vec::new();
    loop {
        if p.keyword("FOR") {
            let var = p.ident()?;
            p.keyword("IN").then_some(())?;
            ops.push(Op::For(var, p.expr(0)?));
        } else if p.keyword("LET") {
            let var = p.ident()?;
            p.sym("=").then_some(())?;
            ops.push(Op::Let(var, p.expr(0)?));
        } else if p.keyword("FILTER") {
            ops.push(Op::Filter(p.expr(0)?));
        } else if p.keyword("RETURN") {
            ops.push(Op::Return(p.expr(0)?));
            return (p.at == p.t.len()).then_some(Program { ops, calls: p.calls });
        } else {
            return None;
        }
    }
}

type Scope = HashMap<String, Value>;

fn eval(e: &E, scope: &Scope, ctx: &mut FnContext) -> Result<Value, AqlError> {
    Ok(match e {
        E::Lit(v) => v.clone(),
        E::Var(name) => scope.get(name).cloned().unwrap_or(Value::Null),
        E::Array(items) => Value::Array(items.iter().map(|i| eval(i, scope, ctx)).collect::<Result<_, _>>()?),
        E::Object(fields) => {
            let mut o = Object::new();
            for (k, v) in fields {
                o.insert(k.clone(), eval(v, scope, ctx)?);
            }
            Value::Object(o)
        }
        E::Call(name, args) => {
            let values = args.iter().map(|a| eval(a, scope, ctx)).collect::<Result<Vec<_>, _>>()?;
            call(name, values, ctx)?
        }
        E::Attr(base, name) => eval(base, scope, ctx)?.get(name).cloned().unwrap_or(Value::Null),
        E::Index(base, index) => {
            let (b, i) = (eval(base, scope, ctx)?, eval(index, scope, ctx)?);
            match (&b, &i) {
                (Value::Array(items), Value::Int(n)) => {
                    let n = if *n < 0 { items.len() as i64 + n } else { *n };
                    usize::try_from(n).ok().and_then(|n| items.get(n)).cloned().unwrap_or(Value::Null)
                }
                (Value::Object(o), Value::String(k)) => o.get(k).cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            }
        }
        E::Unary(op, v) => ops::unary(*op, &eval(v, scope, ctx)?),
        E::Binary(op, a, b) => {
            let (a, b) = (eval(a, scope, ctx)?, eval(b, scope, ctx)?);
            ops::binary(*op, &a, &b, ctx)
        }
        E::Range(a, b) => {
            let (a, b) = (cast::to_f64(&eval(a, scope, ctx)?) as i64, cast::to_f64(&eval(b, scope, ctx)?) as i64);
            Value::Array((a..=b).map(Value::Int).collect())
        }
    })
}

fn run_ops(ops: &[Op], scope: &mut Scope, ctx: &mut FnContext, out: &mut Vec<Value>) -> Result<(), AqlError> {
    let Some((first, rest)) = ops.split_first() else { return Ok(()) };
    match first {
        Op::Let(name, e) => {
            let v = eval(e, scope, ctx)?;
            scope.insert(name.clone(), v);
            run_ops(rest, scope, ctx, out)
        }
        Op::Filter(e) => {
            if cast::to_bool(&eval(e, scope, ctx)?) {
                run_ops(rest, scope, ctx, out)?;
            }
            Ok(())
        }
        Op::For(name, e) => {
            for item in cast::to_array(&eval(e, scope, ctx)?) {
                scope.insert(name.clone(), item);
                run_ops(rest, scope, ctx, out)?;
            }
            Ok(())
        }
        Op::Return(e) => {
            out.push(eval(e, scope, ctx)?);
            Ok(())
        }
    }
}

impl Program {
    pub fn run(&self) -> Result<Vec<Value>, AqlError> {
        self.run_bound(&Object::new())
    }

    /// Runs with bind parameters (`@name` reads `name`).
    pub fn run_bound(&self, binds: &Object) -> Result<Vec<Value>, AqlError> {
        let mut out = Vec::new();
        let mut scope: Scope = binds.iter().map(|(k, v)| (format!("@{k}"), v.clone())).collect();
        run_ops(&self.ops, &mut scope, &mut FnContext::default(), &mut out)?;
        Ok(out)
    }

    /// Runs and also answers the warnings the calls reported.
    pub fn run_with_warnings(&self) -> (Result<Vec<Value>, AqlError>, Vec<u32>) {
        let mut out = Vec::new();
        let mut ctx = FnContext::default();
        let r = run_ops(&self.ops, &mut Scope::new(), &mut ctx, &mut out).map(|_| out);
        (r, ctx.warnings.iter().map(|w| w.code).collect())
    }
}
