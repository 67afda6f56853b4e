//! The Lua scripts of the Redis backend. Each runs atomically on the server (EVALSHA,
//! falling back to EVAL after a restart emptied the script cache), so every
//! compare-and-swap, its fencing counter and its index entries change together.
//!
//! Key layout under the prefix `P` (ARGV[1] of every script); `<id>` is a lease's
//! reference as `<byte length of type>:<type>:<key>` (unambiguous for any strings):
//!
//! | key            | type   | holds                                                        |
//! |----------------|--------|--------------------------------------------------------------|
//! | `P:lease:<id>` | hash   | `lease` (the encoded lease), `node`, `ver`, `fence`, `exp`   |
//! | `P:ctr:<id>`   | hash   | `w` (writes of the key), `f` (acquisitions): never deleted   |
//! | `P:idx:<node>` | set    | the ids leased to the node                                   |
//! | `P:expiry`     | zset   | every id, scored by its expiry (listing and cleanup)         |
//! | `P:node:<id>`  | hash   | `info` (the encoded node), `exp` (its lease expiry)          |
//! | `P:nodes`      | set    | every node id                                                |
//!
//! A lease's version is its `w` counter at the write that stored it (so it changes on
//! every write and never repeats, releases included); its fencing token is the `f`
//! counter at its acquisition (renewals and updates keep it). Numbers cross into Lua as
//! strings written by Rust; Lua compares them with `tonumber` only for expiry cleanup.

use redis::Script;
use std::sync::LazyLock;

const LIBRARY: &str = r#"
local P = ARGV[1]
local EXPIRY = P .. ':expiry'
local NODES = P .. ':nodes'
local function lkey(id) return P .. ':lease:' .. id end
local function ckey(id) return P .. ':ctr:' .. id end
local function ikey(node) return P .. ':idx:' .. node end
local function nkey(node) return P .. ':node:' .. node end

local function current(id)
  return redis.call('HMGET', lkey(id), 'lease', 'ver', 'fence', 'node')
end

-- Stores a lease, moving its index entry; an acquisition (or a first write) takes a new
-- fencing token, other writes keep the stored one. Returns {version, fence}.
local function put(id, node, exp, blob, acquisition)
  local k = lkey(id)
  local old = redis.call('HGET', k, 'node')
  if old and old ~= node then redis.call('SREM', ikey(old), id) end
  redis.call('SADD', ikey(node), id)
  local ver = redis.call('HINCRBY', ckey(id), 'w', 1)
  local fence
  if acquisition or not old then
    fence = redis.call('HINCRBY', ckey(id), 'f', 1)
  else
    fence = redis.call('HGET', k, 'fence')
  end
  redis.call('HSET', k, 'lease', blob, 'node', node, 'ver', ver, 'fence', fence, 'exp', exp)
  redis.call('ZADD', EXPIRY, exp, id)
  return {ver, fence}
end

-- Removes a lease and its index entries; the counters stay. Returns 1, or 0 when absent.
local function del(id)
  local k = lkey(id)
  local node = redis.call('HGET', k, 'node')
  if not node then return 0 end
  redis.call('SREM', ikey(node), id)
  redis.call('DEL', k)
  redis.call('ZREM', EXPIRY, id)
  redis.call('HINCRBY', ckey(id), 'w', 1)
  return 1
end

local function node_put(id, info, exp)
  redis.call('HSET', nkey(id), 'info', info, 'exp', exp)
  redis.call('SADD', NODES, id)
end

local function node_del(id)
  redis.call('SREM', NODES, id)
  return redis.call('DEL', nkey(id))
end
"#;

/// ARGV: P, id, node, exp, blob[, expected version]. Acquires when the key holds no
/// lease or one of the expected version: {1, ver, fence}; else {0, lease, ver, fence}.
const ACQUIRE: &str = r#"
local cur = current(ARGV[2])
if cur[1] and cur[2] ~= ARGV[6] then return {0, cur[1], cur[2], cur[3]} end
local r = put(ARGV[2], ARGV[3], ARGV[4], ARGV[5], true)
return {1, r[1], r[2]}
"#;

/// ARGV: P, id, node, exp, blob, version. Renews when the stored lease has the version
/// and the node: {1, ver, fence}; else {0, lease, ver, fence} (nils when absent).
const RENEW: &str = r#"
local cur = current(ARGV[2])
if cur[1] and cur[2] == ARGV[6] and cur[4] == ARGV[3] then
  local r = put(ARGV[2], ARGV[3], ARGV[4], ARGV[5], false)
  return {1, r[1], r[2]}
end
return {0, cur[1], cur[2], cur[3]}
"#;

/// ARGV: P, id, version. 1 when removed.
const RELEASE: &str = r#"
if redis.call('HGET', lkey(ARGV[2]), 'ver') == ARGV[3] then return del(ARGV[2]) end
return 0
"#;

/// ARGV: P, then (id, node, exp, blob) per lease. Stores all of them.
const STORE: &str = r#"
for i = 2, #ARGV, 4 do put(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], true) end
return 1
"#;

/// ARGV: P, id, node, exp, blob. 1 when replaced, 0 when there was no lease.
const UPDATE: &str = r#"
if redis.call('EXISTS', lkey(ARGV[2])) == 0 then return 0 end
put(ARGV[2], ARGV[3], ARGV[4], ARGV[5], false)
return 1
"#;

/// ARGV: P, ids. How many were removed.
const REMOVE: &str = r#"
local n = 0
for i = 2, #ARGV do n = n + del(ARGV[i]) end
return n
"#;

