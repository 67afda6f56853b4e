//! CREATE / ALTER / DROP of keyspaces, tables, types, indexes and roles; TRUNCATE;
//! DESCRIBE; the statements recognised only to be refused by name.

use super::ast::*;
use super::cursor::Cursor;
use super::lexer::Token;
use super::qualified_name;
use super::terms::cql_type;
use crate::error::CqlResult;
use crate::schema::{ClusteringOrder, IndexTarget};

/// A statement recognised by its first words; the rest of it is not parsed.
fn unsupported(c: &mut Cursor, what: &str) -> Statement {
    while !c.at_end() {
        c.next();
    }
    Statement::Unsupported(what.to_string())
}

fn if_not_exists(c: &mut Cursor) -> bool {
    c.eat_words(&["if", "not", "exists"])
}

fn if_exists(c: &mut Cursor) -> bool {
    c.eat_words(&["if", "exists"])
}

/// After CREATE.
pub fn create(c: &mut Cursor) -> CqlResult<Statement> {
    if c.eat_word("keyspace") || c.eat_word("schema") {
        let if_not_exists = if_not_exists(c);
        let name = c.ident()?;
        c.expect_word("with")?;
        return Ok(Statement::CreateKeyspace { name, if_not_exists, options: properties(c)? });
    }
    if c.eat_word("table") || c.eat_word("columnfamily") {
        return create_table(c);
    }
    if c.eat_word("type") {
        let if_not_exists = if_not_exists(c);
        let name = qualified_name(c)?;
        c.expect_symbol("(")?;
        let mut fields = Vec::new();
        loop {
            let field = c.ident()?;
            fields.push((field, cql_type(c)?));
            if c.eat_symbol(")") {
                break;
            }
            c.expect_symbol(",")?;
        }
        return Ok(Statement::CreateType { name, if_not_exists, fields });
    }
    let custom = c.eat_word("custom");
    if c.eat_word("index") {
        return create_index(c, custom);
    }
    let user = c.is_word("user");
    if c.eat_word("role") || c.eat_word("user") {
        let if_not_exists = if_not_exists(c);
        let name = role_name(c)?;
        let mut options = role_options(c)?;
        if user {
            // CREATE USER (the legacy form) makes a role that logs in.
            options.login.get_or_insert(true);
        }
        return Ok(Statement::CreateRole { name, if_not_exists, options });
    }
    if c.eat_words(&["materialized", "view"]) {
        return Ok(unsupported(c, "CREATE MATERIALIZED VIEW"));
    }
    c.eat_words(&["or", "replace"]);
    for (word, what) in
        [("function", "CREATE FUNCTION"), ("aggregate", "CREATE AGGREGATE"), ("trigger", "CREATE TRIGGER")]
    {
        if c.eat_word(word) {
            return Ok(unsupported(c, what));
        }
    }
    Err(c.error("expecting KEYSPACE, TABLE, TYPE, INDEX, ROLE or USER after CREATE"))
}

