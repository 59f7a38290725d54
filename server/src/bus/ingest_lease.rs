//! Which ingest node publishes: a lease in NATS KV. The holder renews its key (revision-checked
//! update) every quarter of the TTL; the key expires a TTL after its last write, and a standby that
//! finds it gone creates it (atomic: one winner). The holder publishes only until a margin before its
//! last renewal could expire, so a node that was paused (SIGSTOP) or cut off stops on its own clock
//! before anyone else can take over: no two nodes publish at once.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::kv::{self, Operation, Store};
use bytes::Bytes;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::bus::newest_frames::{highest_epoch, REQUEST_DEADLINE};
use crate::bus::stream_epoch::{next_epoch, MAX_EPOCH};
use crate::bus::Bus;
use crate::log_throttle::{LogDecision, LogThrottle};
use crate::metrics::Metrics;

/// The KV bucket holding one lease key per ingest group.
pub const BUCKET: &str = "tickframe_ingest_leases";
/// Default lease TTL: a standby takes over within TTL + [`standby_poll`] of the holder's last renewal.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
pub struct LeaseConfig {
    /// The lease key: nodes with the same sources share a group.
    pub group: String,
    /// This node's name (written into the key, logged by the others).
    pub node: String,
    pub ttl: Duration,
    /// The symbols this group publishes: a new holder's epoch goes above their newest frames'.
    pub symbols: Vec<String>,
}

/// What a publisher checks before every frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LeaseState {
    /// While held: the epoch this node publishes in, and when its right to publish runs out.
    pub held: Option<(u64, Instant)>,
}

impl LeaseState {
    /// The epoch to publish in, if this node may publish at `now`.
    pub fn publishing_epoch(&self, now: Instant) -> Option<u64> {
        self.held.filter(|(_, until)| now < *until).map(|(epoch, _)| epoch)
    }
}

/// How often the holder renews.
pub fn renew_every(ttl: Duration) -> Duration {
    ttl / 4
}
/// How often a standby looks for an expired lease.
pub fn standby_poll(ttl: Duration) -> Duration {
    ttl / 6
}
/// How long a renewal sent at `t` lets the holder publish: the key lives `ttl` from when the server
/// wrote it (after `t`), and a quarter of it is kept as margin for clocks and delivery.
fn publish_until(sent: Instant, ttl: Duration) -> Instant {
    sent + ttl - ttl / 4
}

/// Open (or create) the lease bucket. Its `max_age` is the TTL, so an unrenewed key expires.
pub async fn open_bucket(bus: &Bus, ttl: Duration) -> Result<Store, String> {
    let config = kv::Config {
        bucket: BUCKET.into(),
        history: 1,
        max_age: ttl,
        storage: async_nats::jetstream::stream::StorageType::File,
        ..Default::default()
    };
    tokio::time::timeout(REQUEST_DEADLINE, bus.jetstream.create_key_value(config))
        .await
        .map_err(|_| "JetStream did not answer (is nats-server running with -js?)".to_string())?
        .map_err(|e| format!("lease bucket {BUCKET}: {e}"))
}

