//! Administration statements: CREATE/DROP INDEX and CONSTRAINT (Neo4j 5 and the legacy
//! `ON :L(p)` / `ON (n:L) ASSERT` forms), SHOW ..., and CREATE/ALTER/DROP USER.

use super::cursor::Parser;
use super::lexer::{Punct, Tok};
use crate::ast::*;
use crate::error::CypherResult;

const INDEX_KINDS: &[(&str, IndexKind)] = &[
    ("RANGE", IndexKind::Range),
    ("BTREE", IndexKind::Range),
    ("TEXT", IndexKind::Text),
    ("POINT", IndexKind::Point),
    ("LOOKUP", IndexKind::Lookup),
    ("FULLTEXT", IndexKind::Fulltext),
    ("VECTOR", IndexKind::Vector),
];

impl<'a> Parser<'a> {
    /// An administration statement here, or None for a query.
    pub fn command(&mut self) -> CypherResult<Option<Statement>> {
        if self.at_kw("CREATE") {
            let word = |n: usize| match self.peek_n(n) {
                Tok::Word(w) => w.to_ascii_uppercase(),
                _ => String::new(),
            };
            let second = word(1);
            let not_path_var = !self.is_punct_n(2, Punct::Eq);
            let is_index_kind = INDEX_KINDS.iter().any(|(k, _)| *k == second) && self.is_kw_n(2, "INDEX");
            if second == "INDEX" && not_path_var || is_index_kind {
                self.advance();
                return self.create_index().map(Some);
            }
            if second == "CONSTRAINT" && not_path_var {
                self.advance();
                self.advance();
                return self.create_constraint().map(Some);
            }
            if (second == "USER" && not_path_var) || (second == "OR" && self.is_kw_n(2, "REPLACE")) {
                self.advance();
                return self.create_user().map(Some);
            }
            if ["DATABASE", "ROLE", "ALIAS", "COMPOSITE", "SERVER"].contains(&second.as_str()) && not_path_var {
                return Err(self.not_supported(&format!("CREATE {second}")));
            }
            return Ok(None);
        }
        if self.at_kw("DROP") {
            self.advance();
            return self.drop_command().map(Some);
        }
        if self.at_kw("SHOW") {
            self.advance();
            return self.show_command().map(Some);
        }
        if self.at_kw("ALTER") {
            self.advance();
            return self.alter_user().map(Some);
        }
        for admin in ["GRANT", "REVOKE", "DENY", "START", "STOP", "TERMINATE", "ENABLE", "DEALLOCATE", "REALLOCATE"] {
            if self.at_kw(admin) && !self.is_punct_n(1, Punct::LParen) {
                return Err(self.not_supported(&format!("The {admin} command")));
            }
        }
        Ok(None)
    }

    fn if_not_exists(&mut self) -> CypherResult<bool> {
        if self.eat_kw("IF") {
            self.expect_kw("NOT")?;
            self.expect_kw("EXISTS")?;
            return Ok(true);
        }
        Ok(false)
    }

