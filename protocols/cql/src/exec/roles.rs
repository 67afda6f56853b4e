//! CREATE ROLE / USER, ALTER ROLE / USER, DROP ROLE / USER and LIST ROLES / USERS as
//! Cassandra 4.1's CassandraRoleManager answers them, and the PasswordAuthenticator check
//! at login: the users of the configuration (`--cql-users`, superusers that log in) and
//! the roles of the catalog ([`crate::model::roles`]). With no configured users the server
//! runs as AllowAllAuthenticator: roles may be made, but without passwords, as Cassandra
//! refuses PASSWORD there. Only superusers manage roles; a role may change its own password.

use crate::engine::{ColumnSpec, Outcome, Rows, SessionState};
use crate::error::{CqlError, CqlResult, ErrorCode};
use crate::model::roles::{hash_password, verify_password, RoleDef};
use crate::model::Catalog;
use crate::parse::ast::{RoleOptions, Statement};
use crate::types::CqlType;
use bytes::Bytes;

#[derive(Debug, Clone, PartialEq)]
pub enum RolePlan {
    Create { name: String, if_not_exists: bool, options: RoleOptions },
    Alter { name: String, options: RoleOptions },
    Drop { name: String, if_exists: bool },
    List { users: bool },
}

impl RolePlan {
    /// The role statement of `statement`, if it is one.
    pub fn of(statement: &Statement) -> Option<RolePlan> {
        Some(match statement {
            Statement::CreateRole { name, if_not_exists, options } => {
                RolePlan::Create { name: name.clone(), if_not_exists: *if_not_exists, options: options.clone() }
            }
            Statement::AlterRole { name, options } => RolePlan::Alter { name: name.clone(), options: options.clone() },
            Statement::DropRole { name, if_exists } => RolePlan::Drop { name: name.clone(), if_exists: *if_exists },
            Statement::ListRoles { users } => RolePlan::List { users: *users },
            _ => return None,
        })
    }
}

/// Roles as the authenticator and the role statements see them.
pub struct Roles<'a> {
    /// `--cql-users`: superusers that log in with these passwords.
    pub configured: &'a [(String, String)],
    pub catalog: &'a Catalog,
}

fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bad_credentials(user: &str) -> CqlError {
    CqlError::new(ErrorCode::BadCredentials, format!("Provided username {user} and/or password are incorrect"))
}

fn unauthorized(user: &str) -> CqlError {
    CqlError::unauthorized(format!(
        "User {user} does not have sufficient privileges to perform the requested operation"
    ))
}

