//! Server commands (INFO, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, COMMAND, CONFIG,
//! OBJECT, SAVE, BGSAVE, LASTSAVE, FUNCTION) and the specs of the connection-level
//! commands the connection runs itself (PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET,
//! CLIENT). Replies follow Redis 7.0's shapes; INFO reports the fields clients and
//! tools read, with our own values where we have them.

use super::{args, CommandSpec, Ctx, Family};
use crate::error::{RedisError, RedisResult};
use crate::keyspace::{RedisType, DATABASES};
use crate::resp::Frame;
use crate::server::{unix_seconds, Stats, REDIS_VERSION};
use std::ops::Bound;
use std::sync::atomic::Ordering;

const fn spec(name: &'static str, arity: i32, flags: &'static [&'static str], family: Family) -> CommandSpec {
    CommandSpec { name, arity, flags, first_key: 0, last_key: 0, step: 0, family }
}

const CONN_FLAGS: &[&str] = &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"];

const TX_FLAGS: &[&str] = &["noscript", "loading", "stale", "fast", "allow_busy"];
const SUB_FLAGS: &[&str] = &["pubsub", "noscript", "loading", "stale"];

/// Commands the connection handles itself (connection state, transactions, pub/sub),
/// with Redis 7.0's arity, flags and key positions.
pub const CONNECTION_SPECS: &[CommandSpec] = &[
    spec("ping", -1, &["fast"], Family::Connection),
    spec("echo", 2, &["loading", "stale", "fast"], Family::Connection),
    spec("hello", -1, CONN_FLAGS, Family::Connection),
    spec("auth", -2, CONN_FLAGS, Family::Connection),
    spec("select", 2, &["loading", "stale", "fast"], Family::Connection),
    spec("quit", -1, CONN_FLAGS, Family::Connection),
    spec("reset", 1, CONN_FLAGS, Family::Connection),
    spec("client", -2, &[], Family::Connection),
    spec("multi", 1, TX_FLAGS, Family::Connection),
    spec("exec", 1, &["noscript", "loading", "stale", "skip_slowlog"], Family::Connection),
    spec("discard", 1, TX_FLAGS, Family::Connection),
    CommandSpec {
        name: "watch",
        arity: -2,
        flags: TX_FLAGS,
        first_key: 1,
        last_key: -1,
        step: 1,
        family: Family::Connection,
    },
    spec("unwatch", 1, TX_FLAGS, Family::Connection),
    spec("subscribe", -2, SUB_FLAGS, Family::Connection),
    spec("unsubscribe", -1, SUB_FLAGS, Family::Connection),
    spec("psubscribe", -2, SUB_FLAGS, Family::Connection),
    spec("punsubscribe", -1, SUB_FLAGS, Family::Connection),
    spec("publish", 3, &["pubsub", "loading", "stale", "fast"], Family::Connection),
    spec("pubsub", -2, &[], Family::Connection),
];

/// Transaction commands (ACL category @transaction, not @connection).
const TRANSACTION_COMMANDS: &[&str] = &["multi", "exec", "discard", "watch", "unwatch"];

pub const SPECS: &[CommandSpec] = &[
    spec("info", -1, &["loading", "stale"], Family::Server),
    spec("dbsize", 1, &["readonly", "fast"], Family::Server),
    spec("flushdb", -1, &["write"], Family::Server),
    spec("flushall", -1, &["write"], Family::Server),
    spec("swapdb", 3, &["write", "fast"], Family::Server),
    spec("time", 1, &["loading", "stale", "fast"], Family::Server),
    spec("command", -1, &["loading", "stale"], Family::Server),
    spec("config", -2, &[], Family::Server),
    spec("object", -2, &[], Family::Server),
    spec("save", 1, &["admin", "noscript", "no_async_loading", "no_multi"], Family::Server),
    spec("bgsave", -1, &["admin", "noscript", "no_async_loading"], Family::Server),
    spec("lastsave", 1, &["loading", "stale", "fast"], Family::Server),
    spec("function", -2, &[], Family::Server),
];

pub async fn execute(ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    match name.as_str() {
        "info" => info(ctx, &args[1..]).await,
        "dbsize" => Ok(Frame::Integer(ctx.txn.db_size(ctx.db()).await? as i64)),
        "flushdb" => {
            flush_mode(&args[1..])?;
            ctx.txn.flush_db(ctx.db()).await?;
            Ok(Frame::ok())
        }
        "flushall" => {
            flush_mode(&args[1..])?;
            for db in 0..DATABASES {
                ctx.txn.flush_db(db).await?;
            }
            Ok(Frame::ok())
        }
        "swapdb" => {
            let a = args::parse_i64(&args[1]).map_err(|_| RedisError::err("invalid first DB index"))?;
            let b = args::parse_i64(&args[2]).map_err(|_| RedisError::err("invalid second DB index"))?;
            let range = 0..DATABASES as i64;
            if !range.contains(&a) || !range.contains(&b) {
                return Err(RedisError::err("DB index is out of range"));
            }
            if a != b {
                ctx.txn.swap_db(a as usize, b as usize).await?;
            }
            Ok(Frame::ok())
        }
        "time" => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            Ok(Frame::Array(vec![Frame::bulk(now.as_secs().to_string()), Frame::bulk(now.subsec_micros().to_string())]))
        }
        "command" => command(args),
        "config" => config(ctx, args),
        "object" => object(ctx, args).await,
        "save" => {
            save(ctx).await?;
            Ok(Frame::ok())
        }
        "bgsave" => {
            if args.len() > 2 || (args.len() == 2 && !args::is(&args[1], "SCHEDULE")) {
                return Err(RedisError::syntax());
            }
            save(ctx).await?;
            Ok(Frame::Simple("Background saving started".into()))
        }
        "lastsave" => Ok(Frame::Integer(ctx.shared.last_save.load(Ordering::Relaxed))),
        "function" => function(args),
        _ => Err(super::unknown_command(args)),
    }
}

