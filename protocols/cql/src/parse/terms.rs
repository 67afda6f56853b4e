//! Terms (literals, markers, collection/tuple/UDT literals, function calls, type hints,
//! `+`/`-`), types, WHERE/IF relations and SELECT selectors.

use super::ast::*;
use super::cursor::Cursor;
use super::lexer::Token;
use crate::error::CqlResult;
use crate::types::CqlType;

pub fn term(c: &mut Cursor) -> CqlResult<Term> {
    c.enter()?;
    let result = term_inner(c);
    c.leave();
    result
}

fn term_inner(c: &mut Cursor) -> CqlResult<Term> {
    let left = simple_term(c)?;
    if c.is_symbol("+") || (c.is_symbol("-") && c.peek_at(1).is_some()) {
        let op = if c.eat_symbol("+") {
            BinaryOp::Add
        } else {
            c.expect_symbol("-")?;
            BinaryOp::Subtract
        };
        let right = term(c)?;
        return Ok(Term::Binary { op, left: Box::new(left), right: Box::new(right) });
    }
    Ok(left)
}

fn simple_term(c: &mut Cursor) -> CqlResult<Term> {
    let Some(token) = c.peek().cloned() else { return Err(c.error("expecting a term")) };
    let lit = |l| Ok(Term::Literal(l));
    match token {
        Token::Str(s) => {
            c.next();
            lit(Literal::Str(s))
        }
        Token::Integer(s) => {
            c.next();
            lit(Literal::Integer(s))
        }
        Token::Float(s) => {
            c.next();
            lit(Literal::Float(s))
        }
        Token::Blob(b) => {
            c.next();
            lit(Literal::Blob(b))
        }
        Token::Uuid(u) => {
            c.next();
            lit(Literal::Uuid(u))
        }
        Token::Marker => {
            c.next();
            Ok(Term::Marker(c.marker(MarkerName::Positional)))
        }
        Token::NamedMarker(n) => {
            c.next();
            Ok(Term::Marker(c.marker(MarkerName::Named(n))))
        }
        Token::Symbol("-") => {
            c.next();
            match c.next() {
                Some(Token::Integer(s)) => lit(Literal::Integer(format!("-{s}"))),
                Some(Token::Float(s)) => lit(Literal::Float(format!("-{s}"))),
                Some(Token::Word(w)) if w == "infinity" => lit(Literal::Infinity { negative: true }),
                Some(Token::Word(w)) if w == "nan" => lit(Literal::NaN),
                Some(Token::Word(w)) if w.chars().next().is_some_and(|ch| ch.is_ascii_digit()) => {
                    lit(Literal::Duration(format!("-{w}")))
                }
                _ => Err(c.error("expecting a number after '-'")),
            }
        }
        Token::Symbol("[") => {
            c.next();
            let items = term_list(c, "]")?;
            Ok(Term::List(items))
        }
        Token::Symbol("{") => {
            c.next();
            brace_literal(c)
        }
        Token::Symbol("(") => {
            c.next();
            // `(type) term` or a tuple.
            if let Some(ty) = try_type_hint(c)? {
                let inner = term(c)?;
                return Ok(Term::TypeHint(ty, Box::new(inner)));
            }
            let items = term_list(c, ")")?;
            Ok(Term::Tuple(items))
        }
        Token::Word(w) => {
            c.next();
            match w.as_str() {
                "null" => lit(Literal::Null),
                "true" => lit(Literal::Bool(true)),
                "false" => lit(Literal::Bool(false)),
                "nan" => lit(Literal::NaN),
                "infinity" => lit(Literal::Infinity { negative: false }),
                _ if c.is_symbol("(") => {
                    c.next();
                    let args = term_list(c, ")")?;
                    Ok(Term::Function { name: w, args })
                }
                _ if c.is_symbol(".")
                    && matches!(c.peek_at(1), Some(Token::Word(_) | Token::Quoted(_)))
                    && matches!(c.peek_at(2), Some(Token::Symbol("("))) =>
                {
                    c.next();
                    let name = c.ident()?;
                    c.expect_symbol("(")?;
                    let args = term_list(c, ")")?;
                    Ok(Term::Function { name: format!("{w}.{name}"), args })
                }
                _ if w.chars().next().is_some_and(|ch| ch.is_ascii_digit())
                    || w.starts_with('p') && is_iso_duration(&w) =>
                {
                    lit(Literal::Duration(w))
                }
                _ => Ok(Term::Column(w)),
            }
        }
        Token::Quoted(q) => {
            c.next();
            Ok(Term::Column(q))
        }
        Token::Symbol(_) => Err(c.error("expecting a term")),
    }
}

fn is_iso_duration(w: &str) -> bool {
    w.len() > 1 && w[1..].chars().all(|ch| ch.is_ascii_alphanumeric()) && w[1..].chars().any(|ch| ch.is_ascii_digit())
}

