//! Authentication: which request a login gets (none, cleartext, md5, SASL) and how its
//! answer is checked against the role's stored verifier (`orbit_sql::roles`).
//!
//! The exchange is a small state machine kept in the connection's [`LoginState`]:
//! startup.rs sends the first request from [`Security::begin`], feeds each password
//! message to [`Security::answer`], and completes the login on [`Step::Done`]. SCRAM uses
//! pgwire's server-side SCRAM (`ScramServerAuth`) with PostgreSQL-style verifiers, so the
//! server never needs the password; over TLS with a certificate it also offers
//! SCRAM-SHA-256-PLUS (tls-server-end-point channel binding). Unknown users go through
//! the same exchange with a made-up verifier and fail at the end, as in PostgreSQL, so
//! the answer does not tell which user names exist. Every comparison of a client's
//! answer with a stored secret is constant-time ([`orbit_protocol_api::secret`]).
//!
//! max_connections is counted by the listener kit's accept loop
//! ([`orbit_protocol_api::accept`]); a connection over it is served with the
//! [`Security::refusing`] copy, whose [`Security::admit`] answers FATAL 53300 once the
//! startup packet has arrived, as PostgreSQL does.

use crate::error::fatal;
use crate::options::{AuthMethod, PostgresOptions, TlsMode};
use bytes::Bytes;
use orbit_protocol_api::secret::{constant_time_eq, random_bytes};
use orbit_sql::roles::{md5_response, Role, ScramVerifier};
use pgwire::api::auth::sasl::scram::{ScramSecret, ScramServerAuth, ScramServerAuthWaitingForClientFinal};
use pgwire::api::auth::sasl::{SCRAM_SHA_256_METHOD, SCRAM_SHA_256_PLUS_METHOD};
use pgwire::error::PgWireError;
use pgwire::messages::startup::Authentication;
use std::sync::Arc;

pub const INVALID_PASSWORD: &str = "28P01";
pub const INVALID_AUTHORIZATION: &str = "28000";
pub const TOO_MANY_CONNECTIONS: &str = "53300";

/// The listener-wide authentication, TLS and limit settings.
#[derive(Clone)]
pub struct Security {
    pub method: AuthMethod,
    pub tls_mode: TlsMode,
    pub tls: Option<crate::tls::Tls>,
    scram_plain: Arc<ScramServerAuth>,
    /// With the certificate configured: offers SCRAM-SHA-256-PLUS on TLS connections.
    scram_tls: Option<Arc<ScramServerAuth>>,
    pub max_connections: usize,
    /// False for connections the accept loop found over max_connections.
    admits: bool,
    /// `SET` statements every session starts with (configured defaults).
    pub session_defaults: Vec<(String, String)>,
}

impl Security {
    pub fn new(options: &PostgresOptions) -> Result<Security, String> {
        let tls = match (&options.tls, options.tls_mode) {
            (_, TlsMode::Off) => None,
            (Some(files), _) => Some(crate::tls::load(files)?),
            (None, mode) => {
                return Err(format!("tls_mode \"{}\" needs tls_cert and tls_key", mode.name()));
            }
        };
        let scram_tls = tls.as_ref().and_then(|tls| {
            let mut auth = ScramServerAuth::new();
            match auth.configure_certificate(&tls.cert_pem) {
                Ok(()) => Some(Arc::new(auth)),
                Err(e) => {
                    tracing::warn!(error = %e, "SCRAM-SHA-256-PLUS is not offered: channel binding needs an RSA or ECDSA certificate");
                    None
                }
            }
        });
        let mut session_defaults = Vec::new();
        if options.auth_method == AuthMethod::Md5 {
            session_defaults.push(("password_encryption".to_string(), "md5".to_string()));
        }
        for (name, value) in [
            ("statement_timeout", &options.statement_timeout),
            ("idle_in_transaction_session_timeout", &options.idle_in_transaction_session_timeout),
        ] {
            if let Some(value) = value {
                session_defaults.push((name.to_string(), value.clone()));
            }
        }
        Ok(Security {
            method: options.auth_method,
            tls_mode: options.tls_mode,
            tls,
            scram_plain: Arc::new(ScramServerAuth::new()),
            scram_tls,
            max_connections: options.max_connections,
            admits: true,
            session_defaults,
        })
    }

