//! The example engine (server/examples/trades_ticker) served over real WebSockets on port 0: the
//! library's promise that a custom `ServerEngine` gets the same tick loop, fan-out and snapshots.

#[path = "../examples/trades_ticker/engine.rs"]
mod engine;

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tickframe_server::{serve, ServeOptions, ServerEngine};
use tokio_tungstenite::tungstenite::Message;

fn agg(p: &str, q: &str, t: u64) -> Bytes {
    Bytes::from(format!(
        r#"{{"stream":"btcusdt@aggTrade","data":{{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"{p}","q":"{q}","f":1,"l":1,"T":{t},"m":false}}}}"#
    ))
}

#[test]
fn ingests_trades_counts_garbage_and_keeps_the_last_twenty() {
    let mut e = engine::TradesTicker::new("BTCUSDT", || 7);
    assert!(!e.ingest(b"{nope"));
    assert!(!e.ingest(br#"{"e":"depthUpdate","s":"BTCUSDT"}"#), "other events are not trades");
    assert!(!e.ingest(&agg("1e3", "1", 1)), "exact decimals only");
    assert_eq!(e.rejected, 2);
    for i in 0..30 {
        assert!(e.ingest(&agg(&format!("100.{i:02}"), "0.5", i)));
    }
    let mut b = flatbuffers::FlatBufferBuilder::new();
    let bytes = e.tick(&mut b).to_vec();
    let f = engine::root_as_trades_frame(&bytes).expect("verified");
    assert_eq!((f.sequence(), f.timestamp_ms(), f.symbol()), (1, 7, Some("BTCUSDT")));
    assert_eq!(f.last_price(), 100.29);
    assert_eq!(f.trades().expect("trades").len(), engine::KEEP);
    assert_eq!(f.volume(), 10.0);
}

#[tokio::test]
async fn serves_it_with_the_same_fanout_and_join_frames() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (inbox, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(serve(engine::TradesTicker::new("BTCUSDT", || 1), rx, listener, ServeOptions::new("BTCUSDT"), std::future::pending()));
    // An early client, to know when the server has the trade (instead of sleeping on it).
    let (mut early, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    inbox.send(agg("50000.5", "0.25", 1)).await.unwrap();
    while engine::root_as_trades_frame(&next_binary(&mut early).await).unwrap().last_price() != 50000.5 {}
    // A late joiner's first frame is the join frame: the current state.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    let first = next_binary(&mut ws).await;
    let f = engine::root_as_trades_frame(&first).unwrap();
    assert_eq!(f.last_price(), 50000.5);
    let seq = f.sequence();
    inbox.send(agg("50001", "1", 2)).await.unwrap();
    loop {
        if let Some(Ok(Message::Binary(b))) = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap() {
            let f = engine::root_as_trades_frame(&b).unwrap();
            assert!(f.sequence() > seq);
            if f.last_price() == 50001.0 {
                assert_eq!(f.trades().unwrap().len(), 2);
                break;
            }
        }
    }
}

/// The next binary message, within 5 s.
async fn next_binary<S>(ws: &mut S) -> Vec<u8>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        if let Some(Ok(Message::Binary(b))) = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap() {
            return b.to_vec();
        }
    }
}
