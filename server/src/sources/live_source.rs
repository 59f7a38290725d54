//! `--source <venue>:<symbol>`: a live exchange WebSocket over rustls, through the same venue as
//! captures. Subscribes, pings where the venue wants it, fetches REST snapshots and
//! resubscribes when the venue asks, reconnects with exponential backoff and full jitter, and can
//! record all traffic (`--capture-out`) in the capture format.

use std::io::Write;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use tokio_tungstenite::tungstenite::Message;

use crate::clock::now_ms;
use crate::exchange::capture::{CaptureEvent, CaptureWriter};
use crate::sources::venue_feed::{Overdue, QuietBook, VenueFeed};
use crate::venues::venue::{VenueAction, VenueInput};
pub use crate::venues::LiveEndpoint;

/// Reconnect delays: exponential from `initial` to `max`, each drawn uniformly below the bound
/// ("full jitter"), so many clients restarting together do not reconnect in lockstep.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { initial: Duration::from_millis(500), max: Duration::from_secs(30) }
    }
}

impl Backoff {
    pub fn delay(&self, attempt: u32) -> Duration {
        let bound = self.initial.saturating_mul(1u32 << attempt.min(16)).min(self.max);
        bound.mul_f64(rand::rng().random_range(0.0..=1.0)).max(Duration::from_millis(10))
    }
}

pub struct LiveOptions {
    pub endpoint: LiveEndpoint,
    /// Replace the scheme and host of REST snapshot URLs (tests, proxies): `http://127.0.0.1:1234`.
    pub rest_base: Option<String>,
    /// A REST snapshot request that takes longer fails (and is retried).
    pub rest_timeout: Duration,
    pub backoff: Backoff,
    /// A connection that lasted this long resets the backoff.
    pub healthy_after: Duration,
    pub capture_out: Option<CaptureWriter<Box<dyn Write + Send>>>,
    /// A book not live this long after it started resyncing is asked for again; after as long
    /// again the connection is started over.
    pub resync_deadline: Duration,
    /// A quiet book (see [`LiveEndpoint::book_quiet`]) not confirmed by a fresh snapshot this long
    /// after asking is stale (and its resync goes on).
    pub confirm_deadline: Duration,
}

/// Default [`LiveOptions::confirm_deadline`]: a snapshot or resubscribe answers in well under a second.
pub const DEFAULT_CONFIRM_DEADLINE: Duration = Duration::from_secs(5);

/// Default [`LiveOptions::resync_deadline`]: well past a venue's usual snapshot delay (and past
/// three REST attempts at their timeout, which run before the check).
pub const DEFAULT_RESYNC_DEADLINE: Duration = Duration::from_secs(15);

impl LiveOptions {
    /// Default [`LiveOptions::rest_timeout`].
    pub const DEFAULT_REST_TIMEOUT: Duration = Duration::from_secs(10);

    pub fn new(endpoint: LiveEndpoint) -> Self {
        Self {
            endpoint,
            rest_base: None,
            rest_timeout: Self::DEFAULT_REST_TIMEOUT,
            backoff: Backoff::default(),
            healthy_after: Duration::from_secs(60),
            capture_out: None,
            resync_deadline: DEFAULT_RESYNC_DEADLINE,
            confirm_deadline: DEFAULT_CONFIRM_DEADLINE,
        }
    }
}

fn record(out: &mut Option<CaptureWriter<Box<dyn Write + Send>>>, ev: CaptureEvent<'_>, metrics: &crate::metrics::Metrics) {
    if let Some(w) = out {
        if let Err(e) = w.write(&ev) {
            metrics.record_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::error!(error = %e, "--capture-out write failed: recording stops");
            *out = None;
        }
    }
}

fn ts() -> f64 {
    now_ms() as f64 / 1000.0
}