    fn if_exists(&mut self) -> CypherResult<bool> {
        if self.eat_kw("IF") {
            self.expect_kw("EXISTS")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// An optional schema name before IF / FOR / ON.
    fn schema_name(&mut self) -> CypherResult<Option<String>> {
        if matches!(self.peek(), Tok::Quoted(_))
            || (self.at_name() && !self.at_kw("IF") && !self.at_kw("FOR") && !self.at_kw("ON"))
        {
            return Ok(Some(self.name("a name")?));
        }
        Ok(None)
    }

    fn create_index(&mut self) -> CypherResult<Statement> {
        let mut kind = IndexKind::Range;
        for (word, k) in INDEX_KINDS {
            if self.eat_kw(word) {
                kind = *k;
                break;
            }
        }
        self.expect_kw("INDEX")?;
        if self.at_kw("ON") && self.is_punct_n(1, Punct::Colon) {
            self.advance();
            self.advance();
            let label = self.name("a label name")?;
            self.expect(Punct::LParen)?;
            let mut properties = vec![self.name("a property key name")?];
            while self.eat(Punct::Comma) {
                properties.push(self.name("a property key name")?);
            }
            self.expect(Punct::RParen)?;
            return Ok(Statement::Schema(SchemaCommand::CreateIndex {
                name: None,
                if_not_exists: false,
                kind,
                entity: SchemaEntity::Node { label },
                properties,
            }));
        }
        let name = self.schema_name()?;
        let if_not_exists = self.if_not_exists()?;
        self.expect_kw("FOR")?;
        if matches!(kind, IndexKind::Lookup | IndexKind::Fulltext) {
            return Err(self.not_supported(&format!("{kind:?} indexes")));
        }
        let (var, entity) = self.schema_entity()?;
        self.expect_kw("ON")?;
        let properties = if self.eat(Punct::LParen) {
            let props = self.property_list(&var)?;
            self.expect(Punct::RParen)?;
            props
        } else {
            self.property_list(&var)?
        };
        if kind == IndexKind::Vector {
            let [property] = <[String; 1]>::try_from(properties)
                .map_err(|_| self.not_supported("A vector index on more than one property"))?;
            let options = if self.eat_kw("OPTIONS") { Some(self.expr()?) } else { None };
            return Ok(Statement::Schema(SchemaCommand::CreateVectorIndex {
                name,
                if_not_exists,
                entity,
                property,
                options,
            }));
        }
        self.reject_options()?;
        Ok(Statement::Schema(SchemaCommand::CreateIndex { name, if_not_exists, kind, entity, properties }))
    }

    fn reject_options(&mut self) -> CypherResult<()> {
        if self.at_kw("OPTIONS") {
            return Err(self.not_supported("OPTIONS on schema commands"));
        }
        Ok(())
    }

    /// `(n:L)` or `()-[r:T]-()` (either direction); returns the variable and entity.
    fn schema_entity(&mut self) -> CypherResult<(String, SchemaEntity)> {
        self.expect(Punct::LParen)?;
        if self.eat(Punct::RParen) {
            self.eat(Punct::Lt);
            self.expect(Punct::Minus)?;
            self.expect(Punct::LBracket)?;
            let var = self.name("a variable name")?;
            self.expect(Punct::Colon)?;
            let ty = self.name("a relationship type")?;
            self.expect(Punct::RBracket)?;
            self.expect(Punct::Minus)?;
            self.eat(Punct::Gt);
            self.expect(Punct::LParen)?;
            self.expect(Punct::RParen)?;
            return Ok((var, SchemaEntity::Relationship { ty }));
        }
        let var = self.name("a variable name")?;
        self.expect(Punct::Colon)?;
        let label = self.name("a label name")?;
        self.expect(Punct::RParen)?;
        Ok((var, SchemaEntity::Node { label }))
    }

    /// `n.p, n.q` with `n` the entity's variable.
    fn property_list(&mut self, var: &str) -> CypherResult<Vec<String>> {
        let mut props = Vec::new();
        loop {
            let v = self.name("a variable name")?;
            if v != var {
                return Err(self.error_here(&format!("Variable `{v}` not defined (the schema entity is `{var}`)")));
            }
            self.expect(Punct::Dot)?;
            props.push(self.name("a property key name")?);
            if !self.eat(Punct::Comma) {
                return Ok(props);
            }
        }
    }

    fn create_constraint(&mut self) -> CypherResult<Statement> {
        let legacy = self.at_kw("ON") && self.is_punct_n(1, Punct::LParen);
        let name = if legacy { None } else { self.schema_name()? };
        let if_not_exists = if legacy { false } else { self.if_not_exists()? };
        if !self.eat_kw("FOR") {
            self.expect_kw("ON")?;
        }
        let (var, entity) = self.schema_entity()?;
        if !self.eat_kw("REQUIRE") {
            self.expect_kw("ASSERT")?;
        }
        if self.at_kw("exists") && self.is_punct_n(1, Punct::LParen) {
            self.advance();
            self.advance();
            let properties = self.property_list(&var)?;
            self.expect(Punct::RParen)?;
            let kind = ConstraintKind::NotNull;
            return Ok(Statement::Schema(SchemaCommand::CreateConstraint {
                name,
                if_not_exists,
                kind,
                entity,
                properties,
            }));
        }
        let properties = if self.eat(Punct::LParen) {
            let p = self.property_list(&var)?;
            self.expect(Punct::RParen)?;
            p
        } else {
            self.property_list(&var)?
        };
        self.expect_kw("IS")?;
        let kind = if self.eat_kw("UNIQUE") {
            ConstraintKind::Unique
        } else if self.eat_kw("NOT") {
            self.expect_kw("NULL")?;
            ConstraintKind::NotNull
        } else if self.eat_kw("NODE") || self.eat_kw("RELATIONSHIP") || self.eat_kw("REL") {
            if self.eat_kw("UNIQUE") {
                ConstraintKind::Unique
            } else {
                self.expect_kw("KEY")?;
                ConstraintKind::NodeKey
            }
        } else if self.eat_kw("KEY") {
            ConstraintKind::NodeKey
        } else if self.eat(Punct::ColonColon) || self.eat_kw("TYPED") {
            self.skip_type_name()?;
            ConstraintKind::PropertyType
        } else {
            return Err(self.unexpected("UNIQUE, NOT NULL, NODE KEY or :: <type>"));
        };
        self.reject_options()?;
        Ok(Statement::Schema(SchemaCommand::CreateConstraint { name, if_not_exists, kind, entity, properties }))
    }

    fn skip_type_name(&mut self) -> CypherResult<()> {
        self.name("a type name")?;
        while self.at_name() && !self.at_kw("OPTIONS") || self.at(Punct::Lt) || self.at(Punct::Gt) {
            self.advance();
        }
        Ok(())
    }

    fn drop_command(&mut self) -> CypherResult<Statement> {
        let index = if self.eat_kw("INDEX") {
            true
        } else if self.eat_kw("CONSTRAINT") {
            false
        } else if self.at_kw("USER") {
            self.advance();
            let name = self.name("a user name")?;
            let if_exists = self.if_exists()?;
            return Ok(Statement::User(UserCommand::Drop { name, if_exists }));
        } else {
            let what = match self.peek() {
                Tok::Word(w) => w.to_ascii_uppercase(),
                _ => return Err(self.unexpected("INDEX, CONSTRAINT or USER")),
            };
            return Err(self.not_supported(&format!("DROP {what}")));
        };
        if self.at_kw("ON") {
            return Err(self.not_supported("The legacy DROP INDEX ON / DROP CONSTRAINT ON form (drop by name)"));
        }
        let name = self.name("a name")?;
        let if_exists = self.if_exists()?;
        Ok(Statement::Schema(if index {
            SchemaCommand::DropIndex { name, if_exists }
        } else {
            SchemaCommand::DropConstraint { name, if_exists }
        }))
    }

    fn show_command(&mut self) -> CypherResult<Statement> {
        let mut words = Vec::new();
        while let Tok::Word(w) = self.peek() {
            if ["YIELD", "WHERE", "RETURN"].iter().any(|k| w.eq_ignore_ascii_case(k)) {
                break;
            }
            words.push(w.to_ascii_uppercase());
            self.advance();
        }
        if self.at_kw("YIELD") || self.at_kw("WHERE") {
            return Err(self.not_supported("SHOW ... YIELD / WHERE"));
        }
        let last = words.last().map(String::as_str).unwrap_or("");
        let cmd = match last {
            "INDEX" | "INDEXES" => match words.as_slice() {
                [kind, _] if INDEX_KINDS.iter().any(|(k, _)| k == kind) => ShowCommand::IndexesOfType(kind.clone()),
                _ => ShowCommand::Indexes,
            },
            "CONSTRAINT" | "CONSTRAINTS" => ShowCommand::Constraints,
            "PROCEDURE" | "PROCEDURES" => ShowCommand::Procedures,
            "FUNCTION" | "FUNCTIONS" => ShowCommand::Functions,
            "DATABASES" if words.len() == 1 => ShowCommand::Databases,
            "USERS" if words.len() == 1 => ShowCommand::Users,
            "USER" if words == ["CURRENT", "USER"] => ShowCommand::CurrentUser,
            _ if words.is_empty() => return Err(self.unexpected("what to SHOW")),
            _ => ShowCommand::Other(words.join(" ")),
        };
        if !matches!(self.peek(), Tok::Eof | Tok::Punct(Punct::Semicolon)) {
            return Err(self.not_supported(&format!("SHOW {} with more", words.join(" "))));
        }
        Ok(Statement::Show(cmd))
    }

    fn password_value(&mut self) -> CypherResult<Expr> {
        match self.peek().clone() {
            Tok::Str(s) => {
                self.advance();
                Ok(Expr::Literal(Literal::String(s)))
            }
            Tok::Parameter(p) => {
                self.advance();
                Ok(Expr::Parameter(p))
            }
            _ => Err(self.unexpected("a password (string or parameter)")),
        }
    }

    /// `[CHANGE [NOT] REQUIRED]`.
    fn change_required(&mut self) -> CypherResult<Option<bool>> {
        if self.eat_kw("CHANGE") {
            let not = self.eat_kw("NOT");
            self.expect_kw("REQUIRED")?;
            return Ok(Some(!not));
        }
        Ok(None)
    }

    fn reject_user_extras(&mut self) -> CypherResult<()> {
        if self.at_kw("SET") {
            return Err(self.not_supported("SET STATUS / SET HOME DATABASE / SET AUTH on users"));
        }
        Ok(())
    }

    fn user_name(&mut self) -> CypherResult<String> {
        if matches!(self.peek(), Tok::Parameter(_)) {
            return Err(self.not_supported("A user name given as a parameter"));
        }
        self.name("a user name")
    }

    fn create_user(&mut self) -> CypherResult<Statement> {
        let or_replace = self.eat_kw("OR");
        if or_replace {
            self.expect_kw("REPLACE")?;
        }
        self.expect_kw("USER")?;
        let name = self.user_name()?;
        let if_not_exists = self.if_not_exists()?;
        self.expect_kw("SET")?;
        if self.at_kw("ENCRYPTED") {
            return Err(self.not_supported("SET ENCRYPTED PASSWORD"));
        }
        self.eat_kw("PLAINTEXT");
        self.expect_kw("PASSWORD")?;
        let password = self.password_value()?;
        let change_required = self.change_required()?;
        self.reject_user_extras()?;
        Ok(Statement::User(UserCommand::Create { name, password, if_not_exists, or_replace, change_required }))
    }

    fn alter_user(&mut self) -> CypherResult<Statement> {
        if self.eat_kw("CURRENT") {
            self.expect_kw("USER")?;
            self.expect_kw("SET")?;
            self.expect_kw("PASSWORD")?;
            self.expect_kw("FROM")?;
            let old = self.password_value()?;
            self.expect_kw("TO")?;
            let new = self.password_value()?;
            return Ok(Statement::User(UserCommand::ChangeOwnPassword { old, new }));
        }
        if !self.eat_kw("USER") {
            let what = match self.peek() {
                Tok::Word(w) => w.to_ascii_uppercase(),
                _ => return Err(self.unexpected("USER")),
            };
            return Err(self.not_supported(&format!("ALTER {what}")));
        }
        let name = self.user_name()?;
        let if_exists = self.if_exists()?;
        self.expect_kw("SET")?;
        if self.at_kw("ENCRYPTED") {
            return Err(self.not_supported("SET ENCRYPTED PASSWORD"));
        }
        self.eat_kw("PLAINTEXT");
        self.expect_kw("PASSWORD")?;
        let (password, change_required) = if self.at_kw("CHANGE") {
            (None, self.change_required()?)
        } else {
            let p = self.password_value()?;
            (Some(p), self.change_required()?)
        };
        self.reject_user_extras()?;
        Ok(Statement::User(UserCommand::Alter { name, password, if_exists, change_required }))
    }
}
