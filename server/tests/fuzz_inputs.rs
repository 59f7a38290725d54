//! Mutation fuzzing of everything that reads input from outside: each venue's message handling
//! (through the feed, so the resync rule is exercised too), the capture reader, the recording
//! reader and the WebSocket edge. Seeded from small valid inputs made here and, when CI has them
//! beside the clone, from the third-party captures in ../shared/fixtures/exchange.
//!
//! Oracles: nothing panics; a book served as live is never crossed; every image the feed sends is
//! one the engine accepts; a recording reader returns only whole records; the server keeps serving.
//!
//! Budget: `TICKFRAME_FUZZ_SECONDS` per target (default 2, as in `npm test`; `npm run fuzz` runs
//! longer), seed `TICKFRAME_FUZZ_SEED` (default: the time; printed, so a failure can be replayed).
//! Every crash found becomes a named regression test at the bottom of this file.

use std::io::BufReader;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tickframe_server::adapters::book_image::BookImageAdapter;
use tickframe_server::adapters::Adapter;
use tickframe_server::book::L2Book;
use tickframe_server::exchange::capture::CaptureReader;
use tickframe_server::recording::read_recording;
use tickframe_server::sources::venue_feed::{FeedTarget, VenueFeed};
use tickframe_server::venues::venue::{SyncState, VenueInput};
use tickframe_server::venues::VENUES;

fn budget() -> Duration {
    let secs = std::env::var("TICKFRAME_FUZZ_SECONDS").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(2.0);
    Duration::from_secs_f64(secs.clamp(0.1, 3600.0))
}

fn rng(target: &str) -> StdRng {
    let seed = std::env::var("TICKFRAME_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1));
    eprintln!("fuzz {target}: TICKFRAME_FUZZ_SEED={seed}");
    StdRng::seed_from_u64(seed)
}

/// Tokens that break parsers in interesting ways.
const NASTY: &[&str] =
    &["-1", "0", "1e999", "-0.0", "1e-999", "null", "\"\"", "[]", "{}", "99999999999999999999999", "\"1e5\"", "NaN", "\"-\"", "\u{0}"];

/// One mutation of `seed`: byte flips, cuts, splices, nasty tokens in place of numbers.
fn mutate(rng: &mut StdRng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        if v.is_empty() {
            break;
        }
        let at = rng.random_range(0..v.len());
        match rng.random_range(0..6) {
            0 => v[at] ^= 1 << rng.random_range(0..8),
            1 => v.truncate(at),
            2 => {
                let token = NASTY[rng.random_range(0..NASTY.len())].as_bytes();
                let end = (at + rng.random_range(1..8)).min(v.len());
                v.splice(at..end, token.iter().copied());
            }
            3 if !other.is_empty() => {
                let from = rng.random_range(0..other.len());
                let to = (from + rng.random_range(1..64)).min(other.len());
                v.splice(at..at, other[from..to].iter().copied());
            }
            4 => {
                // Digits changed: same shape, other numbers (prices that cross, sizes that vanish).
                if v[at].is_ascii_digit() {
                    v[at] = b'0' + rng.random_range(0..10);
                }
            }
            _ => {
                let end = (at + rng.random_range(1..16)).min(v.len());
                let dup: Vec<u8> = v[at..end].to_vec();
                v.splice(at..at, dup);
            }
        }
    }
    v
}