/// Run forever (until every engine is gone): connect, subscribe, feed, recover, reconnect.
pub async fn run_live(mut feed: VenueFeed, mut opts: LiveOptions) {
    let _ = rustls::crypto::ring::default_provider().install_default(); // Err = already installed
    let http = match reqwest::Client::builder().timeout(opts.rest_timeout).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the HTTP client: live source stops");
            return;
        }
    };
    let venue = feed.venue_name();
    let metrics = feed.metrics().clone();
    record(
        &mut opts.capture_out,
        CaptureEvent::Header { format: 2, exchange: venue.into(), config: serde_json::json!({"l2_book": feed.symbols()}) },
        &metrics,
    );
    let conn = "ws.1";
    let mut attempt = 0u32;
    loop {
        let url = opts.endpoint.ws_url.clone();
        tracing::info!(venue, %url, attempt, "connecting");
        let connected = tokio::time::timeout(Duration::from_secs(15), tokio_tungstenite::connect_async(url.as_str())).await;
        let ws = match connected {
            Ok(Ok((ws, _))) => Some(ws),
            Ok(Err(e)) => {
                tracing::warn!(venue, error = %e, "connect failed");
                None
            }
            Err(_) => {
                tracing::warn!(venue, "connect timed out");
                None
            }
        };
        if let Some(mut ws) = ws {
            let since = tokio::time::Instant::now();
            record(&mut opts.capture_out, CaptureEvent::Connect { conn: conn.into(), ts: ts(), addr: url.as_str().into() }, &metrics);
            let _ = feed.handle(VenueInput::Connected).await;
            let mut ok = true;
            for m in &opts.endpoint.subscribe {
                record(
                    &mut opts.capture_out,
                    CaptureEvent::Send { conn: conn.into(), ts: ts(), addr: url.as_str().into(), data: m.as_str().into() },
                    &metrics,
                );
                ok &= ws.send(Message::text(m.clone())).await.is_ok();
            }
            let mut ping =
                opts.endpoint.ping.clone().map(|(every, text)| (tokio::time::interval_at(tokio::time::Instant::now() + every, every), text));
            // Liveness counts market data only: a venue that answers pings (or keeps the socket
            // open) but sends no book data is gone as far as the book is concerned.
            let deadline = opts.endpoint.data_deadline;
            let mut last_data = tokio::time::Instant::now();
            let mut went_stale = false;
            let check_every = (opts.resync_deadline.min(opts.endpoint.book_quiet).min(opts.confirm_deadline) / 4).max(Duration::from_millis(50));
            let mut resync_check = tokio::time::interval_at(tokio::time::Instant::now() + check_every, check_every);
            while ok {
                let next = tokio::time::timeout_at(last_data + deadline, ws.next());
                let ping_due = async {
                    match &mut ping {
                        Some((iv, _)) => iv.tick().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    msg = next => match msg {
                        Ok(Some(Ok(Message::Text(text)))) => {
                            record(&mut opts.capture_out, CaptureEvent::Recv { conn: conn.into(), ts: ts(), data: text.as_str().into() }, &metrics);
                            let actions = feed.handle(VenueInput::Message(text.as_str())).await;
                            if feed.saw_data() {
                                last_data = tokio::time::Instant::now();
                            }
                            ok = perform(&mut feed, &mut ws, &http, actions, &opts.rest_base, &mut opts.capture_out, &url).await;
                        }
                        Ok(Some(Ok(Message::Close(frame)))) => {
                            tracing::warn!(venue, ?frame, "exchange closed the connection");
                            ok = false;
                        }
                        Ok(Some(Ok(_))) => {} // ping/pong (answered by tungstenite), binary
                        Ok(Some(Err(e))) => {
                            tracing::warn!(venue, error = %e, "connection error");
                            ok = false;
                        }
                        Ok(None) => ok = false,
                        Err(_) => {
                            tracing::warn!(venue, ?deadline, "no market data within the deadline: books stale, reconnecting");
                            feed.metrics().source_data_timeouts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            feed.mark_stale().await;
                            went_stale = true;
                            ok = false;
                        }
                    },
                    _ = resync_check.tick() => {
                        for quiet in feed.quiet_books(opts.endpoint.book_quiet, opts.confirm_deadline) {
                            match quiet {
                                QuietBook::Confirm(symbol) => {
                                    let actions = feed.confirm_quiet(&symbol);
                                    ok &= perform(&mut feed, &mut ws, &http, actions, &opts.rest_base, &mut opts.capture_out, &url).await;
                                }
                                QuietBook::Frozen(symbol) => feed.mark_frozen(&symbol).await,
                            }
                        }
                        for overdue in feed.overdue_resyncs(opts.resync_deadline) {
                            match overdue {
                                Overdue::Retry(symbol) => {
                                    let actions = feed.retry_resync(&symbol);
                                    ok &= perform(&mut feed, &mut ws, &http, actions, &opts.rest_base, &mut opts.capture_out, &url).await;
                                }
                                Overdue::Reconnect => {
                                    tracing::warn!(venue, deadline = ?opts.resync_deadline, "a retried resync got no snapshot: reconnecting");
                                    metrics.source_resync_reconnects.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                    ok = false;
                                }
                            }
                        }
                    }
                    _ = ping_due => {
                        if let Some((_, text)) = &ping {
                            ok = ws.send(Message::text(text.clone())).await.is_ok();
                        }
                    }
                }
            }
            // A dropped connection clears the books (resyncing) at once; books that went stale stay
            // stale — shown dimmed as last seen — until the new connection's snapshots arrive.
            if !went_stale {
                let _ = feed.handle(VenueInput::Disconnected).await;
            }
            if since.elapsed() >= opts.healthy_after {
                attempt = 0;
            }
        }
        feed.metrics().source_reconnects.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if feed.engines_gone() {
            tracing::info!(venue, "no engine left: live source stops");
            return;
        }
        let delay = opts.backoff.delay(attempt);
        attempt = attempt.saturating_add(1);
        tracing::info!(venue, ?delay, "reconnecting after backoff");
        tokio::time::sleep(delay).await;
    }
}

