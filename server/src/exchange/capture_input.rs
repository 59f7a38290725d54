//! Capture events → venue inputs: the one translation that `check-capture` and the capture source
//! (`--source capture:`) share, so a capture means the same to both.

use std::collections::HashSet;

use crate::exchange::capture::CaptureEvent;
use crate::venues::venue::VenueInput;

/// Remembers which connections carried data: a later `connect` on one of them is a reconnect.
#[derive(Debug, Default)]
pub struct CaptureInputs {
    data_conns: HashSet<String>,
}

impl CaptureInputs {
    /// What `event` is to a venue: a message, a REST body, a reconnect — or nothing (headers,
    /// sends, a connection's first `connect`).
    pub fn input<'e>(&mut self, event: &'e CaptureEvent<'_>) -> Option<VenueInput<'e>> {
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

/// An event that owns its text (it crosses a thread), for the events that can be venue input.
pub fn owned(event: CaptureEvent<'_>) -> Option<CaptureEvent<'static>> {
    use std::borrow::Cow::Owned;
    Some(match event {
        CaptureEvent::Connect { conn, ts, .. } => CaptureEvent::Connect { conn: Owned(conn.into_owned()), ts, addr: Owned(String::new()) },
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
}
