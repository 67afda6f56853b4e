//! Pub/sub: channel and pattern subscriptions and message delivery.
//!
//! Each subscribed connection has a [`Subscriber`]: the sending half of a bounded
//! channel its connection task selects on next to its socket. PUBLISH never waits:
//! it offers the message to every subscriber with `try_send`. A subscriber that does
//! not keep up is disconnected, as Redis does with `client-output-buffer-limit pubsub
//! 32mb 8mb 60`: once more than [`PUBSUB_QUEUE_BYTES`] of messages (or
//! [`PUBSUB_QUEUE_MESSAGES`] messages) wait for it, it is killed and the message is
//! dropped for it. Memory per subscriber is therefore bounded however fast others publish.

use crate::client_registry::ClientHandle;
use crate::commands::keys::glob_match;
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Bytes of undelivered messages after which a subscriber is disconnected (Redis's
/// hard pubsub output buffer limit).
pub const PUBSUB_QUEUE_BYTES: usize = 32 * 1024 * 1024;
/// Undelivered messages after which a subscriber is disconnected.
pub const PUBSUB_QUEUE_MESSAGES: usize = 64 * 1024;
/// Per-message overhead counted against [`PUBSUB_QUEUE_BYTES`].
const MESSAGE_OVERHEAD: usize = 64;

/// One message on its way to one subscriber.
#[derive(Debug, Clone)]
pub struct Message {
    /// The matching pattern for a pattern subscription (`pmessage`).
    pub pattern: Option<Arc<[u8]>>,
    pub channel: Arc<[u8]>,
    pub payload: Arc<[u8]>,
}

impl Message {
    fn size(&self) -> usize {
        MESSAGE_OVERHEAD + self.channel.len() + self.payload.len() + self.pattern.as_ref().map_or(0, |p| p.len())
    }
}

/// The delivery end of one connection.
#[derive(Debug)]
pub struct Subscriber {
    pub client_id: u64,
    tx: mpsc::Sender<Message>,
    queued_bytes: AtomicUsize,
    handle: Arc<ClientHandle>,
}

impl Subscriber {
    /// Creates a subscriber for `handle`'s connection and the receiver it reads.
    pub fn new(handle: Arc<ClientHandle>) -> (Arc<Subscriber>, mpsc::Receiver<Message>) {
        let (tx, rx) = mpsc::channel(PUBSUB_QUEUE_MESSAGES);
        (Arc::new(Subscriber { client_id: handle.id, tx, queued_bytes: AtomicUsize::new(0), handle }), rx)
    }

    /// Offers `message`; a subscriber over its limits is killed instead. True when queued.
    fn offer(&self, message: Message) -> bool {
        let size = message.size();
        if self.handle.is_killed() {
            return false;
        }
        let queued = self.queued_bytes.fetch_add(size, Ordering::AcqRel) + size;
        if queued > PUBSUB_QUEUE_BYTES || self.tx.try_send(message).is_err() {
            self.queued_bytes.fetch_sub(size, Ordering::AcqRel);
            tracing::warn!(client = self.client_id, "pubsub client too slow: disconnecting it (output limit)");
            self.handle.kill();
            return false;
        }
        true
    }

    /// Called by the connection for each message it takes off its receiver.
    pub fn delivered(&self, message: &Message) {
        self.queued_bytes.fetch_sub(message.size(), Ordering::AcqRel);
    }
}

/// Subscribers of one channel or pattern, by client id.
type Subscribers = BTreeMap<u64, Arc<Subscriber>>;

/// Every subscription of every client.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: Mutex<HashMap<Vec<u8>, Subscribers>>,
    patterns: Mutex<BTreeMap<Vec<u8>, Subscribers>>,
}

impl PubSub {
    /// Adds a channel subscription; false when `sub` already had it.
    pub fn subscribe(&self, channel: &[u8], sub: &Arc<Subscriber>) -> bool {
        self.channels.lock().entry(channel.to_vec()).or_default().insert(sub.client_id, sub.clone()).is_none()
    }

    pub fn unsubscribe(&self, channel: &[u8], client_id: u64) -> bool {
        remove(&mut self.channels.lock(), channel, client_id)
    }

    pub fn psubscribe(&self, pattern: &[u8], sub: &Arc<Subscriber>) -> bool {
        self.patterns.lock().entry(pattern.to_vec()).or_default().insert(sub.client_id, sub.clone()).is_none()
    }

    pub fn punsubscribe(&self, pattern: &[u8], client_id: u64) -> bool {
        let mut patterns = self.patterns.lock();
        let Some(subs) = patterns.get_mut(pattern) else { return false };
        let removed = subs.remove(&client_id).is_some();
        if subs.is_empty() {
            patterns.remove(pattern);
        }
        removed
    }