fn create_table(c: &mut Cursor) -> CqlResult<Statement> {
    let if_not_exists = if_not_exists(c);
    let name = qualified_name(c)?;
    c.expect_symbol("(")?;
    let mut columns = Vec::new();
    let mut partition_key = Vec::new();
    let mut clustering = Vec::new();
    loop {
        if c.eat_words(&["primary", "key"]) {
            c.expect_symbol("(")?;
            if c.eat_symbol("(") {
                loop {
                    partition_key.push(c.ident()?);
                    if c.eat_symbol(")") {
                        break;
                    }
                    c.expect_symbol(",")?;
                }
            } else {
                partition_key.push(c.ident()?);
            }
            while c.eat_symbol(",") {
                clustering.push(c.ident()?);
            }
            c.expect_symbol(")")?;
        } else {
            let column = c.ident()?;
            let ty = cql_type(c)?;
            let is_static = c.eat_word("static");
            if c.eat_words(&["primary", "key"]) {
                if !partition_key.is_empty() {
                    return Err(c.error("Multiple PRIMARY KEYs specified (exactly one required)"));
                }
                partition_key.push(column.clone());
            }
            columns.push(ColumnDecl { name: column, ty, is_static });
        }
        if c.eat_symbol(")") {
            break;
        }
        c.expect_symbol(",")?;
        // Cassandra's grammar lets a definition be empty: `(a int, , b int,)`.
        while c.eat_symbol(",") {}
        if c.eat_symbol(")") {
            break;
        }
    }
    let mut table = CreateTable {
        name,
        if_not_exists,
        columns,
        partition_key,
        clustering,
        clustering_order: Vec::new(),
        compact_storage: false,
        options: Vec::new(),
    };
    if c.eat_word("with") {
        loop {
            if c.eat_words(&["clustering", "order", "by"]) {
                c.expect_symbol("(")?;
                loop {
                    let column = c.ident()?;
                    let order = if c.eat_word("desc") {
                        ClusteringOrder::Desc
                    } else {
                        c.expect_word("asc")?;
                        ClusteringOrder::Asc
                    };
                    table.clustering_order.push((column, order));
                    if c.eat_symbol(")") {
                        break;
                    }
                    c.expect_symbol(",")?;
                }
            } else if c.eat_words(&["compact", "storage"]) {
                table.compact_storage = true;
            } else {
                table.options.push(property(c)?);
            }
            if !c.eat_word("and") {
                break;
            }
        }
    }
    Ok(Statement::CreateTable(table))
}

fn create_index(c: &mut Cursor, custom: bool) -> CqlResult<Statement> {
    let if_not_exists = if_not_exists(c);
    let name = if c.is_word("on") { None } else { Some(c.ident()?) };
    c.expect_word("on")?;
    let table = qualified_name(c)?;
    c.expect_symbol("(")?;
    let (target, column) = match c.peek() {
        Some(Token::Word(w)) if matches!(c.peek_at(1), Some(Token::Symbol("("))) => {
            let target = match w.as_str() {
                "keys" => IndexTarget::Keys,
                "values" => IndexTarget::Values,
                "entries" => IndexTarget::Entries,
                "full" => IndexTarget::Full,
                _ => return Err(c.error("expecting KEYS, VALUES, ENTRIES or FULL")),
            };
            c.next();
            c.next();
            let column = c.ident()?;
            c.expect_symbol(")")?;
            (target, column)
        }
        _ => (IndexTarget::Values, c.ident()?),
    };
    c.expect_symbol(")")?;
    let custom_class = if c.eat_word("using") { Some(c.string()?) } else { None };
    if custom && custom_class.is_none() {
        return Err(c.error("CUSTOM index requires specifying the index class"));
    }
    if c.eat_word("with") {
        properties(c)?;
    }
    Ok(Statement::CreateIndex { name, table, if_not_exists, target, column, custom_class })
}

