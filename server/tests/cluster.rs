//! Ingest and edge nodes over a real nats-server (started here, on a free port): the frames every
//! edge relays, a cold edge, ingest failover (killed and paused), and a NATS restart.
//! Bounds are what a person watching a ladder would notice, not how fast this machine is.

mod support;

use std::time::{Duration, Instant};

use support::cluster::{eventually, metric, signal, Nats, Watcher};
use support::{http_get, start};
use tickframe_schema::frame_restamp::{restamp, Restamp};
use tickframe_schema::{decode_frame, BookStatus};

/// Edges mark a book stale after this much silence from the bus (the edge's default deadline).
const DEADLINE: Duration = Duration::from_secs(3);
/// Allowance on top of a stated bound for a busy 2-core machine.
const SLACK: Duration = Duration::from_secs(2);
/// Lease TTL used here (the default) and the stated failover bound: TTL + a standby poll (TTL / 6)
/// + the time to read the bus's newest frames and create the key, rounded up.
const LEASE_TTL_MS: &str = "3000";
const FAILOVER_BOUND: Duration = Duration::from_millis(4_000);

/// Stated bound: an edge is live again this long after NATS is back (reconnect backoff ≤ 0.5 s, and
/// when the outage outlived the lease, the ingest node takes it again).
const RECOVERY_BOUND: Duration = Duration::from_secs(5);

fn epoch(sequence: u64) -> u64 {
    sequence >> 33
}

fn ingest(nats: &Nats, name: &str) -> support::Server {
    start(&["--publish", &nats.url(), "--node-name", name, "--lease-ttl-ms", LEASE_TTL_MS, "--sim-rate", "50"])
}

fn edge(nats: &Nats) -> support::Server {
    start(&["--source", &nats.url()])
}

/// Wait until the node holds (or does not hold) the lease.
async fn lease_held(node: &support::Server, held: bool) {
    let want = u64::from(held);
    eventually(Duration::from_secs(15), &format!("{} lease_held = {want}", node.1), || async { metric(&node.1, "lease_held").await == Some(want) })
        .await;
}

