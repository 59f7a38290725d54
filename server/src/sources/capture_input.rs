//! Capture events → venue inputs: the one translation that `check-capture` and the capture source
//! (`--source capture:`) share, so a capture means the same to both.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use crate::exchange::capture::CaptureEvent;
use crate::venues::venue::VenueInput;

/// Remembers which connections carried data (a later `connect` on one of them is a reconnect) and
/// each connection's address (which market category its messages are, where a venue needs that).
#[derive(Debug, Default)]
pub struct CaptureInputs {
    data_conns: HashSet<String>,
    addrs: HashMap<String, String>,
}

impl CaptureInputs {
    /// What `event` is to a venue: a message, a REST body, a reconnect — or nothing (headers,
    /// sends, a connection's first `connect`).
    pub fn input<'e>(&mut self, event: &'e CaptureEvent<'_>) -> Option<VenueInput<'e>> {
        if let CaptureEvent::Connect { conn, addr, .. } = event {
            self.addrs.insert(conn.to_string(), addr.to_string());
        }
        match event {
            CaptureEvent::Connect { conn, .. } if self.data_conns.contains(conn.as_ref()) => Some(VenueInput::Connected),
            CaptureEvent::Recv { conn, data, .. } => {
                if !self.data_conns.contains(conn.as_ref()) {
                    self.data_conns.insert(conn.to_string());
                }
                Some(VenueInput::Message(data))
            }
            CaptureEvent::Http { url, data, .. } => Some(VenueInput::Http { url, body: data }),
            _ => None,
        }
    }
}

impl CaptureInputs {
    /// The address of the connection `event` came on, once its `connect` has been seen.
    pub fn addr_of(&self, event: &CaptureEvent<'_>) -> Option<&str> {
        match event {
            CaptureEvent::Recv { conn, .. } | CaptureEvent::Connect { conn, .. } => self.addrs.get(conn.as_ref()).map(String::as_str),
            _ => None,
        }
    }
}

/// Tells a venue which connection the next input comes from, when that changes (see
/// [`crate::venues::Venue::select_connection`]).
#[derive(Debug, Default)]
pub struct ConnectionSelector {
    current: Option<String>,
}

impl ConnectionSelector {
    pub fn select(&mut self, inputs: &CaptureInputs, event: &CaptureEvent<'_>, venue: &mut dyn crate::venues::Venue) {
        let Some(addr) = inputs.addr_of(event) else { return };
        if self.current.as_deref() != Some(addr) {
            venue.select_connection(addr);
            self.current = Some(addr.to_string());
        }
    }
}