/// After ALTER.
pub fn alter(c: &mut Cursor) -> CqlResult<Statement> {
    if c.eat_word("keyspace") || c.eat_word("schema") {
        let name = c.ident()?;
        c.expect_word("with")?;
        return Ok(Statement::AlterKeyspace { name, options: properties(c)? });
    }
    if c.eat_word("table") || c.eat_word("columnfamily") {
        let name = qualified_name(c)?;
        let change = if c.eat_word("add") {
            let parenthesised = c.eat_symbol("(");
            let mut columns = Vec::new();
            loop {
                let column = c.ident()?;
                let ty = cql_type(c)?;
                let is_static = c.eat_word("static");
                columns.push(ColumnDecl { name: column, ty, is_static });
                if !c.eat_symbol(",") {
                    break;
                }
            }
            if parenthesised {
                c.expect_symbol(")")?;
            }
            AlterTable::Add(columns)
        } else if c.eat_word("drop") {
            let parenthesised = c.eat_symbol("(");
            let mut names = vec![c.ident()?];
            while c.eat_symbol(",") {
                names.push(c.ident()?);
            }
            if parenthesised {
                c.expect_symbol(")")?;
            }
            AlterTable::Drop(names)
        } else if c.eat_word("rename") {
            AlterTable::Rename(renames(c)?)
        } else if c.eat_word("with") {
            AlterTable::With(properties(c)?)
        } else if c.eat_word("alter") {
            let column = c.ident()?;
            c.expect_word("type")?;
            AlterTable::AlterType(column, cql_type(c)?)
        } else {
            return Err(c.error("expecting ADD, DROP, RENAME or WITH"));
        };
        return Ok(Statement::AlterTable { name, change });
    }
    if c.eat_word("type") {
        let name = qualified_name(c)?;
        let change = if c.eat_word("add") {
            let field = c.ident()?;
            AlterType::Add(field, cql_type(c)?)
        } else {
            c.expect_word("rename")?;
            AlterType::Rename(renames(c)?)
        };
        return Ok(Statement::AlterType { name, change });
    }
    if c.eat_word("role") || c.eat_word("user") {
        let name = role_name(c)?;
        return Ok(Statement::AlterRole { name, options: role_options(c)? });
    }
    if c.eat_words(&["materialized", "view"]) {
        return Ok(unsupported(c, "ALTER MATERIALIZED VIEW"));
    }
    Err(c.error("expecting KEYSPACE, TABLE, TYPE or ROLE after ALTER"))
}

fn renames(c: &mut Cursor) -> CqlResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    loop {
        let from = c.ident()?;
        c.expect_word("to")?;
        out.push((from, c.ident()?));
        if !c.eat_word("and") {
            return Ok(out);
        }
    }
}

/// After DROP.
pub fn drop(c: &mut Cursor) -> CqlResult<Statement> {
    if c.eat_word("keyspace") || c.eat_word("schema") {
        let if_exists = if_exists(c);
        return Ok(Statement::DropKeyspace { if_exists, name: c.ident()? });
    }
    if c.eat_word("table") || c.eat_word("columnfamily") {
        let if_exists = if_exists(c);
        return Ok(Statement::DropTable { if_exists, name: qualified_name(c)? });
    }
    if c.eat_word("type") {
        let if_exists = if_exists(c);
        return Ok(Statement::DropType { if_exists, name: qualified_name(c)? });
    }
    if c.eat_word("index") {
        let if_exists = if_exists(c);
        return Ok(Statement::DropIndex { if_exists, name: qualified_name(c)? });
    }
    if c.eat_word("role") || c.eat_word("user") {
        let if_exists = if_exists(c);
        return Ok(Statement::DropRole { if_exists, name: role_name(c)? });
    }
    for (words, what) in [
        (&["materialized", "view"][..], "DROP MATERIALIZED VIEW"),
        (&["function"][..], "DROP FUNCTION"),
        (&["aggregate"][..], "DROP AGGREGATE"),
        (&["trigger"][..], "DROP TRIGGER"),
    ] {
        if c.eat_words(words) {
            return Ok(unsupported(c, what));
        }
    }
    Err(c.error("expecting KEYSPACE, TABLE, TYPE, INDEX or ROLE after DROP"))
}

/// After DESCRIBE / DESC.
pub fn describe(c: &mut Cursor) -> CqlResult<Statement> {
    let d = if c.eat_word("cluster") {
        Describe::Cluster
    } else if c.eat_word("keyspaces") {
        Describe::Keyspaces
    } else if c.eat_word("keyspace") {
        Describe::Keyspace(if c.at_end() || c.is_symbol(";") { None } else { Some(c.ident()?) })
    } else if c.eat_word("tables") {
        Describe::Tables
    } else if c.eat_word("table") || c.eat_word("columnfamily") {
        Describe::Table(qualified_name(c)?)
    } else if c.eat_word("types") {
        Describe::Types
    } else if c.eat_word("type") {
        Describe::Type(qualified_name(c)?)
    } else if c.eat_word("index") {
        Describe::Index(qualified_name(c)?)
    } else if c.eat_word("functions") {
        Describe::Functions
    } else if c.eat_word("aggregates") {
        Describe::Aggregates
    } else if c.eat_words(&["full", "schema"]) {
        Describe::Schema { full: true }
    } else if c.eat_word("schema") {
        Describe::Schema { full: false }
    } else {
        Describe::Name(qualified_name(c)?)
    };
    c.eat_words(&["with", "internals"]);
    Ok(Statement::Describe(d))
}

