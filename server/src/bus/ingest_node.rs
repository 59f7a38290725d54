//! `--publish`: this node's markets go to the bus while it holds its group's lease.

use std::sync::Arc;

use async_nats::jetstream::kv::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::bus::ingest_lease::{self, LeaseConfig, LeaseState};
use crate::bus::ingest_publisher::publish_market;
use crate::bus::newest_frames::ensure_stream;
use crate::bus::{connect, Bus};
use crate::metrics::Metrics;
use crate::{FanoutHandle, FanoutHook};

pub struct IngestNode {
    bus: Bus,
    store: Store,
    group: String,
    lease: watch::Receiver<LeaseState>,
    lease_task: JoinHandle<()>,
    metrics: Arc<Metrics>,
}

impl IngestNode {
    /// Connect, make sure the stream and the lease bucket exist, and start competing for the lease.
    pub async fn start(url: &str, lease: LeaseConfig, metrics: Arc<Metrics>) -> Result<Self, String> {
        let bus = connect(url, &lease.node, metrics.clone()).await?;
        ensure_stream(&bus).await?;
        let store = ingest_lease::open_bucket(&bus, lease.ttl).await?;
        let (tx, rx) = watch::channel(LeaseState::default());
        let group = lease.group.clone();
        tracing::info!(url = %crate::bus::bus_connection::redacted(url), group = %group, node = %lease.node, "ingest node: publishing while holding the lease");
        let lease_task = tokio::spawn(ingest_lease::run_lease(bus.clone(), store.clone(), lease, tx, metrics.clone()));
        Ok(Self { bus, store, group, lease: rx, lease_task, metrics })
    }

    /// A fan-out hook that publishes each market it is given.
    pub fn fanout_hook(&self) -> FanoutHook {
        let (bus, lease, metrics) = (self.bus.clone(), self.lease.clone(), self.metrics.clone());
        Arc::new(move |symbol: &str, handle: FanoutHandle| {
            tokio::spawn(publish_market(bus.clone(), symbol.to_string(), handle, lease.clone(), metrics.clone()));
        })
    }

    /// Stop publishing and give the lease up, so a standby takes over now rather than after the TTL.
    pub async fn stop(self) {
        self.lease_task.abort();
        if self.lease.borrow().held.is_some() {
            ingest_lease::release(&self.store, &self.group).await;
            tracing::info!(group = %self.group, "released the ingest lease");
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.bus.client.flush()).await;
    }
}
