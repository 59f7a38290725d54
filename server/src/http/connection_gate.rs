//! Admission of TCP connections. Every connection costs a descriptor and a task, and one that has not
//! upgraded to a WebSocket yet (or is plain HTTP) costs them without being a client: those are the
//! ones an attacker opens by the thousand and then leaves idle or feeds a byte at a time.
//!
//! So connections that have not upgraded ("pending") are capped, and when the cap — or the
//! descriptor budget — is reached, the oldest *stalled* pending connection is closed to make room: a
//! flood of idle sockets can then never keep a real request such as `/healthz` out, since a real
//! request completes in milliseconds and the flood's sockets are the old ones.
//!
//! But only one that has *stalled*: its connection task has been reading it for [`STALLED_AFTER`]
//! and it has still not completed a request. A reconnect storm (thousands of real clients at once
//! after a deploy or a failover) fills the cap with connections whose requests are already in the
//! kernel, waiting only for their task to run — and a real request, once read, upgrades in
//! microseconds; closing those loses clients. So a connection whose task has not started, or started
//! less than that ago, is never closed for another: when only such are pending, the accept loop waits
//! ([`ConnectionGate::make_room`]) — new connections wait in the kernel's accept queue — until one
//! upgrades, ends, or stalls. Idle sockets and slowloris peers (a header byte at a time) are the
//! stalled ones: still closed for a new connection, and at the handshake deadline at the latest.
//! [`ConnectionGate::admit`] itself never closes anything: full, it refuses the new connection.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::Notify;

use super::client_wait::ClientWait;

/// A pending connection that has kept the server waiting this long for the rest of a request it
/// started is stalled (a slowloris trickling its header): a real client sends its request in one go.
pub const STALLED_AFTER: Duration = Duration::from_secs(1);
/// One that has sent nothing at all is stalled (an idle socket) after this: longer, because in a
/// storm a real client on a machine as busy as the server can take a moment between its connect and
/// its request (measured: up to ~1 s with 5,000 clients and the server on two cores).
pub const IDLE_AFTER: Duration = Duration::from_secs(2);

/// How long `wait`'s connection may keep the server waiting before it counts as stalled.
fn patience(wait: &ClientWait) -> Duration {
    if wait.sent() > 0 {
        STALLED_AFTER
    } else {
        IDLE_AFTER
    }
}

/// What [`ConnectionGate::make_room`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// Accept the next connection (room was there, or a stalled one was closed for it).
    Free,
    /// Full of connections still completing their handshakes: wait until one leaves (the gate's
    /// [`ConnectionGate::freed`] is notified) or this long, when the oldest is stalled.
    Wait(Duration),
}

use crate::metrics::Metrics;

/// See the module docs.
#[derive(Debug)]
pub struct ConnectionGate {
    /// Open TCP connections allowed (pending + upgraded): the descriptor budget.
    max_open: u64,
    /// Connections that have not upgraded yet.
    max_pending: usize,
    state: Mutex<GateState>,
    metrics: Arc<Metrics>,
    /// Notified whenever a connection leaves the pending set or closes (the accept loop may go on).
    pub freed: Notify,
    /// The clock's zero for the connections' [`ClientWait`]s.
    epoch: Instant,
}

#[derive(Debug, Default)]
struct GateState {
    next_id: u64,
    /// Pending connections by admission order (oldest first), each with its eviction signal and
    /// whether (and how long) it keeps the server waiting.
    pending: BTreeMap<u64, (Arc<Notify>, Arc<ClientWait>)>,
    open: u64,
}

/// What an admitted connection holds.
#[derive(Debug)]
pub struct Admission {
    /// Notified when this connection is evicted to make room.
    pub evicted: Arc<Notify>,
    /// Noted by the connection's socket ([`super::client_wait::WatchedStream`]): whether it keeps the server waiting.
    pub wait: Arc<ClientWait>,
    /// Held while the connection is pending (dropped by the connection task when it ends or upgrades).
    pub pending: PendingEntry,
    /// Held by everything that keeps the socket open (the HTTP task, then the WebSocket session).
    pub open: Arc<OpenConnection>,
}

