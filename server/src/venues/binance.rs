//! Binance spot (`<symbol>@depth` diffs + REST `/api/v3/depth` snapshot) and USD-M futures (the
//! same, plus the `pu` chain), following Binance's documented sync: buffer diffs, fetch a
//! snapshot, drop diffs it already contains, check that the first one brackets it, then require
//! contiguity. Any break is a gap: the book is cleared and a new snapshot fetched.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::book::Side;
use crate::exchange::exchange_time::ms_to_us;
use crate::venues::trade::{TakerSide, Trade, TradeIds};
use crate::venues::venue::VenueError;
use crate::venues::venue::{
    malformed, side_levels, start_resync, BookUpdate, LiveEndpoint, Note, Report, SymbolBook, Venue, VenueAction, DIFF_VENUE_DEADLINE,
    DIFF_VENUE_QUIET,
};

/// Diffs buffered per symbol while waiting for a snapshot (Binance sends 10/s per symbol).
const MAX_BUFFERED: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// Which Binance product the book is on: spot, or USDⓈ-M futures.
pub enum Product {
    Spot,
    UsdM,
}

#[derive(Debug, Clone)]
struct Diff {
    first: u64,
    last: u64,
    prev: Option<u64>,
    /// `T` (USD-M: the matching engine's time) or else `E` (the event's), in µs.
    time_us: u64,
    bids: Vec<(String, String)>,
    asks: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct Sync {
    buffer: VecDeque<Diff>,
    /// The last applied update id, once synced.
    last: Option<u64>,
    /// The snapshot's id while the first diff after it is still to be bracket-checked.
    bracket: Option<u64>,
    snapshot_requested: bool,
}

pub struct Binance {
    product: Product,
    books: BTreeMap<String, SymbolBook>,
    sync: BTreeMap<String, Sync>,
    depth_limit: u32,
    /// `a` (aggTrade) or `t` (trade), consecutive per symbol.
    trade_ids: TradeIds,
}

#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    e: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct DepthUpdate<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(rename = "U")]
    first: u64,
    u: u64,
    #[serde(default)]
    pu: Option<u64>,
    #[serde(rename = "E", default)]
    event_ms: Option<u64>,
    #[serde(rename = "T", default)]
    transaction_ms: Option<u64>,
    #[serde(borrow)]
    b: Vec<[Cow<'a, str>; 2]>,
    #[serde(borrow)]
    a: Vec<[Cow<'a, str>; 2]>,
}

/// `<sym>@aggTrade` (`a`, consecutive; `f`..`l` the trades it aggregates) or `<sym>@trade` (`t`).
/// `m` says the buyer was the maker, so `m: true` is a taker sell.
#[derive(Deserialize)]
struct TradeEvent<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(default)]
    a: Option<u64>,
    #[serde(default)]
    t: Option<u64>,
    #[serde(borrow)]
    p: Cow<'a, str>,
    #[serde(borrow)]
    q: Cow<'a, str>,
    #[serde(rename = "T")]
    time: u64,
    m: bool,
}

