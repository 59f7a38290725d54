//! Bybit v5 `orderbook.{depth}.{symbol}`: a snapshot, then deltas whose update id `u` increases by
//! one. `u` = 1 (a service restart) or a new snapshot resets the book; any other break is a gap:
//! the book is cleared and the topic resubscribed. Spot and linear perpetuals (USDT-margined, sizes in
//! the base coin like their books) come on separate endpoints with the same topic names, so a book is
//! keyed by the connection's category too: `BTCUSDT` (spot) and `BTCUSDT-PERP` (linear). Prints:
//! `publicTrade.<symbol>`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::exchange::exchange_time::ms_to_us;

use crate::venues::trade::{RecentIds, TakerSide, Trade};
use crate::venues::venue::VenueError;
use crate::venues::venue::{
    malformed, op_resubscribe, side_levels, start_resync, BookUpdate, LiveEndpoint, Note, Report, SymbolBook, Venue, VenueAction,
    DIFF_VENUE_DEADLINE, DIFF_VENUE_QUIET,
};

pub struct Bybit {
    books: BTreeMap<String, SymbolBook>,
    /// Bybit's trade ids (`i`) are not consecutive (UUIDs on spot): repeats are caught by recent id.
    recent_trades: RecentIds,
    last_u: BTreeMap<String, u64>,
    /// Each symbol's subscribed topic (`orderbook.<depth>.<symbol>`, as its messages name it), for resubscribing.
    topics: BTreeMap<String, String>,
    /// The depth live connections subscribe at.
    depth: usize,
    /// Whether the current connection is the linear (USDT perpetuals) endpoint: its books are keyed
    /// `<symbol>-PERP`, so a spot and a linear `BTCUSDT` are two markets.
    linear: bool,
}

/// What tickframe appends to a linear perpetual's Bybit symbol (as cryptofeed names them).
pub const LINEAR_SUFFIX: &str = "-PERP";
const SPOT_URL: &str = "wss://stream.bybit.com/v5/public/spot";
const LINEAR_URL: &str = "wss://stream.bybit.com/v5/public/linear";

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    topic: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<&'a serde_json::value::RawValue>,
    /// When the system generated the message (ms).
    #[serde(default)]
    ts: Option<u64>,
    /// The matching engine's time of the book data (ms), where Bybit sends it.
    #[serde(default)]
    cts: Option<u64>,
}

