//! Faults a live exchange really produces, for every venue, scripted by an in-test exchange
//! (WebSocket + REST on 127.0.0.1): what a client of tickframe-server sees must never be a wrong or
//! frozen book labelled live. Each test watches one client throughout and asserts
//! - the status sequence it receives: live (the exchange's first book, exactly) → stale or
//!   resyncing → live again;
//! - that no book but the exchange's is ever live (the book after a gap, a crossed diff, a bad
//!   checksum or an unappliable message never is);
//! - that the book after recovery equals the exchange's new book exactly, level by level.
//!
//! The matrix (a venue is left out of a scenario only where the scenario cannot happen there):
//!
//! | scenario          | binance | binance-usdm | coinbase | kraken | bybit | okx |
//! |-------------------|---------|--------------|----------|--------|-------|-----|
//! | silence           | ✓       | ✓            | ✓        | ✓      | ✓     | ✓   |
//! | pings only        | ✓       | ✓            | ✓        | ✓      | ✓     | ✓   |
//! | disconnect        | ✓       | ✓            | ✓        | ✓      | ✓     | ✓   |
//! | sequence gap      | ✓       | ✓            | ✓        | — (1)  | ✓     | ✓   |
//! | checksum mismatch | — (2)   | — (2)        | — (2)    | ✓      | — (2) | ✓   |
//! | unappliable       | ✓       | ✓            | ✓        | ✓      | ✓     | ✓   |
//! | crossed diff      | ✓       | ✓            | ✓        | ✓      | ✓     | ✓   |
//! | empty snapshot    | ✓       | ✓            | ✓        | ✓      | ✓     | ✓   |
//! | old snapshot (4)  | ✓       | ✓            | — (3)    | — (3)  | — (3) | — (3) |
//! | REST 500          | ✓       | ✓            | — (3)    | — (3)  | — (3) | — (3) |
//! | REST timeout      | ✓       | ✓            | — (3)    | — (3)  | — (3) | — (3) |
//! | resync unanswered | ✓ (5)   | ✓ (5)        | ✓        | ✓      | ✓     | ✓   |
//! | quiet, confirmed  | ✓       | ✓            | ✓        | ✓      | ✓     | ✓   |
//! | frozen (6)        | ✓       | ✓            | ✓        | ✓      | ✓     | ✓   |
//!
//! (1) Kraken v2 book messages carry no sequence: its CRC32 checksum is what detects loss.
//! (2) The venue sends no checksum. (3) The venue's snapshots come over the WebSocket.
//! (4) A REST snapshot older than the diffs buffered while it was fetched.
//! (5) Binance resyncs over REST: the snapshot request never gets an answer, and after three
//!     attempts at the REST timeout the server starts over on a new connection. Elsewhere the
//!     resubscribe is ignored while data beats go on: asked again at the resync deadline, then a new
//!     connection.
//! (6) The book's channel stops while the connection stays busy (data heartbeats, or pings), and
//!     the confirming snapshot never comes: stale after the quiet time and the confirm deadline
//!     (REST venues: the bounded snapshot attempts end the connection, resyncing), then the new book.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tickframe_schema::{decode_frame, BookStatus};
use tokio_tungstenite::tungstenite::Message;

mod support;
use support::cluster::metric;
use support::scripted_exchange::{fault_gate, scripted_exchange, scripted_rest, Beat, Conn, Rest};
use support::{kraken_v2, start, Server};

// ── Books ─────────────────────────────────────────────────────────────────────────────────────

#[derive(Clone, Copy, PartialEq, Debug)]
enum Side {
    Bid,
    Ask,
}

/// Levels as the exchange prints them: (price, qty) text, best first.
type Printed = Vec<(&'static str, &'static str)>;

/// A book as the exchange prints it: (price, qty) text, best first.
#[derive(Clone, PartialEq, Debug, Default)]
struct Book {
    bids: Printed,
    asks: Printed,
}

impl Book {
    /// The book after setting one level (qty "0" removes it), kept best first.
    fn with(&self, side: Side, price: &'static str, qty: &'static str) -> Book {
        let mut b = self.clone();
        let levels = if side == Side::Bid { &mut b.bids } else { &mut b.asks };
        levels.retain(|(p, _)| num(p) != num(price));
        if num(qty) != 0.0 {
            levels.push((price, qty));
        }
        levels.sort_by(|x, y| num(x.0).total_cmp(&num(y.0)));
        if side == Side::Bid {
            levels.reverse();
        }
        b
    }

    /// As a frame carries it.
    fn as_frame(&self) -> FrameBook {
        let f = |ls: &[(&str, &str)]| ls.iter().map(|(p, q)| (num(p), num(q))).collect();
        (f(&self.bids), f(&self.asks))
    }
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or(f64::NAN)
}