/// Terms separated by commas up to `close` (consumed).
fn term_list(c: &mut Cursor, close: &str) -> CqlResult<Vec<Term>> {
    let mut items = Vec::new();
    if c.eat_symbol(close) {
        return Ok(items);
    }
    loop {
        items.push(term(c)?);
        if c.eat_symbol(close) {
            return Ok(items);
        }
        c.expect_symbol(",")?;
    }
}

/// After `{`: a set, a map, or a UDT literal (keys are field names).
fn brace_literal(c: &mut Cursor) -> CqlResult<Term> {
    if c.eat_symbol("}") {
        return Ok(Term::Map(Vec::new()));
    }
    let is_udt = matches!(c.peek(), Some(Token::Word(_) | Token::Quoted(_)))
        && matches!(c.peek_at(1), Some(Token::Symbol(":")))
        && !matches!(c.peek(), Some(Token::Word(w)) if matches!(w.as_str(), "true" | "false" | "null" | "nan" | "infinity"));
    if is_udt {
        let mut fields = Vec::new();
        loop {
            let name = c.ident()?;
            c.expect_symbol(":")?;
            fields.push((name, term(c)?));
            if c.eat_symbol("}") {
                return Ok(Term::Udt(fields));
            }
            c.expect_symbol(",")?;
        }
    }
    let first = term(c)?;
    if c.eat_symbol(":") {
        let mut entries = vec![(first, term(c)?)];
        loop {
            if c.eat_symbol("}") {
                return Ok(Term::Map(entries));
            }
            c.expect_symbol(",")?;
            let k = term(c)?;
            c.expect_symbol(":")?;
            entries.push((k, term(c)?));
        }
    }
    let mut items = vec![first];
    loop {
        if c.eat_symbol("}") {
            return Ok(Term::Set(items));
        }
        c.expect_symbol(",")?;
        items.push(term(c)?);
    }
}

/// After `(`: a type followed by `)` when this is a type hint, else `None` (nothing consumed).
fn try_type_hint(c: &mut Cursor) -> CqlResult<Option<CqlType>> {
    let looks_like_type = match c.peek() {
        Some(Token::Word(w)) => {
            (CqlType::from_native_name(w).is_some() && matches!(c.peek_at(1), Some(Token::Symbol(")"))))
                || (matches!(w.as_str(), "list" | "set" | "map" | "frozen" | "tuple")
                    && matches!(c.peek_at(1), Some(Token::Symbol("<"))))
        }
        _ => false,
    };
    if !looks_like_type {
        return Ok(None);
    }
    let ty = cql_type(c)?;
    c.expect_symbol(")")?;
    Ok(Some(ty))
}

pub fn cql_type(c: &mut Cursor) -> CqlResult<CqlType> {
    c.enter()?;
    let result = cql_type_inner(c);
    c.leave();
    result
}

fn cql_type_inner(c: &mut Cursor) -> CqlResult<CqlType> {
    let name = c.name_or_keyword()?;
    let one = |c: &mut Cursor| -> CqlResult<CqlType> {
        c.expect_symbol("<")?;
        let t = cql_type(c)?;
        c.expect_symbol(">")?;
        Ok(t)
    };
    Ok(match name.as_str() {
        "list" => CqlType::List(Box::new(one(c)?)),
        "set" => CqlType::Set(Box::new(one(c)?)),
        "frozen" => CqlType::Frozen(Box::new(one(c)?)),
        "map" => {
            c.expect_symbol("<")?;
            let k = cql_type(c)?;
            c.expect_symbol(",")?;
            let v = cql_type(c)?;
            c.expect_symbol(">")?;
            CqlType::Map(Box::new(k), Box::new(v))
        }
        "tuple" => {
            c.expect_symbol("<")?;
            let mut items = vec![cql_type(c)?];
            while c.eat_symbol(",") {
                items.push(cql_type(c)?);
            }
            c.expect_symbol(">")?;
            CqlType::Tuple(items)
        }
        other => match CqlType::from_native_name(other) {
            Some(t) => t,
            None if c.eat_symbol(".") => CqlType::UdtRef { keyspace: Some(name.clone()), name: c.ident()? },
            None => CqlType::UdtRef { keyspace: None, name },
        },
    })
}

fn operator(c: &mut Cursor) -> CqlResult<Operator> {
    let op = match c.peek() {
        Some(Token::Symbol("=")) => Operator::Eq,
        Some(Token::Symbol("<")) => Operator::Lt,
        Some(Token::Symbol("<=")) => Operator::Lte,
        Some(Token::Symbol(">")) => Operator::Gt,
        Some(Token::Symbol(">=")) => Operator::Gte,
        Some(Token::Symbol("!=")) => Operator::Neq,
        Some(Token::Word(w)) if w == "in" => Operator::In,
        Some(Token::Word(w)) if w == "like" => Operator::Like,
        Some(Token::Word(w)) if w == "contains" => {
            c.next();
            return Ok(if c.eat_word("key") { Operator::ContainsKey } else { Operator::Contains });
        }
        Some(Token::Word(w)) if w == "is" => {
            c.next();
            c.expect_word("not")?;
            c.expect_word("null")?;
            return Ok(Operator::IsNotNull);
        }
        _ => return Err(c.error("expecting a relation operator")),
    };
    c.next();
    Ok(op)
}

