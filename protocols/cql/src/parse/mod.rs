//! The CQL 3.4 grammar into [`ast`]: a [`lexer`], a checked token [`cursor`], terms,
//! types, relations and selectors ([`terms`]), DML ([`dml`]) and DDL, roles and DESCRIBE
//! ([`ddl`]). Errors are syntax errors (0x2000) with the line and column, never panics.

pub mod ast;
pub mod cursor;
pub mod ddl;
pub mod dml;
pub mod keywords;
pub mod lexer;
pub mod terms;

use crate::error::{CqlError, CqlResult};
use ast::{Parsed, QualifiedName, Statement};
use cursor::Cursor;
use lexer::Token;

/// One statement with an optional trailing `;`.
pub fn parse_statement(text: &str) -> CqlResult<Parsed> {
    let mut c = Cursor::new(lexer::tokenize(text)?);
    if c.at_end() {
        return Err(CqlError::syntax("line 1:0 no viable alternative at input '<EOF>'"));
    }
    let statement = statement(&mut c)?;
    while c.eat_symbol(";") {}
    if !c.at_end() {
        return Err(c.error("extraneous input"));
    }
    Ok(Parsed { statement, markers: c.markers })
}

pub(crate) fn statement(c: &mut Cursor) -> CqlResult<Statement> {
    let Some(Token::Word(first)) = c.peek().cloned() else {
        return Err(c.error("no viable alternative at input"));
    };
    c.next();
    match first.as_str() {
        "select" => dml::select(c),
        "insert" => dml::insert(c),
        "update" => dml::update(c),
        "delete" => dml::delete(c),
        "begin" => dml::batch(c),
        "use" => Ok(Statement::Use(c.ident()?)),
        "create" => ddl::create(c),
        "alter" => ddl::alter(c),
        "drop" => ddl::drop(c),
        "truncate" => {
            c.eat_word("table");
            c.eat_word("columnfamily");
            Ok(Statement::Truncate(qualified_name(c)?))
        }
        "describe" | "desc" => ddl::describe(c),
        "list" => {
            let users = c.is_word("users");
            if c.eat_word("roles") || c.eat_word("users") {
                while !c.at_end() && !c.is_symbol(";") {
                    c.next();
                }
                Ok(Statement::ListRoles { users })
            } else {
                permission_statement(c, "LIST PERMISSIONS")
            }
        }
        "grant" => permission_statement(c, "GRANT"),
        "revoke" => permission_statement(c, "REVOKE"),
        _ => {
            c.back();
            Err(c.error("no viable alternative at input"))
        }
    }
}

fn permission_statement(c: &mut Cursor, verb: &str) -> CqlResult<Statement> {
    while !c.at_end() && !c.is_symbol(";") {
        c.next();
    }
    Ok(Statement::Permission(verb.to_string()))
}

pub(crate) fn qualified_name(c: &mut Cursor) -> CqlResult<QualifiedName> {
    let first = c.ident()?;
    if c.eat_symbol(".") {
        Ok(QualifiedName { keyspace: Some(first), name: c.ident()? })
    } else {
        Ok(QualifiedName { keyspace: None, name: first })
    }
}

#[cfg(test)]
mod tests;