fn flush_mode(rest: &[Vec<u8>]) -> RedisResult<()> {
    match rest {
        [] => Ok(()),
        [mode] if args::is(mode, "ASYNC") || args::is(mode, "SYNC") => Ok(()),
        _ => Err(RedisError::syntax()),
    }
}

async fn save(ctx: &mut Ctx<'_>) -> RedisResult<()> {
    ctx.shared.storage.flush().await?;
    ctx.shared.last_save.store(unix_seconds(), Ordering::Relaxed);
    ctx.shared.stats.dirty.store(0, Ordering::Relaxed);
    Ok(())
}

/// "ERR unknown subcommand 'x'. Try CONFIG HELP."
fn unknown_sub(container: &str, sub: &[u8]) -> RedisError {
    RedisError::err(format!(
        "unknown subcommand '{}'. Try {} HELP.",
        String::from_utf8_lossy(sub),
        container.to_ascii_uppercase()
    ))
}

/// Checks a subcommand's arity, answering with "client|setname"-style names.
fn sub_arity(container: &str, sub: &str, arity: i32, argc: usize) -> RedisResult<()> {
    let ok = if arity >= 0 { argc == arity as usize } else { argc >= (-arity) as usize };
    if ok {
        Ok(())
    } else {
        Err(RedisError::wrong_arity(&format!("{container}|{sub}")))
    }
}

// ---- INFO -------------------------------------------------------------------------

const INFO_SECTIONS: &[&str] =
    &["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace"];

