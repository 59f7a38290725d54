//! `--source nats://…`: this node serves what the bus carries, with the same `/ws`, limits, Origin
//! and Host rules as a single-process server.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::bus::connect;
use crate::bus::edge_subscriber::{run_edge, EdgeOptions};
use crate::bus::newest_frames::ensure_stream;
use crate::fanout::market_directory::MarketDirectory;
use crate::metrics::Metrics;
use crate::{serve_directory, ServeOptions};

/// How long start-up waits for JetStream's newest frames before serving without them.
const READY_DEADLINE: Duration = Duration::from_secs(5);

pub struct EdgeNode {
    directory: Arc<MarketDirectory>,
    relaying: JoinHandle<()>,
}

impl EdgeNode {
    /// Connect to the bus, subscribe, and load the newest frame of every symbol, so the node is
    /// ready (its `/symbols` filled, late joiners served) before it listens.
    pub async fn start(url: &str, node: &str, edge: EdgeOptions, metrics: Arc<Metrics>) -> Result<Self, String> {
        let bus = connect(url, node, metrics.clone()).await?;
        ensure_stream(&bus).await?;
        // Every edge of a cluster has the same default market: the first asked-for symbol, else the
        // first in sorted order (never "whichever arrived first").
        let directory = Arc::new(MarketDirectory::with_default(edge.symbols.first().cloned()));
        tracing::info!(url = %crate::bus::bus_connection::redacted(url), symbols = ?edge.symbols, deadline = ?edge.deadline, "edge node: relaying frames from the bus");
        let (ready_tx, ready) = tokio::sync::oneshot::channel();
        let dir = directory.clone();
        let relaying = tokio::spawn(async move {
            if let Err(e) = run_edge(bus, edge, dir, metrics, ready_tx).await {
                tracing::error!(error = %e, "edge relay stopped: books go stale at the clients");
            }
        });
        if tokio::time::timeout(READY_DEADLINE, ready).await.is_err() {
            tracing::warn!("newest frames not loaded in time: serving live frames as they come");
        }
        Ok(Self { directory, relaying })
    }

    /// Serve the relayed markets on `listener` until `shutdown`.
    pub async fn serve(
        self,
        listener: TcpListener,
        options: ServeOptions,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let served = serve_directory(self.directory, listener, options, shutdown).await;
        self.relaying.abort();
        served
    }
}