/// The exchange's book before the fault.
fn book_a() -> Book {
    Book { bids: vec![("100.00", "1.0"), ("99.90", "2.0")], asks: vec![("100.50", "2.0"), ("100.60", "1.0")] }
}

/// The exchange's book after recovery: different on every level, so nothing of A can pass for it.
fn book_b() -> Book {
    Book { bids: vec![("99.00", "3.0"), ("98.90", "4.0")], asks: vec![("99.50", "1.0"), ("99.60", "5.0")] }
}

/// An update that leaves `book` as it is (a quiet market's keepalive for venues without heartbeats).
fn restate(book: &Book) -> (Side, &'static str, &'static str) {
    (Side::Bid, book.bids[0].0, book.bids[0].1)
}

/// The level a lost or wrong update sets: a new best bid that must never be shown live.
const WRONG_BID: (Side, &str, &str) = (Side::Bid, "100.20", "2.0");
/// A bid through the best ask of book A.
const CROSSING_BID: (Side, &str, &str) = (Side::Bid, "100.70", "1.0");

// ── Venues ────────────────────────────────────────────────────────────────────────────────────

/// How one venue prints what the scenarios need. `id` is the venue's sequence number (or update
/// id); an update with `id` follows the message with `id - 1`.
trait Dialect: Sync {
    /// `--source` value and the symbol clients ask for.
    fn source(&self) -> &'static str;
    fn symbol(&self) -> &'static str;
    /// Subscription messages the server sends on connect.
    fn subscriptions(&self) -> usize;
    /// Snapshots come over REST (Binance): `snapshot` is then the REST body, and a connection
    /// starts with `bridge`.
    fn rest(&self) -> bool {
        false
    }
    fn snapshot(&self, id: u64, book: &Book) -> String;
    /// An update setting one level; `after` is the whole book afterwards (for checksums).
    fn update(&self, id: u64, level: (Side, &'static str, &'static str), after: &Book) -> String;
    /// A data heartbeat if the venue has one (a quiet book's keepalive); else `restate` updates.
    fn heartbeat(&self, _id: u64) -> Option<String> {
        None
    }
    /// An update whose checksum does not match the book, if the venue checksums.
    fn bad_checksum(&self, _id: u64, _level: (Side, &'static str, &'static str), _after: &Book) -> Option<String> {
        None
    }
    /// REST venues: the first diff after a snapshot with `snap_id` (re-stating `book`'s best bid).
    fn bridge(&self, snap_id: u64, book: &Book) -> String {
        self.update(snap_id + 1, restate(book), book)
    }
}

struct Binance {
    usdm: bool,
}

