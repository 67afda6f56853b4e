//! The Redis listener end to end: the real orbit-server binary driven by `redis-cli`,
//! by the `redis` crate and by raw RESP over TCP (pipelines, inline commands, garbage),
//! plus a differential test against a real redis-server 7.0 comparing replies byte for
//! byte (add a case to [`DIFFERENTIAL_CASES`] with one line).

use orbit_tests::redis::{differences, encode_command, pipelined_differences, which, RealRedis, RespConn};
use orbit_tests::server::TestServer;
use std::io::Write;
use std::process::{Command, Stdio};

fn redis_port(server: &TestServer) -> u16 {
    server.listener_port("--redis-port")
}

/// Runs redis-cli with `args` and `stdin`; None when redis-cli is missing.
fn redis_cli(port: u16, args: &[&str], stdin: &[u8]) -> Option<String> {
    let cli = which("redis-cli")?;
    let mut child = Command::new(cli)
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run redis-cli");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write redis-cli stdin");
    let output = child.wait_with_output().expect("redis-cli output");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Some(text)
}

fn client(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}/"))
        .expect("redis client")
        .get_connection()
        .expect("connect with the redis crate")
}

#[test]
fn redis_cli_connection_commands() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    let Some(out) =
        redis_cli(port, &[], b"PING\nECHO hello\nSELECT 3\nCLIENT SETNAME tester\nCLIENT GETNAME\nSELECT 16\n")
    else {
        return;
    };
    // redis-cli prints an empty line after each error, as it does against Redis.
    assert_eq!(out, "PONG\nhello\nOK\nOK\ntester\nERR DB index is out of range\n\n", "{out}");
    let out = redis_cli(port, &["-3"], b"HELLO 3\n").expect("redis-cli");
    assert!(out.contains("proto 3\n"), "{out}");
    assert!(out.contains("7.0.15") && out.contains("standalone"), "{out}");
    let out = redis_cli(port, &[], b"NOSUCHCMD a b\nGET\n").expect("redis-cli");
    assert_eq!(
        out,
        "ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' \n\n\
         ERR wrong number of arguments for 'get' command\n\n",
        "{out}"
    );
}

#[test]
fn redis_crate_basics_and_resp3() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    let mut con = client(port);
    let pong: String = redis::cmd("PING").query(&mut con).expect("PING");
    assert_eq!(pong, "PONG");
    let echoed: String = redis::cmd("ECHO").arg("x y").query(&mut con).expect("ECHO");
    assert_eq!(echoed, "x y");
    let () = redis::cmd("CLIENT").arg("SETNAME").arg("crate").query(&mut con).expect("CLIENT SETNAME");
    let name: Option<String> = redis::cmd("CLIENT").arg("GETNAME").query(&mut con).expect("CLIENT GETNAME");
    assert_eq!(name.as_deref(), Some("crate"));
    let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut con).expect("CLIENT ID");
    assert!(id > 0);
    let err = redis::cmd("SELECT").arg(99).query::<()>(&mut con).expect_err("db 99");
    assert!(err.to_string().contains("DB index is out of range"), "{err}");

    let mut resp3 = redis::Client::open(format!("redis://127.0.0.1:{port}/?protocol=resp3"))
        .expect("resp3 client")
        .get_connection()
        .expect("connect with RESP3");
    let pong: String = redis::cmd("PING").query(&mut resp3).expect("PING over RESP3");
    assert_eq!(pong, "PONG");
}

#[test]
fn redis_crate_storage_commands() {
    let server = TestServer::start(&[], &[]);
    let mut con = client(redis_port(&server));
    let () = redis::cmd("SET").arg("k").arg("v").query(&mut con).expect("SET");
    let v: String = redis::cmd("GET").arg("k").query(&mut con).expect("GET");
    assert_eq!(v, "v");
    let n: i64 = redis::cmd("DBSIZE").query(&mut con).expect("DBSIZE");
    assert_eq!(n, 1);
    let info: String = redis::cmd("INFO").arg("keyspace").query(&mut con).expect("INFO");
    assert!(info.contains("db0:keys=1,expires=0,avg_ttl=0"), "{info}");
    let () = redis::cmd("FLUSHALL").query(&mut con).expect("FLUSHALL");
    let n: i64 = redis::cmd("DBSIZE").query(&mut con).expect("DBSIZE");
    assert_eq!(n, 0);
}

#[test]
fn pipelines_of_ten_thousand() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);

    // Raw TCP: 10,000 PINGs in one write, 10,000 PONGs back in order.
    let mut raw = RespConn::connect(port);
    let mut batch = Vec::new();
    for _ in 0..10_000 {
        batch.extend_from_slice(&encode_command(&[b"PING"]));
    }
    raw.send_raw(&batch);
    for _ in 0..10_000 {
        assert_eq!(raw.read_reply(), b"+PONG\r\n");
    }
    // An ECHO pipeline keeps order.
    let mut batch = Vec::new();
    for i in 0..10_000 {
        batch.extend_from_slice(&encode_command(&[b"ECHO", i.to_string().as_bytes()]));
    }
    raw.send_raw(&batch);
    for i in 0..10_000 {
        let s = i.to_string();
        assert_eq!(raw.read_reply(), format!("${}\r\n{s}\r\n", s.len()).into_bytes());
    }

    // redis-cli --pipe mass insertion.
    let mut mass = Vec::new();
    for i in 0..10_000 {
        mass.extend_from_slice(&encode_command(&[b"SET", format!("key:{i}").as_bytes(), b"value"]));
    }
    if let Some(out) = redis_cli(port, &["--pipe"], &mass) {
        assert!(out.contains("errors: 0, replies: 10000"), "{out}");
        let n = RespConn::connect(port).cmd("DBSIZE");
        assert_eq!(n, ":10000\r\n");
    }

    // The redis crate's pipeline.
    let mut con = client(port);
    let mut pipe = redis::pipe();
    for i in 0..10_000 {
        pipe.cmd("ECHO").arg(i);
    }
    let replies: Vec<i64> = pipe.query(&mut con).expect("pipeline");
    assert_eq!(replies, (0..10_000).collect::<Vec<i64>>());
}

