//! The fan-out on real WebSockets (port 0): a late joiner gets the newest frame then contiguous ones,
//! every client receives identical bytes, and a client that stops reading holds up no one. (The
//! accept loop's limits — Origin, client counts, sizes — are tested in `http_limits.rs`.)

use std::time::Duration;

use futures_util::StreamExt;
use tickframe_schema::decode_frame;
use tickframe_server::adapters::sim::SimAdapter;
use tickframe_server::engine::orderbook_engine::OrderbookEngine;
use tickframe_server::sources::simulator::{self, sim_instrument};
use tickframe_server::{serve, ServeOptions};
use tokio_tungstenite::tungstenite::Message;

async fn start() -> std::net::SocketAddr {
    start_with(50, ServeOptions::new("SIM-USD")).await
}

async fn start_with(depth: usize, options: ServeOptions) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let engine = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), depth);
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    tokio::spawn(simulator::run(5, 100, None, tx));
    tokio::spawn(serve(engine, rx, listener, options, std::future::pending()));
    addr
}

async fn next_seq<S>(ws: &mut S) -> (u64, Vec<u8>)
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap();
        if let Message::Binary(b) = msg {
            return (decode_frame(&b).unwrap().sequence(), b.to_vec());
        }
    }
}

#[tokio::test]
async fn a_late_joiner_gets_the_join_frame_then_contiguous_frames() {
    let addr = start().await;
    let (mut early, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    // Join late: once the early client has seen a few frames go by.
    while next_seq(&mut early).await.0 <= 5 {}
    let (mut late, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    let (first, _) = next_seq(&mut late).await;
    assert!(first > 3, "the late joiner's first frame is the join frame: the current state (seq {first})");
    let mut prev = first;
    for _ in 0..20 {
        let (seq, bytes) = next_seq(&mut late).await;
        assert_eq!(seq, prev + 1, "no gap, no duplicate after the join frame");
        prev = seq;
        // The early client sees the same frame, byte for byte.
        loop {
            let (s, b) = next_seq(&mut early).await;
            if s == seq {
                assert_eq!(b, bytes);
                break;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_neither_delays_others_nor_grows_memory() {
    use std::sync::atomic::Ordering;
    let mut options = ServeOptions::new("SIM-USD");
    options.tick.tick_hz = 100;
    options.limits.session.send_timeout = Duration::from_secs(1);
    let metrics = options.metrics.clone();
    let addr = start_with(1000, options).await; // ~32 KB frames at 100 Hz: a stalled socket fills fast

    // The stalled client: a tiny receive buffer, and it never reads after the handshake.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let stream = sock.connect(addr).await.unwrap();
    let (stalled, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream).await.unwrap();

    let (mut healthy, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    let (mut prev, _) = next_seq(&mut healthy).await;
    let mut worst_gap = Duration::ZERO;
    let mut last = tokio::time::Instant::now();
    for _ in 0..200 {
        let (seq, _) = next_seq(&mut healthy).await;
        assert!(seq > prev, "the healthy client keeps advancing");
        prev = seq;
        worst_gap = worst_gap.max(last.elapsed());
        last = tokio::time::Instant::now();
    }
    // 200 frames at 100 Hz: a healthy client is never held up for the stalled one's send timeout (1 s).
    assert!(worst_gap < Duration::from_secs(1), "healthy client waited {worst_gap:?}");
    // Once the kernel's socket buffers are full, the stalled client is cut off by the send timeout
    // instead of queueing frames without bound (the server holds at most CLIENT_BUFFER_FRAMES for it).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while metrics.slow_client_disconnects.load(Ordering::Relaxed) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "stalled client never disconnected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("stalled client disconnected after {:?}", last.elapsed());
    drop(stalled);
}
