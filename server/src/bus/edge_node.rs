//! `--source nats://…`: this node serves what the bus carries, with the same `/ws`, limits, Origin
//! and Host rules as a single-process server.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::bus::edge_subscriber::{run_edge, EdgeOptions};
use crate::bus::newest_frames::ensure_stream;
use crate::bus::connect;
use crate::market_directory::MarketDirectory;
use crate::{serve_directory, ServeOptions};

/// Connect to the bus, relay its frames, and serve them on `listener` until `shutdown`.
pub async fn serve_edge(
    url: &str,
    node: &str,
    edge: EdgeOptions,
    listener: TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let bus = connect(url, node, options.metrics.clone()).await?;
    ensure_stream(&bus).await?;
    let directory = Arc::new(MarketDirectory::default());
    tracing::info!(%url, symbols = ?edge.symbols, deadline = ?edge.deadline, "edge node: relaying frames from the bus");
    let relaying = tokio::spawn(run_edge(bus, edge, directory.clone(), options.metrics.clone()));
    let served = serve_directory(directory, listener, options, shutdown).await.map_err(|e| e.to_string());
    relaying.abort();
    served
}
