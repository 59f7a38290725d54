//! Real WebSockets on port 0: a late joiner gets a snapshot then contiguous frames; the wrong Origin
//! is refused; every client receives identical bytes.

use std::time::Duration;

use futures_util::StreamExt;
use tickframe_schema::decode_frame;
use tickframe_server::adapters::sim::SimAdapter;
use tickframe_server::orderbook_engine::OrderbookEngine;
use tickframe_server::sources::simulator::{self, sim_instrument};
use tickframe_server::{serve, ServeOptions};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

async fn start() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let engine = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), 50);
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    tokio::spawn(simulator::run(5, 100, tx));
    tokio::spawn(serve(engine, rx, listener, ServeOptions::new("SIM-USD"), std::future::pending()));
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
async fn late_joiner_gets_snapshot_then_contiguous_frames() {
    let addr = start().await;
    let (mut early, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    next_seq(&mut early).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut late, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    let (first, _) = next_seq(&mut late).await;
    assert!(first > 3, "the late joiner's first frame is a snapshot of the current state (seq {first})");
    let mut prev = first;
    for _ in 0..20 {
        let (seq, bytes) = next_seq(&mut late).await;
        assert_eq!(seq, prev + 1, "no gap, no duplicate after the snapshot");
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

#[tokio::test]
async fn wrong_origin_is_refused_and_localhost_accepted() {
    let addr = start().await;
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    req.headers_mut().insert("Origin", "https://evil.example".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    req.headers_mut().insert("Origin", "http://localhost:6006".parse().unwrap());
    assert!(tokio_tungstenite::connect_async(req).await.is_ok());
}
