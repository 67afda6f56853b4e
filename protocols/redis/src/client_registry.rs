//! The connected clients, for CLIENT ID/LIST/INFO/KILL and INFO's clients section.
//!
//! Each connection registers a [`ClientHandle`] when it starts and removes it when it
//! ends. The handle carries what CLIENT LIST prints (addresses, name, database, last
//! command, ...) and a kill switch the connection watches next to its socket.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Notify;

/// What CLIENT LIST shows of one connection and may change from another.
#[derive(Debug)]
pub struct ClientHandle {
    pub id: u64,
    pub addr: SocketAddr,
    pub laddr: SocketAddr,
    pub created: Instant,
    pub details: Mutex<ClientDetails>,
    killed: AtomicBool,
    kill_notify: Notify,
}

/// The mutable part of a [`ClientHandle`], refreshed by its connection.
#[derive(Debug, Clone, Default)]
pub struct ClientDetails {
    pub name: Option<String>,
    pub db: usize,
    pub resp: u8,
    pub last_command: String,
    pub last_active: Option<Instant>,
    pub lib_name: Option<String>,
    pub lib_ver: Option<String>,
    pub no_evict: bool,
}

impl ClientHandle {
    /// Asks the connection to close (CLIENT KILL).
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        self.kill_notify.notify_one();
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    /// Completes once [`ClientHandle::kill`] has been called.
    pub async fn killed(&self) {
        while !self.is_killed() {
            self.kill_notify.notified().await;
        }
    }

    /// One line of CLIENT LIST / the CLIENT INFO reply, in Redis 7.0's field order.
    pub fn info_line(&self) -> String {
        let d = self.details.lock().clone();
        let now = Instant::now();
        let age = now.duration_since(self.created).as_secs();
        let idle = d.last_active.map(|t| now.duration_since(t).as_secs()).unwrap_or(age);
        let flags = if d.no_evict { "e" } else { "N" };
        format!(
            "id={} addr={} laddr={} fd=8 name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 multi=-1 \
             qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=0 \
             events=r cmd={} user=default redir=-1 resp={}{}{}",
            self.id,
            self.addr,
            self.laddr,
            d.name.as_deref().unwrap_or(""),
            age,
            idle,
            flags,
            d.db,
            if d.last_command.is_empty() { "NULL" } else { d.last_command.as_str() },
            d.resp,
            d.lib_name.as_ref().map(|n| format!(" lib-name={n}")).unwrap_or_default(),
            d.lib_ver.as_ref().map(|v| format!(" lib-ver={v}")).unwrap_or_default(),
        )
    }
}

/// Every connected client by id.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    next_id: AtomicU64,
    clients: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
}

impl ClientRegistry {
    /// Registers a new connection with the next client id (ids start at 1, never reused).
    pub fn register(&self, addr: SocketAddr, laddr: SocketAddr) -> Arc<ClientHandle> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let handle = Arc::new(ClientHandle {
            id,
            addr,
            laddr,
            created: Instant::now(),
            details: Mutex::new(ClientDetails { resp: 2, ..ClientDetails::default() }),
            killed: AtomicBool::new(false),
            kill_notify: Notify::new(),
        });
        self.clients.lock().insert(id, handle.clone());
        handle
    }

    pub fn unregister(&self, id: u64) {
        self.clients.lock().remove(&id);
    }

    pub fn get(&self, id: u64) -> Option<Arc<ClientHandle>> {
        self.clients.lock().get(&id).cloned()
    }

    /// Every client, by id.
    pub fn all(&self) -> Vec<Arc<ClientHandle>> {
        self.clients.lock().values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.clients.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn register_list_kill_unregister() {
        let registry = ClientRegistry::default();
        let addr: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        let laddr: SocketAddr = "127.0.0.1:6379".parse().expect("addr");
        let a = registry.register(addr, laddr);
        let b = registry.register(addr, laddr);
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(registry.all().iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 2]);
        b.details.lock().name = Some("worker".into());
        let line = b.info_line();
        assert!(line.starts_with("id=2 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name=worker "), "{line}");
        assert!(line.ends_with("resp=2"), "{line}");
        b.kill();
        tokio::time::timeout(std::time::Duration::from_secs(1), b.killed()).await.expect("killed completes");
        registry.unregister(b.id);
        assert_eq!(registry.len(), 1);
        assert!(registry.get(2).is_none() && registry.get(1).is_some());
    }
}