#[derive(Deserialize)]
struct DepthSnapshot<'a> {
    #[serde(rename = "lastUpdateId")]
    last_update_id: u64,
    /// USD-M only (spot's REST snapshot has no time).
    #[serde(rename = "T", default)]
    transaction_ms: Option<u64>,
    #[serde(borrow)]
    bids: Vec<[Cow<'a, str>; 2]>,
    #[serde(borrow)]
    asks: Vec<[Cow<'a, str>; 2]>,
}

fn owned(levels: Vec<[Cow<'_, str>; 2]>) -> Vec<(String, String)> {
    levels.into_iter().map(|[p, q]| (p.into_owned(), q.into_owned())).collect()
}

impl Binance {
    pub fn new(product: Product) -> Self {
        Self { product, books: BTreeMap::new(), sync: BTreeMap::new(), depth_limit: 1000, trade_ids: TradeIds::default() }
    }

    fn snapshot_url(&self, symbol: &str) -> String {
        match self.product {
            Product::Spot => format!("https://api.binance.com/api/v3/depth?symbol={symbol}&limit={}", self.depth_limit),
            Product::UsdM => format!("https://fapi.binance.com/fapi/v1/depth?symbol={symbol}&limit={}", self.depth_limit),
        }
    }

    /// The WebSocket URL for these symbols' diff and aggregated-trade streams.
    pub fn stream_url(&self, symbols: &[String]) -> String {
        let streams: Vec<String> =
            symbols.iter().flat_map(|s| [format!("{}@depth@100ms", s.to_lowercase()), format!("{}@aggTrade", s.to_lowercase())]).collect();
        match self.product {
            Product::Spot => format!("wss://stream.binance.com:9443/stream?streams={}", streams.join("/")),
            Product::UsdM => format!("wss://fstream.binance.com/stream?streams={}", streams.join("/")),
        }
    }

    fn request_snapshot(&mut self, symbol: &str, report: &mut Report) {
        let url = self.snapshot_url(symbol);
        let sync = self.sync.entry(symbol.to_string()).or_default();
        if !sync.snapshot_requested {
            sync.snapshot_requested = true;
            report.actions.push(VenueAction::FetchSnapshot { symbol: symbol.to_string(), url });
        }
    }

    fn gap(&mut self, symbol: &str, expected: u64, got: u64, report: &mut Report) {
        tracing::warn!(venue = self.name(), symbol, expected, got, "sequence gap: resyncing from a new snapshot");
        report.note(symbol, Note::Gap);
        start_resync(&mut self.books, symbol, report);
        let sync = self.sync.entry(symbol.to_string()).or_default();
        (sync.last, sync.bracket, sync.snapshot_requested) = (None, None, false);
        self.request_snapshot(symbol, report);
    }

    /// Keep a diff that could not be applied: the next snapshot must be bracketed by it (or older ones).
    fn rebuffer(&mut self, symbol: &str, d: &Diff) {
        let sync = self.sync.entry(symbol.to_string()).or_default();
        if sync.buffer.len() >= MAX_BUFFERED {
            sync.buffer.pop_front();
        }
        sync.buffer.push_back(d.clone());
    }

    /// Apply a diff to a synced book, or report why it cannot be.
    fn apply(&mut self, symbol: &str, d: &Diff, report: &mut Report) -> Result<(), VenueError> {
        let sync = self.sync.entry(symbol.to_string()).or_default();
        let Some(last) = sync.last else { return Ok(()) };
        if let Some(snap) = sync.bracket {
            // Already in the snapshot: skip. (USD-M: drop u < lastUpdateId; spot: u <= lastUpdateId.)
            let stale = match self.product {
                Product::Spot => d.last <= snap,
                Product::UsdM => d.last < snap,
            };
            if stale {
                return Ok(());
            }
            let brackets = match self.product {
                Product::Spot => d.first <= snap + 1 && snap < d.last,
                Product::UsdM => d.first <= snap && snap <= d.last,
            };
            if !brackets {
                let expected = snap + 1;
                self.gap(symbol, expected, d.first, report);
                self.rebuffer(symbol, d);
                return Ok(());
            }
            sync.bracket = None;
        } else {
            let contiguous = match self.product {
                Product::Spot => d.first == last + 1,
                Product::UsdM => d.prev == Some(last),
            };
            if !contiguous {
                let got = if self.product == Product::Spot { d.first } else { d.prev.unwrap_or(0) };
                let expected = if self.product == Product::Spot { last + 1 } else { last };
                self.gap(symbol, expected, got, report);
                self.rebuffer(symbol, d);
                return Ok(());
            }
        }
        let book = &mut self.books.entry(symbol.to_string()).or_default().book;
        let levels =
            d.bids.iter().map(|(p, q)| (Side::Bid, p.as_str(), q.as_str())).chain(d.asks.iter().map(|(p, q)| (Side::Ask, p.as_str(), q.as_str())));
        book.set_many(levels).map_err(malformed)?;
        if let Some(s) = self.sync.get_mut(symbol) {
            s.last = Some(d.last);
        }
        report.updates.push(BookUpdate { symbol: symbol.to_string(), update_id: d.last.to_string(), snapshot: false, exchange_time_us: d.time_us });
        Ok(())
    }

    /// A print: size in base units on spot and in the contract's base quantity on USD-M (as its book).
    fn on_trade(&mut self, raw: &str, report: &mut Report) -> Result<(), VenueError> {
        let t: TradeEvent = serde_json::from_str(raw).map_err(|e| malformed(format!("trade: {e}")))?;
        let id = t.a.or(t.t).ok_or_else(|| malformed("trade without an id (a or t)"))?;
        let side = if t.m { TakerSide::Sell } else { TakerSide::Buy };
        let trade = Trade::new(&t.s, Some(id.to_string()), &t.p, &t.q, side, t.time as f64)?;
        self.trade_ids.accept(trade, id, id, report);
        Ok(())
    }

    fn on_diff(&mut self, u: DepthUpdate<'_>, report: &mut Report) -> Result<(), VenueError> {
        let symbol = u.s.into_owned();
        let time_us = ms_to_us(u.transaction_ms.or(u.event_ms).unwrap_or(0));
        let diff = Diff { first: u.first, last: u.u, prev: u.pu, time_us, bids: owned(u.b), asks: owned(u.a) };
        let synced = self.sync.get(&symbol).is_some_and(|s| s.last.is_some());
        if synced {
            return self.apply(&symbol, &diff, report);
        }
        self.books.entry(symbol.clone()).or_default();
        let sync = self.sync.entry(symbol.clone()).or_default();
        if sync.buffer.len() >= MAX_BUFFERED {
            sync.buffer.pop_front();
        }
        sync.buffer.push_back(diff);
        self.request_snapshot(&symbol, report);
        Ok(())
    }

    fn on_snapshot(&mut self, symbol: &str, body: &str, report: &mut Report) -> Result<(), VenueError> {
        let snap: DepthSnapshot = serde_json::from_str(body).map_err(|e| malformed(format!("depth snapshot for {symbol}: {e}")))?;
        self.books.entry(symbol.to_string()).or_default().replace(side_levels(&snap.bids, &snap.asks))?;
        let sync = self.sync.entry(symbol.to_string()).or_default();
        sync.last = Some(snap.last_update_id);
        sync.bracket = Some(snap.last_update_id);
        sync.snapshot_requested = false;
        report.updates.push(BookUpdate {
            symbol: symbol.to_string(),
            update_id: snap.last_update_id.to_string(),
            snapshot: true,
            exchange_time_us: ms_to_us(snap.transaction_ms.unwrap_or(0)),
        });
        let buffered: Vec<Diff> = sync.buffer.drain(..).collect();
        for (i, d) in buffered.iter().enumerate() {
            self.apply(symbol, d, report)?;
            if self.sync.get(symbol).is_some_and(|s| s.last.is_none()) {
                // The buffer did not bracket the snapshot: keep the newer diffs for the next one.
                for later in &buffered[i + 1..] {
                    self.rebuffer(symbol, later);
                }
                break;
            }
        }
        Ok(())
    }
}

/// The `symbol=` parameter of a REST URL.
fn query_symbol(url: &str) -> Option<&str> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|kv| kv.strip_prefix("symbol="))
}