async fn info(ctx: &mut Ctx<'_>, sections: &[Vec<u8>]) -> RedisResult<Frame> {
    let wanted: Vec<String> = sections.iter().map(|s| String::from_utf8_lossy(s).to_ascii_lowercase()).collect();
    let all = wanted.is_empty() || wanted.iter().any(|w| matches!(w.as_str(), "all" | "default" | "everything"));
    let mut text = String::new();
    for section in INFO_SECTIONS {
        if !all && !wanted.iter().any(|w| w == section) {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        let fields = info_section(ctx, section).await?;
        text.push_str(&format!("# {}{}\r\n", section[..1].to_ascii_uppercase(), &section[1..]));
        for (k, v) in fields {
            text.push_str(&format!("{k}:{v}\r\n"));
        }
    }
    Ok(Frame::Verbatim("txt".into(), text.into_bytes()))
}

async fn info_section(ctx: &mut Ctx<'_>, section: &str) -> RedisResult<Vec<(String, String)>> {
    let shared = ctx.shared;
    let s = |k: &str, v: String| (k.to_string(), v);
    let uptime = shared.started.elapsed().as_secs();
    let stats = &shared.stats;
    Ok(match section {
        "server" => vec![
            s("redis_version", REDIS_VERSION.into()),
            s("redis_git_sha1", "00000000".into()),
            s("redis_git_dirty", "0".into()),
            s("redis_build_id", "0".into()),
            s("redis_mode", "standalone".into()),
            s("os", std::env::consts::OS.into()),
            s("arch_bits", "64".into()),
            s("multiplexing_api", "epoll".into()),
            s("process_id", std::process::id().to_string()),
            s("run_id", format!("{:040x}", shared.started.elapsed().as_nanos() ^ 0x5eed_0b17)),
            s("tcp_port", shared.local_addr.port().to_string()),
            s("server_time_usec", (unix_micros()).to_string()),
            s("uptime_in_seconds", uptime.to_string()),
            s("uptime_in_days", (uptime / 86400).to_string()),
            s("hz", "10".into()),
            s("configured_hz", "10".into()),
            s("executable", "orbit-server".into()),
            s("config_file", "".into()),
        ],
        "clients" => vec![
            s("connected_clients", shared.clients.len().to_string()),
            s("cluster_connections", "0".into()),
            s("maxclients", shared.config_get("maxclients").unwrap_or_default()),
            s("client_recent_max_input_buffer", "0".into()),
            s("client_recent_max_output_buffer", "0".into()),
            s("blocked_clients", shared.blocking.blocked_clients().to_string()),
            s("tracking_clients", "0".into()),
            s("clients_in_timeout_table", "0".into()),
        ],
        "memory" => vec![
            s("used_memory", "0".into()),
            s("used_memory_human", "0B".into()),
            s("maxmemory", shared.config_get("maxmemory").unwrap_or_default()),
            s("maxmemory_human", "0B".into()),
            s("maxmemory_policy", shared.config_get("maxmemory-policy").unwrap_or_default()),
            s("mem_fragmentation_ratio", "1.00".into()),
            s("mem_allocator", "libc".into()),
            s("lazyfree_pending_objects", "0".into()),
        ],
        "persistence" => vec![
            s("loading", "0".into()),
            s("async_loading", "0".into()),
            s("rdb_changes_since_last_save", Stats::get(&stats.dirty).to_string()),
            s("rdb_bgsave_in_progress", "0".into()),
            s("rdb_last_save_time", shared.last_save.load(Ordering::Relaxed).to_string()),
            s("rdb_last_bgsave_status", "ok".into()),
            s("aof_enabled", "0".into()),
            s("aof_rewrite_in_progress", "0".into()),
            s("aof_last_write_status", "ok".into()),
        ],
        "stats" => vec![
            s("total_connections_received", Stats::get(&stats.total_connections_received).to_string()),
            s("total_commands_processed", Stats::get(&stats.total_commands_processed).to_string()),
            s("instantaneous_ops_per_sec", "0".into()),
            s("total_net_input_bytes", Stats::get(&stats.total_net_input_bytes).to_string()),
            s("total_net_output_bytes", Stats::get(&stats.total_net_output_bytes).to_string()),
            s("rejected_connections", Stats::get(&stats.rejected_connections).to_string()),
            s("expired_keys", "0".into()),
            s("evicted_keys", "0".into()),
            s("keyspace_hits", "0".into()),
            s("keyspace_misses", "0".into()),
            s("pubsub_channels", shared.pubsub.numchannels().to_string()),
            s("pubsub_patterns", shared.pubsub.numpat().to_string()),
            s("total_error_replies", Stats::get(&stats.total_error_replies).to_string()),
        ],
        "replication" => vec![
            s("role", "master".into()),
            s("connected_slaves", "0".into()),
            s("master_failover_state", "no-failover".into()),
            s("master_repl_offset", "0".into()),
        ],
        "cpu" => vec![s("used_cpu_sys", "0.000000".into()), s("used_cpu_user", "0.000000".into())],
        "keyspace" => {
            let mut lines = Vec::new();
            for db in 0..DATABASES {
                let keys = ctx.txn.db_size(db).await?;
                if keys == 0 {
                    continue;
                }
                let expires = count_expires(ctx, db).await?;
                lines.push(s(&format!("db{db}"), format!("keys={keys},expires={expires},avg_ttl=0")));
            }
            lines
        }
        _ => vec![],
    })
}

/// Keys of `db` with an expiry (a full scan in chunks).
async fn count_expires(ctx: &mut Ctx<'_>, db: usize) -> RedisResult<u64> {
    let mut after: Option<Vec<u8>> = None;
    let mut count = 0;
    loop {
        let chunk = ctx.txn.scan_keys(db, after.as_deref(), 1000).await?;
        count += chunk.iter().filter(|(_, m)| m.expire_at_ms.is_some()).count() as u64;
        match chunk.last() {
            Some((key, _)) if chunk.len() == 1000 => after = Some(key.clone()),
            _ => return Ok(count),
        }
    }
}

fn unix_micros() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0)
}

