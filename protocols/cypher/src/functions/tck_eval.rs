//! Test support only: a very small evaluator of graph-free Cypher expressions
//! (`RETURN date({year: 1984}) + duration('P1D') AS x`, with `WITH ... AS v` bindings), so
//! that the openCypher TCK's expression scenarios can be run against the value semantics
//! and function library before the real parser and executor exist. Anything beyond
//! literals, variables, maps, lists, function calls, property access, arithmetic,
//! comparisons, boolean logic and `IS [NOT] NULL` is refused (the scenario is skipped).

use super::{call, FunctionContext};
use crate::value::compare::{equals, ge, gt, le, lt};
use crate::value::{ops, temporal, Map, Value};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i64),
    Float(f64),
    Str(String),
    Ident(String),
    Sym(&'static str),
}

fn lex(s: &str) -> Option<Vec<Tok>> {
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    const SYMS: [&str; 22] = [
        "<>", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "%", "^", "(", ")", "[", "]", "{", "}", ",", ":", ".", "$",
    ];
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '.') {
                if b[i] == '.' && !b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) {
                    break;
                }
                if (b[i] == 'e' || b[i] == 'E') && matches!(b.get(i + 1), Some('-') | Some('+')) {
                    i += 1;
                }
                i += 1;
            }
            let text: String = b[start..i].iter().collect();
            if let Some(hex) = text.strip_prefix("0x") {
                out.push(Tok::Int(i64::from_str_radix(hex, 16).ok()?));
            } else if text.contains(['.', 'e', 'E']) {
                out.push(Tok::Float(text.parse().ok()?));
            } else {
                out.push(text.parse().map(Tok::Int).or_else(|_| text.parse().map(Tok::Float)).ok()?);
            }
        } else if c == '\'' || c == '"' {
            i += 1;
            let mut text = String::new();
            while i < b.len() && b[i] != c {
                if b[i] == '\\' {
                    i += 1;
                    text.push(match b.get(i)? {
                        'n' => '\n',
                        't' => '\t',
                        'u' => {
                            let hex: String = b.get(i + 1..i + 5)?.iter().collect();
                            i += 4;
                            char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                        }
                        other => *other,
                    });
                } else {
                    text.push(b[i]);
                }
                i += 1;
            }
            i += 1;
            out.push(Tok::Str(text));
        } else if c.is_alphabetic() || c == '_' || c == '`' {
            let start = i;
            if c == '`' {
                i += 1;
                while i < b.len() && b[i] != '`' {
                    i += 1;
                }
                out.push(Tok::Ident(b[start + 1..i].iter().collect()));
                i += 1;
                continue;
            }
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(b[start..i].iter().collect()));
        } else {
            let rest: String = b[i..b.len().min(i + 2)].iter().collect();
            let sym = SYMS.iter().find(|s| rest.starts_with(**s))?;
            out.push(Tok::Sym(sym));
            i += sym.len();
        }
    }
    Some(out)
}