/// Valid messages per venue (a snapshot, updates, a heartbeat), the fuzzer's starting points.
fn seeds(venue: &str) -> Vec<(bool, String, String)> {
    // (is_http, url, body)
    let ws = |s: &str| (false, String::new(), s.to_string());
    let mut v: Vec<(bool, String, String)> = match venue {
        "binance" | "binance-usdm" => vec![
            ws(
                r#"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":101,"u":101,"pu":100,"b":[["100.00","1"]],"a":[["100.50","2"]]}}"#,
            ),
            (
                true,
                "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000".into(),
                r#"{"lastUpdateId":100,"bids":[["100.00","1.0"],["99.50","2.0"]],"asks":[["100.50","1.5"],["101.00","3.0"]]}"#.into(),
            ),
            ws(
                r#"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":2,"s":"BTCUSDT","U":102,"u":103,"pu":101,"b":[["99.75","1"]],"a":[]}}"#,
            ),
        ],
        "coinbase" => vec![
            ws(
                r#"{"channel":"l2_data","sequence_num":0,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"100.00","new_quantity":"1.5"},{"side":"offer","price_level":"100.50","new_quantity":"2"}]}]}"#,
            ),
            ws(
                r#"{"channel":"l2_data","sequence_num":1,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"100.10","new_quantity":"0.5"}]}]}"#,
            ),
            ws(r#"{"channel":"heartbeats","sequence_num":2,"events":[{"current_time":"t","heartbeat_counter":1}]}"#),
        ],
        "kraken" => vec![
            ws(
                r#"{"channel":"book","type":"snapshot","data":[{"symbol":"ETH/USD","bids":[{"price":2000.1,"qty":1.5}],"asks":[{"price":2000.2,"qty":2.0}],"checksum":1,"timestamp":"t"}]}"#,
            ),
            ws(
                r#"{"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[{"price":2000.15,"qty":0.5}],"asks":[],"checksum":2,"timestamp":"t"}]}"#,
            ),
            ws(r#"{"channel":"heartbeat"}"#),
        ],
        "bybit" => vec![
            ws(
                r#"{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["100.00","1"]],"a":[["100.50","2"]],"u":1,"seq":1}}"#,
            ),
            ws(r#"{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[["100.10","1"]],"a":[],"u":2,"seq":2}}"#),
        ],
        "okx" => vec![
            ws(
                r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["100.5","2","0","1"]],"bids":[["100.0","1","0","1"]],"ts":"1","checksum":0,"seqId":10,"prevSeqId":-1}]}"#,
            ),
            ws(
                r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[["100.1","1","0","1"]],"ts":"2","checksum":0,"seqId":11,"prevSeqId":10}]}"#,
            ),
        ],
        _ => vec![],
    };
    // The third-party captures, where CI has them: real messages as more starting points.
    let file = match venue {
        "binance" => "binance-spot-2021.capture.jsonl",
        "binance-usdm" => "binance-usdm-2021.capture.jsonl",
        "kraken" => "kraken-v1-2021.capture.jsonl",
        _ => "",
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/exchange").join(file);
    if let (false, Ok(f)) = (file.is_empty(), std::fs::File::open(&path)) {
        let mut r = CaptureReader::new(BufReader::new(f));
        let mut n = 0;
        while let Some(ev) = r.next_event() {
            if let Ok(tickframe_server::exchange::capture::CaptureEvent::Recv { data, .. }) = ev {
                v.push((false, String::new(), data.into_owned()));
                n += 1;
                if n >= 300 {
                    break;
                }
            }
        }
    }
    v
}

#[tokio::test]
async fn venues_never_panic_and_never_serve_a_crossed_live_book() {
    let mut rng = rng("venues");
    let per_venue = budget().div_f64(VENUES.len() as f64);
    for venue in VENUES.iter().map(|v| v.name) {
        let seeds = seeds(venue);
        let symbols: Vec<String> = ["BTCUSDT", "BTC-USD", "ETH/USD", "BTC-USDT", "XBT/USD"].iter().map(|s| s.to_string()).collect();
        let (tx, mut rx) = tokio::sync::mpsc::channel(1 << 16);
        let targets = symbols.iter().map(|s| FeedTarget { symbol: s.clone(), inbox: tx.clone() }).collect();
        let mut feed = VenueFeed::new(tickframe_server::venues::by_name(venue, 10).unwrap(), targets, Default::default());
        let started = Instant::now();
        let mut inputs = 0u64;
        while started.elapsed() < per_venue {
            let (is_http, url, body) = &seeds[rng.random_range(0..seeds.len())];
            let other = &seeds[rng.random_range(0..seeds.len())].2;
            // Mostly valid messages with some mutated ones, so books get live and then get hit.
            let msg = if rng.random_bool(0.5) { body.clone().into_bytes() } else { mutate(&mut rng, body.as_bytes(), other.as_bytes()) };
            let text = String::from_utf8_lossy(&msg);
            let input = match (is_http, rng.random_range(0..50)) {
                (_, 0) => VenueInput::Connected,
                (_, 1) => VenueInput::Disconnected,
                (true, _) => VenueInput::Http { url, body: &text },
                (false, _) => VenueInput::Message(&text),
            };
            feed.handle(input).await;
            inputs += 1;
            for (symbol, b) in feed_books(&feed) {
                assert!(!(b.0 == SyncState::Live && b.1), "{venue}: {symbol} served live while crossed, after {text:?}");
            }
            while let Ok(image) = rx.try_recv() {
                let mut book = L2Book::new();
                BookImageAdapter::new().apply(&image, &mut book).unwrap_or_else(|e| panic!("{venue}: image refused: {e:?}"));
            }
        }
        eprintln!("fuzz venues: {venue}: {inputs} inputs");
    }
}