/// Carry out the venue's recovery actions. Returns false when the connection must be dropped.
async fn perform<S>(
    feed: &mut VenueFeed,
    ws: &mut S,
    http: &reqwest::Client,
    mut actions: Vec<VenueAction>,
    rest_base: &Option<String>,
    capture: &mut Option<CaptureWriter<Box<dyn Write + Send>>>,
    addr: &str,
) -> bool
where
    S: SinkExt<Message> + Unpin,
{
    let metrics = feed.metrics().clone();
    while !actions.is_empty() {
        let mut next = Vec::new();
        for action in actions {
            match action {
                VenueAction::Send { symbol, messages } => {
                    tracing::info!(venue = feed.venue_name(), symbol, "resubscribing");
                    for m in messages {
                        record(capture, CaptureEvent::Send { conn: "ws.1".into(), ts: ts(), addr: addr.into(), data: m.as_str().into() }, &metrics);
                        if ws.send(Message::text(m)).await.is_err() {
                            return false;
                        }
                    }
                }
                VenueAction::FetchSnapshot { symbol, url } => {
                    let url = match rest_base {
                        Some(base) => rebase(&url, base),
                        None => url,
                    };
                    let mut body = None;
                    for retry in 0..3u32 {
                        match http.get(&url).send().await.and_then(|r| r.error_for_status()) {
                            Ok(r) => match r.text().await {
                                Ok(text) => {
                                    body = Some(text);
                                    break;
                                }
                                Err(e) => tracing::warn!(symbol, error = %e, "snapshot body unreadable"),
                            },
                            Err(e) => tracing::warn!(symbol, %url, error = %e, retry, "snapshot fetch failed"),
                        }
                        tokio::time::sleep(Duration::from_millis(500 << retry)).await;
                    }
                    // Without a snapshot the book cannot sync: start over on a new connection.
                    let Some(body) = body else { return false };
                    record(
                        capture,
                        CaptureEvent::Http { conn: "http.0".into(), ts: ts(), url: url.as_str().into(), data: body.as_str().into() },
                        &metrics,
                    );
                    next.extend(feed.handle(VenueInput::Http { url: &url, body: &body }).await);
                }
            }
        }
        actions = next;
    }
    true
}

/// `https://api.binance.com/api/v3/depth?...` on `http://127.0.0.1:9` → `http://127.0.0.1:9/api/v3/depth?...`.
fn rebase(url: &str, base: &str) -> String {
    let path = url.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..])).unwrap_or("/");
    format!("{}{path}", base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_exponential_capped_and_jittered() {
        let b = Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(2) };
        for attempt in 0..20 {
            let bound = Duration::from_millis(100).saturating_mul(1 << attempt.min(16)).min(Duration::from_secs(2));
            for _ in 0..20 {
                assert!(b.delay(attempt) <= bound);
            }
        }
        let samples: std::collections::HashSet<_> = (0..20).map(|_| b.delay(5)).collect();
        assert!(samples.len() > 1, "jittered");
    }

    #[test]
    fn rest_urls_rebase_onto_a_test_server() {
        assert_eq!(
            rebase("https://api.binance.com/api/v3/depth?symbol=X&limit=1000", "http://127.0.0.1:9/"),
            "http://127.0.0.1:9/api/v3/depth?symbol=X&limit=1000"
        );
    }
}
