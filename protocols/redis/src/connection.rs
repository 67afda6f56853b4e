//! One client connection: read requests, run them, write replies (filled in by the
//! connection work).

/// Per-connection state the command handlers may read or change.
#[derive(Debug, Clone)]
pub struct ClientState {
    /// CLIENT ID.
    pub id: u64,
    /// The selected logical database (SELECT).
    pub db: usize,
    /// 2 or 3 (HELLO).
    pub protocol: u8,
    /// CLIENT SETNAME / HELLO SETNAME.
    pub name: Option<String>,
    /// True while EXEC runs the queued commands.
    pub in_exec: bool,
}

impl ClientState {
    pub fn new(id: u64) -> Self {
        ClientState { id, db: 0, protocol: 2, name: None, in_exec: false }
    }
}