/// Hold or wait for the lease of `config.group` for as long as the node runs, telling `state`.
pub async fn run_lease(bus: Bus, store: Store, config: LeaseConfig, state: watch::Sender<LeaseState>, metrics: Arc<Metrics>) {
    let key = config.group.clone();
    let mut revision: Option<u64> = None;
    // The highest epoch seen in the holders' keys: a new holder goes above it.
    let mut seen_epoch = 0u64;
    let mut bad_values = LogThrottle::default();
    loop {
        match revision {
            Some(rev) => {
                let sent = Instant::now();
                let Some((epoch, _)) = state.borrow().held else { return };
                let value = Bytes::from(format!("{} {epoch}", config.node));
                match tokio::time::timeout(REQUEST_DEADLINE.min(config.ttl / 4), store.update(&key, value, rev)).await {
                    Ok(Ok(r)) => {
                        revision = Some(r);
                        state.send_replace(LeaseState { held: Some((epoch, publish_until(sent, config.ttl))) });
                    }
                    Ok(Err(e)) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                        // Someone else holds it now (we were paused or cut off past the TTL).
                        revision = None;
                        state.send_replace(LeaseState::default());
                        metrics.lease_held.store(0, Ordering::Relaxed);
                        metrics.lease_changes.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(group = %key, node = %config.node, "lost the ingest lease: standing by");
                    }
                    // Bus away or slow: keep trying; the right to publish runs out on its own.
                    Ok(Err(e)) => tracing::debug!(error = %e, "lease renewal failed"),
                    Err(_) => tracing::debug!("lease renewal timed out"),
                }
                tokio::time::sleep(renew_every(config.ttl)).await;
            }
            None => {
                match tokio::time::timeout(REQUEST_DEADLINE, store.entry(&key)).await {
                    Ok(Ok(Some(entry))) if entry.operation == Operation::Put => match lease_epoch(&entry.value) {
                        Some(e) => seen_epoch = seen_epoch.max(e),
                        None => {
                            metrics.lease_values_rejected.fetch_add(1, Ordering::Relaxed);
                            if let LogDecision::Log { suppressed } = bad_values.check() {
                                tracing::warn!(group = %key, suppressed, "lease value is not `node epoch` with an epoch ≤ 2^20 − 1: ignored");
                            }
                        }
                    },
                    Ok(Ok(_)) => {
                        if let Some(held) = try_acquire(&bus, &store, &key, &config, seen_epoch).await {
                            revision = Some(held.0);
                            seen_epoch = held.1;
                            state.send_replace(LeaseState { held: Some((held.1, held.2)) });
                            metrics.lease_held.store(1, Ordering::Relaxed);
                            metrics.lease_changes.fetch_add(1, Ordering::Relaxed);
                            tracing::info!(group = %key, node = %config.node, epoch = held.1, "took the ingest lease: publishing");
                            continue;
                        }
                    }
                    Ok(Err(e)) => tracing::debug!(error = %e, "lease read failed"),
                    Err(_) => tracing::debug!("lease read timed out"),
                }
                tokio::time::sleep(standby_poll(config.ttl)).await;
            }
        }
    }
}

/// The epoch in a lease value (`node epoch`), if it is one a node could have written: a forged
/// `u64::MAX` would otherwise make the next holder's epoch wrap to 0, below every frame browsers saw.
pub fn lease_epoch(value: &[u8]) -> Option<u64> {
    let epoch: u64 = std::str::from_utf8(value).ok()?.rsplit(' ').next()?.parse().ok()?;
    (epoch <= MAX_EPOCH).then_some(epoch)
}

/// Create the key (only succeeds when nobody holds it). Returns (revision, epoch, publish-until).
async fn try_acquire(bus: &Bus, store: &Store, key: &str, config: &LeaseConfig, seen_epoch: u64) -> Option<(u64, u64, Instant)> {
    // Above every epoch a browser may have seen: the last holder's and the bus's newest frames'.
    let on_bus = match highest_epoch(bus, &config.symbols).await {
        Ok(e) => e,
        Err(e) => {
            tracing::debug!(error = %e, "cannot read the newest frames: not taking the lease yet");
            return None;
        }
    };
    let epoch = next_epoch(seen_epoch.max(on_bus));
    let sent = Instant::now();
    let value = Bytes::from(format!("{} {epoch}", config.node));
    match tokio::time::timeout(REQUEST_DEADLINE, store.create(key, value)).await {
        Ok(Ok(rev)) => Some((rev, epoch, publish_until(sent, config.ttl))),
        _ => None,
    }
}

/// Give the lease up (a clean shutdown), so a standby takes over at once instead of after the TTL.
pub async fn release(store: &Store, group: &str) {
    let _ = tokio::time::timeout(REQUEST_DEADLINE, store.delete(group)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_values_past_the_epoch_bound_are_ignored() {
        assert_eq!(lease_epoch(b"node-a 7"), Some(7));
        assert_eq!(lease_epoch(b"node-a 1048575"), Some(MAX_EPOCH));
        assert_eq!(lease_epoch(b"node-a 1048576"), None);
        assert_eq!(lease_epoch(b"evil 18446744073709551615"), None);
        assert_eq!(lease_epoch(b"evil -1"), None);
        assert_eq!(lease_epoch(b"\xff\xfe"), None);
        // The next holder's epoch never wraps, whatever was seen.
        assert_eq!(next_epoch(MAX_EPOCH), MAX_EPOCH);
    }
}