/// `a = 1 AND b IN (1, 2) AND token(k) > ?` ...
pub fn relations(c: &mut Cursor) -> CqlResult<Vec<Relation>> {
    let mut out = vec![relation(c)?];
    while c.eat_word("and") {
        out.push(relation(c)?);
    }
    Ok(out)
}

fn relation(c: &mut Cursor) -> CqlResult<Relation> {
    let target = if c.eat_symbol("(") {
        let mut names = vec![c.ident()?];
        while c.eat_symbol(",") {
            names.push(c.ident()?);
        }
        c.expect_symbol(")")?;
        RelationTarget::Tuple(names)
    } else if c.is_word("token") && matches!(c.peek_at(1), Some(Token::Symbol("("))) {
        c.next();
        c.next();
        let mut names = vec![c.ident()?];
        while c.eat_symbol(",") {
            names.push(c.ident()?);
        }
        c.expect_symbol(")")?;
        RelationTarget::Token(names)
    } else {
        let name = c.ident()?;
        if c.eat_symbol("[") {
            let key = term(c)?;
            c.expect_symbol("]")?;
            RelationTarget::Element(name, key)
        } else if c.eat_symbol(".") {
            RelationTarget::Field(name, c.ident()?)
        } else {
            RelationTarget::Column(name)
        }
    };
    let op = operator(c)?;
    let value = match op {
        Operator::IsNotNull => Term::Literal(Literal::Null),
        Operator::In if c.eat_symbol("(") => Term::Tuple(term_list(c, ")")?),
        _ => term(c)?,
    };
    Ok(Relation { target, op, value })
}

/// The selectors of SELECT (after JSON/DISTINCT); empty for `*`.
pub fn select_items(c: &mut Cursor) -> CqlResult<Vec<SelectItem>> {
    if c.eat_symbol("*") {
        return Ok(Vec::new());
    }
    let mut items = Vec::new();
    loop {
        let selector = selector(c)?;
        let alias = if c.eat_word("as") { Some(c.ident()?) } else { None };
        items.push(SelectItem { selector, alias });
        if !c.eat_symbol(",") {
            return Ok(items);
        }
    }
}

fn selector(c: &mut Cursor) -> CqlResult<Selector> {
    c.enter()?;
    let result = selector_inner(c);
    c.leave();
    result
}

fn selector_inner(c: &mut Cursor) -> CqlResult<Selector> {
    let mut base = match c.peek().cloned() {
        Some(Token::Symbol("*")) => {
            c.next();
            Selector::Star
        }
        Some(Token::Word(w)) if w == "cast" && matches!(c.peek_at(1), Some(Token::Symbol("("))) => {
            c.next();
            c.next();
            let inner = selector(c)?;
            c.expect_word("as")?;
            let ty = cql_type(c)?;
            c.expect_symbol(")")?;
            Selector::Cast(Box::new(inner), ty)
        }
        Some(Token::Word(w))
            if matches!(c.peek_at(1), Some(Token::Symbol("(")))
                || (matches!(c.peek_at(1), Some(Token::Symbol(".")))
                    && matches!(c.peek_at(2), Some(Token::Word(_) | Token::Quoted(_)))
                    && matches!(c.peek_at(3), Some(Token::Symbol("(")))) =>
        {
            c.next();
            let w = if c.eat_symbol(".") { format!("{w}.{}", c.ident()?) } else { w };
            c.next();
            let mut args = Vec::new();
            if !c.eat_symbol(")") {
                loop {
                    args.push(selector(c)?);
                    if c.eat_symbol(")") {
                        break;
                    }
                    c.expect_symbol(",")?;
                }
            }
            Selector::Function { name: w, args }
        }
        Some(Token::Word(w)) if !matches!(w.as_str(), "null" | "true" | "false") => {
            c.next();
            Selector::Column(w)
        }
        Some(Token::Quoted(q)) => {
            c.next();
            Selector::Column(q)
        }
        Some(_) => Selector::Term(term(c)?),
        None => return Err(c.error("expecting a selector")),
    };
    loop {
        if c.eat_symbol(".") {
            base = Selector::Field(Box::new(base), c.ident()?);
        } else if c.eat_symbol("[") {
            let from = if c.is_symbol("..") { None } else { Some(term(c)?) };
            if c.eat_symbol("..") {
                let to = if c.is_symbol("]") { None } else { Some(term(c)?) };
                c.expect_symbol("]")?;
                base = Selector::Slice(Box::new(base), from, to);
            } else {
                c.expect_symbol("]")?;
                let key = from.ok_or_else(|| c.error("expecting an element"))?;
                base = Selector::Element(Box::new(base), key);
            }
        } else {
            return Ok(base);
        }
    }
}