// ---- COMMAND ------------------------------------------------------------------------

fn command(args: &[Vec<u8>]) -> RedisResult<Frame> {
    let all = super::every_command();
    let Some(sub) = args.get(1) else {
        return Ok(Frame::Array(all.into_iter().map(command_info).collect()));
    };
    let sub_name = String::from_utf8_lossy(sub).to_ascii_lowercase();
    match sub_name.as_str() {
        "count" => {
            sub_arity("command", "count", 2, args.len())?;
            Ok(Frame::Integer(all.len() as i64))
        }
        "info" => Ok(Frame::Array(if args.len() == 2 {
            all.into_iter().map(command_info).collect()
        } else {
            args[2..].iter().map(|n| super::lookup(n).map(command_info).unwrap_or(Frame::Null)).collect()
        })),
        "docs" => {
            let specs: Vec<&CommandSpec> =
                if args.len() == 2 { all } else { args[2..].iter().filter_map(|n| super::lookup(n)).collect() };
            Ok(Frame::Map(specs.into_iter().map(|s| (Frame::bulk(s.name), command_docs(s))).collect()))
        }
        "list" => {
            let names = all.into_iter().map(|s| s.name);
            let names: Vec<&str> = match args.len() {
                2 => names.collect(),
                5 if args::is(&args[2], "FILTERBY") => {
                    let value = String::from_utf8_lossy(&args[4]).to_ascii_lowercase();
                    if args::is(&args[3], "PATTERN") {
                        names.filter(|n| glob_match(value.as_bytes(), n.as_bytes())).collect()
                    } else if args::is(&args[3], "ACLCAT") {
                        let all = super::every_command();
                        all.into_iter()
                            .filter(|s| acl_categories(s).iter().any(|c| c[1..] == *value))
                            .map(|s| s.name)
                            .collect()
                    } else if args::is(&args[3], "MODULE") {
                        vec![]
                    } else {
                        return Err(RedisError::syntax());
                    }
                }
                _ => return Err(RedisError::syntax()),
            };
            Ok(Frame::Array(names.into_iter().map(Frame::bulk).collect()))
        }
        "getkeys" => Err(RedisError::err("The command has no key arguments")),
        "help" => Ok(help(&[
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "HELP",
            "    Prints this help.",
        ])),
        _ => Err(unknown_sub("command", sub)),
    }
}

