//! Admission of TCP connections. Every connection costs a descriptor and a task, and one that has not
//! upgraded to a WebSocket yet (or is plain HTTP) costs them without being a client: those are the
//! ones an attacker opens by the thousand and then leaves idle or feeds a byte at a time.
//!
//! So connections that have not upgraded ("pending") are capped, and when the cap — or the
//! descriptor budget — is reached, the **oldest** pending connection is closed to make room: a
//! flood of idle sockets can then never keep a real request such as `/healthz` out, since a real
//! request completes in milliseconds and the flood's sockets are the old ones.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

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
}

#[derive(Debug, Default)]
struct GateState {
    next_id: u64,
    /// Pending connections by admission order (oldest first), each with its eviction signal.
    pending: BTreeMap<u64, Arc<Notify>>,
    open: u64,
}

/// What an admitted connection holds.
#[derive(Debug)]
pub struct Admission {
    /// Notified when this connection is evicted to make room.
    pub evicted: Arc<Notify>,
    /// Held while the connection is pending (dropped by the connection task when it ends or upgrades).
    pub pending: PendingEntry,
    /// Held by everything that keeps the socket open (the HTTP task, then the WebSocket session).
    pub open: Arc<OpenConnection>,
}

impl ConnectionGate {
    pub fn new(max_open: u64, max_pending: usize, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self { max_open: max_open.max(1), max_pending: max_pending.max(1), state: Mutex::default(), metrics })
    }

    /// Admit a new connection, evicting the oldest pending one when full. `None`: full and nothing
    /// to evict (every open connection is a WebSocket client): the caller closes the new one.
    pub fn admit(self: &Arc<Self>) -> Option<Admission> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let full = st.pending.len() >= self.max_pending || st.open >= self.max_open;
        if full {
            match st.pending.pop_first() {
                Some((_, evict)) => {
                    // The evicted task closes its socket as soon as it runs; until then the budget
                    // runs one over, which FD_RESERVE covers.
                    evict.notify_one();
                    self.metrics.connections_evicted.fetch_add(1, Ordering::Relaxed);
                    self.metrics.http_pending.store(st.pending.len() as u64, Ordering::Relaxed);
                }
                None => {
                    self.metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
            }
        }
        let id = st.next_id;
        st.next_id += 1;
        let evicted = Arc::new(Notify::new());
        st.pending.insert(id, evicted.clone());
        st.open += 1;
        self.metrics.http_pending.store(st.pending.len() as u64, Ordering::Relaxed);
        self.metrics.http_connections.store(st.open, Ordering::Relaxed);
        Some(Admission { evicted, pending: PendingEntry { gate: self.clone(), id }, open: Arc::new(OpenConnection { gate: self.clone() }) })
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_oldest_pending_connection_makes_room() {
        let gate = ConnectionGate::new(100, 2, Arc::default());
        let first = gate.admit().unwrap();
        let second = gate.admit().unwrap();
        let third = gate.admit().unwrap(); // evicts `first`
        tokio::time::timeout(std::time::Duration::from_secs(1), first.evicted.notified()).await.expect("oldest evicted");
        assert_eq!(gate.counts().0, 2);
        drop(first);
        // An upgraded connection leaves the pending set but stays open.
        let Admission { pending, open, .. } = second;
        drop(pending);
        assert_eq!(gate.counts(), (1, 2));
        drop(open);
        drop(third);
        assert_eq!(gate.counts(), (0, 0));
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