/// Every frame a client saw goes forward: sequences only increase (an edge's stale frame is the next
/// sequence; a new ingest node's epoch is higher), and a live frame is never crossed.
fn assert_one_forward_stream(frames: &[support::cluster::Received]) {
    for w in frames.windows(2) {
        assert!(w[1].sequence > w[0].sequence, "sequence went from {} to {}", w[0].sequence, w[1].sequence);
    }
    for f in frames.iter().filter(|f| f.status == BookStatus::Live) {
        assert!(f.best_bid < f.best_ask, "a live frame is crossed: {f:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_edges_relay_identical_bytes_and_a_cold_edge_serves_the_newest_frame_at_once() {
    let nats = Nats::start();
    let ingest = ingest(&nats, "ingest-1");
    lease_held(&ingest, true).await;
    let (edge_a, edge_b) = (edge(&nats), edge(&nats));
    let (a, b) = (Watcher::connect(&edge_a.1).await, Watcher::connect(&edge_b.1).await);
    for w in [&a, &b] {
        eventually(Duration::from_secs(15), "50 frames on each edge", || async { w.all().len() >= 50 }).await;
    }
    // Byte for byte: every sequence both clients saw is the same frame, and it is the ingest node's
    // (after each client's first: a join frame carries the heat history its edge kept since it started).
    let (fa, fb) = (a.all(), b.all());
    let common: Vec<_> = fa.iter().skip(1).filter_map(|x| fb.iter().skip(1).find(|y| y.sequence == x.sequence).map(|y| (x, y))).collect();
    assert!(common.len() >= 40, "the edges relayed the same stream ({} frames in common)", common.len());
    for (x, y) in &common {
        assert_eq!(x.bytes, y.bytes, "sequence {}: the two edges sent different bytes", x.sequence);
        assert!(epoch(x.sequence) >= 1, "frames carry the ingest node's epoch");
    }
    assert!(fa.iter().skip(1).all(|f| f.status == BookStatus::Live), "a running ingest node's book is live");
    assert_eq!(http_get(&edge_a.1, "/symbols").await.unwrap().1.trim(), r#"["SIM-USD"]"#, "/symbols is what the bus carries");

    // The ingest node dies: within the deadline the edges say stale (same sequence on both).
    let newest_from_ingest = a.last().unwrap();
    signal(&ingest, libc::SIGKILL);
    let killed = Instant::now();
    let stale_a = a.wait_for(killed, DEADLINE + SLACK, "edge A marks the book stale", |f| f.status == BookStatus::Stale).await;
    let stale_b = b.wait_for(killed, DEADLINE + SLACK, "edge B marks the book stale", |f| f.status == BookStatus::Stale).await;
    println!("stale on the edges {:?} / {:?} after the ingest node died", stale_a.at - killed, stale_b.at - killed);
    assert_eq!(stale_a.sequence, stale_b.sequence, "both edges make the same stale frame");
    let before_stale: Vec<_> = a.all().into_iter().filter(|f| f.at < stale_a.at).collect();
    let newest = before_stale.last().unwrap().clone();
    assert!(newest.sequence >= newest_from_ingest.sequence);
    assert_eq!(stale_a.sequence, newest.sequence + 1);

    // A cold edge, started now: the newest frame the ingest node published exists only in JetStream.
    // The edge loads it before it listens, sees it is older than the deadline and serves it as
    // stale — the same book and sequence the running edges made stale, at once.
    let cold_edge = edge(&nats);
    let connected = Instant::now();
    let cold = Watcher::connect(&cold_edge.1).await;
    let first = cold.wait_for(connected, SLACK, "the cold edge's first frame", |_| true).await;
    println!("cold edge's first frame {:?} after connecting", first.at - connected);
    assert_eq!((first.sequence, first.status), (stale_a.sequence, BookStatus::Stale), "a cold edge serves the newest book, as stale");
    let same_stamp = Restamp::of(&decode_frame(&stale_a.bytes).unwrap());
    let mut b = flatbuffers::FlatBufferBuilder::new();
    assert_eq!(
        restamp(&decode_frame(&first.bytes).unwrap(), same_stamp, &mut b),
        &stale_a.bytes[..],
        "the same book as the ingest node's last frame"
    );
    assert_one_forward_stream(&a.all());
    assert_one_forward_stream(&cold.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_takes_over_within_the_bound_and_a_killed_or_paused_node_never_publishes_again() {
    let nats = Nats::start();
    let first = ingest(&nats, "ingest-1");
    lease_held(&first, true).await;
    let second = ingest(&nats, "ingest-2");
    let edge = edge(&nats);
    let w = Watcher::connect(&edge.1).await;
    let live = w.wait_for(Instant::now(), Duration::from_secs(15), "a live frame", |f| f.status == BookStatus::Live).await;
    lease_held(&second, false).await;
    let first_epoch = epoch(live.sequence);

    // Killed: the standby's frames arrive within the bound; meanwhile nothing live from anyone else.
    signal(&first, libc::SIGKILL);
    let killed = Instant::now();
    let taken = w.wait_for(killed, FAILOVER_BOUND + SLACK, "the standby's first frame", |f| epoch(f.sequence) > first_epoch).await;
    println!("failover after SIGKILL: {:?} (stated bound {FAILOVER_BOUND:?})", taken.at - killed);
    assert_eq!(taken.status, BookStatus::Live, "the standby's book was kept live while it stood by");
    lease_held(&second, true).await;
    let second_epoch = epoch(taken.sequence);

    // Paused: a third node takes over; the paused one, resumed, publishes nothing more.
    let third = ingest(&nats, "ingest-3");
    eventually(Duration::from_secs(15), "the third node stands by", || async {
        metric(&third.1, "bus_frames_withheld_total").await.unwrap_or(0) > 0
    })
    .await;
    signal(&second, libc::SIGSTOP);
    let paused = Instant::now();
    let taken = w.wait_for(paused, FAILOVER_BOUND + SLACK, "the third node's first frame", |f| epoch(f.sequence) > second_epoch).await;
    println!("failover after SIGSTOP: {:?}", taken.at - paused);
    signal(&second, libc::SIGCONT);
    let resumed = Instant::now();
    lease_held(&second, false).await;
    let published = metric(&second.1, "bus_frames_published_total").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(metric(&second.1, "bus_frames_published_total").await, published, "a node that lost its lease publishes nothing");
    let after: Vec<_> = w.all().into_iter().filter(|f| f.at >= taken.at).collect();
    assert!(after.iter().all(|f| epoch(f.sequence) > second_epoch), "no frame of the paused node reached a client after the takeover");
    assert!(after.iter().any(|f| f.at > resumed + Duration::from_secs(1) && f.status == BookStatus::Live), "the new node goes on");
    assert_eq!(metric(&third.1, "lease_held").await, Some(1));
    assert!(metric(&third.1, "lease_changes_total").await >= Some(1));
    assert_one_forward_stream(&w.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edge_says_stale_and_degraded_while_nats_is_gone_and_recovers_by_itself() {
    let mut nats = Nats::start();
    let ingest = ingest(&nats, "ingest-1");
    lease_held(&ingest, true).await;
    let edge = edge(&nats);
    let w = Watcher::connect(&edge.1).await;
    w.wait_for(Instant::now(), Duration::from_secs(15), "a live frame", |f| f.status == BookStatus::Live).await;
    assert_eq!(http_get(&edge.1, "/healthz").await.unwrap(), (200, "ok\n".to_string()));

    nats.kill();
    let killed = Instant::now();
    let stale = w.wait_for(killed, DEADLINE + SLACK, "stale while the bus is gone", |f| f.status == BookStatus::Stale).await;
    println!("stale {:?} after NATS died", stale.at - killed);
    let (status, body) = http_get(&edge.1, "/healthz").await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.starts_with("degraded"), "{body}");

    nats.restart();
    let restarted = Instant::now();
    let back = w.wait_for(restarted, RECOVERY_BOUND + SLACK, "live again after NATS is back", |f| f.status == BookStatus::Live).await;
    println!("live again {:?} after NATS restarted", back.at - restarted);
    eventually(Duration::from_secs(5), "/healthz ok", || async { http_get(&edge.1, "/healthz").await.map(|r| r.0) == Ok(200) }).await;
    assert!(metric(&edge.1, "bus_disconnects_total").await >= Some(1));
    assert!(metric(&edge.1, "bus_reconnects_total").await >= Some(1));
    assert!(metric(&edge.1, "bus_stale_marks_total").await >= Some(1));
    assert!(metric(&ingest.1, "bus_reconnects_total").await >= Some(1));
    assert_one_forward_stream(&w.all());
}

/// Resident memory of a process, in bytes (Linux).
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()).map_or(0, |kb| kb * 1024)
}

/// A valid frame of `symbol` with `levels` bids (~16 bytes each).
fn big_frame(symbol: &str, levels: usize) -> Vec<u8> {
    use tickframe_schema::{finish_orderbook_frame_buffer, OrderbookFrame, OrderbookFrameArgs, PriceLevel};
    let mut b = flatbuffers::FlatBufferBuilder::with_capacity(levels * 16 + 1024);
    let symbol = b.create_string(symbol);
    let bids: Vec<PriceLevel> = (0..levels).map(|i| PriceLevel::new(1_000_000.0 - i as f64, 1.0)).collect();
    let bids = b.create_vector(&bids);
    let asks = b.create_vector(&[PriceLevel::new(1_000_001.0, 1.0)]);
    let args = OrderbookFrameArgs {
        sequence: 1,
        timestamp_ms: 1,
        symbol: Some(symbol),
        tick_size: 1.0,
        lot_size: 1.0,
        best_bid: 1_000_000.0,
        best_ask: 1_000_001.0,
        bids: Some(bids),
        asks: Some(asks),
        ..Default::default()
    };
    let f = OrderbookFrame::create(&mut b, &args);
    finish_orderbook_frame_buffer(&mut b, f);
    b.finished_data().to_vec()
}

/// A rogue publisher floods the bus with 1,000 symbols of ~200 KB valid frames: the edge holds no
/// more than its byte budget (`--edge-budget-mib`; without one, 1,000 symbols × 1 MiB frames took an
/// edge to 2.26 GB), refuses and counts what does not fit, and keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_big_frames_on_many_symbols_stays_within_the_edge_byte_budget() {
    const BUDGET_MIB: u64 = 32;
    let nats = Nats::start();
    let edge = start(&["--source", &nats.url(), "--edge-budget-mib", &BUDGET_MIB.to_string()]);
    let pid = edge.0.id();
    let before = rss_bytes(pid);
    let rogue = async_nats::connect(nats.url()).await.expect("the rogue publisher connects");
    for i in 0..1000 {
        let symbol = format!("FLOOD{i}");
        let frame = big_frame(&symbol, 12_500); // ~200 KB
        rogue.publish(format!("tickframe.book.{symbol}"), frame.into()).await.expect("publish");
        if i % 50 == 0 {
            rogue.flush().await.expect("flush");
        }
    }
    rogue.flush().await.expect("flush");
    // Every message reached the edge (relayed, refused or dropped).
    eventually(Duration::from_secs(30), "the edge read the flood", || async {
        let received = metric(&edge.1, "bus_frames_received_total").await.unwrap_or(0);
        let refused =
            metric(&edge.1, "bus_frames_rejected_total").await.unwrap_or(0) + metric(&edge.1, "bus_frames_dropped_total").await.unwrap_or(0);
        received + refused >= 1000
    })
    .await;
    let held = metric(&edge.1, "edge_bytes_held").await.unwrap_or(u64::MAX);
    let grown = rss_bytes(pid).saturating_sub(before);
    println!("edge: {held} bytes of frames held, RSS grew by {} MiB", grown >> 20);
    assert!(held <= BUDGET_MIB << 20, "held {held} bytes > the {BUDGET_MIB} MiB budget");
    assert!(metric(&edge.1, "bus_symbols_refused_total").await >= Some(1), "symbols past the budget are refused and counted");
    // The stated bound: the budget, plus ~64 MiB for the bus client's buffers, the relays' tasks and
    // the allocator (the flood is 200 MB; the unbounded edge grew by gigabytes).
    assert!(grown <= (BUDGET_MIB + 64) << 20, "RSS grew by {} MiB", grown >> 20);
    // The stream the edge created is bounded on disk and in every cold edge's start.
    let mut stream = async_nats::jetstream::new(rogue.clone()).get_stream("TICKFRAME_BOOKS").await.expect("the stream exists");
    let config = stream.info().await.expect("stream info").config.clone();
    assert!(config.max_bytes > 0 && config.max_bytes <= 256 << 20, "max_bytes {}", config.max_bytes);
    assert!(config.max_age > Duration::ZERO, "max_age is set");
    assert!(config.max_message_size > 0, "max_message_size is set");
    let (status, symbols) = http_get(&edge.1, "/symbols").await.expect("/symbols answers");
    assert_eq!(status, 200);
    assert!(symbols.len() < 1 << 20, "/symbols is bounded");
}