#[test]
fn inline_commands_over_raw_tcp() {
    let server = TestServer::start(&[], &[]);
    let mut raw = RespConn::connect(redis_port(&server));
    raw.send_raw(b"PING\r\n\r\necho \"a b\\x41\" \r\nECHO 'it\\'s'\nping hi\r\n");
    assert_eq!(raw.read_reply(), b"+PONG\r\n");
    assert_eq!(raw.read_reply(), b"$4\r\na bA\r\n");
    assert_eq!(raw.read_reply(), b"$4\r\nit's\r\n");
    assert_eq!(raw.read_reply(), b"$2\r\nhi\r\n");
    raw.send_raw(b"QUIT\r\n");
    let (rest, closed) = raw.read_to_close();
    assert_eq!(rest, b"+OK\r\n");
    assert!(closed);
}

#[test]
fn protocol_errors_close_only_that_connection() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    let mut bystander = RespConn::connect(port);
    let cases: &[(&[u8], &str)] = &[
        (b"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*1\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"),
        (b"set \"unterminated\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
        (b"PING\r\n*1\r\n+x\r\n", "+PONG\r\n-ERR Protocol error: expected '$', got '+'\r\n"),
    ];
    for (input, expected) in cases {
        let mut conn = RespConn::connect(port);
        conn.send_raw(input);
        let (got, closed) = conn.read_to_close();
        assert_eq!(String::from_utf8_lossy(&got), *expected, "input {:?}", String::from_utf8_lossy(input));
        assert!(closed, "connection closed after {:?}", String::from_utf8_lossy(input));
        assert_eq!(bystander.cmd("PING"), "+PONG\r\n");
    }
    // Oversize inline request without a newline.
    let mut conn = RespConn::connect(port);
    conn.send_raw(&vec![b'a'; 70 * 1024]);
    let (got, _) = conn.read_to_close();
    assert_eq!(got, b"-ERR Protocol error: too big inline request\r\n");
    // A huge declared bulk with a few bytes: no allocation, the connection just waits;
    // others are served meanwhile.
    let mut waiting = RespConn::connect(port);
    waiting.send_raw(b"*1\r\n$500000000\r\nabc");
    assert_eq!(bystander.cmd("PING"), "+PONG\r\n");
    // Random garbage never takes the server down.
    let mut state: u64 = 0x1234_5678_9abc_def1;
    for _ in 0..50 {
        let mut conn = RespConn::connect(port);
        let bytes: Vec<u8> = (0..512)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        conn.send_raw(&bytes);
        drop(conn);
    }
    assert_eq!(bystander.cmd("PING"), "+PONG\r\n");
    assert_eq!(RespConn::connect(port).cmd("ECHO still-here"), "$10\r\nstill-here\r\n");
}

