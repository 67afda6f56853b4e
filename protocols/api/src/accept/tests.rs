//! The accept loop against real sockets on 127.0.0.1: ids, the cap and its refusal
//! callback, a runtime change of the cap, panics, and both ways of draining.

use super::*;
use orbit_storage::{KvTableStorage, MemoryEngine};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);

async fn context(listener: &TcpListener) -> (ListenerContext, watch::Sender<bool>) {
    let storage = KvTableStorage::open(Arc::new(MemoryEngine::new())).await.expect("storage");
    let (stop, shutdown) = watch::channel(false);
    let ctx = ListenerContext {
        storage,
        graphrag_storage: None,
        local_addr: listener.local_addr().expect("bound"),
        shutdown,
    };
    (ctx, stop)
}

async fn bind() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.expect("bind")
}

/// Serves a connection by greeting it with its id, then echoing until EOF or shutdown.
async fn greet_and_echo(mut conn: Accepted) {
    let greeting = format!("hello {}\n", conn.conn_id);
    if conn.stream.write_all(greeting.as_bytes()).await.is_err() {
        return;
    }
    let mut buf = [0u8; 64];
    loop {
        tokio::select! {
            read = conn.stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => if conn.stream.write_all(&buf[..n]).await.is_err() { return },
            },
            _ = conn.shutdown.changed() => return,
        }
    }
}

/// The first line the server sends, or "" when it closes first.
async fn first_line(stream: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match tokio::time::timeout(WAIT, stream.read(&mut byte)).await.expect("server answers") {
            Ok(0) | Err(_) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => line.push(byte[0]),
        }
    }
    String::from_utf8_lossy(&line).into_owned()
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("connect")
}