fn help(lines: &[&str]) -> Frame {
    Frame::Array(lines.iter().map(|l| Frame::Simple(l.to_string())).collect())
}

fn family_group(spec: &CommandSpec) -> &'static str {
    match spec.family {
        Family::Connection => "connection",
        Family::Server => "server",
        Family::Keys => "generic",
        Family::Strings => "string",
        Family::Hashes => "hash",
        Family::Lists => "list",
        Family::Sets => "set",
        Family::ZSets => "sorted_set",
        Family::GraphRag | Family::Search => "module",
    }
}

fn acl_categories(spec: &CommandSpec) -> Vec<String> {
    let mut cats = Vec::new();
    if spec.has_flag("pubsub") {
        cats.push("@pubsub");
    }
    match spec.family {
        Family::Keys => cats.push("@keyspace"),
        Family::Strings => cats.push("@string"),
        Family::Hashes => cats.push("@hash"),
        Family::Lists => cats.push("@list"),
        Family::Sets => cats.push("@set"),
        Family::ZSets => cats.push("@sortedset"),
        Family::Search => cats.push("@search"),
        Family::Connection | Family::Server | Family::GraphRag => {}
    }
    if spec.is_write() {
        cats.push("@write");
    }
    if spec.has_flag("readonly") {
        cats.push("@read");
    }
    cats.push(if spec.has_flag("fast") { "@fast" } else { "@slow" });
    if spec.has_flag("blocking") {
        cats.push("@blocking");
    }
    if TRANSACTION_COMMANDS.contains(&spec.name) {
        cats.push("@transaction");
    } else if spec.family == Family::Connection && !spec.has_flag("pubsub") && spec.name != "pubsub" {
        cats.push("@connection");
    }
    if spec.has_flag("admin") {
        cats.push("@admin");
        cats.push("@dangerous");
    }
    cats.into_iter().map(String::from).collect()
}

/// One command in COMMAND / COMMAND INFO's 10-element shape.
fn command_info(spec: &CommandSpec) -> Frame {
    let mut key_specs = Vec::new();
    if spec.first_key > 0 {
        let last = if spec.last_key < 0 { spec.last_key } else { spec.last_key - spec.first_key };
        // WATCH only reads its keys ("RO" in Redis 7.0's key spec).
        let key_flags = if spec.name == "watch" { vec![Frame::Simple("RO".into())] } else { vec![] };
        key_specs.push(Frame::Map(vec![
            (Frame::bulk("flags"), Frame::Set(key_flags)),
            (
                Frame::bulk("begin_search"),
                Frame::Map(vec![
                    (Frame::bulk("type"), Frame::bulk("index")),
                    (
                        Frame::bulk("spec"),
                        Frame::Map(vec![(Frame::bulk("index"), Frame::Integer(spec.first_key as i64))]),
                    ),
                ]),
            ),
            (
                Frame::bulk("find_keys"),
                Frame::Map(vec![
                    (Frame::bulk("type"), Frame::bulk("range")),
                    (
                        Frame::bulk("spec"),
                        Frame::Map(vec![
                            (Frame::bulk("lastkey"), Frame::Integer(last as i64)),
                            (Frame::bulk("keystep"), Frame::Integer(spec.step as i64)),
                            (Frame::bulk("limit"), Frame::Integer(0)),
                        ]),
                    ),
                ]),
            ),
        ]));
    }
    Frame::Array(vec![
        Frame::bulk(spec.name),
        Frame::Integer(spec.arity as i64),
        Frame::Set(spec.flags.iter().map(|f| Frame::Simple(f.to_string())).collect()),
        Frame::Integer(spec.first_key as i64),
        Frame::Integer(spec.last_key as i64),
        Frame::Integer(spec.step as i64),
        Frame::Set(acl_categories(spec).into_iter().map(Frame::Simple).collect()),
        Frame::Set(vec![]),
        Frame::Array(key_specs),
        Frame::Array(vec![]),
    ])
}