    /// The same settings for the connections over max_connections: their login is
    /// refused (they may still negotiate TLS and send a CancelRequest).
    pub fn refusing(&self) -> Security {
        Security { admits: false, ..self.clone() }
    }

    /// Lets the login go on, or FATAL 53300 on a connection over max_connections.
    pub fn admit(&self) -> Result<Admitted, PgWireError> {
        if self.admits {
            Ok(Admitted)
        } else {
            Err(fatal(TOO_MANY_CONNECTIONS, "sorry, too many clients already"))
        }
    }

    /// The first request for `user` (whose role, if any, is `role`): `None` means trust.
    pub fn begin(&self, user: &str, role: Option<Role>, secure: bool) -> Option<(Authentication, Pending)> {
        let pending = |kind| Pending { user: user.to_string(), role: role.clone(), kind };
        match self.method {
            AuthMethod::Trust => None,
            AuthMethod::Password => Some((Authentication::CleartextPassword, pending(PendingKind::Cleartext))),
            AuthMethod::Md5 if role.as_ref().is_some_and(|r| r.md5.is_none() && r.scram.is_some()) => {
                Some(self.begin_scram(pending(PendingKind::ScramFirst { plus_offered: false }), secure))
            }
            AuthMethod::Md5 => {
                let salt: [u8; 4] = random_bytes();
                Some((Authentication::MD5Password(salt.to_vec()), pending(PendingKind::Md5 { salt })))
            }
            AuthMethod::ScramSha256 => {
                Some(self.begin_scram(pending(PendingKind::ScramFirst { plus_offered: false }), secure))
            }
        }
    }

    fn begin_scram(&self, mut pending: Pending, secure: bool) -> (Authentication, Pending) {
        let plus = secure && self.scram_tls.is_some();
        let mut mechanisms = vec![SCRAM_SHA_256_METHOD.to_string()];
        if plus {
            mechanisms.push(SCRAM_SHA_256_PLUS_METHOD.to_string());
        }
        pending.kind = PendingKind::ScramFirst { plus_offered: plus };
        (Authentication::SASL(mechanisms), pending)
    }