#[tokio::test]
async fn cap_refuses_the_connection_over_it_and_frees_slots() {
    let listener = bind().await;
    let addr = listener.local_addr().expect("addr");
    let (ctx, stop) = context(&listener).await;
    let (refused_tx, mut refused) = mpsc::unbounded_channel();
    let options =
        AcceptOptions::new(Protocol::Redis).max_connections(Some(2)).refuse_with(move |mut conn: Accepted| {
            let refused_tx = refused_tx.clone();
            async move {
                let _ = conn.stream.write_all(b"too many\n").await;
                let _ = refused_tx.send(conn.conn_id);
            }
        });
    assert_eq!(options.connection_limit().max(), Some(2));
    let server = tokio::spawn(serve_connections(listener, ctx, options, greet_and_echo));

    let mut first = connect(addr).await;
    assert_eq!(first_line(&mut first).await, "hello 1");
    let mut second = connect(addr).await;
    assert_eq!(first_line(&mut second).await, "hello 2");
    let mut third = connect(addr).await;
    assert_eq!(first_line(&mut third).await, "too many");
    assert_eq!(tokio::time::timeout(WAIT, refused.recv()).await.expect("refusal ran"), Some(3));

    // The admitted connections still work; a slot frees when a client leaves.
    second.write_all(b"ping\n").await.expect("write");
    assert_eq!(first_line(&mut second).await, "ping");
    drop(first);
    let deadline = Instant::now() + WAIT;
    let fourth_id = loop {
        let mut next = connect(addr).await;
        let line = first_line(&mut next).await;
        if let Some(id) = line.strip_prefix("hello ") {
            break id.to_string();
        }
        assert!(Instant::now() < deadline, "the freed slot was not reused");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(fourth_id.parse::<u64>().expect("id") >= 4);

    // Shutdown closes the idle connections and serve returns.
    stop.send(true).expect("listener alive");
    let started = Instant::now();
    tokio::time::timeout(WAIT, server).await.expect("serve returns").expect("no panic").expect("ok");
    assert!(started.elapsed() < Duration::from_secs(2), "idle connections close at once");
    assert_eq!(first_line(&mut second).await, "", "closed by the server");
    assert!(TcpStream::connect(addr).await.is_err(), "the listening socket is closed");
}

#[tokio::test]
async fn shared_limit_changes_at_run_time() {
    let listener = bind().await;
    let addr = listener.local_addr().expect("addr");
    let (ctx, stop) = context(&listener).await;
    let limit = ConnectionLimit::new(Some(10));
    let options = AcceptOptions::new(Protocol::Mysql).limit(limit.clone());
    let server = tokio::spawn(serve_connections(listener, ctx, options, greet_and_echo));

    let mut a = connect(addr).await;
    assert_eq!(first_line(&mut a).await, "hello 1");
    assert_eq!(limit.open(), 1);
    limit.set_max(Some(1));
    // Without a refusal callback an over-cap connection is just closed.
    let mut b = connect(addr).await;
    assert_eq!(first_line(&mut b).await, "");
    limit.set_max(None);
    let mut c = connect(addr).await;
    assert_eq!(first_line(&mut c).await, "hello 3");

    stop.send(true).expect("listener alive");
    tokio::time::timeout(WAIT, server).await.expect("serve returns").expect("no panic").expect("ok");
    assert_eq!(limit.open(), 0, "permits return when the tasks end");
}

#[tokio::test]
async fn a_panicking_connection_does_not_stop_the_loop() {
    let listener = bind().await;
    let addr = listener.local_addr().expect("addr");
    let (ctx, stop) = context(&listener).await;
    let limit = ConnectionLimit::new(Some(1));
    let options = AcceptOptions::new(Protocol::Postgresql).limit(limit.clone());
    let server = tokio::spawn(serve_connections(listener, ctx, options, |conn: Accepted| async move {
        if conn.conn_id == 1 {
            panic!("connection 1 breaks");
        }
        greet_and_echo(conn).await
    }));

    let mut first = connect(addr).await;
    assert_eq!(first_line(&mut first).await, "");
    // The panicked task's permit came back: the only slot is free again.
    let deadline = Instant::now() + WAIT;
    loop {
        let mut next = connect(addr).await;
        if first_line(&mut next).await.starts_with("hello ") {
            break;
        }
        assert!(Instant::now() < deadline, "slot of the panicked task not freed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).expect("listener alive");
    tokio::time::timeout(WAIT, server).await.expect("serve returns").expect("no panic").expect("ok");
}

/// Sends on drop, to see that an aborted task's future was dropped.
struct DropSignal(Option<mpsc::UnboundedSender<u64>>, u64);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(self.1);
        }
    }
}

#[tokio::test]
async fn drain_aborts_connections_that_do_not_close() {
    let listener = bind().await;
    let addr = listener.local_addr().expect("addr");
    let (ctx, stop) = context(&listener).await;
    let (dropped_tx, mut dropped) = mpsc::unbounded_channel();
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let options = AcceptOptions::new(Protocol::Cql).drain_timeout(Duration::from_millis(200));
    let server = tokio::spawn(serve_connections(listener, ctx, options, move |conn: Accepted| {
        let guard = DropSignal(Some(dropped_tx.clone()), conn.conn_id);
        let started_tx = started_tx.clone();
        async move {
            let _guard = guard;
            let _stream = conn.stream;
            let _ = started_tx.send(conn.conn_id);
            // Ignores shutdown: busy "forever".
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }));

    let _clients = [connect(addr).await, connect(addr).await];
    for _ in 0..2 {
        tokio::time::timeout(WAIT, started.recv()).await.expect("served").expect("open");
    }
    stop.send(true).expect("listener alive");
    let begun = Instant::now();
    tokio::time::timeout(WAIT, server).await.expect("serve returns").expect("no panic").expect("ok");
    let took = begun.elapsed();
    assert!(took >= Duration::from_millis(200) && took < Duration::from_secs(3), "{took:?}");
    let mut ids = vec![dropped.recv().await.expect("dropped"), dropped.recv().await.expect("dropped")];
    ids.sort();
    assert_eq!(ids, vec![1, 2]);
}
