//! Tests only: a [`RedisListener`] on a free port of 127.0.0.1, served by its own thread
//! and runtime over in-memory storage engines the test keeps (so a test can stop the
//! listener and start another over the same data, as a restart), driven with the `redis`
//! crate.

use crate::RedisListener;
use orbit_protocol_api::{ListenerContext, ProtocolListener};
use orbit_storage::{KvTableStorage, MemoryEngine, TableStorage};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub struct TestListener {
    pub port: u16,
    stop: Option<watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestListener {
    /// A listener over `redis` (and, when given, `graphrag` as the GraphRAG storage).
    pub fn start(redis: Arc<MemoryEngine>, graphrag: Option<Arc<MemoryEngine>>) -> TestListener {
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let (stop, shutdown) = watch::channel(false);
        let thread = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let storage: Arc<dyn TableStorage> = KvTableStorage::open(redis).await.expect("redis storage");
                let graphrag_storage: Option<Arc<dyn TableStorage>> = match graphrag {
                    Some(engine) => Some(KvTableStorage::open(engine).await.expect("graphrag storage")),
                    None => None,
                };
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let local_addr = listener.local_addr().expect("addr");
                port_tx.send(local_addr.port()).expect("port");
                let ctx = ListenerContext { storage, graphrag_storage, local_addr, shutdown };
                Box::new(RedisListener::default()).serve(listener, ctx).await.expect("serve");
            });
        });
        let port = port_rx.recv_timeout(Duration::from_secs(30)).expect("listener started");
        TestListener { port, stop: Some(stop), thread: Some(thread) }
    }

    pub fn client(&self) -> redis::Connection {
        self.connect("")
    }

    pub fn resp3(&self) -> redis::Connection {
        self.connect("?protocol=resp3")
    }

    fn connect(&self, query: &str) -> redis::Connection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/{query}", self.port)).expect("client");
        let con = client.get_connection().expect("connect");
        con.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        con
    }

    /// Stops the listener and waits for it to finish.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TestListener {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One raw command's reply.
pub fn raw(con: &mut redis::Connection, args: &[&[u8]]) -> redis::RedisResult<redis::Value> {
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).expect("name"));
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query(con)
}

/// A reply as text, for assertions: bulk strings as UTF-8 (lossy), arrays and maps nested.
pub fn show(value: &redis::Value) -> String {
    use redis::Value::*;
    match value {
        Nil => "nil".into(),
        Int(n) => n.to_string(),
        BulkString(b) => format!("\"{}\"", String::from_utf8_lossy(b)),
        SimpleString(s) => s.clone(),
        Okay => "OK".into(),
        Double(d) => format!("{d}"),
        Boolean(b) => b.to_string(),
        Array(items) | Set(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", ")),
        Map(pairs) => {
            format!(
                "{{{}}}",
                pairs.iter().map(|(k, v)| format!("{}: {}", show(k), show(v))).collect::<Vec<_>>().join(", ")
            )
        }
        other => format!("{other:?}"),
    }
}