    /// Delivers `payload` to the subscribers of `channel` and of every matching pattern;
    /// returns how many subscriptions received it (PUBLISH's reply).
    pub fn publish(&self, channel: &[u8], payload: &[u8]) -> i64 {
        let channel: Arc<[u8]> = Arc::from(channel);
        let payload: Arc<[u8]> = Arc::from(payload);
        let mut receivers = 0;
        let direct: Vec<Arc<Subscriber>> =
            self.channels.lock().get(channel.as_ref()).map(|m| m.values().cloned().collect()).unwrap_or_default();
        for sub in direct {
            if sub.offer(Message { pattern: None, channel: channel.clone(), payload: payload.clone() }) {
                receivers += 1;
            }
        }
        let matching: Vec<(Arc<[u8]>, Subscribers)> = self
            .patterns
            .lock()
            .iter()
            .filter(|(p, _)| glob_match(p, &channel, false))
            .map(|(p, subs)| (Arc::from(p.as_slice()), subs.clone()))
            .collect();
        for (pattern, subs) in matching {
            for sub in subs.into_values() {
                let message =
                    Message { pattern: Some(pattern.clone()), channel: channel.clone(), payload: payload.clone() };
                if sub.offer(message) {
                    receivers += 1;
                }
            }
        }
        receivers
    }

    /// PUBSUB CHANNELS: active channels, optionally matching `pattern`.
    pub fn channels(&self, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let mut names: Vec<Vec<u8>> =
            self.channels.lock().keys().filter(|c| pattern.is_none_or(|p| glob_match(p, c, false))).cloned().collect();
        names.sort();
        names
    }

    /// PUBSUB NUMSUB: subscribers of `channel`.
    pub fn numsub(&self, channel: &[u8]) -> usize {
        self.channels.lock().get(channel).map_or(0, BTreeMap::len)
    }

    /// PUBSUB NUMPAT: distinct patterns subscribed.
    pub fn numpat(&self) -> usize {
        self.patterns.lock().len()
    }

    /// Channels with subscribers (INFO pubsub_channels).
    pub fn numchannels(&self) -> usize {
        self.channels.lock().len()
    }
}

fn remove(map: &mut HashMap<Vec<u8>, Subscribers>, name: &[u8], client_id: u64) -> bool {
    let Some(subs) = map.get_mut(name) else { return false };
    let removed = subs.remove(&client_id).is_some();
    if subs.is_empty() {
        map.remove(name);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client_registry::ClientRegistry;

    #[tokio::test]
    async fn publish_counts_and_delivers() {
        let clients = ClientRegistry::default();
        let addr = "127.0.0.1:1".parse().expect("addr");
        let (a, mut ra) = Subscriber::new(clients.register(addr, addr));
        let (b, mut rb) = Subscriber::new(clients.register(addr, addr));
        let ps = PubSub::default();
        assert!(ps.subscribe(b"news", &a));
        assert!(!ps.subscribe(b"news", &a));
        assert!(ps.psubscribe(b"n*", &a));
        assert!(ps.psubscribe(b"n*", &b));
        assert_eq!(ps.publish(b"news", b"hi"), 3);
        assert_eq!(ps.publish(b"other", b"x"), 0);
        let m = ra.recv().await.expect("message");
        assert!(m.pattern.is_none() && &*m.channel == b"news" && &*m.payload == b"hi");
        a.delivered(&m);
        let m = ra.recv().await.expect("pmessage");
        assert_eq!(m.pattern.as_deref(), Some(&b"n*"[..]));
        let m = rb.recv().await.expect("pmessage");
        assert_eq!(&*m.channel, b"news");
        assert_eq!(ps.channels(None), vec![b"news".to_vec()]);
        assert_eq!(ps.channels(Some(b"x*")), Vec::<Vec<u8>>::new());
        assert_eq!((ps.numsub(b"news"), ps.numpat()), (1, 1));
        assert!(ps.unsubscribe(b"news", a.client_id) && !ps.unsubscribe(b"news", a.client_id));
        assert!(ps.punsubscribe(b"n*", a.client_id) && ps.punsubscribe(b"n*", b.client_id));
        assert_eq!((ps.numchannels(), ps.numpat()), (0, 0));
    }

    #[tokio::test]
    async fn a_subscriber_that_never_reads_is_killed() {
        let clients = ClientRegistry::default();
        let addr = "127.0.0.1:1".parse().expect("addr");
        let handle = clients.register(addr, addr);
        let (a, _rx) = Subscriber::new(handle.clone());
        let ps = PubSub::default();
        ps.subscribe(b"c", &a);
        let payload = vec![0u8; 1024 * 1024];
        let mut delivered = 0;
        for _ in 0..64 {
            delivered += ps.publish(b"c", &payload);
        }
        assert!(handle.is_killed());
        assert!(delivered < 33, "{delivered}");
    }
}
