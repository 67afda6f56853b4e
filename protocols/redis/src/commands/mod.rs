//! The command table and dispatch to the command families.
//!
//! Each family module (`strings`, `keys`, ...) owns its commands: a `SPECS` table
//! (name, arity, flags, key positions: what COMMAND INFO reports and what the
//! connection checks before running anything) and an `execute` function that runs one
//! of them inside the [`Ctx`]'s keyspace transaction. Commands that act on the
//! connection itself (HELLO, AUTH, SELECT, MULTI/EXEC, WATCH, SUBSCRIBE, CLIENT, ...)
//! are handled by the connection; they still have specs here so COMMAND lists them.

pub mod args;
pub mod graphrag;
pub mod hashes;
pub mod keys;
pub mod lists;
pub mod search;
pub mod server_cmds;
pub mod sets;
pub mod strings;
pub mod zsets;

use crate::connection::ClientState;
use crate::error::{RedisError, RedisResult};
use crate::keyspace::KsTxn;
use crate::resp::Frame;
use crate::server::Shared;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Which module runs a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Handled by the connection itself (connection state, transactions, pub/sub).
    Connection,
    Server,
    Keys,
    Strings,
    Hashes,
    Lists,
    Sets,
    ZSets,
    /// GRAPHRAG.*: run by the connection outside keyspace transactions ([`graphrag`]).
    GraphRag,
    /// FT.*: run by the connection outside keyspace transactions ([`search`]).
    Search,
}

/// One command's static description, as COMMAND INFO reports it.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lowercase name.
    pub name: &'static str,
    /// Redis arity: N > 0 exactly N arguments including the name; -N at least N.
    pub arity: i32,
    /// Redis command flags: "write", "readonly", "denyoom", "fast", "admin", "pubsub",
    /// "noscript", "blocking", "loading", "stale", "no_auth", "allow_busy", ...
    pub flags: &'static [&'static str],
    pub first_key: i32,
    pub last_key: i32,
    pub step: i32,
    pub family: Family,
}

/// The flag sets the command tables use (as COMMAND INFO of Redis 7.0 reports them).
pub(crate) mod flags {
    pub const W: &[&str] = &["write"];
    pub const W_FAST: &[&str] = &["write", "fast"];
    pub const W_OOM: &[&str] = &["write", "denyoom"];
    pub const W_OOM_FAST: &[&str] = &["write", "denyoom", "fast"];
    pub const W_MOVABLE: &[&str] = &["write", "movablekeys"];
    pub const W_OOM_MOVABLE: &[&str] = &["write", "denyoom", "movablekeys"];
    pub const W_BLOCK: &[&str] = &["write", "noscript", "blocking"];
    pub const W_BLOCK_FAST: &[&str] = &["write", "noscript", "blocking", "fast"];
    pub const W_BLOCK_MOVABLE: &[&str] = &["write", "blocking", "movablekeys"];
    pub const W_OOM_BLOCK: &[&str] = &["write", "denyoom", "noscript", "blocking"];
    pub const R: &[&str] = &["readonly"];
    pub const R_FAST: &[&str] = &["readonly", "fast"];
    pub const R_MOVABLE: &[&str] = &["readonly", "movablekeys"];
}

/// Defines `const fn spec(name, arity, flags, first_key, last_key, step)` building a
/// [`CommandSpec`] of `$family`, for a family module's command table.
macro_rules! family_spec {
    ($family:expr) => {
        const fn spec(
            name: &'static str,
            arity: i32,
            flags: &'static [&'static str],
            first_key: i32,
            last_key: i32,
            step: i32,
        ) -> CommandSpec {
            CommandSpec { name, arity, flags, first_key, last_key, step, family: $family }
        }
    };
}
pub(crate) use family_spec;