impl Roles<'_> {
    fn authentication_on(&self) -> bool {
        !self.configured.is_empty()
    }

    fn is_configured(&self, name: &str) -> bool {
        self.configured.iter().any(|(n, _)| n == name)
    }

    fn exists(&self, name: &str) -> bool {
        self.is_configured(name) || self.catalog.role(name).is_some()
    }

    /// PasswordAuthenticator's check of a SASL PLAIN login.
    pub fn authenticate(&self, user: &str, password: &str) -> CqlResult<()> {
        if let Some((_, secret)) = self.configured.iter().find(|(n, _)| n == user) {
            return if same_secret(secret, password) { Ok(()) } else { Err(bad_credentials(user)) };
        }
        match self.catalog.role(user) {
            Some(RoleDef { salted_hash: Some(hash), login, .. }) if verify_password(&hash, password) => {
                if login {
                    Ok(())
                } else {
                    Err(CqlError::new(ErrorCode::BadCredentials, format!("{user} is not permitted to log in")))
                }
            }
            _ => Err(bad_credentials(user)),
        }
    }

    fn is_superuser(&self, session: &SessionState) -> bool {
        match &session.user {
            // Without authentication every client is the anonymous superuser.
            None => !self.authentication_on(),
            Some(user) => self.is_configured(user) || self.catalog.role(user).is_some_and(|r| r.superuser),
        }
    }

    fn check_options(&self, options: &RoleOptions) -> CqlResult<()> {
        if let Some(what) = &options.unsupported {
            return Err(CqlError::not_supported(what));
        }
        if options.password.is_some() && !self.authentication_on() {
            return Err(CqlError::invalid("org.apache.cassandra.auth.CassandraRoleManager doesn't support PASSWORD"));
        }
        Ok(())
    }

    pub async fn run(&self, session: &SessionState, plan: RolePlan) -> CqlResult<Outcome> {
        let current = session.user.clone().unwrap_or_else(|| "anonymous".to_string());
        match plan {
            RolePlan::Create { name, if_not_exists, options } => {
                self.check_options(&options)?;
                if !self.is_superuser(session) {
                    return Err(unauthorized(&current));
                }
                if self.exists(&name) {
                    return if if_not_exists {
                        Ok(Outcome::Void)
                    } else {
                        Err(CqlError::invalid(format!("{name} already exists")))
                    };
                }
                let salted_hash = options.password.as_deref().map(hash_password).transpose()?;
                let role = RoleDef {
                    name,
                    superuser: options.superuser.unwrap_or(false),
                    login: options.login.unwrap_or(false),
                    salted_hash,
                };
                self.catalog.put_role(role).await?;
                Ok(Outcome::Void)
            }
            RolePlan::Alter { name, options } => {
                self.check_options(&options)?;
                if self.is_configured(&name) {
                    return Err(CqlError::invalid(format!(
                        "{name} comes from the server's configuration (--cql-users) and is changed there"
                    )));
                }
                let Some(mut role) = self.catalog.role(&name) else {
                    return Err(CqlError::invalid(format!("{name} doesn't exist")));
                };
                let own_password_only = session.user.as_deref() == Some(name.as_str())
                    && options.login.is_none()
                    && options.superuser.is_none();
                if !self.is_superuser(session) && !own_password_only {
                    return Err(unauthorized(&current));
                }
                if options.superuser.is_some() && session.user.as_deref() == Some(name.as_str()) {
                    return Err(CqlError::unauthorized("You aren't allowed to alter your own superuser status"));
                }
                if let Some(password) = &options.password {
                    role.salted_hash = Some(hash_password(password)?);
                }
                role.login = options.login.unwrap_or(role.login);
                role.superuser = options.superuser.unwrap_or(role.superuser);
                self.catalog.put_role(role).await?;
                Ok(Outcome::Void)
            }
            RolePlan::Drop { name, if_exists } => {
                if !self.is_superuser(session) {
                    return Err(unauthorized(&current));
                }
                if session.user.as_deref() == Some(name.as_str()) {
                    return Err(CqlError::invalid("Cannot DROP primary role for current login"));
                }
                if self.is_configured(&name) {
                    return Err(CqlError::invalid(format!(
                        "{name} comes from the server's configuration (--cql-users) and is removed there"
                    )));
                }
                if !self.catalog.drop_role(&name).await? && !if_exists {
                    return Err(CqlError::invalid(format!("{name} doesn't exist")));
                }
                Ok(Outcome::Void)
            }
            RolePlan::List { users } => Ok(Outcome::Rows(self.list(session, users)?)),
        }
    }

    /// LIST ROLES (role, super, login, options, datacenters) or LIST USERS (name, super,
    /// datacenters: the roles that log in), by name; a non-superuser sees only itself.
    fn list(&self, session: &SessionState, users: bool) -> CqlResult<Rows> {
        let mut all: Vec<RoleDef> = self
            .configured
            .iter()
            .map(|(n, _)| RoleDef { name: n.clone(), superuser: true, login: true, salted_hash: None })
            .collect();
        all.extend(self.catalog.roles().into_iter().filter(|r| !self.is_configured(&r.name)));
        if !self.is_superuser(session) {
            all.retain(|r| session.user.as_deref() == Some(r.name.as_str()));
        }
        if users {
            all.retain(|r| r.login);
        }
        all.sort_by(|a, b| a.name.cmp(&b.name));
        let table = if users { "users" } else { "roles" };
        let spec = |name: &str, ty: CqlType| ColumnSpec {
            keyspace: "system_auth".into(),
            table: table.into(),
            name: name.into(),
            ty,
        };
        let flag = |b: bool| Some(Bytes::from_static(if b { &[1] } else { &[0] }));
        let text = |s: &str| Some(Bytes::copy_from_slice(s.as_bytes()));
        let columns = if users {
            vec![spec("name", CqlType::Text), spec("super", CqlType::Boolean), spec("datacenters", CqlType::Text)]
        } else {
            vec![
                spec("role", CqlType::Text),
                spec("super", CqlType::Boolean),
                spec("login", CqlType::Boolean),
                spec("options", CqlType::Map(Box::new(CqlType::Text), Box::new(CqlType::Text))),
                spec("datacenters", CqlType::Text),
            ]
        };
        let rows = all
            .iter()
            .map(|r| {
                if users {
                    vec![text(&r.name), flag(r.superuser), text("ALL")]
                } else {
                    // An empty map: its element count, 0.
                    vec![
                        text(&r.name),
                        flag(r.superuser),
                        flag(r.login),
                        Some(Bytes::from_static(&[0, 0, 0, 0])),
                        text("ALL"),
                    ]
                }
            })
            .collect();
        Ok(Rows { columns, rows, paging_state: None })
    }
}