impl Dialect for Binance {
    fn source(&self) -> &'static str {
        if self.usdm {
            "binance-usdm:BTCUSDT"
        } else {
            "binance:BTCUSDT"
        }
    }
    fn symbol(&self) -> &'static str {
        "BTCUSDT"
    }
    fn subscriptions(&self) -> usize {
        0 // streams are named in the URL
    }
    fn rest(&self) -> bool {
        true
    }
    fn snapshot(&self, id: u64, book: &Book) -> String {
        let side = |ls: &[(&str, &str)]| ls.iter().map(|(p, q)| format!(r#"["{p}","{q}"]"#)).collect::<Vec<_>>().join(",");
        format!(r#"{{"lastUpdateId":{id},"bids":[{}],"asks":[{}]}}"#, side(&book.bids), side(&book.asks))
    }
    fn update(&self, id: u64, level: (Side, &'static str, &'static str), _after: &Book) -> String {
        self.diff(id, id, level)
    }
    fn bridge(&self, snap_id: u64, book: &Book) -> String {
        // Spot: the first diff has U <= lastUpdateId+1 <= u; USD-M: U <= lastUpdateId <= u.
        let first = if self.usdm { snap_id - 5 } else { snap_id + 1 };
        self.diff(first, snap_id + 1, restate(book))
    }
}

impl Binance {
    fn diff(&self, first: u64, last: u64, (side, p, q): (Side, &str, &str)) -> String {
        let (b, a) = if side == Side::Bid { (format!(r#"["{p}","{q}"]"#), String::new()) } else { (String::new(), format!(r#"["{p}","{q}"]"#)) };
        let pu = if self.usdm { format!(r#","pu":{}"#, first - 1) } else { String::new() };
        format!(
            r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":{first},"u":{last}{pu},"b":[{b}],"a":[{a}]}}}}"#
        )
    }
}

struct Coinbase;

impl Coinbase {
    fn l2(id: u64, kind: &str, levels: &[(Side, &str, &str)]) -> String {
        let ups: Vec<String> = levels
            .iter()
            .map(|(s, p, q)| {
                let side = if *s == Side::Bid { "bid" } else { "offer" };
                format!(r#"{{"side":"{side}","price_level":"{p}","new_quantity":"{q}"}}"#)
            })
            .collect();
        format!(r#"{{"channel":"l2_data","sequence_num":{id},"events":[{{"type":"{kind}","product_id":"BTC-USD","updates":[{}]}}]}}"#, ups.join(","))
    }
}

impl Dialect for Coinbase {
    fn source(&self) -> &'static str {
        "coinbase:BTC-USD"
    }
    fn symbol(&self) -> &'static str {
        "BTC-USD"
    }
    fn subscriptions(&self) -> usize {
        3 // level2, market_trades and heartbeats
    }
    fn snapshot(&self, id: u64, book: &Book) -> String {
        let levels: Vec<(Side, &str, &str)> =
            book.bids.iter().map(|(p, q)| (Side::Bid, *p, *q)).chain(book.asks.iter().map(|(p, q)| (Side::Ask, *p, *q))).collect();
        Self::l2(id, "snapshot", &levels)
    }
    fn update(&self, id: u64, level: (Side, &'static str, &'static str), _after: &Book) -> String {
        Self::l2(id, "update", &[level])
    }
    fn heartbeat(&self, id: u64) -> Option<String> {
        Some(format!(r#"{{"channel":"heartbeats","sequence_num":{id},"events":[{{"heartbeat_counter":{id}}}]}}"#))
    }
}

struct Kraken;

impl Kraken {
    fn message(kind: &str, level: Option<(Side, &'static str, &'static str)>, book: &Book, checksum_of: &Book) -> String {
        let (bids, asks) = match level {
            Some((Side::Bid, p, q)) => (vec![(p, q)], vec![]),
            Some((Side::Ask, p, q)) => (vec![], vec![(p, q)]),
            None => (book.bids.clone(), book.asks.clone()),
        };
        kraken_v2(kind, "ETH/USD", &bids, &asks, (&checksum_of.bids, &checksum_of.asks))
    }
}

impl Dialect for Kraken {
    fn source(&self) -> &'static str {
        "kraken:ETH/USD"
    }
    fn symbol(&self) -> &'static str {
        "ETH/USD"
    }
    fn subscriptions(&self) -> usize {
        2 // book and trade
    }
    fn snapshot(&self, _id: u64, book: &Book) -> String {
        Self::message("snapshot", None, book, book)
    }
    fn update(&self, _id: u64, level: (Side, &'static str, &'static str), after: &Book) -> String {
        Self::message("update", Some(level), after, after)
    }
    fn heartbeat(&self, _id: u64) -> Option<String> {
        Some(r#"{"channel":"heartbeat"}"#.into())
    }
    fn bad_checksum(&self, _id: u64, level: (Side, &'static str, &'static str), after: &Book) -> Option<String> {
        // The checksum of the book before the update: the exchange's book is not ours.
        Some(Self::message("update", Some(level), after, &book_a().with(Side::Ask, "100.50", "9.0")))
    }
}

struct Bybit;

impl Dialect for Bybit {
    fn source(&self) -> &'static str {
        "bybit:BTCUSDT"
    }
    fn symbol(&self) -> &'static str {
        "BTCUSDT"
    }
    fn subscriptions(&self) -> usize {
        1
    }
    fn snapshot(&self, id: u64, book: &Book) -> String {
        let side = |ls: &[(&str, &str)]| ls.iter().map(|(p, q)| format!(r#"["{p}","{q}"]"#)).collect::<Vec<_>>().join(",");
        format!(
            r#"{{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{{"s":"BTCUSDT","b":[{}],"a":[{}],"u":{id},"seq":{id}}}}}"#,
            side(&book.bids),
            side(&book.asks)
        )
    }
    fn update(&self, id: u64, (side, p, q): (Side, &'static str, &'static str), _after: &Book) -> String {
        let (b, a) = if side == Side::Bid { (format!(r#"["{p}","{q}"]"#), String::new()) } else { (String::new(), format!(r#"["{p}","{q}"]"#)) };
        format!(r#"{{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{{"s":"BTCUSDT","b":[{b}],"a":[{a}],"u":{id},"seq":{id}}}}}"#)
    }
}

struct Okx;

impl Okx {
    /// OKX's checksum of a whole book: "bidPx:bidSz:askPx:askSz:…" over 25 levels, CRC32 as i32.
    fn checksum(book: &Book) -> i32 {
        let mut parts: Vec<&str> = Vec::new();
        for i in 0..25 {
            if let Some((p, q)) = book.bids.get(i) {
                parts.extend([*p, *q]);
            }
            if let Some((p, q)) = book.asks.get(i) {
                parts.extend([*p, *q]);
            }
        }
        crc32fast::hash(parts.join(":").as_bytes()) as i32
    }
    fn message(action: &str, seq: u64, prev: i64, (bids, asks): (&Printed, &Printed), checksum: i32) -> String {
        let side = |ls: &[(&str, &str)]| ls.iter().map(|(p, q)| format!(r#"["{p}","{q}","0","1"]"#)).collect::<Vec<_>>().join(",");
        format!(
            r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{action}","data":[{{"asks":[{}],"bids":[{}],"ts":"1","checksum":{checksum},"seqId":{seq},"prevSeqId":{prev}}}]}}"#,
            side(asks),
            side(bids)
        )
    }
    fn one(level: (Side, &'static str, &'static str)) -> (Printed, Printed) {
        match level {
            (Side::Bid, p, q) => (vec![(p, q)], vec![]),
            (Side::Ask, p, q) => (vec![], vec![(p, q)]),
        }
    }
}

impl Dialect for Okx {
    fn source(&self) -> &'static str {
        "okx:BTC-USDT"
    }
    fn symbol(&self) -> &'static str {
        "BTC-USDT"
    }
    fn subscriptions(&self) -> usize {
        1
    }
    fn snapshot(&self, id: u64, book: &Book) -> String {
        Self::message("snapshot", id, -1, (&book.bids, &book.asks), Self::checksum(book))
    }
    fn update(&self, id: u64, level: (Side, &'static str, &'static str), after: &Book) -> String {
        let (b, a) = Self::one(level);
        Self::message("update", id, id as i64 - 1, (&b, &a), Self::checksum(after))
    }
    fn bad_checksum(&self, id: u64, level: (Side, &'static str, &'static str), after: &Book) -> Option<String> {
        let (b, a) = Self::one(level);
        Some(Self::message("update", id, id as i64 - 1, (&b, &a), Self::checksum(after).wrapping_add(1)))
    }
}

// ── Scenarios ─────────────────────────────────────────────────────────────────────────────────

/// The first book's id: a WebSocket snapshot's sequence, or a REST snapshot's lastUpdateId.
const A_ID: u64 = 100;
/// The recovered book's REST lastUpdateId (WebSocket venues number it after the fault).
const B_REST_ID: u64 = 200;

/// A connection that serves `book` (snapshot, or for REST venues the bridging diff) and whose
/// data beats keep it live (heartbeats, or updates re-stating a level), numbered after it.
fn serving(d: &'static dyn Dialect, book: Book, id: u64) -> Conn {
    let script = if d.rest() { vec![d.bridge(id, &book)] } else { vec![d.snapshot(id, &book)] };
    let beats = book.clone();
    let beat = Beat::Data(Arc::new(move |n| d.heartbeat(n).unwrap_or_else(|| d.update(n, restate(&beats), &beats))));
    Conn { beat_from: id + 1 + u64::from(d.rest()), before_go: beat.clone(), after_go: beat, ..Conn::new(d.subscriptions(), script) }
}

struct Run {
    server: Server,
    go: tokio::sync::watch::Sender<bool>,
}

/// Start the scripted exchange (`conns`, REST `rest` for REST venues) and a server reading it.
async fn run(d: &dyn Dialect, conns: Vec<Conn>, rest: Vec<Rest>, data_deadline_ms: &str) -> Run {
    run_with(d, conns, rest, data_deadline_ms, &[]).await
}

async fn run_with(d: &dyn Dialect, conns: Vec<Conn>, rest: Vec<Rest>, data_deadline_ms: &str, extra: &[&str]) -> Run {
    let (go, gate) = fault_gate();
    let ws = scripted_exchange(conns, gate).await;
    let mut args = vec!["--source", d.source(), "--exchange-ws-url", &ws, "--data-deadline-ms", data_deadline_ms];
    args.extend(extra);
    args.extend(["--max-backoff-ms", "200", "--rest-timeout-ms", "500"]);
    let rest_url;
    if d.rest() {
        rest_url = scripted_rest(rest).await;
        args.extend(["--exchange-rest-url", &rest_url]);
    }
    Run { server: start(&args), go }
}

type FrameBook = (Vec<(f64, f64)>, Vec<(f64, f64)>);

/// One client watching from before the exchange speaks. Live frames must show book A (before the
/// fault: the gate opens once this client has seen it) or exactly book B (after a not-live
/// status); returns the statuses seen, deduplicated, once B is live.
async fn watch_recovery(run: &Run, symbol: &str, a: Option<&Book>, b: &Book) -> Vec<BookStatus> {
    let url = format!("ws://{}/ws?symbol={}", run.server.1, symbol.replace('/', "%2F"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("client connects");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let (a, b) = (a.map(Book::as_frame), b.as_frame());
    let mut seen: Vec<BookStatus> = Vec::new();
    let mut saw_a = a.is_none();
    let mut went_down = false;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.unwrap_or_else(|_| panic!("timed out; statuses seen: {seen:?}"));
        let bytes = match msg {
            Some(Ok(Message::Binary(bytes))) => bytes,
            Some(Ok(_)) => continue,
            other => panic!("the server closed this client ({other:?}); statuses seen: {seen:?}"),
        };
        let f = decode_frame(&bytes).expect("valid frame");
        let status = f.status();
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        let levels = |v: Option<flatbuffers::Vector<'_, tickframe_schema::PriceLevel>>| -> Vec<(f64, f64)> {
            v.map(|v| v.iter().map(|l| (l.price(), l.size())).collect()).unwrap_or_default()
        };
        let shown: FrameBook = (levels(f.bids()), levels(f.asks()));
        if status != BookStatus::Live {
            went_down |= saw_a;
            continue;
        }
        if went_down {
            assert_eq!(shown, b, "after recovery, exactly the exchange's new book is live; statuses {seen:?}");
            return seen;
        }
        match &a {
            Some(a) => assert_eq!(&shown, a, "before recovery only the exchange's first book is live; statuses {seen:?}"),
            None => panic!("live before the first valid book arrived: {shown:?}; statuses {seen:?}"),
        }
        saw_a = true;
        let _ = run.go.send(true); // this client saw the live book: now the fault
    }
}

/// The exchange goes quiet (`after`: silent or pings only) once the client has seen A live; the
/// server must mark the book stale within the data deadline, reconnect, and serve B exactly.
async fn goes_quiet(d: &'static dyn Dialect, after: Beat) {
    let mut first = serving(d, book_a(), A_ID);
    first.after_go = after;
    let second = Conn { start_after_ms: 500, ..serving(d, book_b(), if d.rest() { B_REST_ID } else { 0 }) };
    let rest = vec![Rest::Body(d.snapshot(A_ID, &book_a())), Rest::Body(d.snapshot(B_REST_ID, &book_b()))];
    let run = run(d, vec![first, second], rest, "1000").await;
    let seen = watch_recovery(&run, d.symbol(), Some(&book_a()), &book_b()).await;
    assert!(seen.ends_with(&[BookStatus::Live, BookStatus::Stale, BookStatus::Live]), "stale until live again: {seen:?}");
}

async fn silence(d: &'static dyn Dialect) {
    goes_quiet(d, Beat::Nothing).await;
}

async fn pings_only(d: &'static dyn Dialect) {
    goes_quiet(d, Beat::Pings).await;
}

/// The connection drops: the book is resyncing at once, then B exactly on the new connection.
async fn disconnect(d: &'static dyn Dialect) {
    let mut first = serving(d, book_a(), A_ID);
    first.after_go = Beat::Drop;
    let second = Conn { start_after_ms: 500, ..serving(d, book_b(), if d.rest() { B_REST_ID } else { 0 }) };
    let rest = vec![Rest::Body(d.snapshot(A_ID, &book_a())), Rest::Body(d.snapshot(B_REST_ID, &book_b()))];
    let run = run(d, vec![first, second], rest, "60000").await;
    let seen = watch_recovery(&run, d.symbol(), Some(&book_a()), &book_b()).await;
    assert!(seen.ends_with(&[BookStatus::Live, BookStatus::Resyncing, BookStatus::Live]), "{seen:?}");
}

/// Once the client has seen A live, the exchange sends `fault` (numbered up to `last_fault_id`);
/// the server must resync — resubscribe, or for REST venues fetch a new snapshot (answered by
/// `rest_after`, then B) — and serve B exactly, never the faulty book.
async fn resyncs_after(d: &'static dyn Dialect, fault: Vec<String>, last_fault_id: u64, rest_after: Vec<Rest>) {
    let mut conn = Conn::new(d.subscriptions(), vec![]);
    let mut rest = vec![Rest::Body(d.snapshot(A_ID, &book_a()))];
    conn.on_go = fault;
    if d.rest() {
        conn.script = vec![d.bridge(A_ID, &book_a())];
        rest.extend(rest_after);
        rest.push(Rest::Body(d.snapshot(B_REST_ID, &book_b())));
        // Nothing follows the fault on the stream: only the fault itself can make the server resync.
    } else {
        conn.script = vec![d.snapshot(A_ID, &book_a())];
        conn.on_resubscribe = vec![d.snapshot(last_fault_id + 1, &book_b())];
    }
    let run = run(d, vec![conn], rest, "60000").await;
    let seen = watch_recovery(&run, d.symbol(), Some(&book_a()), &book_b()).await;
    assert!(seen.ends_with(&[BookStatus::Live, BookStatus::Resyncing, BookStatus::Live]), "{seen:?}");
}

/// After a fault the exchange ignores the resubscribe, while its data beats keep the connection's
/// data deadline fresh: the server asks again after the resync deadline, then reconnects, and
/// serves B exactly — never a book resyncing forever.
/// REST venues (Binance): the snapshot request after the fault never gets an answer; the server's
/// attempts are bounded (three at the REST timeout), then it starts over on a new connection.
async fn resync_unanswered(d: &'static dyn Dialect) {
    let mut first = serving(d, book_a(), A_ID);
    first.on_go = vec![d.update(after_a(d), (Side::Bid, "100.20", "abc"), &book_a())]; // cannot be applied
    first.on_resubscribe = vec![]; // ignored, and the beats go on
    let second = Conn { start_after_ms: 500, ..serving(d, book_b(), if d.rest() { B_REST_ID } else { 0 }) };
    let rest = if d.rest() {
        vec![Rest::Body(d.snapshot(A_ID, &book_a())), Rest::Hang, Rest::Hang, Rest::Hang, Rest::Body(d.snapshot(B_REST_ID, &book_b()))]
    } else {
        vec![]
    };
    let run = run_with(d, vec![first, second], rest, "60000", &["--resync-deadline-ms", "1000"]).await;
    let seen = watch_recovery(&run, d.symbol(), Some(&book_a()), &book_b()).await;
    assert!(seen.ends_with(&[BookStatus::Live, BookStatus::Resyncing, BookStatus::Live]), "{seen:?}");
    if d.rest() {
        return; // the REST attempts end the connection themselves (and are counted as reconnects)
    }
    assert!(metric(&run.server.1, "source_resync_retries_total").await >= Some(1), "asked again first");
    assert!(metric(&run.server.1, "source_resync_reconnects_total").await >= Some(1), "then reconnected");
}

/// What keeps a connection busy once a book's channel has stopped: the venue's data heartbeats, or
/// pings where it has none (its data deadline is set long, so only the book's own quiet time acts).
fn busy_without_the_book(d: &'static dyn Dialect) -> Beat {
    match d.heartbeat(0) {
        Some(_) => Beat::Data(Arc::new(move |n| d.heartbeat(n).unwrap_or_default())),
        None => Beat::Pings,
    }
}

/// Flags for a book quiet after 1 s, confirmed within `confirm_ms`, on a connection that never
/// times out by itself.
fn quiet_flags(confirm_ms: &'static str) -> [&'static str; 6] {
    ["--book-quiet-ms", "1000", "--confirm-deadline-ms", confirm_ms, "--resync-deadline-ms", "1000"]
}

/// Frozen: the book's channel stops while the connection stays busy, and the confirmation never
/// comes (the resubscribe is ignored, the REST snapshot hangs). The book must stop being live —
/// stale within the quiet time and the confirm deadline (a REST venue's bounded attempts end the
/// connection: resyncing) — and come back as the exchange's new book, exactly.
async fn frozen(d: &'static dyn Dialect) {
    let mut first = serving(d, book_a(), A_ID);
    first.after_go = busy_without_the_book(d);
    first.on_resubscribe = vec![];
    let second = Conn { start_after_ms: 500, ..serving(d, book_b(), if d.rest() { B_REST_ID } else { 0 }) };
    let rest = if d.rest() {
        vec![Rest::Body(d.snapshot(A_ID, &book_a())), Rest::Hang, Rest::Hang, Rest::Hang, Rest::Body(d.snapshot(B_REST_ID, &book_b()))]
    } else {
        vec![]
    };
    let run = run_with(d, vec![first, second], rest, "60000", &quiet_flags("1000")).await;
    let seen = watch_recovery(&run, d.symbol(), Some(&book_a()), &book_b()).await;
    let down = if d.rest() { BookStatus::Resyncing } else { BookStatus::Stale };
    assert!(seen.ends_with(&[BookStatus::Live, down, BookStatus::Live]) || seen.contains(&down), "not live until confirmed: {seen:?}");
    assert!(metric(&run.server.1, "book_confirms_total").await >= Some(1), "the quiet book was asked to be confirmed");
    if !d.rest() {
        assert!(metric(&run.server.1, "books_frozen_total").await >= Some(1), "and, unconfirmed, marked stale");
    }
}

/// Quiet: the book's channel stops while the connection stays busy; the confirmation (the
/// resubscribe's snapshot, or the REST snapshot) brings the exchange's current book, which is then
/// live — with no moment shown as not live, since the last book was current when last heard of.
async fn quiet_confirmed(d: &'static dyn Dialect) {
    let mut first = serving(d, book_a(), A_ID);
    first.before_go = Beat::Nothing; // the resubscribe's snapshot then follows the book A's numbers
    first.after_go = busy_without_the_book(d);
    if d.source().starts_with("coinbase") {
        // Coinbase numbers its heartbeats in the book's sequence: a scripted snapshot cannot follow
        // moving numbers (it would be a gap, rightly resynced). Pings keep this connection busy;
        // `frozen` covers the heartbeats.
        first.after_go = Beat::Pings;
    }
    first.on_resubscribe = vec![d.snapshot(after_a(d), &book_b())];
    let rest = vec![Rest::Body(d.snapshot(A_ID, &book_a())), Rest::Body(d.snapshot(B_REST_ID, &book_b()))];
    let run = run_with(d, vec![first], rest, "60000", &quiet_flags("5000")).await;
    let url = format!("ws://{}/ws?symbol={}", run.server.1, d.symbol().replace('/', "%2F"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("client connects");
    let (a, b) = (book_a().as_frame(), book_b().as_frame());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut saw_a = false;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.expect("the confirmed book within 20 s");
        let Some(Ok(Message::Binary(bytes))) = msg else { continue };
        let f = decode_frame(&bytes).expect("valid frame");
        let levels = |v: Option<flatbuffers::Vector<'_, tickframe_schema::PriceLevel>>| -> Vec<(f64, f64)> {
            v.map(|v| v.iter().map(|l| (l.price(), l.size())).collect()).unwrap_or_default()
        };
        let shown: FrameBook = (levels(f.bids()), levels(f.asks()));
        if !saw_a {
            if f.status() == BookStatus::Live && shown == a {
                saw_a = true;
                let _ = run.go.send(true); // now the book's channel stops
            }
            continue;
        }
        assert_eq!(f.status(), BookStatus::Live, "a quiet book being confirmed stays live");
        if shown == b {
            break;
        }
        assert_eq!(shown, a, "until confirmed, the last book");
    }
    assert!(metric(&run.server.1, "book_confirms_total").await >= Some(1));
    assert_eq!(metric(&run.server.1, "books_frozen_total").await, Some(0));
}

/// The first id after the book A connection's script.
fn after_a(d: &dyn Dialect) -> u64 {
    A_ID + 1 + u64::from(d.rest())
}

async fn sequence_gap(d: &'static dyn Dialect) {
    let id = after_a(d) + 1; // one update lost
    resyncs_after(d, vec![d.update(id, WRONG_BID, &book_a().with(WRONG_BID.0, WRONG_BID.1, WRONG_BID.2))], id, vec![]).await;
}

async fn checksum_mismatch(d: &'static dyn Dialect) {
    let id = after_a(d);
    let bad = d.bad_checksum(id, WRONG_BID, &book_a().with(WRONG_BID.0, WRONG_BID.1, WRONG_BID.2)).expect("the venue checksums");
    resyncs_after(d, vec![bad], id, vec![]).await;
}

/// In sequence, but a quantity that is not a number: the message cannot be applied.
async fn unappliable(d: &'static dyn Dialect) {
    let id = after_a(d);
    resyncs_after(d, vec![d.update(id, (Side::Bid, "100.20", "abc"), &book_a())], id, vec![]).await;
}

async fn crossed_diff(d: &'static dyn Dialect) {
    let id = after_a(d);
    let after = book_a().with(CROSSING_BID.0, CROSSING_BID.1, CROSSING_BID.2);
    resyncs_after(d, vec![d.update(id, CROSSING_BID, &after)], id, vec![]).await;
}

/// The snapshot fetch fails once (`failure`) while resyncing after a gap; the retry serves B.
async fn rest_fails_once(d: &'static dyn Dialect, failure: Rest) {
    let id = after_a(d) + 1;
    resyncs_after(d, vec![d.update(id, WRONG_BID, &book_a().with(WRONG_BID.0, WRONG_BID.1, WRONG_BID.2))], id, vec![failure]).await;
}

/// The first snapshot is empty: never live; the server asks again and serves B exactly.
async fn empty_snapshot(d: &'static dyn Dialect) {
    let empty = Book::default();
    let mut conn = Conn::new(d.subscriptions(), vec![]);
    let mut rest = vec![];
    if d.rest() {
        conn.script = vec![d.bridge(A_ID, &book_b())];
        rest = vec![Rest::Body(d.snapshot(A_ID, &empty)), Rest::Body(d.snapshot(A_ID, &book_b()))];
    } else {
        conn.script = vec![d.snapshot(A_ID, &empty)];
        conn.on_resubscribe = vec![d.snapshot(A_ID + 1, &book_b())];
    }
    conn.start_after_ms = 300; // the client is watching before the first snapshot
    let run = run(d, vec![conn], rest, "60000").await;
    let seen = watch_recovery(&run, d.symbol(), None, &book_b()).await;
    assert!(!seen[..seen.len() - 1].contains(&BookStatus::Live), "the empty book was never live: {seen:?}");
}

/// REST venues: the first snapshot is older than the diffs buffered while it was fetched (nothing
/// can bracket it): never live; the server asks again and serves the newer snapshot exactly.
async fn stale_snapshot(d: &'static dyn Dialect) {
    let mut conn = Conn::new(d.subscriptions(), vec![d.bridge(A_ID, &book_a())]);
    conn.start_after_ms = 300; // the client is watching before the first snapshot
    let rest = vec![Rest::Body(d.snapshot(A_ID - 50, &book_b())), Rest::Body(d.snapshot(A_ID, &book_a()))];
    let run = run(d, vec![conn], rest, "60000").await;
    let seen = watch_recovery(&run, d.symbol(), None, &book_a()).await;
    assert!(!seen[..seen.len() - 1].contains(&BookStatus::Live), "the old snapshot was never live: {seen:?}");
}

// ── The matrix ────────────────────────────────────────────────────────────────────────────────

macro_rules! venue {
    ($name:ident, $dialect:expr, [$($scenario:ident),* $(,)?]) => {
        mod $name {
            use super::*;
            static D: &dyn Dialect = &$dialect;
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(D).await;
                }
            )*
        }
    };
}

async fn rest_500(d: &'static dyn Dialect) {
    rest_fails_once(d, Rest::Status(500)).await;
}

async fn rest_timeout(d: &'static dyn Dialect) {
    rest_fails_once(d, Rest::Hang).await;
}

venue!(
    binance,
    Binance { usdm: false },
    [
        silence,
        pings_only,
        disconnect,
        sequence_gap,
        unappliable,
        crossed_diff,
        empty_snapshot,
        stale_snapshot,
        rest_500,
        rest_timeout,
        resync_unanswered,
        frozen,
        quiet_confirmed
    ]
);
venue!(
    binance_usdm,
    Binance { usdm: true },
    [
        silence,
        pings_only,
        disconnect,
        sequence_gap,
        unappliable,
        crossed_diff,
        empty_snapshot,
        stale_snapshot,
        rest_500,
        rest_timeout,
        resync_unanswered,
        frozen,
        quiet_confirmed
    ]
);
venue!(
    coinbase,
    Coinbase,
    [silence, pings_only, disconnect, sequence_gap, unappliable, crossed_diff, empty_snapshot, resync_unanswered, frozen, quiet_confirmed]
);
venue!(
    kraken,
    Kraken,
    [silence, pings_only, disconnect, checksum_mismatch, unappliable, crossed_diff, empty_snapshot, resync_unanswered, frozen, quiet_confirmed]
);
venue!(
    bybit,
    Bybit,
    [silence, pings_only, disconnect, sequence_gap, unappliable, crossed_diff, empty_snapshot, resync_unanswered, frozen, quiet_confirmed]
);
venue!(
    okx,
    Okx,
    [
        silence,
        pings_only,
        disconnect,
        sequence_gap,
        checksum_mismatch,
        unappliable,
        crossed_diff,
        empty_snapshot,
        resync_unanswered,
        frozen,
        quiet_confirmed
    ]
);

/// A client of `symbol` (URL-escaped) once it has seen a live frame (within 10 s).
async fn live_client(run: &Run, symbol: &str) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("ws://{}/ws?symbol={symbol}", run.server.1);
    let (mut client, _) = tokio_tungstenite::connect_async(url).await.expect("client connects");
    let first_live = async {
        while let Some(Ok(msg)) = client.next().await {
            if let Message::Binary(b) = msg {
                if decode_frame(&b).expect("valid frame").status() == BookStatus::Live {
                    return;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), first_live).await.expect("a live frame");
    client
}

/// A quiet market is not a dead one: with heartbeats only, the book stays live over three deadlines.
#[tokio::test]
async fn kraken_heartbeats_keep_a_quiet_book_live() {
    let d: &'static dyn Dialect = &Kraken;
    let run = run(d, vec![serving(d, book_a(), A_ID)], vec![], "1000").await;
    let mut client = live_client(&run, "ETH%2FUSD").await;
    let quiet = tokio::time::sleep(Duration::from_secs(3));
    tokio::pin!(quiet);
    loop {
        tokio::select! {
            _ = &mut quiet => break,
            msg = client.next() => if let Some(Ok(Message::Binary(b))) = msg {
                assert_eq!(decode_frame(&b).expect("valid frame").status(), BookStatus::Live, "a quiet book with heartbeats is live");
            },
        }
    }
}

/// `--capture-out` that cannot write (a full disk: /dev/full) stops recording, is counted in
/// /metrics, and the book is served as ever.
#[tokio::test]
async fn a_failed_capture_out_is_counted_and_the_book_is_served() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("no /dev/full here: skipped");
        return;
    }
    let d: &'static dyn Dialect = &Kraken;
    let run = run_with(d, vec![serving(d, book_a(), A_ID)], vec![], "60000", &["--capture-out", "/dev/full"]).await;
    let _client = live_client(&run, "ETH%2FUSD").await; // live although the capture cannot be written
    assert!(metric(&run.server.1, "record_failures_total").await >= Some(1), "the failed capture is counted");
}