    /// Checks a password message (its raw body) against the pending request.
    pub fn answer(&self, mut pending: Pending, body: &[u8]) -> Result<Step, PgWireError> {
        let failed = || password_failed(&pending.user);
        match std::mem::replace(&mut pending.kind, PendingKind::Cleartext) {
            PendingKind::Cleartext => {
                let password = cstring_body(body).ok_or_else(malformed)?;
                let ok = !password.is_empty() && pending.role.as_ref().is_some_and(|r| r.check_password(password));
                if ok {
                    Ok(Step::Done { user: pending.user, role: pending.role, last: None })
                } else {
                    Err(failed())
                }
            }
            PendingKind::Md5 { salt } => {
                let answer = cstring_body(body).ok_or_else(malformed)?;
                let expected = pending.role.as_ref().and_then(|r| r.md5.as_deref()).map(|h| md5_response(h, &salt));
                match expected {
                    Some(expected) if constant_time_eq(expected.as_bytes(), answer.as_bytes()) => {
                        Ok(Step::Done { user: pending.user, role: pending.role, last: None })
                    }
                    _ => Err(failed()),
                }
            }
            PendingKind::ScramFirst { plus_offered } => {
                let (mechanism, data) = sasl_initial_response(body).ok_or_else(malformed)?;
                let plus = mechanism == SCRAM_SHA_256_PLUS_METHOD;
                if !(mechanism == SCRAM_SHA_256_METHOD || (plus && plus_offered)) {
                    return Err(fatal("08P01", "client selected an invalid SASL authentication mechanism"));
                }
                let verifier = pending
                    .role
                    .as_ref()
                    .and_then(|r| r.scram.as_deref())
                    .and_then(ScramVerifier::parse)
                    .unwrap_or_else(|| mock_verifier(&pending.user));
                let secret = ScramSecret::Verifier {
                    salt: verifier.salt,
                    iterations: verifier.iterations as usize,
                    stored_key: verifier.stored_key,
                    server_key: verifier.server_key,
                };
                // Channel binding is checked only when the client asked for -PLUS; a
                // client that saw no -PLUS (plaintext) binds with "n".
                let server = match (&self.scram_tls, plus_offered) {
                    (Some(tls), true) => tls,
                    _ => &self.scram_plain,
                };
                let (server_first, waiting) = server
                    .on_client_first_message_with_secret(data, secret)
                    .map_err(|e| scram_error(&pending.user, e))?;
                pending.kind = PendingKind::ScramFinal(Box::new(waiting));
                Ok(Step::Continue(Authentication::SASLContinue(Bytes::from(server_first)), pending))
            }
            PendingKind::ScramFinal(waiting) => {
                let server_final = waiting.on_client_final_message(body).map_err(|e| scram_error(&pending.user, e))?;
                // A role without a SCRAM verifier (unknown, no password) never gets here:
                // the mock verifier matches no password.
                if pending.role.as_ref().is_none_or(|r| r.scram.is_none()) {
                    return Err(failed());
                }
                Ok(Step::Done {
                    user: pending.user,
                    role: pending.role,
                    last: Some(Authentication::SASLFinal(Bytes::from(server_final))),
                })
            }
        }
    }
}

/// An authentication exchange under way.
pub struct Pending {
    pub user: String,
    pub role: Option<Role>,
    kind: PendingKind,
}

enum PendingKind {
    Cleartext,
    Md5 { salt: [u8; 4] },
    ScramFirst { plus_offered: bool },
    ScramFinal(Box<ScramServerAuthWaitingForClientFinal>),
}

/// What to do after a password message.
pub enum Step {
    /// Send this and wait for the next password message.
    Continue(Authentication, Pending),
    /// Authenticated: send `last` (SASLFinal) if any, then AuthenticationOk.
    Done { user: String, role: Option<Role>, last: Option<Authentication> },
}

/// A login that passed [`Security::admit`]; the connection's slot itself is held by
/// the accept loop for as long as the connection's task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted;

/// A connection's authentication state and whether it was admitted.
#[derive(Default)]
pub struct LoginState {
    pub pending: Option<Pending>,
    pub permit: Option<Admitted>,
}

pub fn password_failed(user: &str) -> PgWireError {
    fatal(INVALID_PASSWORD, format!("password authentication failed for user \"{user}\""))
}

fn malformed() -> PgWireError {
    fatal("08P01", "malformed password packet")
}

fn scram_error(user: &str, e: PgWireError) -> PgWireError {
    match e {
        PgWireError::InvalidPassword(_) => password_failed(user),
        PgWireError::InvalidScramMessage(m) if m.contains("hannel binding") => {
            fatal(INVALID_AUTHORIZATION, format!("SCRAM channel binding check failed: {m}"))
        }
        PgWireError::InvalidScramMessage(m) => fatal("08P01", format!("malformed SCRAM message: {m}")),
        _ => password_failed(user),
    }
}

/// A verifier no password matches, with a salt that stays the same for a user name
/// within one process (so repeated probes do not reveal that the user is unknown).
fn mock_verifier(user: &str) -> ScramVerifier {
    static NONCE: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    let nonce = NONCE.get_or_init(random_bytes);
    let salt = orbit_sql::roles::hmac_sha256(nonce, user.as_bytes())[..16].to_vec();
    ScramVerifier {
        iterations: orbit_sql::roles::SCRAM_ITERATIONS,
        salt,
        stored_key: random_bytes::<32>().to_vec(),
        server_key: random_bytes::<32>().to_vec(),
    }
}