impl ConnectionGate {
    pub fn new(max_open: u64, max_pending: usize, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self {
            max_open: max_open.max(1),
            max_pending: max_pending.max(1),
            state: Mutex::default(),
            metrics,
            freed: Notify::new(),
            epoch: Instant::now(),
        })
    }

    /// Before accepting: is there room for one more connection? When full, the oldest pending
    /// connection is closed if it has stalled ([`STALLED_AFTER`]); if every pending one is younger
    /// (a storm of real handshakes), the caller waits instead of closing any of them.
    pub fn make_room(&self) -> Room {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let full = st.pending.len() >= self.max_pending || st.open >= self.max_open;
        if !full || st.pending.is_empty() {
            return Room::Free; // room, or only clients (`admit` then refuses)
        }
        // The oldest stalled one: it has kept the server waiting for its request for STALLED_AFTER.
        let now = Instant::now();
        let stalled = st.pending.iter().find(|(_, (_, wait))| wait.stalled_for(now).is_some_and(|d| d >= patience(wait))).map(|(&id, _)| id);
        let Some(id) = stalled else {
            // Every pending one has its request in (the server is working on it) or has waited
            // less than that: wait for one to finish, or for the first to stall.
            self.metrics.accepts_deferred.fetch_add(1, Ordering::Relaxed);
            let soonest = st.pending.values().filter_map(|(_, wait)| Some(patience(wait).saturating_sub(wait.stalled_for(now)?))).min();
            return Room::Wait(soonest.unwrap_or(STALLED_AFTER / 4).max(Duration::from_millis(5)));
        };
        if let Some((evict, _)) = st.pending.remove(&id) {
            evict.notify_one();
            self.metrics.connections_evicted.fetch_add(1, Ordering::Relaxed);
            self.metrics.http_pending.store(st.pending.len() as u64, Ordering::Relaxed);
        }
        if st.open >= self.max_open {
            // The open-connection budget binds: room comes when the closed one's socket is gone
            // (`freed` wakes the loop), not before.
            return Room::Wait(STALLED_AFTER / 4);
        }
        Room::Free
    }

    /// Admit a new connection, or `None` when the gate is full: the caller closes the new one. It
    /// never closes a pending connection to make room — that is [`make_room`](Self::make_room)'s,
    /// and only for a stalled one.
    pub fn admit(self: &Arc<Self>) -> Option<Admission> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.pending.len() >= self.max_pending || st.open >= self.max_open {
            self.metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let id = st.next_id;
        st.next_id += 1;
        let evicted = Arc::new(Notify::new());
        let wait = ClientWait::new(self.epoch);
        st.pending.insert(id, (evicted.clone(), wait.clone()));
        st.open += 1;
        self.metrics.http_pending.store(st.pending.len() as u64, Ordering::Relaxed);
        self.metrics.http_connections.store(st.open, Ordering::Relaxed);
        Some(Admission { evicted, wait, pending: PendingEntry { gate: self.clone(), id }, open: Arc::new(OpenConnection { gate: self.clone() }) })
    }

    /// Connections not yet upgraded, and open connections.
    pub fn counts(&self) -> (usize, u64) {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (st.pending.len(), st.open)
    }
}

/// Removes the connection from the pending set on drop.
#[derive(Debug)]
pub struct PendingEntry {
    gate: Arc<ConnectionGate>,
    id: u64,
}

impl Drop for PendingEntry {
    fn drop(&mut self) {
        let mut st = self.gate.state.lock().unwrap_or_else(|p| p.into_inner());
        st.pending.remove(&self.id);
        self.gate.metrics.http_pending.store(st.pending.len() as u64, Ordering::Relaxed);
        drop(st);
        self.gate.freed.notify_one();
    }
}

/// One open socket; the count drops when the last holder lets go.
#[derive(Debug)]
pub struct OpenConnection {
    gate: Arc<ConnectionGate>,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        let mut st = self.gate.state.lock().unwrap_or_else(|p| p.into_inner());
        st.open -= 1;
        self.gate.metrics.http_connections.store(st.open, Ordering::Relaxed);
        drop(st);
        self.gate.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_refuses_and_never_closes_a_pending_connection_for_a_new_one() {
        let gate = ConnectionGate::new(100, 2, Arc::default());
        let first = gate.admit().unwrap();
        let second = gate.admit().unwrap();
        assert!(gate.admit().is_none(), "full: the new one is refused");
        assert!(tokio::time::timeout(Duration::from_millis(20), first.evicted.notified()).await.is_err(), "the oldest is not closed");
        assert_eq!(gate.counts(), (2, 2));
        // An upgraded connection leaves the pending set but stays open.
        let Admission { pending, open, .. } = second;
        drop(pending);
        assert_eq!(gate.counts(), (1, 2));
        let third = gate.admit().expect("room again");
        drop((open, first, third));
        assert_eq!(gate.counts(), (0, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_gate_of_young_handshakes_waits_and_closes_only_a_stalled_one() {
        let gate = ConnectionGate::new(100, 2, Arc::default());
        let first = gate.admit().unwrap();
        let second = gate.admit().unwrap();
        // Neither has kept the server waiting (their requests are in, or not read yet): nobody is
        // closed, the next waits.
        assert!(matches!(gate.make_room(), Room::Wait(_)), "a storm's handshakes are not evicted");
        // One keeps the server waiting, not yet for long: still not closed.
        second.wait.note_for_test(true);
        tokio::time::advance(IDLE_AFTER / 2).await;
        let Room::Wait(d) = gate.make_room() else { panic!("not stalled yet") };
        assert!(d <= IDLE_AFTER / 2 + Duration::from_millis(5));
        // One upgrades: room, and the accept loop is told.
        let notified = gate.freed.notified();
        drop(first);
        tokio::time::timeout(Duration::from_millis(1), notified).await.expect("the loop is woken");
        assert_eq!(gate.make_room(), Room::Free);
        let third = gate.admit().unwrap();
        // Later, the one keeping the server waiting (sending nothing) has stalled: it is closed for
        // the next; the one whose request is in is not.
        tokio::time::advance(IDLE_AFTER).await;
        assert_eq!(gate.make_room(), Room::Free);
        tokio::time::timeout(Duration::from_millis(1), second.evicted.notified()).await.expect("the stalled one is closed");
        assert_eq!(gate.counts().0, 1, "the stalled one left; the unread one stays");
        drop((second, third));
    }

    #[test]
    fn refuses_when_every_open_connection_is_a_client() {
        let gate = ConnectionGate::new(2, 10, Arc::default());
        let clients: Vec<_> = (0..2).map(|_| gate.admit().unwrap()).map(|a| (a.open, drop(a.pending))).collect();
        assert!(gate.admit().is_none());
        drop(clients);
        assert!(gate.admit().is_some());
    }
}