#[test]
fn requirepass_and_auth() {
    let server = TestServer::start(&["--redis-requirepass", "s3cret"], &[]);
    let port = redis_port(&server);
    let mut raw = RespConn::connect(port);
    assert_eq!(raw.cmd("PING"), "-NOAUTH Authentication required.\r\n");
    assert_eq!(raw.cmd("AUTH wrong"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_eq!(raw.cmd("AUTH s3cret"), "+OK\r\n");
    assert_eq!(raw.cmd("PING"), "+PONG\r\n");
    let mut other = RespConn::connect(port);
    assert!(other.cmd("HELLO 3 AUTH default s3cret").starts_with("%7\r\n"));
    assert_eq!(other.cmd("PING"), "+PONG\r\n");
    let mut con = redis::Client::open(format!("redis://:s3cret@127.0.0.1:{port}/"))
        .expect("client")
        .get_connection()
        .expect("connect with a password");
    let pong: String = redis::cmd("PING").query(&mut con).expect("PING");
    assert_eq!(pong, "PONG");

    let open = TestServer::start(&[], &[]);
    let mut raw = RespConn::connect(redis_port(&open));
    assert_eq!(
        raw.cmd("AUTH x"),
        "-ERR AUTH <password> called without any password configured for the default user. \
         Are you sure your configuration is correct?\r\n"
    );
}

#[test]
fn data_survives_restart_and_kill9() {
    let mut server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    assert_eq!(RespConn::connect(port).cmd("SET durable one"), "+OK\r\n");
    server.restart();
    let port = redis_port(&server);
    assert_eq!(RespConn::connect(port).cmd("GET durable"), "$3\r\none\r\n");
    let mut c = RespConn::connect(port);
    assert_eq!(c.cmd("SET durable two"), "+OK\r\n");
    // Every type, a TTL, a MULTI/EXEC and a database other than 0, all acknowledged
    // before the kill.
    assert_eq!(c.cmd("HSET h f1 v1 f2 v2"), ":2\r\n");
    assert_eq!(c.cmd("RPUSH l a b c"), ":3\r\n");
    assert_eq!(c.cmd("SADD s x y"), ":2\r\n");
    assert_eq!(c.cmd("ZADD z 1.5 m 2 n"), ":2\r\n");
    assert_eq!(c.cmd("SET ttl v EX 1000"), "+OK\r\n");
    assert_eq!(c.cmd("MULTI"), "+OK\r\n");
    assert_eq!(c.cmd("INCR counter"), "+QUEUED\r\n");
    assert_eq!(c.cmd("LPUSH l first"), "+QUEUED\r\n");
    assert_eq!(c.cmd("EXEC"), "*2\r\n:1\r\n:4\r\n");
    assert_eq!(c.cmd("SELECT 3"), "+OK\r\n");
    assert_eq!(c.cmd("SET in3 yes"), "+OK\r\n");
    assert!(!server.kill9().success());
    server.restart();
    let port = redis_port(&server);
    let mut c = RespConn::connect(port);
    assert_eq!(c.cmd("GET durable"), "$3\r\ntwo\r\n");
    assert_eq!(c.cmd("HGET h f2"), "$2\r\nv2\r\n");
    assert_eq!(c.cmd("LRANGE l 0 -1"), "*4\r\n$5\r\nfirst\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    assert_eq!(c.cmd("SCARD s"), ":2\r\n");
    assert_eq!(c.cmd("ZSCORE z m"), "$3\r\n1.5\r\n");
    assert_eq!(c.cmd("GET counter"), "$1\r\n1\r\n");
    let ttl = c.cmd("TTL ttl");
    let secs: i64 = ttl.trim_start_matches(':').trim_end().parse().unwrap_or(-1);
    assert!((900..=1000).contains(&secs), "the TTL survives: {ttl}");
    assert_eq!(c.cmd("SELECT 3"), "+OK\r\n");
    assert_eq!(c.cmd("GET in3"), "$3\r\nyes\r\n");
}

#[test]
fn actor_mode_serves_and_forgets_on_restart() {
    let mut server = TestServer::start(&[], &[("ORBIT_REDIS_MODE", "actor")]);
    let port = redis_port(&server);
    let mut raw = RespConn::connect(port);
    assert_eq!(raw.cmd("SET volatile yes"), "+OK\r\n");
    assert_eq!(raw.cmd("GET volatile"), "$3\r\nyes\r\n");
    assert_eq!(raw.cmd("DBSIZE"), ":1\r\n");
    drop(raw);
    server.restart();
    assert_eq!(RespConn::connect(redis_port(&server)).cmd("GET volatile"), "$-1\r\n");
}

/// Commands sent to Orbit and to a real redis-server 7.0; their replies must be equal
/// byte for byte. One line per case: whitespace-separated words, or `raw:` and the
/// exact bytes to send (with `\r\n` spelled out).
const DIFFERENTIAL_CASES: &[&str] = &[
    "FLUSHALL",
    "PING",
    "PING hello",
    "PING a b",
    "ECHO",
    "ECHO hi",
    "SELECT 1",
    "SELECT 16",
    "SELECT -1",
    "SELECT x",
    "SELECT 0",
    "NOSUCHCOMMAND a b c",
    "NOSUCHCOMMAND aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb ccccccccccccccccccccccccccccccccccccccccccccccccccc dddddddddddddddddddddddddddd eeee",
    "raw:nosuch \"a\\x41\\n\\t\" 'b\\'c' d\\r\\n",
    "raw:\\r\\n\\r\\n*0\\r\\n*-1\\r\\nPING\\r\\n",
    "nosuch",
    "GET",
    "AUTH x",
    "AUTH a b",
    "HELLO 4",
    "HELLO x",
    "HELLO 2 FOO",
    "CLIENT GETNAME",
    "CLIENT SETNAME",
    "CLIENT SETNAME has\tspace",
    "CLIENT SETNAME ok-name",
    "CLIENT GETNAME",
    "CLIENT NOSUCH",
    "CLIENT KILL 1.2.3.4:5",
    "CLIENT NO-EVICT maybe",
    "CLIENT NO-EVICT on",
    "DBSIZE",
    "SET k v",
    "DBSIZE",
    "OBJECT ENCODING k",
    "OBJECT ENCODING missing",
    "SET n 123",
    "OBJECT ENCODING n",
    "OBJECT REFCOUNT n",
    "OBJECT FREQ n",
    "OBJECT NOSUCH",
    "SWAPDB 0 x",
    "SWAPDB 0 99",
    "FLUSHDB BAD",
    "FLUSHDB ASYNC",
    "DBSIZE",
    "CONFIG GET maxmemory",
    "CONFIG GET databases",
    "CONFIG SET nosuchparam 1",
    "CONFIG SET maxmemory",
    "CONFIG NOSUCH",
    "FUNCTION FLUSH",
    "LASTSAVE x",
    "ECHO a b",
    "SELECT 0 1",
    "CLIENT",
    "CLIENT SETNAME a b",
    "CLIENT LIST TYPE foo",
    "CLIENT KILL ID 0",
    "CLIENT KILL ID 999999",
    "CLIENT KILL ADDR 1.2.3.4:5",
    "CLIENT KILL ADDR 1.2.3.4:5 SKIPME maybe",
    "CLIENT NO-EVICT",
    "SET s44 12345678901234567890123456789012345678901234",
    "OBJECT ENCODING s44",
    "SET s45 123456789012345678901234567890123456789012345",
    "OBJECT ENCODING s45",
    "SET neg -5",
    "OBJECT ENCODING neg",
    "SET big 12345678901234567890",
    "OBJECT ENCODING big",
    "SET lz 012",
    "OBJECT ENCODING lz",
    "SET n20000 20000",
    "OBJECT REFCOUNT n20000",
    "OBJECT IDLETIME n20000",
    "OBJECT",
    "OBJECT ENCODING",
    "OBJECT HELP",
    "SWAPDB 0 1",
    "DBSIZE",
    "SELECT 1",
    "DBSIZE",
    "SELECT 0",
    "CONFIG SET maxmemory 1mb",
    "CONFIG GET maxmemory",
    "CONFIG SET maxmemory abc",
    "CONFIG SET timeout x",
    "CONFIG SET databases 3",
    "CONFIG SET maxmemory 0",
    "CONFIG GET",
    "CONFIG RESETSTAT",
    "CONFIG HELP",
    "COMMAND INFO nosuch",
    "COMMAND DOCS nosuch",
    "COMMAND LIST FILTERBY PATTERN xyz*",
    "COMMAND COUNT x",
    "COMMAND NOSUCH",
    "INFO nosuchsection",
    "FUNCTION FLUSH BAD",
    "FUNCTION FLUSH SYNC",
    "FLUSHALL BAD",
    "FLUSHALL SYNC",
    "TIME x",
    "DBSIZE x",
    "SAVE",
    "raw:PING\\r\\n",
    "raw:echo \"a b\"\\r\\n",
    "MULTI",
    "MULTI",
    "WATCH x",
    "SET tx 1",
    "INCR tx",
    "GET",
    "NOSUCH",
    "EXEC",
    "EXEC",
    "DISCARD",
    "MULTI",
    "SAVE",
    "EXEC",
    "MULTI",
    "EXEC a",
    "MULTI",
    "SET tx 1",
    "INCR tx",
    "LPUSH tx v",
    "PING",
    "EXEC",
    "WATCH tx",
    "UNWATCH",
    "WATCH",
    "MULTI",
    "DISCARD x",
    "DISCARD",
    "UNSUBSCRIBE",
    "PUNSUBSCRIBE",
    "PUBLISH nobody hello",
    "PUBLISH nobody",
    "PUBSUB NUMSUB a b",
    "PUBSUB NUMPAT",
    "PUBSUB NUMPAT x",
    "PUBSUB CHANNELS",
    "PUBSUB CHANNELS a b",
    "PUBSUB",
    "PUBSUB FOO",
    "PUBSUB HELP",
    "SUBSCRIBE a",
    "GET a",
    "MULTI",
    "PING",
    "PING x",
    "PSUBSCRIBE p*",
    "UNSUBSCRIBE a",
    "PUNSUBSCRIBE p*",
    "COMMAND INFO multi exec discard watch unwatch",
    "COMMAND INFO subscribe unsubscribe psubscribe punsubscribe publish",
    "RESET",
    "CLIENT GETNAME",
    "QUIT",
];

#[test]
fn differential_against_real_redis() {
    let Some(real) = RealRedis::start() else { return };
    let server = TestServer::start(&[], &[]);
    let mismatches = differences(redis_port(&server), real.port, DIFFERENTIAL_CASES);
    assert!(mismatches.is_empty(), "{} replies differ from Redis 7.0:\n{}", mismatches.len(), mismatches.join("\n"));
}

/// Hashes, sets, lists and sorted sets: deterministic replies only (fields inserted in
/// byte order, since small Redis hashes keep insertion order; no random picks; set
/// members checked by membership and cardinality, not listing order).
const DIFFERENTIAL_TYPE_CASES: &[&str] = &[
    "FLUSHALL",
    // hashes
    "HSET h a 1 b 2 c 3",
    "HSET h a 10",
    "HSET h",
    "HSET h a",
    "HGET h a",
    "HGET h nope",
    "HGET nokey a",
    "HMGET h a nope c",
    "HGETALL h",
    "HKEYS h",
    "HVALS h",
    "HLEN h",
    "HEXISTS h b",
    "HSTRLEN h a",
    "HSETNX h a 5",
    "HSETNX h d 4",
    "HINCRBY h a 5",
    "HINCRBY h a x",
    "HINCRBY h d 9223372036854775807",
    "HINCRBYFLOAT h b 0.1",
    "HINCRBYFLOAT h b abc",
    "HSET h s hello",
    "HINCRBY h s 1",
    "HINCRBYFLOAT h s 1",
    "HDEL h a b nope",
    "HDEL h c d s",
    "EXISTS h",
    "HMSET h2 x 1 y 2",
    "HSCAN h2 0",
    "SET str v",
    "HGET str a",
    "HSET str a 1",
    // sets
    "SADD s a b c",
    "SADD s a d",
    "SCARD s",
    "SISMEMBER s a",
    "SISMEMBER s z",
    "SMISMEMBER s a z d",
    "SREM s a z",
    "SADD t c d e",
    "SINTERCARD 2 s t",
    "SINTERCARD 2 s t LIMIT 1",
    "SINTERCARD 0 s",
    "SINTERCARD 3 s t",
    "SINTER s nokey",
    "SDIFF s t",
    "SINTERSTORE dst s t",
    "SCARD dst",
    "SUNIONSTORE dst s t",
    "SCARD dst",
    "SDIFFSTORE dst s s",
    "EXISTS dst",
    "SMOVE s t b",
    "SMOVE s t nope",
    "SCARD t",
    "SADD str x",
    "SMEMBERS nokey",
    "SPOP nokey",
    "SRANDMEMBER nokey 3",
    // lists
    "RPUSH l a b c",
    "LPUSH l z",
    "LRANGE l 0 -1",
    "LRANGE l -2 10",
    "LRANGE l 5 1",
    "LLEN l",
    "LINDEX l 1",
    "LINDEX l -1",
    "LINDEX l 9",
    "LSET l 0 y",
    "LSET l 9 y",
    "LSET nokey 0 y",
    "LINSERT l BEFORE b q",
    "LINSERT l AFTER nope q",
    "LRANGE l 0 -1",
    "RPUSH l a a",
    "LREM l 2 a",
    "LPOS l a",
    "LPOS l b RANK 1",
    "LPOS l b RANK 0",
    "LTRIM l 1 -2",
    "LRANGE l 0 -1",
    "LPOP l",
    "RPOP l 2",
    "LPOP l 0",
    "LPOP nokey 2",
    "LPOP nokey",
    "RPUSH src 1 2 3",
    "LMOVE src dst2 LEFT RIGHT",
    "RPOPLPUSH src dst2",
    "LRANGE dst2 0 -1",
    "LMPOP 2 nokey src LEFT COUNT 5",
    "LMPOP 0 src LEFT",
    "EXISTS src",
    "LPUSHX nokey a",
    "RPUSHX dst2 z",
    "LPUSH str a",
    "BLPOP nokey x",
    "BLPOP nokey -1",
    // sorted sets
    "ZADD z 1 a 2 b 3 c",
    "ZADD z XX CH 5 a 9 nope",
    "ZADD z NX XX 1 a",
    "ZADD z GT LT 1 a",
    "ZADD z INCR 2 b",
    "ZADD z 1 a 2",
    "ZADD z x a",
    "ZSCORE z a",
    "ZMSCORE z a nope b",
    "ZINCRBY z 0.5 c",
    "ZCARD z",
    "ZRANGE z 0 -1 WITHSCORES",
    "ZRANGE z 0 -1 REV",
    "ZRANGE z (3 +inf BYSCORE WITHSCORES",
    "ZRANGE z 0 -1 LIMIT 0 1",
    "ZRANGE z +inf -inf BYSCORE REV LIMIT 1 1",
    "ZRANGEBYSCORE z -inf 4",
    "ZREVRANGEBYSCORE z +inf (4 WITHSCORES",
    "ZRANGEBYSCORE z x 4",
    "ZCOUNT z 3 +inf",
    "ZRANK z c",
    "ZREVRANK z c",
    "ZRANK z nope",
    "ZADD lex 0 a 0 b 0 c 0 d",
    "ZRANGEBYLEX lex [b (d",
    "ZREVRANGEBYLEX lex + -",
    "ZRANGEBYLEX lex b d",
    "ZLEXCOUNT lex - +",
    "ZREMRANGEBYLEX lex [a [b",
    "ZRANGE lex 0 -1",
    "ZADD inf -inf lo +inf hi 0 zero",
    "ZRANGE inf 0 -1 WITHSCORES",
    "ZUNIONSTORE out 2 z inf WEIGHTS 2 1",
    "ZRANGE out 0 -1 WITHSCORES",
    "ZINTERSTORE out 2 z lex AGGREGATE MAX",
    "ZDIFF 2 z inf WITHSCORES",
    "ZINTERCARD 2 z out",
    "ZPOPMIN z",
    "ZPOPMAX z 2",
    "ZREMRANGEBYRANK inf 0 0",
    "ZREMRANGEBYSCORE inf -inf 0",
    "ZRANGE inf 0 -1 WITHSCORES",
    "ZMPOP 1 inf MIN",
    "EXISTS inf",
    "ZADD str 1 a",
    "BZPOPMIN nokey x",
    "TYPE h2",
    "TYPE s",
    "TYPE l",
    "TYPE z",
    "TYPE nokey",
];

#[test]
fn differential_types_against_real_redis() {
    let Some(real) = RealRedis::start() else { return };
    let server = TestServer::start(&[], &[]);
    let mismatches = differences(redis_port(&server), real.port, DIFFERENTIAL_TYPE_CASES);
    assert!(mismatches.is_empty(), "{} replies differ from Redis 7.0:\n{}", mismatches.len(), mismatches.join("\n"));
}

/// The same cases in one pipeline: Orbit runs consecutive keyspace commands in one
/// storage transaction, which must not change a single reply (errors in the middle of
/// the group included).
#[test]
fn differential_pipelined_against_real_redis() {
    let Some(real) = RealRedis::start() else { return };
    let server = TestServer::start(&[], &[]);
    let mut cases: Vec<&str> = DIFFERENTIAL_TYPE_CASES.to_vec();
    cases.extend(DIFFERENTIAL_CASES.iter().filter(|c| !c.starts_with("raw:")));
    let mismatches = pipelined_differences(redis_port(&server), real.port, &cases);
    assert!(mismatches.is_empty(), "{} replies differ from Redis 7.0:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn differential_types_against_real_redis_resp3() {
    let Some(real) = RealRedis::start() else { return };
    let server = TestServer::start(&[], &[]);
    let mut cases = vec!["ignore:HELLO 3"];
    cases.extend(DIFFERENTIAL_TYPE_CASES.iter().filter(|c| !c.starts_with("HELLO")));
    let mismatches = differences(redis_port(&server), real.port, &cases[..]);
    assert!(mismatches.is_empty(), "{} replies differ from Redis 7.0:\n{}", mismatches.len(), mismatches.join("\n"));
}

/// Like [`DIFFERENTIAL_CASES`], with `requirepass s3cret` on both servers.
const DIFFERENTIAL_AUTH_CASES: &[&str] = &[
    "PING",
    "nosuch a",
    "GET",
    "CLIENT ID",
    "HELLO 3",
    "HELLO 3 AUTH default wrong",
    "AUTH wrong",
    "AUTH nosuchuser s3cret",
    "raw:*11\\r\\n",
];

const DIFFERENTIAL_AUTH_CASES_AFTER_AUTH: &[&str] = &["AUTH s3cret", "PING", "AUTH default s3cret", "RESET", "PING"];

#[test]
fn differential_against_real_redis_with_requirepass() {
    let Some(real) = RealRedis::start_with(&["--requirepass", "s3cret"]) else { return };
    let server = TestServer::start(&["--redis-requirepass", "s3cret"], &[]);
    let mut mismatches = differences(redis_port(&server), real.port, DIFFERENTIAL_AUTH_CASES);
    mismatches.extend(differences(redis_port(&server), real.port, DIFFERENTIAL_AUTH_CASES_AFTER_AUTH));
    assert!(mismatches.is_empty(), "{} replies differ from Redis 7.0:\n{}", mismatches.len(), mismatches.join("\n"));
}

/// Like [`DIFFERENTIAL_CASES`] after switching both connections to RESP3.
const DIFFERENTIAL_RESP3_CASES: &[&str] = &[
    "ignore:HELLO 3",
    "PING",
    "GET missing",
    "SET k v",
    "GET k",
    "CONFIG GET maxmemory",
    "COMMAND INFO nosuch",
    "COMMAND DOCS nosuch",
    "OBJECT ENCODING missing",
    "CLIENT GETNAME",
    "NOSUCH",
    "MULTI",
    "SET k v2",
    "EXEC",
    "SUBSCRIBE a",
    "GET k",
    "PING",
    "UNSUBSCRIBE a",
    "FLUSHALL",
    "ignore:HELLO 2",
    "GET missing",
    "CONFIG GET maxmemory",
];

#[test]
fn differential_against_real_redis_resp3() {
    let Some(real) = RealRedis::start() else { return };
    let server = TestServer::start(&[], &[]);
    let mismatches = differences(redis_port(&server), real.port, DIFFERENTIAL_RESP3_CASES);
    assert!(mismatches.is_empty(), "{} replies differ from Redis 7.0:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn client_list_and_kill() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    let mut victim = RespConn::connect(port);
    assert_eq!(victim.cmd("CLIENT SETNAME victim"), "+OK\r\n");
    let id_reply = victim.cmd("CLIENT ID");
    let id = id_reply.trim_start_matches(':').trim_end().to_string();
    let mut admin = RespConn::connect(port);
    let list = admin.cmd("CLIENT LIST");
    assert!(list.contains(&format!("id={id} ")) && list.contains("name=victim"), "{list}");
    assert_eq!(admin.cmd(&format!("CLIENT KILL ID {id}")), ":1\r\n");
    let (rest, closed) = victim.read_to_close();
    assert!(rest.is_empty() && closed, "{rest:?}");
    assert!(!admin.cmd("CLIENT LIST").contains("name=victim"));
    // Killing oneself: the reply arrives, then the connection closes.
    let mut me = RespConn::connect(port);
    let my_id = me.cmd("CLIENT ID").trim_start_matches(':').trim_end().to_string();
    me.send(&[b"CLIENT", b"KILL", b"ID", my_id.as_bytes(), b"SKIPME", b"no"]);
    let (rest, closed) = me.read_to_close();
    assert_eq!(rest, b":1\r\n");
    assert!(closed);
}

#[test]
fn a_client_that_never_reads_blocks_nobody() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    // 64 MB of replies requested and never read.
    let mut hog = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let payload = vec![b'x'; 64 * 1024];
    let request = encode_command(&[b"ECHO", &payload]);
    let mut batch = Vec::new();
    for _ in 0..1024 {
        batch.extend_from_slice(&request);
    }
    let writer = std::thread::spawn(move || {
        // The server stops reading once its writes block, so this write may never finish;
        // it fails once the server is gone at the end of the test.
        let _ = hog.write_all(&batch);
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    let mut other = RespConn::connect(port);
    for _ in 0..100 {
        assert_eq!(other.cmd("PING"), "+PONG\r\n");
    }
    assert_eq!(other.cmd("SET k v"), "+OK\r\n");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    drop(writer);
}

#[test]
fn multi_exec_is_atomic_and_execabort_discards() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    let mut a = RespConn::connect(port);
    let mut b = RespConn::connect(port);
    assert_eq!(a.cmd("MULTI"), "+OK\r\n");
    assert_eq!(a.cmd("SET k 1"), "+QUEUED\r\n");
    assert_eq!(a.cmd("INCR k"), "+QUEUED\r\n");
    assert_eq!(a.cmd("LPUSH k v"), "+QUEUED\r\n");
    // Nothing is visible before EXEC.
    assert_eq!(b.cmd("GET k"), "$-1\r\n");
    assert_eq!(
        a.cmd("EXEC"),
        "*3\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
    assert_eq!(b.cmd("GET k"), "$1\r\n2\r\n");
    // A queue-time error discards the whole transaction.
    assert_eq!(a.cmd("MULTI"), "+OK\r\n");
    assert_eq!(a.cmd("SET k 100"), "+QUEUED\r\n");
    assert_eq!(a.cmd("GET"), "-ERR wrong number of arguments for 'get' command\r\n");
    assert_eq!(a.cmd("EXEC"), "-EXECABORT Transaction discarded because of previous errors.\r\n");
    assert_eq!(b.cmd("GET k"), "$1\r\n2\r\n");
    assert_eq!(a.cmd("DISCARD"), "-ERR DISCARD without MULTI\r\n");
}

#[test]
fn watch_aborts_exec_when_another_client_writes() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    let mut a = RespConn::connect(port);
    let mut b = RespConn::connect(port);
    // Nobody writes: EXEC runs.
    assert_eq!(a.cmd("SET w 1"), "+OK\r\n");
    assert_eq!(a.cmd("WATCH w"), "+OK\r\n");
    assert_eq!(a.cmd("MULTI"), "+OK\r\n");
    assert_eq!(a.cmd("INCR w"), "+QUEUED\r\n");
    assert_eq!(a.cmd("EXEC"), "*1\r\n:2\r\n");
    // Another client writes the watched key: EXEC answers a null array.
    assert_eq!(a.cmd("WATCH w other"), "+OK\r\n");
    assert_eq!(b.cmd("SET w 10"), "+OK\r\n");
    assert_eq!(a.cmd("MULTI"), "+OK\r\n");
    assert_eq!(a.cmd("INCR w"), "+QUEUED\r\n");
    assert_eq!(a.cmd("EXEC"), "*-1\r\n");
    assert_eq!(b.cmd("GET w"), "$2\r\n10\r\n");
    // EXEC unwatched: the next transaction runs.
    assert_eq!(b.cmd("SET w 11"), "+OK\r\n");
    assert_eq!(a.cmd("MULTI"), "+OK\r\n");
    assert_eq!(a.cmd("INCR w"), "+QUEUED\r\n");
    assert_eq!(a.cmd("EXEC"), "*1\r\n:12\r\n");
    // FLUSHALL touches a watched key that existed; RESP3 gets `_`.
    assert!(a.cmd("HELLO 3").starts_with('%'));
    assert_eq!(a.cmd("WATCH w"), "+OK\r\n");
    assert_eq!(b.cmd("FLUSHALL"), "+OK\r\n");
    assert_eq!(a.cmd("MULTI"), "+OK\r\n");
    assert_eq!(a.cmd("SET w 1"), "+QUEUED\r\n");
    assert_eq!(a.cmd("EXEC"), "_\r\n");
    // A watched key expiring aborts too.
    assert_eq!(a.cmd("SET e 1 PX 50"), "+OK\r\n");
    assert_eq!(a.cmd("WATCH e"), "+OK\r\n");
    std::thread::sleep(std::time::Duration::from_millis(120));
    assert_eq!(a.cmd("MULTI"), "+OK\r\n");
    assert_eq!(a.cmd("SET e 2"), "+QUEUED\r\n");
    assert_eq!(a.cmd("EXEC"), "_\r\n");
}

#[test]
fn pubsub_between_two_clients_resp2_and_resp3() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    let mut sub = RespConn::connect(port);
    let mut publisher = RespConn::connect(port);
    assert_eq!(
        String::from_utf8_lossy(&sub.command(&[b"SUBSCRIBE", b"news", b"sport"])),
        "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
    );
    assert_eq!(String::from_utf8_lossy(&sub.read_reply()), "*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n");
    assert_eq!(sub.cmd("PSUBSCRIBE n*"), "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n");
    assert_eq!(
        sub.cmd("GET x"),
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in \
         this context\r\n"
    );
    assert_eq!(sub.cmd("PING"), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    assert_eq!(publisher.cmd("PUBLISH news hello"), ":2\r\n");
    assert_eq!(publisher.cmd("PUBLISH nothing x"), ":1\r\n");
    assert_eq!(publisher.cmd("PUBLISH other x"), ":0\r\n");
    assert_eq!(publisher.cmd("PUBSUB NUMSUB news nothing"), "*4\r\n$4\r\nnews\r\n:1\r\n$7\r\nnothing\r\n:0\r\n");
    assert_eq!(publisher.cmd("PUBSUB NUMPAT"), ":1\r\n");
    assert_eq!(publisher.cmd("PUBSUB CHANNELS s*"), "*1\r\n$5\r\nsport\r\n");
    let got: Vec<String> = (0..3).map(|_| String::from_utf8_lossy(&sub.read_reply()).into_owned()).collect();
    assert_eq!(
        got,
        vec![
            "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n".to_string(),
            "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n".to_string(),
            "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$7\r\nnothing\r\n$1\r\nx\r\n".to_string(),
        ]
    );
    assert_eq!(sub.cmd("RESET"), "+RESET\r\n");
    assert_eq!(publisher.cmd("PUBLISH news x"), ":0\r\n");
    // RESP3: pushes, and other commands stay allowed.
    let mut sub3 = RespConn::connect(port);
    assert!(sub3.cmd("HELLO 3").starts_with('%'));
    assert_eq!(sub3.cmd("SUBSCRIBE c"), ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
    assert_eq!(sub3.cmd("GET missing"), "_\r\n");
    assert_eq!(sub3.cmd("PING"), "+PONG\r\n");
    assert_eq!(publisher.cmd("PUBLISH c payload"), ":1\r\n");
    assert_eq!(String::from_utf8_lossy(&sub3.read_reply()), ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$7\r\npayload\r\n");
    assert_eq!(sub3.cmd("UNSUBSCRIBE"), ">3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n");
    // A subscriber that disconnects is forgotten.
    drop(sub3);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(publisher.cmd("PUBLISH c x"), ":0\r\n");
}

#[test]
fn pubsub_with_the_redis_crate() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    let mut con = client(port);
    let mut pubsub = con.as_pubsub();
    pubsub.psubscribe("ev.*").expect("psubscribe");
    let mut publisher = client(port);
    let n: i64 = redis::cmd("PUBLISH").arg("ev.one").arg("1").query(&mut publisher).expect("publish");
    assert_eq!(n, 1);
    let msg = pubsub.get_message().expect("message");
    assert_eq!(msg.get_channel_name(), "ev.one");
    assert_eq!(msg.get_pattern::<String>().expect("pattern"), "ev.*");
    assert_eq!(msg.get_payload::<String>().expect("payload"), "1");
}

#[test]
fn blpop_is_woken_by_rpush_from_another_client_and_times_out() {
    let server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    let mut waiter = RespConn::connect(port);
    let mut second = RespConn::connect(port);
    let mut pusher = RespConn::connect(port);
    waiter.send(&[b"BLPOP", b"queue", b"0"]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    second.send(&[b"BLPOP", b"queue", b"0"]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(pusher.cmd("RPUSH queue first"), ":1\r\n");
    // The first client blocked is served first.
    assert_eq!(String::from_utf8_lossy(&waiter.read_reply()), "*2\r\n$5\r\nqueue\r\n$5\r\nfirst\r\n");
    assert_eq!(pusher.cmd("RPUSH queue second"), ":1\r\n");
    assert_eq!(String::from_utf8_lossy(&second.read_reply()), "*2\r\n$5\r\nqueue\r\n$6\r\nsecond\r\n");
    assert_eq!(pusher.cmd("LLEN queue"), ":0\r\n");
    // Timeout: a null array after about the time asked.
    let started = std::time::Instant::now();
    assert_eq!(waiter.cmd("BLPOP nothing 0.2"), "*-1\r\n");
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
    // Inside MULTI a blocking command does not block.
    assert_eq!(waiter.cmd("MULTI"), "+OK\r\n");
    assert_eq!(waiter.cmd("BLPOP nothing 0"), "+QUEUED\r\n");
    assert_eq!(waiter.cmd("EXEC"), "*1\r\n*-1\r\n");
    // A blocked client that disconnects leaves the queue: the push stays in the list.
    let mut gone = RespConn::connect(port);
    gone.send(&[b"BLPOP", b"q2", b"0"]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    drop(gone);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(pusher.cmd("RPUSH q2 x"), ":1\r\n");
    assert_eq!(pusher.cmd("LLEN q2"), ":1\r\n");
}

/// Concurrent writers share commits (the write queue runs the queued writes of all
/// connections in one transaction): no update may be lost or applied twice, each
/// client's own writes stay in order, and every acknowledged write survives a kill -9.
#[test]
fn concurrent_writers_lose_nothing_and_survive_kill9() {
    use redis::Commands;
    let mut server = TestServer::start(&[], &[]);
    let port = redis_port(&server);
    const CLIENTS: usize = 16;
    const ROUNDS: i64 = 300;
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            std::thread::spawn(move || {
                let mut con = client(port);
                for i in 0..ROUNDS {
                    let _: i64 = con.incr("counter", 1).unwrap();
                    let _: i64 = con.rpush(format!("list:{c}"), i).unwrap();
                    let _: i64 = con.hincr("hash", format!("f{c}"), 2).unwrap();
                    let _: () = con.set(format!("last:{c}"), i).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer thread");
    }
    let check = |con: &mut redis::Connection| {
        let total: i64 = con.get("counter").unwrap();
        assert_eq!(total, CLIENTS as i64 * ROUNDS);
        for c in 0..CLIENTS {
            let list: Vec<i64> = con.lrange(format!("list:{c}"), 0, -1).unwrap();
            assert_eq!(list, (0..ROUNDS).collect::<Vec<_>>(), "client {c}'s pushes in order");
            let field: i64 = con.hget("hash", format!("f{c}")).unwrap();
            assert_eq!(field, 2 * ROUNDS);
            let last: i64 = con.get(format!("last:{c}")).unwrap();
            assert_eq!(last, ROUNDS - 1);
        }
    };
    check(&mut client(port));
    assert!(!server.kill9().success());
    server.restart();
    check(&mut client(redis_port(&server)));
}
