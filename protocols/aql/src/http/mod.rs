//! The ArangoDB HTTP API over axum: routing (bare and `/_db/{name}/`), authentication
//! (Basic and JWT HS256), the error envelope, and one module per endpoint family
//! (databases, collections, documents, indexes, import, cursors, transactions, gharial,
//! users, admin), with everything Orbit does not do answering 501/9.

use std::sync::Arc;

/// The listener's settings.
#[derive(Debug, Clone)]
pub struct AqlOptions {
    /// Users from configuration (`[aql.users]`: name = password); empty: `root` with an
    /// empty password.
    pub users: Vec<(String, String)>,
    /// Whether requests must authenticate (ArangoDB's --server.authentication).
    pub authentication: bool,
    /// The HS256 secret JWTs are signed and checked with; None: a random one per start.
    pub jwt_secret: Option<String>,
    /// The largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    pub max_connections: Option<usize>,
}

impl Default for AqlOptions {
    fn default() -> Self {
        AqlOptions {
            users: Vec::new(),
            authentication: true,
            jwt_secret: None,
            max_body_bytes: 512 * 1024 * 1024,
            max_connections: Some(1024),
        }
    }
}

/// The ArangoDB listener: registered in the server's listener registry.
pub struct AqlListener {
    pub options: AqlOptions,
}

impl AqlListener {
    pub fn new(options: AqlOptions) -> AqlListener {
        AqlListener { options }
    }
}

#[allow(dead_code)]
fn _uses(_: Arc<crate::store::DocStore>) {}