/// COMMAND DOCS for one command: enough for redis-cli's hints.
fn command_docs(spec: &CommandSpec) -> Frame {
    Frame::Map(vec![
        (Frame::bulk("summary"), Frame::bulk(format!("The {} command.", spec.name.to_ascii_uppercase()))),
        (Frame::bulk("since"), Frame::bulk("1.0.0")),
        (Frame::bulk("group"), Frame::bulk(family_group(spec))),
        (Frame::bulk("complexity"), Frame::bulk("O(1)")),
        (Frame::bulk("arguments"), Frame::Array(vec![])),
    ])
}

// ---- CONFIG -------------------------------------------------------------------------

/// Parameters CONFIG SET refuses (fixed at start in Redis).
const IMMUTABLE: &[&str] = &["databases", "port", "bind", "daemonize", "dir"];
/// Parameters holding a memory size ("1mb", "100k", ...), stored in bytes.
const MEMORY_PARAMS: &[&str] = &["maxmemory", "proto-max-bulk-len", "client-query-buffer-limit"];
/// Parameters holding a plain integer.
const INTEGER_PARAMS: &[&str] = &[
    "timeout",
    "hz",
    "maxclients",
    "tcp-keepalive",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "list-max-listpack-size",
    "list-max-ziplist-size",
    "list-compress-depth",
    "hash-max-listpack-entries",
    "hash-max-listpack-value",
    "hash-max-ziplist-entries",
    "hash-max-ziplist-value",
    "set-max-intset-entries",
    "zset-max-listpack-entries",
    "zset-max-listpack-value",
    "zset-max-ziplist-entries",
    "zset-max-ziplist-value",
];

fn config(ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    match sub.as_str() {
        "get" => {
            sub_arity("config", "get", -3, args.len())?;
            let config = ctx.shared.config.read();
            let mut pairs: Vec<(String, String)> = Vec::new();
            for pattern in &args[2..] {
                let pattern = pattern.to_ascii_lowercase();
                for (k, v) in config.iter() {
                    if glob_match(&pattern, k.as_bytes()) && !pairs.iter().any(|(p, _)| p == k) {
                        pairs.push((k.clone(), v.clone()));
                    }
                }
            }
            Ok(Frame::Map(pairs.into_iter().map(|(k, v)| (Frame::bulk(k), Frame::bulk(v))).collect()))
        }
        "set" => {
            sub_arity("config", "set", -4, args.len())?;
            if !args.len().is_multiple_of(2) {
                return Err(RedisError::wrong_arity("config|set"));
            }
            let mut updates = Vec::new();
            for pair in args[2..].chunks(2) {
                let name = String::from_utf8_lossy(&pair[0]).to_ascii_lowercase();
                let value = String::from_utf8_lossy(&pair[1]).into_owned();
                let known = ctx.shared.config.read().contains_key(&name);
                if !known {
                    return Err(RedisError::err(format!(
                        "Unknown option or number of arguments for CONFIG SET - '{}'",
                        String::from_utf8_lossy(&pair[0])
                    )));
                }
                let failed = |why: &str| {
                    RedisError::err(format!("CONFIG SET failed (possibly related to argument '{name}') - {why}"))
                };
                if IMMUTABLE.contains(&name.as_str()) {
                    return Err(failed("can't set immutable config"));
                }
                let value = if MEMORY_PARAMS.contains(&name.as_str()) {
                    parse_memory(&value).ok_or_else(|| failed("argument must be a memory value"))?.to_string()
                } else if INTEGER_PARAMS.contains(&name.as_str()) {
                    value.parse::<i64>().map_err(|_| failed("argument couldn't be parsed into an integer"))?;
                    value
                } else {
                    value
                };
                if name == "maxclients" && crate::server::parse_maxclients(&value).is_none() {
                    return Err(failed("argument must be between 1 and 4294967295 inclusive"));
                }
                updates.push((name, value));
            }
            let mut config = ctx.shared.config.write();
            for (k, v) in updates {
                if k == "maxclients" {
                    // The accept loop's cap: open clients stay, new ones over it are refused.
                    ctx.shared.connections.set_max(crate::server::parse_maxclients(&v));
                }
                config.insert(k, v);
            }
            Ok(Frame::ok())
        }
        "resetstat" => {
            sub_arity("config", "resetstat", 2, args.len())?;
            ctx.shared.stats.reset();
            Ok(Frame::ok())
        }
        "rewrite" => Err(RedisError::err("The server is running without a config file")),
        "help" => Ok(help(&[
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
            "HELP",
            "    Prints this help.",
        ])),
        _ => Err(unknown_sub("config", &args[1])),
    }
}

