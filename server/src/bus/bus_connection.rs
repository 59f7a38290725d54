//! The connection to NATS: connected once at start (within a deadline), then reconnected for as long
//! as the node runs. Its state is in /metrics and /healthz (`degraded` while it is gone).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::metrics::Metrics;

/// How long the first connection may take before the node gives up starting.
pub const CONNECT_DEADLINE: Duration = Duration::from_secs(10);
/// Ping interval: a connection that stops answering (a dropped link sends no RST) is declared dead
/// after two unanswered pings, so within ~3 s.
pub const PING_INTERVAL: Duration = Duration::from_secs(1);
/// Ceiling of the reconnect backoff: a node finds a restarted NATS within about this long.
pub const MAX_RECONNECT_DELAY: Duration = Duration::from_millis(500);

/// A connected client, its JetStream context, and a watch that changes on every (re)connection.
#[derive(Clone)]
pub struct Bus {
    pub client: async_nats::Client,
    pub jetstream: async_nats::jetstream::Context,
    /// Counts connections: 1 after the first; each reconnect adds one (an edge refetches the newest frames).
    pub connections: watch::Receiver<u64>,
}

impl Bus {
    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }
}

/// `url` without its credentials (`nats://user:secret@host` → `nats://***@host`), for logs and errors.
pub fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Connect to `url` (`nats://[user:password@]host:port`). Errors say what failed (never the password).
pub async fn connect(url: &str, name: &str, metrics: Arc<Metrics>) -> Result<Bus, String> {
    metrics.bus_in_use.store(true, Ordering::Relaxed);
    let (tx, rx) = watch::channel(0u64);
    let events = metrics.clone();
    let options = async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(Duration::from_secs(2))
        .request_timeout(Some(Duration::from_secs(2)))
        .ping_interval(PING_INTERVAL)
        .max_reconnects(None)
        .reconnect_delay_callback(|attempt| Duration::from_millis(50 * 2u64.saturating_pow(attempt.min(6) as u32)).min(MAX_RECONNECT_DELAY))
        .event_callback(move |event| {
            let (metrics, tx) = (events.clone(), tx.clone());
            async move {
                match event {
                    async_nats::Event::Connected => {
                        metrics.bus_connected.store(1, Ordering::Relaxed);
                        if *tx.borrow() > 0 {
                            metrics.bus_reconnects.fetch_add(1, Ordering::Relaxed);
                            tracing::info!("bus reconnected");
                        }
                        tx.send_modify(|n| *n += 1);
                    }
                    async_nats::Event::Disconnected => {
                        metrics.bus_connected.store(0, Ordering::Relaxed);
                        metrics.bus_disconnects.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!("bus disconnected: reconnecting");
                    }
                    other => tracing::info!(event = %other, "bus event"),
                }
            }
        });
    let shown = redacted(url);
    let client = tokio::time::timeout(CONNECT_DEADLINE, options.connect(url))
        .await
        .map_err(|_| format!("cannot reach NATS at {shown} within {CONNECT_DEADLINE:?}"))?
        .map_err(|e| format!("cannot connect to NATS at {shown}: {e}"))?;
    // The callback may not have run yet for the first connection.
    metrics.bus_connected.store(1, Ordering::Relaxed);
    let jetstream = async_nats::jetstream::new(client.clone());
    Ok(Bus { client, jetstream, connections: rx })
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_never_reach_a_log_line() {
        assert_eq!(super::redacted("nats://ingest:s3cret@10.0.0.5:4222"), "nats://***@10.0.0.5:4222");
        assert_eq!(super::redacted("nats://10.0.0.5:4222"), "nats://10.0.0.5:4222");
    }
}
