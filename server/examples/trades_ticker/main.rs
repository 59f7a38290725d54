//! A custom engine served by tickframe-server in a few lines: a last-trades ticker.
//!
//! ```sh
//! # replay the aggTrade messages of a capture into it, and serve ws://127.0.0.1:9002/ws
//! cargo run -p tickframe-server --example trades_ticker -- NKNUSDT capture.jsonl
//! ```

mod engine;

use std::io::BufRead;

use bytes::Bytes;
use tickframe_server::clock::now_ms;
use tickframe_server::exchange::capture::{CaptureEvent, CaptureReader};
use tickframe_server::{serve, ServeOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let mut args = std::env::args().skip(1);
    let symbol = args.next().unwrap_or_else(|| "BTCUSDT".into());
    let capture = args.next();

    // 1. Your engine. 2. An inbox your source feeds. 3. serve().
    let engine = engine::TradesTicker::new(&symbol, now_ms);
    let (inbox, rx) = tokio::sync::mpsc::channel::<Bytes>(1024);
    if let Some(path) = capture {
        std::thread::spawn(move || {
            let Ok(file) = std::fs::File::open(&path) else { return eprintln!("cannot open {path}") };
            let mut r = CaptureReader::new(std::io::BufReader::new(file));
            while let Some(ev) = r.next_event() {
                if let Ok(CaptureEvent::Recv { data, .. }) = ev {
                    if inbox.blocking_send(Bytes::from(data.into_owned())).is_err() {
                        return;
                    }
                }
            }
        });
    } else {
        // Or one aggTrade JSON per line on stdin.
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                if inbox.blocking_send(Bytes::from(line)).is_err() {
                    return;
                }
            }
        });
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:9002").await?;
    println!("trades ticker for {symbol} on ws://{}/ws", listener.local_addr()?);
    serve(engine, rx, listener, ServeOptions::new(symbol), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