/// "100", "1k", "1kb", "1mb", "2gb" (Redis's memtoull): bytes.
fn parse_memory(value: &str) -> Option<u64> {
    let lower = value.to_ascii_lowercase();
    let digits_end = lower.find(|c: char| !c.is_ascii_digit()).unwrap_or(lower.len());
    let (num, unit) = lower.split_at(digits_end);
    let n: u64 = num.parse().ok()?;
    let mul = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mul)
}

/// Redis's `stringmatchlen`: `*`, `?`, `[...]` (with `^` and ranges) and `\` escapes.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    if pattern.is_empty() {
        return text.is_empty();
    }
    match pattern[0] {
        b'*' => {
            let rest = &pattern[1..];
            (0..=text.len()).any(|i| glob_match(rest, &text[i..]))
        }
        b'?' => !text.is_empty() && glob_match(&pattern[1..], &text[1..]),
        b'[' => {
            let Some(&c) = text.first() else { return false };
            let mut i = 1;
            let negate = pattern.get(1) == Some(&b'^');
            if negate {
                i += 1;
            }
            let mut matched = false;
            while i < pattern.len() && pattern[i] != b']' {
                if pattern[i] == b'\\' && i + 1 < pattern.len() {
                    matched |= pattern[i + 1] == c;
                    i += 2;
                } else if i + 2 < pattern.len() && pattern[i + 1] == b'-' && pattern[i + 2] != b']' {
                    let (lo, hi) = (pattern[i].min(pattern[i + 2]), pattern[i].max(pattern[i + 2]));
                    matched |= (lo..=hi).contains(&c);
                    i += 3;
                } else {
                    matched |= pattern[i] == c;
                    i += 1;
                }
            }
            let rest = if i < pattern.len() { &pattern[i + 1..] } else { &pattern[i..] };
            matched != negate && glob_match(rest, &text[1..])
        }
        b'\\' if pattern.len() > 1 => text.first() == Some(&pattern[1]) && glob_match(&pattern[2..], &text[1..]),
        p => text.first() == Some(&p) && glob_match(&pattern[1..], &text[1..]),
    }
}

// ---- OBJECT -------------------------------------------------------------------------