#[derive(Debug, Clone)]
pub enum Expr {
    Lit(Value),
    Var(String),
    List(Vec<Expr>),
    Map(Vec<(String, Expr)>),
    Call(String, Vec<Expr>),
    Prop(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    IsNull(Box<Expr>, bool),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

fn is_kw(t: Option<&Tok>, kw: &str) -> bool {
    matches!(t, Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn kw(&mut self, kw: &str) -> bool {
        if is_kw(self.peek(), kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, s: &str) -> Option<()> {
        self.sym(s).then_some(())
    }
    fn ident(&mut self) -> Option<String> {
        match self.peek()? {
            Tok::Ident(s) => {
                let s = s.clone();
                self.pos += 1;
                Some(s)
            }
            _ => None,
        }
    }

    fn expr(&mut self) -> Option<Expr> {
        let mut left = self.xor()?;
        while self.kw("OR") {
            left = Expr::Binary("OR", Box::new(left), Box::new(self.xor()?));
        }
        Some(left)
    }
    fn xor(&mut self) -> Option<Expr> {
        let mut left = self.and()?;
        while self.kw("XOR") {
            left = Expr::Binary("XOR", Box::new(left), Box::new(self.and()?));
        }
        Some(left)
    }
    fn and(&mut self) -> Option<Expr> {
        let mut left = self.not()?;
        while self.kw("AND") {
            left = Expr::Binary("AND", Box::new(left), Box::new(self.not()?));
        }
        Some(left)
    }
    fn not(&mut self) -> Option<Expr> {
        if self.kw("NOT") {
            return Some(Expr::Unary("NOT", Box::new(self.not()?)));
        }
        self.comparison()
    }
    fn comparison(&mut self) -> Option<Expr> {
        let mut left = self.null_test()?;
        loop {
            let op = ["=", "<>", "<=", ">=", "<", ">"].into_iter().find(|s| self.sym(s));
            let Some(op) = op else { return Some(left) };
            left = Expr::Binary(op, Box::new(left), Box::new(self.null_test()?));
        }
    }
    fn null_test(&mut self) -> Option<Expr> {
        let mut left = self.additive()?;
        while is_kw(self.peek(), "IS") {
            self.pos += 1;
            let negated = self.kw("NOT");
            if !self.kw("NULL") {
                return None;
            }
            left = Expr::IsNull(Box::new(left), negated);
        }
        Some(left)
    }
    fn additive(&mut self) -> Option<Expr> {
        let mut left = self.multiplicative()?;
        loop {
            let op = ["+", "-"].into_iter().find(|s| self.sym(s));
            let Some(op) = op else { return Some(left) };
            left = Expr::Binary(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }
    fn multiplicative(&mut self) -> Option<Expr> {
        let mut left = self.power()?;
        loop {
            let op = ["*", "/", "%"].into_iter().find(|s| self.sym(s));
            let Some(op) = op else { return Some(left) };
            left = Expr::Binary(op, Box::new(left), Box::new(self.power()?));
        }
    }
    fn power(&mut self) -> Option<Expr> {
        let mut left = self.unary()?;
        while self.sym("^") {
            left = Expr::Binary("^", Box::new(left), Box::new(self.unary()?));
        }
        Some(left)
    }
    fn unary(&mut self) -> Option<Expr> {
        if self.sym("-") {
            return Some(match self.unary()? {
                Expr::Lit(Value::Int(i)) => Expr::Lit(Value::Int(-i)),
                Expr::Lit(Value::Float(f)) => Expr::Lit(Value::Float(-f)),
                other => Expr::Unary("-", Box::new(other)),
            });
        }
        if self.sym("+") {
            return self.unary();
        }
        self.postfix()
    }
    fn postfix(&mut self) -> Option<Expr> {
        let mut e = self.atom()?;
        loop {
            if self.sym(".") {
                e = Expr::Prop(Box::new(e), self.ident()?);
            } else if self.sym("[") {
                let index = self.expr()?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(index));
            } else {
                return Some(e);
            }
        }
    }
    fn atom(&mut self) -> Option<Expr> {
        match self.peek()?.clone() {
            Tok::Int(i) => {
                self.pos += 1;
                Some(Expr::Lit(Value::Int(i)))
            }
            Tok::Float(f) => {
                self.pos += 1;
                Some(Expr::Lit(Value::Float(f)))
            }
            Tok::Str(s) => {
                self.pos += 1;
                Some(Expr::Lit(Value::String(s)))
            }
            Tok::Sym("(") => {
                self.pos += 1;
                let e = self.expr()?;
                self.expect(")")?;
                Some(e)
            }
            Tok::Sym("[") => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.sym("]") {
                    loop {
                        items.push(self.expr()?);
                        if self.sym("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Some(Expr::List(items))
            }
            Tok::Sym("{") => {
                self.pos += 1;
                let mut entries = Vec::new();
                if !self.sym("}") {
                    loop {
                        let key = self.ident()?;
                        self.expect(":")?;
                        entries.push((key, self.expr()?));
                        if self.sym("}") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Some(Expr::Map(entries))
            }
            Tok::Ident(name) => {
                self.pos += 1;
                match name.to_ascii_lowercase().as_str() {
                    "true" => return Some(Expr::Lit(Value::Bool(true))),
                    "false" => return Some(Expr::Lit(Value::Bool(false))),
                    "null" => return Some(Expr::Lit(Value::Null)),
                    "case" | "exists" | "count" | "all" | "any" | "none" | "single" | "reduce" | "distinct" => {
                        return None
                    }
                    _ => {}
                }
                let mut full = name;
                while matches!(self.peek(), Some(Tok::Sym(".")))
                    && matches!(self.toks.get(self.pos + 1), Some(Tok::Ident(_)))
                {
                    self.pos += 1;
                    let part = self.ident()?;
                    full = format!("{full}.{part}");
                }
                if self.sym("(") {
                    let mut args = Vec::new();
                    if !self.sym(")") {
                        loop {
                            args.push(self.expr()?);
                            if self.sym(")") {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    return Some(Expr::Call(full, args));
                }
                if full.contains('.') {
                    let mut parts = full.split('.');
                    let mut e = Expr::Var(parts.next()?.to_string());
                    for p in parts {
                        e = Expr::Prop(Box::new(e), p.to_string());
                    }
                    return Some(e);
                }
                Some(Expr::Var(full))
            }
            _ => None,
        }
    }
}

pub fn parse_expr(s: &str) -> Option<Expr> {
    let mut p = Parser { toks: lex(s)?, pos: 0 };
    let e = p.expr()?;
    (p.pos == p.toks.len()).then_some(e)
}

/// `WITH a AS x, ... [WITH ...] RETURN b AS y, ...`: the projections in order, or None.
pub fn parse_query(q: &str) -> Option<Vec<Vec<(String, Expr)>>> {
    let mut p = Parser { toks: lex(q)?, pos: 0 };
    let mut clauses = Vec::new();
    loop {
        let is_return = if p.kw("WITH") {
            false
        } else if p.kw("RETURN") {
            true
        } else {
            return None;
        };
        let mut items = Vec::new();
        loop {
            let start = p.pos;
            let e = p.expr()?;
            let name = if p.kw("AS") {
                p.ident()?
            } else {
                let text = &p.toks[start..p.pos];
                match text {
                    [Tok::Ident(v)] => v.clone(),
                    _ => format!("#{}", items.len()),
                }
            };
            items.push((name, e));
            if !p.sym(",") {
                break;
            }
        }
        clauses.push(items);
        if is_return {
            return (p.pos == p.toks.len()).then_some(clauses);
        }
    }
}

fn truth(v: &Value) -> Result<Option<bool>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(format!("not a boolean: {other:?}")),
    }
}

fn opt(b: Option<bool>) -> Value {
    b.map(Value::Bool).unwrap_or(Value::Null)
}

pub fn eval(e: &Expr, scope: &Map, ctx: &FunctionContext) -> Result<Value, crate::error::CypherError> {
    let err = crate::error::CypherError::argument;
    Ok(match e {
        Expr::Lit(v) => v.clone(),
        Expr::Var(name) => scope.get(name).cloned().ok_or_else(|| err(format!("unbound {name}")))?,
        Expr::List(items) => Value::List(items.iter().map(|i| eval(i, scope, ctx)).collect::<Result<_, _>>()?),
        Expr::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                m.insert(k.clone(), eval(v, scope, ctx)?);
            }
            Value::Map(m)
        }
        Expr::Call(name, args) => {
            let args = args.iter().map(|a| eval(a, scope, ctx)).collect::<Result<Vec<_>, _>>()?;
            call(name, args, ctx)?
        }
        Expr::Prop(target, key) => match eval(target, scope, ctx)? {
            Value::Null => Value::Null,
            Value::Map(m) => m.get(key).cloned().unwrap_or(Value::Null),
            other => match temporal::fields::component(&other, key) {
                Some(r) => r?,
                None => return Err(crate::error::CypherError::type_error(format!("no property on {other:?}"))),
            },
        },
        Expr::Index(target, index) => match (eval(target, scope, ctx)?, eval(index, scope, ctx)?) {
            (Value::List(items), Value::Int(i)) => {
                let i = if i < 0 { items.len() as i64 + i } else { i };
                usize::try_from(i).ok().and_then(|i| items.get(i).cloned()).unwrap_or(Value::Null)
            }
            (Value::Map(m), Value::String(k)) => m.get(&k).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        },
        Expr::Unary(op, inner) => {
            let v = eval(inner, scope, ctx)?;
            match *op {
                "-" => ops::neg(&v)?,
                _ => opt(truth(&v).map_err(err)?.map(|b| !b)),
            }
        }
        Expr::IsNull(inner, negated) => Value::Bool(eval(inner, scope, ctx)?.is_null() != *negated),
        Expr::Binary(op, l, r) => {
            let (a, b) = (eval(l, scope, ctx)?, eval(r, scope, ctx)?);
            match *op {
                "+" => ops::add(&a, &b)?,
                "-" => ops::sub(&a, &b)?,
                "*" => ops::mul(&a, &b)?,
                "/" => ops::div(&a, &b)?,
                "%" => ops::rem(&a, &b)?,
                "^" => ops::pow(&a, &b)?,
                "=" => opt(equals(&a, &b)),
                "<>" => opt(equals(&a, &b).map(|x| !x)),
                "<" => opt(lt(&a, &b)),
                "<=" => opt(le(&a, &b)),
                ">" => opt(gt(&a, &b)),
                ">=" => opt(ge(&a, &b)),
                logic => {
                    let (x, y) = (truth(&a).map_err(err)?, truth(&b).map_err(err)?);
                    opt(match logic {
                        "AND" => match (x, y) {
                            (Some(false), _) | (_, Some(false)) => Some(false),
                            (Some(true), Some(true)) => Some(true),
                            _ => None,
                        },
                        "OR" => match (x, y) {
                            (Some(true), _) | (_, Some(true)) => Some(true),
                            (Some(false), Some(false)) => Some(false),
                            _ => None,
                        },
                        _ => match (x, y) {
                            (Some(p), Some(q)) => Some(p != q),
                            _ => None,
                        },
                    })
                }
            }
        }
    })
}