/// One `publicTrade` print: `S` is the taker's side, `v` the size in the book's unit, `T` the trade time.
#[derive(Deserialize)]
struct PublicTrade<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(rename = "S", borrow)]
    side: Cow<'a, str>,
    #[serde(borrow)]
    v: Cow<'a, str>,
    #[serde(borrow)]
    p: Cow<'a, str>,
    #[serde(rename = "T")]
    time: u64,
    #[serde(borrow)]
    i: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(borrow, default)]
    b: Vec<[Cow<'a, str>; 2]>,
    #[serde(borrow, default)]
    a: Vec<[Cow<'a, str>; 2]>,
    u: u64,
}

impl Bybit {
    /// A Bybit spot book subscribing at the first depth Bybit offers that holds `depth` levels: 1, 50 or 200.
    pub fn new(depth: usize) -> Self {
        let depth = [1, 50, 200].into_iter().find(|d| *d >= depth).unwrap_or(200);
        Self { books: BTreeMap::new(), recent_trades: RecentIds::default(), last_u: BTreeMap::new(), topics: BTreeMap::new(), depth, linear: false }
    }

    /// The market key for a symbol on the current connection.
    fn key(&self, symbol: &str) -> String {
        if self.linear {
            format!("{symbol}{LINEAR_SUFFIX}")
        } else {
            symbol.to_string()
        }
    }
}

impl Bybit {
    fn on_trades(&mut self, data: Option<&serde_json::value::RawValue>, report: &mut Report) -> Result<(), VenueError> {
        let data = data.ok_or_else(|| malformed("publicTrade message without data"))?;
        let prints: Vec<PublicTrade> = serde_json::from_str(data.get()).map_err(|e| malformed(format!("publicTrade data: {e}")))?;
        for t in prints {
            let side = TakerSide::named(&t.side, "Buy", "Sell")?;
            let trade = Trade::new(&self.key(&t.s), Some(t.i.to_string()), &t.p, &t.v, side, t.time as f64)?;
            self.recent_trades.accept(trade, report);
        }
        Ok(())
    }
}

impl Venue for Bybit {
    fn name(&self) -> &'static str {
        "bybit"
    }

    /// Spot symbols (`BTCUSDT`) on the spot endpoint; linear perpetuals (`BTCUSDT-PERP`) on the linear
    /// one. One connection serves one category: give each its own `--source`.
    fn endpoint(&self, symbols: &[String]) -> LiveEndpoint {
        let linear = !symbols.is_empty() && symbols.iter().all(|s| s.ends_with(LINEAR_SUFFIX));
        let bare = symbols.iter().map(|s| s.strip_suffix(LINEAR_SUFFIX).unwrap_or(s));
        let topics: Vec<String> = bare.flat_map(|s| [format!("orderbook.{}.{s}", self.depth), format!("publicTrade.{s}")]).collect();
        LiveEndpoint {
            ws_url: if linear { LINEAR_URL } else { SPOT_URL }.into(),
            subscribe: vec![serde_json::json!({"op": "subscribe", "args": topics}).to_string()],
            ping: Some((std::time::Duration::from_secs(20), r#"{"op":"ping"}"#.into())),
            data_deadline: DIFF_VENUE_DEADLINE,
            book_quiet: DIFF_VENUE_QUIET,
        }
    }

    fn check_symbols(&self, symbols: &[String]) -> Result<(), String> {
        let linear = symbols.iter().filter(|s| s.ends_with(LINEAR_SUFFIX)).count();
        if linear != 0 && linear != symbols.len() {
            return Err(format!(
                "bybit serves spot and linear perpetuals ({LINEAR_SUFFIX}) on separate connections: give each category its own --source"
            ));
        }
        Ok(())
    }

    fn select_connection(&mut self, url: &str) {
        self.linear = url.contains("/public/linear");
    }

    fn new_connection(&mut self) {
        self.last_u.clear();
    }

    fn on_message(&mut self, text: &str, report: &mut Report) -> Result<(), VenueError> {
        let msg: Message = serde_json::from_str(text).map_err(|e| malformed(format!("not a Bybit message: {e}")))?;
        if msg.topic.as_deref().is_some_and(|t| t.starts_with("publicTrade.")) {
            return self.on_trades(msg.data, report).map_err(VenueError::in_trade);
        }
        let Some(topic) = msg.topic.as_deref().filter(|t| t.starts_with("orderbook.")) else {
            return Ok(()); // pong, subscription acks, other topics
        };
        let depth: usize = topic.split('.').nth(1).and_then(|d| d.parse().ok()).ok_or_else(|| malformed(format!("topic {topic:?}")))?;
        let data = msg.data.ok_or_else(|| malformed("orderbook message without data"))?;
        let data: Data = serde_json::from_str(data.get()).map_err(|e| malformed(format!("orderbook data: {e}")))?;
        let symbol = self.key(&data.s);
        if !self.topics.contains_key(&symbol) {
            self.topics.insert(symbol.clone(), topic.to_string());
        }
        let levels = side_levels(&data.b, &data.a);
        // u = 1 on a delta means Bybit restarted the stream: treat it as a snapshot.
        let snapshot = match msg.kind.as_deref() {
            Some("snapshot") => true,
            Some("delta") => data.u == 1,
            other => return Err(malformed(format!("orderbook message type {other:?}"))),
        };
        let entry = self.books.entry(symbol.clone()).or_default();
        if snapshot {
            entry.replace(levels)?;
        } else {
            if !entry.is_live() {
                return Ok(()); // resyncing: wait for the resubscription's snapshot
            }
            let last = self.last_u.get(&symbol).copied().unwrap_or(0);
            if data.u != last + 1 {
                tracing::warn!(venue = "bybit", symbol, expected = last + 1, got = data.u, "update id gap: resubscribing");
                report.note(&symbol, Note::Gap);
                self.resync(&symbol, report);
                return Ok(());
            }
            entry.book.set_many(levels).map_err(malformed)?;
        }
        entry.book.truncate(depth);
        self.last_u.insert(symbol.clone(), data.u);
        let exchange_time_us = ms_to_us(msg.cts.or(msg.ts).unwrap_or(0));
        report.updates.push(BookUpdate { symbol, update_id: data.u.to_string(), snapshot, exchange_time_us });
        Ok(())
    }

    fn resync(&mut self, symbol: &str, report: &mut Report) {
        start_resync(&mut self.books, symbol, report);
        self.last_u.remove(symbol);
        let Some(topic) = self.topics.get(symbol) else { return }; // never subscribed: nothing to redo
        report.actions.push(VenueAction::Send { symbol: symbol.to_string(), messages: op_resubscribe(topic.as_str().into()) });
    }

    fn books(&self) -> &BTreeMap<String, SymbolBook> {
        &self.books
    }

    fn books_mut(&mut self) -> &mut BTreeMap<String, SymbolBook> {
        &mut self.books
    }
}