/// (state, crossed) per book of the feed's venue.
fn feed_books(feed: &VenueFeed) -> Vec<(String, (SyncState, bool))> {
    feed.books().iter().map(|(s, b)| (s.clone(), (b.state, b.book.book().is_crossed()))).collect()
}

#[test]
fn the_capture_reader_never_panics() {
    let mut rng = rng("capture reader");
    let seed = concat!(
        r#"{"t":"header","format":2,"exchange":"KRAKEN","config":{"l2_book":["ETH/USD"]}}"#,
        "\n",
        r#"{"t":"connect","conn":"ws.1","ts":1.0,"addr":"wss://x"}"#,
        "\n",
        r#"{"t":"recv","conn":"ws.1","ts":1.5,"data":"{\"a\":1}"}"#,
        "\n",
        r#"{"t":"http","conn":"h","ts":2.0,"url":"https://x/depth?symbol=A","data":"{}"}"#,
        "\n"
    );
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < budget() {
        let input = mutate(&mut rng, seed.as_bytes(), seed.as_bytes());
        let mut r = CaptureReader::new(BufReader::new(&input[..]));
        let mut events = 0;
        while let Some(ev) = r.next_event() {
            let _ = ev.map(|e| format!("{e:?}").len());
            events += 1;
            assert!(events < 10_000, "the reader must end");
        }
        n += 1;
    }
    eprintln!("fuzz capture reader: {n} inputs");
}

#[test]
fn the_recording_reader_never_panics_and_returns_only_whole_records() {
    let mut rng = rng("recording reader");
    let good = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/test-vectors/recording-v2.tfrec")).unwrap();
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < budget() {
        let input = mutate(&mut rng, &good, &good);
        if let Ok(r) = read_recording(&input) {
            let whole: usize = r.records.iter().map(|rec| 16 + rec.frame.len()).sum();
            assert!(whole <= input.len());
            assert!(r.records.len() <= 3 || input.len() > good.len(), "no record from nowhere");
        }
        n += 1;
    }
    eprintln!("fuzz recording reader: {n} inputs");
}

#[tokio::test]
async fn the_websocket_edge_survives_random_client_bytes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut rng = rng("client messages");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let engine = tickframe_server::engine::orderbook_engine::OrderbookEngine::new(
        tickframe_server::adapters::sim::SimAdapter::new(),
        tickframe_server::sources::simulator::sim_instrument(),
        10,
    );
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    tokio::spawn(tickframe_server::sources::simulator::run(1, 50, None, tx));
    let mut options = tickframe_server::ServeOptions::new("SIM-USD");
    options.limits.http.handshake = Duration::from_millis(500);
    tokio::spawn(tickframe_server::serve(engine, rx, listener, options, std::future::pending()));
    let handshake = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    // A masked binary frame, the shape a real client sends: the mutations start from it.
    let frame: Vec<u8> = [&[0x82u8, 0x85, 1, 2, 3, 4][..], &[b'h' ^ 1, b'e' ^ 2, b'l' ^ 3, b'l' ^ 4, b'o' ^ 1]].concat();
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < budget() {
        let Ok(mut tcp) = tokio::net::TcpStream::connect(addr).await else { continue };
        // Half the time a mutated handshake, half the time a good one followed by mutated frames.
        let bytes = if rng.random_bool(0.5) {
            mutate(&mut rng, handshake.as_bytes(), frame.as_slice())
        } else {
            [handshake.as_bytes(), &mutate(&mut rng, &frame, &frame)].concat()
        };
        let _ = tcp.write_all(&bytes).await;
        let mut buf = vec![0u8; 64 * 1024];
        let _ = tokio::time::timeout(Duration::from_millis(50), tcp.read(&mut buf)).await;
        n += 1;
    }
    // Still serving: a fresh client gets frames.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.expect("the server still accepts clients");
    use futures_util::StreamExt;
    let first = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("a frame");
    assert!(matches!(first, Some(Ok(tokio_tungstenite::tungstenite::Message::Binary(_)))));
    eprintln!("fuzz client messages: {n} connections");
}