/// ARGV: P, now. Removes the leases whose expiry is at or before now; how many.
const CLEANUP: &str = r#"
local n = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', EXPIRY, '-inf', ARGV[2])) do n = n + del(id) end
return n
"#;

/// ARGV: P[, node]. {id, blob, id, blob, ...} of every lease, or of the node's.
const LIST: &str = r#"
local ids
if ARGV[2] then ids = redis.call('SMEMBERS', ikey(ARGV[2])) else ids = redis.call('ZRANGE', EXPIRY, 0, -1) end
local out = {}
for _, id in ipairs(ids) do
  local blob = redis.call('HGET', lkey(id), 'lease')
  if blob then table.insert(out, id) table.insert(out, blob) end
end
return out
"#;

/// ARGV: P, op... with ops SL id node exp blob | RL id | SN id info exp | RN id.
const COMMIT: &str = r#"
local i = 2
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'SL' then put(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], true) i = i + 5
  elseif op == 'RL' then del(ARGV[i + 1]) i = i + 2
  elseif op == 'SN' then node_put(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) i = i + 4
  elseif op == 'RN' then node_del(ARGV[i + 1]) i = i + 2
  else return redis.error_reply('unknown transaction op ' .. op) end
end
return 1
"#;

/// ARGV: P, id, info, exp, mode ("store" | "update"). 1 when written.
const NODE_PUT: &str = r#"
if ARGV[5] == 'update' and redis.call('EXISTS', nkey(ARGV[2])) == 0 then return 0 end
node_put(ARGV[2], ARGV[3], ARGV[4])
return 1
"#;

/// ARGV: P, id, exp. 1 when the node exists (and its expiry is set).
const NODE_RENEW: &str = r#"
if redis.call('EXISTS', nkey(ARGV[2])) == 0 then return 0 end
redis.call('HSET', nkey(ARGV[2]), 'exp', ARGV[3])
return 1
"#;

/// ARGV: P, id. 1 when removed.
const NODE_REMOVE: &str = r#"
return node_del(ARGV[2])
"#;

/// ARGV: P. {id, info, exp, ...} of every node.
const NODE_LIST: &str = r#"
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', NODES)) do
  local r = redis.call('HMGET', nkey(id), 'info', 'exp')
  if r[1] then table.insert(out, id) table.insert(out, r[1]) table.insert(out, r[2] or '0') end
end
return out
"#;

/// ARGV: P, now. Removes nodes whose lease expiry is at or before now; how many.
const NODE_CLEANUP: &str = r#"
local now = tonumber(ARGV[2])
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', NODES)) do
  local exp = tonumber(redis.call('HGET', nkey(id), 'exp') or '0')
  if exp <= now then n = n + node_del(id) end
end
return n
"#;

/// ARGV: P. Every inconsistency between leases, the by-node index and the expiry set.
const INDEX_CHECK: &str = r#"
local problems = {}
for _, id in ipairs(redis.call('ZRANGE', EXPIRY, 0, -1)) do
  local node = redis.call('HGET', lkey(id), 'node')
  if not node then
    table.insert(problems, id .. ' is in the expiry set but has no lease')
  elseif redis.call('SISMEMBER', ikey(node), id) == 0 then
    table.insert(problems, id .. ' (leased to ' .. node .. ') has no index entry')
  end
end
local pattern = string.gsub(P, '[%*%?%[%]\\]', '\\%0')
local function scan(match, each)
  local cursor = '0'
  repeat
    local r = redis.call('SCAN', cursor, 'MATCH', match, 'COUNT', 1000)
    cursor = r[1]
    for _, key in ipairs(r[2]) do each(key) end
  until cursor == '0'
end
local idx_len = string.len(P .. ':idx:')
scan(pattern .. ':idx:*', function(key)
  local node = string.sub(key, idx_len + 1)
  for _, id in ipairs(redis.call('SMEMBERS', key)) do
    local owner = redis.call('HGET', lkey(id), 'node')
    if not owner then
      table.insert(problems, id .. ' is indexed under ' .. node .. ' but has no lease')
    elseif owner ~= node then
      table.insert(problems, id .. ' is indexed under ' .. node .. ' but leased to ' .. owner)
    end
  end
end)
local lease_len = string.len(P .. ':lease:')
scan(pattern .. ':lease:*', function(key)
  local id = string.sub(key, lease_len + 1)
  if not redis.call('ZSCORE', EXPIRY, id) then table.insert(problems, id .. ' is missing from the expiry set') end
end)
return problems
"#;

fn script(body: &str) -> Script {
    Script::new(&format!("{LIBRARY}{body}"))
}

pub static ACQUIRE_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(ACQUIRE));
pub static RENEW_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(RENEW));
pub static RELEASE_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(RELEASE));
pub static STORE_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(STORE));
pub static UPDATE_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(UPDATE));
pub static REMOVE_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(REMOVE));
pub static CLEANUP_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(CLEANUP));
pub static LIST_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(LIST));
pub static COMMIT_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(COMMIT));
pub static NODE_PUT_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(NODE_PUT));
pub static NODE_RENEW_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(NODE_RENEW));
pub static NODE_REMOVE_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(NODE_REMOVE));
pub static NODE_LIST_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(NODE_LIST));
pub static NODE_CLEANUP_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(NODE_CLEANUP));
pub static INDEX_CHECK_SCRIPT: LazyLock<Script> = LazyLock::new(|| script(INDEX_CHECK));