/// An event that owns its text (it crosses a thread), for the events that can be venue input.
pub fn owned(event: CaptureEvent<'_>) -> Option<CaptureEvent<'static>> {
    use std::borrow::Cow::Owned;
    Some(match event {
        CaptureEvent::Connect { conn, ts, addr } => CaptureEvent::Connect { conn: Owned(conn.into_owned()), ts, addr: Owned(addr.into_owned()) },
        CaptureEvent::Recv { conn, ts, data } => CaptureEvent::Recv { conn: Owned(conn.into_owned()), ts, data: Owned(data.into_owned()) },
        CaptureEvent::Http { conn, ts, url, data } => {
            CaptureEvent::Http { conn: Owned(conn.into_owned()), ts, url: Owned(url.into_owned()), data: Owned(data.into_owned()) }
        }
        CaptureEvent::Header { .. } | CaptureEvent::Send { .. } => return None,
    })
}

/// The receive time of an event that can be venue input.
pub fn ts(event: &CaptureEvent<'_>) -> f64 {
    match event {
        CaptureEvent::Connect { ts, .. } | CaptureEvent::Recv { ts, .. } | CaptureEvent::Http { ts, .. } | CaptureEvent::Send { ts, .. } => *ts,
        CaptureEvent::Header { .. } => 0.0,
    }
}

/// Events in receive-time order. A capture holds its connections' events in blocks (one connection's
/// 30 s, then the next one's), not interleaved by time; replayed in file order, a book's connection
/// would wait behind the others' whole span. Events are held back until `budget_bytes` of them are
/// buffered (or the input ends), and come out earliest first, file order among equal times.
pub struct InTimeOrder {
    heap: BinaryHeap<Held>,
    bytes: usize,
    budget_bytes: usize,
    seq: u64,
}

struct Held {
    ts: f64,
    seq: u64,
    bytes: usize,
    event: CaptureEvent<'static>,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    /// Reversed: the heap's top is the earliest (then the first read).
    fn cmp(&self, other: &Self) -> Ordering {
        other.ts.total_cmp(&self.ts).then(other.seq.cmp(&self.seq))
    }
}

/// What a reorder window holds at most by default (text of buffered events).
pub const DEFAULT_REORDER_BYTES: usize = 64 << 20;

impl InTimeOrder {
    pub fn new(budget_bytes: usize) -> Self {
        Self { heap: BinaryHeap::new(), bytes: 0, budget_bytes, seq: 0 }
    }

    /// Hold `event`; returns the events that must leave now to stay within the budget, in order.
    pub fn push(&mut self, event: CaptureEvent<'static>) -> Vec<CaptureEvent<'static>> {
        let bytes = event_bytes(&event);
        self.heap.push(Held { ts: ts(&event), seq: self.seq, bytes, event });
        self.seq += 1;
        self.bytes += bytes;
        let mut out = Vec::new();
        while self.bytes > self.budget_bytes {
            match self.pop() {
                Some(e) => out.push(e),
                None => break,
            }
        }
        out
    }

    /// The earliest held event (at the end of the input: call until `None`).
    pub fn pop(&mut self) -> Option<CaptureEvent<'static>> {
        let held = self.heap.pop()?;
        self.bytes -= held.bytes;
        Some(held.event)
    }
}

fn event_bytes(event: &CaptureEvent<'_>) -> usize {
    64 + match event {
        CaptureEvent::Recv { data, .. } | CaptureEvent::Http { data, .. } => data.len(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow::Borrowed;

    #[test]
    fn a_connect_is_a_reconnect_only_on_a_connection_that_carried_data() {
        let mut inputs = CaptureInputs::default();
        let connect = CaptureEvent::Connect { conn: Borrowed("ws.1"), ts: 1.0, addr: Borrowed("") };
        assert!(inputs.input(&connect).is_none(), "the first connect");
        let recv = CaptureEvent::Recv { conn: Borrowed("ws.1"), ts: 2.0, data: Borrowed("{}") };
        assert!(matches!(inputs.input(&recv), Some(VenueInput::Message("{}"))));
        assert!(matches!(inputs.input(&connect), Some(VenueInput::Connected)));
        let http = CaptureEvent::Http { conn: Borrowed("http.0"), ts: 3.0, url: Borrowed("u"), data: Borrowed("b") };
        assert!(matches!(inputs.input(&http), Some(VenueInput::Http { url: "u", body: "b" })));
        assert_eq!(ts(&http), 3.0);
    }

    #[test]
    fn events_come_out_in_receive_time_order_within_the_budget() {
        let recv = |conn: &'static str, ts: f64| CaptureEvent::Recv { conn: Borrowed(conn), ts, data: Borrowed("x") };
        // Two connections in blocks, as captures hold them: a's 0..30 s, then b's 0..30 s.
        let file = [recv("a", 0.0), recv("a", 10.0), recv("a", 30.0), recv("b", 0.5), recv("b", 10.0), recv("b", 20.0)];
        let mut order = InTimeOrder::new(DEFAULT_REORDER_BYTES);
        let mut out: Vec<_> = file.iter().cloned().flat_map(|e| order.push(owned(e).unwrap())).collect();
        out.extend(std::iter::from_fn(|| order.pop()));
        let seen: Vec<(String, f64)> = out
            .iter()
            .map(|e| match e {
                CaptureEvent::Recv { conn, ts, .. } => (conn.to_string(), *ts),
                _ => unreachable!(),
            })
            .collect();
        let want = [("a", 0.0), ("b", 0.5), ("a", 10.0), ("b", 10.0), ("b", 20.0), ("a", 30.0)];
        assert_eq!(seen, want.map(|(c, t)| (c.to_string(), t)), "equal times keep file order");
        // A tiny budget bounds what is held: events leave in file order once it is exceeded.
        let mut tight = InTimeOrder::new(0);
        assert_eq!(tight.push(owned(recv("a", 5.0)).unwrap()).len(), 1);
    }
}