/// A PasswordMessage body: one NUL-terminated string, nothing after it.
fn cstring_body(body: &[u8]) -> Option<&str> {
    let (last, text) = body.split_last()?;
    if *last != 0 || text.contains(&0) {
        return None;
    }
    std::str::from_utf8(text).ok()
}

/// A SASLInitialResponse body: mechanism name, then an Int32 length (-1: none) and data.
fn sasl_initial_response(body: &[u8]) -> Option<(&str, &[u8])> {
    let nul = body.iter().position(|b| *b == 0)?;
    let mechanism = std::str::from_utf8(&body[..nul]).ok()?;
    let rest = &body[nul + 1..];
    let len = i32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
    let data = &rest[4..];
    match len {
        -1 if data.is_empty() => Some((mechanism, data)),
        n if n >= 0 && n as usize == data.len() => Some((mechanism, data)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(password: &str, md5: bool) -> Role {
        let mut role = Role {
            name: "alice".into(),
            oid: 16384,
            login: true,
            superuser: false,
            create_db: false,
            create_role: false,
            inherit: true,
            replication: false,
            bypass_rls: false,
            connection_limit: -1,
            scram: Some(ScramVerifier::new(password).to_string()),
            md5: None,
        };
        if md5 {
            role.md5 = Some(orbit_sql::roles::md5_hash(password, "alice"));
        }
        role
    }

    fn security(method: AuthMethod) -> Security {
        Security::new(&PostgresOptions { auth_method: method, ..Default::default() }).expect("valid")
    }

    #[test]
    fn cleartext_checks_the_verifier() {
        let s = security(AuthMethod::Password);
        for (password, ok) in [("secret\0", true), ("wrong\0", false), ("\0", false)] {
            let (request, pending) = s.begin("alice", Some(role("secret", false)), false).expect("asks");
            assert!(matches!(request, Authentication::CleartextPassword));
            assert_eq!(matches!(s.answer(pending, password.as_bytes()), Ok(Step::Done { .. })), ok, "{password:?}");
        }
        let (_, pending) = s.begin("nobody", None, false).expect("asks");
        assert!(s.answer(pending, b"secret\0").is_err());
        let (_, pending) = s.begin("alice", Some(role("secret", false)), false).expect("asks");
        assert!(s.answer(pending, b"secret").is_err(), "missing NUL");
    }

    #[test]
    fn md5_challenge() {
        let s = security(AuthMethod::Md5);
        let (request, pending) = s.begin("alice", Some(role("secret", true)), false).expect("asks");
        let Authentication::MD5Password(salt) = request else { panic!("md5 request") };
        let salt: [u8; 4] = salt.try_into().unwrap();
        let answer = format!("{}\0", md5_response(&orbit_sql::roles::md5_hash("secret", "alice"), &salt));
        assert!(matches!(s.answer(pending, answer.as_bytes()), Ok(Step::Done { .. })));
        // Only a SCRAM verifier stored: md5 falls back to SCRAM, as in PostgreSQL.
        let (request, _) = s.begin("alice", Some(role("secret", false)), false).expect("asks");
        assert!(matches!(request, Authentication::SASL(m) if m == vec!["SCRAM-SHA-256".to_string()]));
    }

    #[test]
    fn sasl_bodies_are_bounded() {
        assert_eq!(sasl_initial_response(b"SCRAM-SHA-256\0\0\0\0\x03abc"), Some(("SCRAM-SHA-256", &b"abc"[..])));
        assert!(sasl_initial_response(b"SCRAM-SHA-256\0\0\0\0\x09abc").is_none());
        assert!(sasl_initial_response(b"SCRAM-SHA-256\0\0\0").is_none());
        assert!(sasl_initial_response(b"SCRAM-SHA-256").is_none());
    }
}