impl CommandSpec {
    /// True for commands that may modify the keyspace (they run under the write lock).
    pub fn is_write(&self) -> bool {
        self.flags.contains(&"write")
    }
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }
    /// True for a request that reads exactly one key's metadata and nothing else (so
    /// reading the latest committed state is atomic by itself; see
    /// `Keyspace::begin_single_read`).
    pub fn reads_one_meta(&self, request: &[Vec<u8>]) -> bool {
        const ONE_META_READ: &[&str] = &[
            "get",
            "strlen",
            "getrange",
            "substr",
            "type",
            "ttl",
            "pttl",
            "expiretime",
            "pexpiretime",
            "hlen",
            "scard",
            "zcard",
            "llen",
        ];
        !self.is_write()
            && self.arity_ok(request.len())
            && (ONE_META_READ.contains(&self.name) || (self.name == "exists" && request.len() == 2))
    }
    /// Whether `argc` arguments (name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = self.arity as i64;
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }
}

/// Everything a command handler may use.
pub struct Ctx<'a> {
    pub shared: &'a Arc<Shared>,
    pub client: &'a mut ClientState,
    /// The transaction the command runs in; the caller commits it (once per command,
    /// or once for a whole MULTI/EXEC).
    pub txn: &'a mut KsTxn,
}

impl Ctx<'_> {
    /// The client's selected database.
    pub fn db(&self) -> usize {
        self.client.db
    }
    /// True while the command runs inside EXEC (blocking commands then do not block).
    pub fn in_exec(&self) -> bool {
        self.client.in_exec
    }
}

/// Every family's command table.
fn all_specs() -> impl Iterator<Item = &'static CommandSpec> {
    [
        server_cmds::CONNECTION_SPECS,
        server_cmds::SPECS,
        keys::SPECS,
        strings::SPECS,
        hashes::SPECS,
        lists::SPECS,
        sets::SPECS,
        zsets::SPECS,
        graphrag::SPECS,
        search::SPECS,
    ]
    .into_iter()
    .flatten()
}

/// The command named `name` (any case).
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    static TABLE: OnceLock<HashMap<&'static str, &'static CommandSpec>> = OnceLock::new();
    let table = TABLE.get_or_init(|| all_specs().map(|s| (s.name, s)).collect());
    // Every command name is short: lowercase it on the stack (this runs per request).
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    table.get(std::str::from_utf8(lower).ok()?).copied()
}

/// Every command, for COMMAND / COMMAND COUNT / COMMAND LIST.
pub fn every_command() -> Vec<&'static CommandSpec> {
    all_specs().collect()
}

/// Runs a keyspace command (any family but `Connection`). `args[0]` is the name; the
/// arity has been checked.
pub async fn execute(spec: &CommandSpec, ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    match spec.family {
        Family::Connection | Family::GraphRag | Family::Search => {
            Err(RedisError::err(format!("'{}' is handled by the connection", spec.name)))
        }
        Family::Server => server_cmds::execute(ctx, args).await,
        Family::Keys => keys::execute(ctx, args).await,
        Family::Strings => strings::execute(ctx, args).await,
        Family::Hashes => hashes::execute(ctx, args).await,
        Family::Lists => lists::execute(ctx, args).await,
        Family::Sets => sets::execute(ctx, args).await,
        Family::ZSets => zsets::execute(ctx, args).await,
    }
}

/// The reply to a command name no family claims (Redis 7.0's text: the name cut at 128
/// bytes, then quoted arguments each followed by a space while the list is under 128 bytes).
pub fn unknown_command(args: &[Vec<u8>]) -> RedisError {
    let name = args.first().map(|a| String::from_utf8_lossy(&a[..a.len().min(128)]).into_owned()).unwrap_or_default();
    let mut rest = String::new();
    for arg in args.iter().skip(1) {
        if rest.len() >= 128 {
            break;
        }
        let room = 128 - rest.len();
        let text = String::from_utf8_lossy(&arg[..arg.len().min(room)]).into_owned();
        rest.push_str(&format!("'{text}' "));
    }
    RedisError::Reply(format!("ERR unknown command '{name}', with args beginning with: {rest}"))
}