async fn object(ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    match sub.as_str() {
        "help" => {
            sub_arity("object", "help", 2, args.len())?;
            Ok(help(&[
                "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>",
                "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>.",
                "HELP",
                "    Prints this help.",
            ]))
        }
        "encoding" | "freq" | "idletime" | "refcount" => {
            sub_arity("object", &sub, 3, args.len())?;
            let db = ctx.db();
            let Some(meta) = ctx.txn.meta(db, &args[2]).await? else { return Ok(Frame::Null) };
            match sub.as_str() {
                "encoding" => Ok(Frame::bulk(encoding(ctx, &meta).await?)),
                "freq" => {
                    let policy = ctx.shared.config_get("maxmemory-policy").unwrap_or_default();
                    if !policy.contains("lfu") {
                        return Err(RedisError::err(
                            "An LFU maxmemory policy is not selected, access frequency not tracked. Please note \
                             that when switching between policies at runtime LRU and LFU data will take some time \
                             to adjust.",
                        ));
                    }
                    Ok(Frame::Integer(0))
                }
                "idletime" => Ok(Frame::Integer(0)),
                _ => {
                    let shared_int = meta.kind == RedisType::String
                        && small_int(&meta.value).is_some_and(|n| (0..10000).contains(&n));
                    Ok(Frame::Integer(if shared_int { i32::MAX as i64 } else { 1 }))
                }
            }
        }
        _ => Err(unknown_sub("object", &args[1])),
    }
}

fn small_int(value: &[u8]) -> Option<i64> {
    if value.len() > 20 {
        return None;
    }
    args::parse_i64(value).ok()
}

/// The encoding Redis 7.0 would use for a value of this shape.
async fn encoding(ctx: &mut Ctx<'_>, meta: &crate::keyspace::Meta) -> RedisResult<&'static str> {
    let members = |limit: usize| (meta.size as usize) <= limit;
    Ok(match meta.kind {
        RedisType::String => {
            if small_int(&meta.value).is_some() {
                "int"
            } else if meta.value.len() <= 44 {
                "embstr"
            } else {
                "raw"
            }
        }
        RedisType::List => "quicklist",
        RedisType::Set => {
            if members(512) && all_members(ctx, meta, 512, |m, _| small_int(m).is_some()).await? {
                "intset"
            } else {
                "hashtable"
            }
        }
        RedisType::Hash => {
            if members(128) && all_members(ctx, meta, 128, |m, v| m.len() <= 64 && v.len() <= 64).await? {
                "listpack"
            } else {
                "hashtable"
            }
        }
        RedisType::ZSet => {
            if members(128) && all_members(ctx, meta, 128, |m, _| m.len() <= 64).await? {
                "listpack"
            } else {
                "skiplist"
            }
        }
    })
}

async fn all_members(
    ctx: &mut Ctx<'_>,
    meta: &crate::keyspace::Meta,
    limit: usize,
    pred: impl Fn(&[u8], &[u8]) -> bool,
) -> RedisResult<bool> {
    let rows = ctx.txn.sub_scan(meta.version, Bound::Unbounded, Bound::Unbounded, false, Some(limit + 1)).await?;
    Ok(rows.iter().all(|(m, v)| pred(m, v)))
}

// ---- FUNCTION -----------------------------------------------------------------------

fn function(args: &[Vec<u8>]) -> RedisResult<Frame> {
    let sub = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    match sub.as_str() {
        "flush" => {
            sub_arity("function", "flush", -2, args.len())?;
            flush_mode(&args[2..]).map_err(|_| RedisError::err("FUNCTION FLUSH only supports SYNC|ASYNC option"))?;
            Ok(Frame::ok())
        }
        "list" => Ok(Frame::Array(vec![])),
        _ => Err(unknown_sub("function", &args[1])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"*", b"maxmemory"));
        assert!(glob_match(b"max*", b"maxmemory"));
        assert!(glob_match(b"*policy", b"maxmemory-policy"));
        assert!(glob_match(b"h?", b"hz"));
        assert!(glob_match(b"[st]ave", b"save"));
        assert!(!glob_match(b"[^s]ave", b"save"));
        assert!(!glob_match(b"max", b"maxmemory"));
    }

    #[test]
    fn memory_values() {
        assert_eq!(parse_memory("1mb"), Some(1024 * 1024));
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("1x"), None);
    }
}