fn role_name(c: &mut Cursor) -> CqlResult<String> {
    match c.peek() {
        Some(Token::Str(_)) => c.string(),
        _ => c.ident(),
    }
}

fn role_options(c: &mut Cursor) -> CqlResult<RoleOptions> {
    let mut options = RoleOptions::default();
    // CREATE USER name WITH PASSWORD 'x' [SUPERUSER | NOSUPERUSER] (the old syntax) or
    // CREATE ROLE name WITH PASSWORD = 'x' AND LOGIN = true AND SUPERUSER = false.
    if c.eat_word("with") {
        loop {
            let key = c.ident()?;
            let has_eq = c.eat_symbol("=");
            match key.as_str() {
                "password" => options.password = Some(c.string()?),
                "login" | "superuser" => {
                    let value = match c.next() {
                        Some(Token::Word(w)) if w == "true" => true,
                        Some(Token::Word(w)) if w == "false" => false,
                        _ => return Err(c.error("expecting true or false")),
                    };
                    if key == "login" {
                        options.login = Some(value);
                    } else {
                        options.superuser = Some(value);
                    }
                }
                "options" | "access" | "hashed" => {
                    let what = match key.as_str() {
                        "options" => "role OPTIONS",
                        "access" => "ACCESS TO DATACENTERS",
                        _ => "HASHED PASSWORD",
                    };
                    options.unsupported = Some(what.to_string());
                    let _ = has_eq;
                    while !c.at_end() && !c.is_symbol(";") {
                        c.next();
                    }
                    return Ok(options);
                }
                _ => return Err(c.error(&format!("unknown role option {key}"))),
            }
            if !c.eat_word("and") {
                break;
            }
        }
    }
    if c.eat_word("superuser") {
        options.superuser = Some(true);
    } else if c.eat_word("nosuperuser") {
        options.superuser = Some(false);
    }
    Ok(options)
}

/// `name = value AND name = value ...`.
fn properties(c: &mut Cursor) -> CqlResult<Vec<(String, OptionValue)>> {
    let mut out = vec![property(c)?];
    while c.eat_word("and") {
        out.push(property(c)?);
    }
    Ok(out)
}

fn property(c: &mut Cursor) -> CqlResult<(String, OptionValue)> {
    let name = c.ident()?;
    c.expect_symbol("=")?;
    if c.eat_symbol("{") {
        let mut entries = Vec::new();
        if !c.eat_symbol("}") {
            loop {
                let key = constant_text(c)?;
                c.expect_symbol(":")?;
                let value = constant_text(c)?;
                entries.push((key, value));
                if c.eat_symbol("}") {
                    break;
                }
                c.expect_symbol(",")?;
            }
        }
        return Ok((name, OptionValue::Map(entries)));
    }
    let value = match c.next() {
        Some(Token::Str(s)) => Literal::Str(s),
        Some(Token::Integer(s)) => Literal::Integer(s),
        Some(Token::Float(s)) => Literal::Float(s),
        Some(Token::Word(w)) if w == "true" => Literal::Bool(true),
        Some(Token::Word(w)) if w == "false" => Literal::Bool(false),
        Some(Token::Word(w)) => Literal::Str(w),
        _ => return Err(c.error("expecting a constant")),
    };
    Ok((name, OptionValue::Constant(value)))
}

fn constant_text(c: &mut Cursor) -> CqlResult<String> {
    match c.next() {
        Some(Token::Str(s) | Token::Integer(s) | Token::Float(s) | Token::Word(s)) => Ok(s),
        _ => Err(c.error("expecting a constant")),
    }
}