impl Venue for Binance {
    fn name(&self) -> &'static str {
        match self.product {
            Product::Spot => "binance",
            Product::UsdM => "binance-usdm",
        }
    }

    fn endpoint(&self, symbols: &[String]) -> LiveEndpoint {
        // Streams are named in the URL: nothing to subscribe; the REST snapshot limit is 1000.
        LiveEndpoint {
            ws_url: self.stream_url(symbols),
            subscribe: vec![],
            ping: None,
            data_deadline: DIFF_VENUE_DEADLINE,
            book_quiet: DIFF_VENUE_QUIET,
        }
    }

    fn new_connection(&mut self) {
        // Every book must be re-synced from a fresh snapshot.
        for sync in self.sync.values_mut() {
            *sync = Sync::default();
        }
    }

    fn on_http(&mut self, url: &str, body: &str, report: &mut Report) -> Result<(), VenueError> {
        if !url.contains("/depth") {
            return Ok(()); // exchangeInfo and other REST calls
        }
        let symbol = query_symbol(url).ok_or_else(|| malformed(format!("depth URL without symbol: {url}")))?.to_string();
        self.on_snapshot(&symbol, body, report)
    }

    fn on_message(&mut self, text: &str, report: &mut Report) -> Result<(), VenueError> {
        let probe: Probe = serde_json::from_str(text).map_err(|e| malformed(format!("not JSON: {e}")))?;
        let (event, raw) = match probe.data {
            Some(data) => {
                let inner: Probe = serde_json::from_str(data.get()).map_err(malformed)?;
                (inner.e.map(Cow::into_owned), data.get())
            }
            None => (probe.e.map(Cow::into_owned), text),
        };
        match event.as_deref() {
            Some("depthUpdate") => {}
            Some("aggTrade" | "trade") => return self.on_trade(raw, report).map_err(VenueError::in_trade),
            _ => return Ok(()), // tickers, candles, subscription acks
        }
        let update: DepthUpdate = serde_json::from_str(raw).map_err(|e| malformed(format!("depthUpdate: {e}")))?;
        self.on_diff(update, report)
    }

    fn resync(&mut self, symbol: &str, report: &mut Report) {
        start_resync(&mut self.books, symbol, report);
        // (Trade ids are not reset: they keep counting across a book resync.)
        let sync = self.sync.entry(symbol.to_string()).or_default();
        (sync.last, sync.bracket, sync.snapshot_requested) = (None, None, false);
        self.request_snapshot(symbol, report);
    }

    fn books(&self) -> &BTreeMap<String, SymbolBook> {
        &self.books
    }

    fn books_mut(&mut self) -> &mut BTreeMap<String, SymbolBook> {
        &mut self.books
    }
}
