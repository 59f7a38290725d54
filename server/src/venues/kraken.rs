//! Kraken WebSocket `book`, v2 (JSON objects, bare-number prices) and v1 (arrays, string prices, as
//! in captures). Every update carries a CRC32 of the top 10 levels; it is verified on every message
//! from the number text as Kraken formats it, and the book is truncated to the subscribed depth as
//! Kraken's guide requires. A mismatch clears the book and resubscribes. Prints: v2 `trade` (with
//! `trade_id`) and v1 `trade` (no id); both name the taker's side, sizes in base units like the book.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::book::Side;
use crate::exchange::decimal::format_fixed;
use crate::exchange::exchange_time::{decimal_seconds_to_us, rfc3339_to_us};
use crate::venues::trade::{rfc3339_ms, TakerSide, Trade, TradeIds};
use crate::venues::venue::VenueError;
use crate::venues::venue::{
    malformed, start_resync, BookUpdate, LiveEndpoint, Note, Report, SymbolBook, Venue, VenueAction, HEARTBEAT_VENUE_DEADLINE, HEARTBEAT_VENUE_QUIET,
};

/// Per pair: the subscribed depth and the decimals Kraken prints prices and sizes with.
#[derive(Debug, Clone, Copy, Default)]
struct PairFormat {
    depth: usize,
    price_dp: u32,
    qty_dp: u32,
}

pub struct Kraken {
    books: BTreeMap<String, SymbolBook>,
    /// v2 `trade_id`, consecutive per pair (v1 prints have no id).
    trade_ids: TradeIds,
    formats: BTreeMap<String, PairFormat>,
    /// Messages applied per pair (Kraken sends no sequence numbers: the checksum is the check).
    counts: BTreeMap<String, u64>,
    depth: usize,
}

/// Decimals as written (trailing zeros count: "5541.30000" has 5).
fn text_decimals(text: &str) -> u32 {
    text.split_once('.').map_or(0, |(_, f)| f.len() as u32)
}

/// Kraken's checksum of a book: top 10 asks (low → high) then top 10 bids (high → low); each price
/// and size as printed, without the point and leading zeros; CRC32 of the concatenation.
pub fn book_checksum(book: &crate::exchange::exchange_book::ExchangeBook, price_dp: u32, qty_dp: u32) -> u32 {
    let mut text = String::with_capacity(20 * 24);
    let push = |text: &mut String, value: i64, book_dp: u32, dp: u32| {
        let v = value * 10i64.pow(dp.saturating_sub(book_dp));
        let s = format_fixed(v, dp).replace('.', "");
        text.push_str(s.trim_start_matches('0'));
    };
    let b = book.book();
    for (p, q) in b.asks().take(10).chain(b.bids().take(10)) {
        push(&mut text, p, book.price_decimals(), price_dp);
        push(&mut text, q, book.size_decimals(), qty_dp);
    }
    crc32fast::hash(text.as_bytes())
}

/// What a book message says besides its levels.
#[derive(Debug, Clone, Copy)]
struct BookMessage {
    snapshot: bool,
    checksum: Option<u32>,
    /// The subscribed depth (a snapshot's), to truncate to.
    depth: usize,
    exchange_time_us: u64,
}

#[derive(Deserialize)]
struct V2Message<'a> {
    #[serde(default)]
    channel: Option<&'a str>,
    #[serde(rename = "type", default)]
    kind: Option<&'a str>,
    /// A book's or a print's items, read in one pass (no second parse of the hot book path).
    #[serde(borrow, default)]
    data: Vec<V2Book<'a>>,
}

#[derive(Deserialize)]
struct V2Book<'a> {
    symbol: String,
    #[serde(borrow, default)]
    bids: Vec<V2Level<'a>>,
    #[serde(borrow, default)]
    asks: Vec<V2Level<'a>>,
    /// Every book item carries one.
    #[serde(default)]
    checksum: Option<u32>,
    // On the `trade` channel an item is a print: `side` the taker's, `trade_id` consecutive per
    // pair, price and qty bare numbers (their text kept exact).
    #[serde(default)]
    side: Option<&'a str>,
    #[serde(borrow, default)]
    price: Option<&'a RawValue>,
    #[serde(borrow, default)]
    qty: Option<&'a RawValue>,
    #[serde(default)]
    trade_id: Option<u64>,
    #[serde(default)]
    timestamp: Option<&'a str>,
}

#[derive(Deserialize)]
struct V2Level<'a> {
    #[serde(borrow)]
    price: &'a RawValue,
    #[serde(borrow)]
    qty: &'a RawValue,
}

impl Kraken {
    /// A Kraken book subscribing (and resubscribing) at the first depth Kraken offers that holds
    /// `depth` levels: 10, 25, 100, 500 or 1000.
    pub fn new(depth: usize) -> Self {
        let depth = [10, 25, 100, 500, 1000].into_iter().find(|d| *d >= depth).unwrap_or(1000);
        Self { books: BTreeMap::new(), trade_ids: TradeIds::default(), formats: BTreeMap::new(), counts: BTreeMap::new(), depth }
    }

    /// The v2 `method` message for the book channel of these pairs ("BTC/USD").
    fn book_message(&self, method: &str, pairs: &[String]) -> String {
        serde_json::json!({"method": method, "params": {"channel": "book", "symbol": pairs, "depth": self.depth}}).to_string()
    }

    /// Apply one message's levels for `pair` (snapshot replaces), truncate, verify the checksum.
    fn apply(&mut self, pair: &str, levels: &[(Side, &str, &str)], m: BookMessage, report: &mut Report) -> Result<(), VenueError> {
        let BookMessage { snapshot, checksum, depth, exchange_time_us } = m;
        let entry = self.books.entry(pair.to_string()).or_default();
        if snapshot {
            entry.replace(levels.iter().copied())?;
        } else if !entry.is_live() {
            return Ok(()); // resyncing: wait for the snapshot the resubscribe brings
        } else {
            // All levels or none: a malformed message changes nothing.
            entry.book.set_many(levels.iter().copied()).map_err(malformed)?;
        }
        let fmt = self.formats.entry(pair.to_string()).or_default();
        for &(_, price, qty) in levels {
            fmt.price_dp = fmt.price_dp.max(text_decimals(price));
            fmt.qty_dp = fmt.qty_dp.max(text_decimals(qty));
        }
        if snapshot {
            fmt.depth = depth;
        }
        entry.book.truncate(fmt.depth.max(1));
        let fmt = *fmt;
        let n = self.counts.entry(pair.to_string()).or_default();
        *n += 1;
        let update_id = n.to_string();
        if let Some(expected) = checksum {
            let got = book_checksum(&entry.book, fmt.price_dp, fmt.qty_dp);
            if got != expected {
                tracing::warn!(venue = self.name(), pair, expected, got, "checksum mismatch: resubscribing");
                report.note(pair, Note::ChecksumFailed);
                self.resync(pair, report);
                return Ok(());
            }
            report.note(pair, Note::ChecksumOk);
        }
        report.updates.push(BookUpdate { symbol: pair.to_string(), update_id, snapshot, exchange_time_us });
        Ok(())
    }

    fn resubscribe(&self, pair: &str) -> Vec<String> {
        let pair = [pair.to_string()];
        vec![self.book_message("unsubscribe", &pair), self.book_message("subscribe", &pair)]
    }

    fn on_v2(&mut self, text: &str, report: &mut Report) -> Result<(), VenueError> {
        let msg: V2Message = serde_json::from_str(text).map_err(|e| malformed(format!("not a Kraken v2 message: {e}")))?;
        match msg.channel {
            Some("book") => {}
            Some("trade") => return self.on_v2_trades(&msg.data, report).map_err(VenueError::in_trade),
            other => {
                // Kraken sends a heartbeat every second when no subscription has updates.
                report.heartbeat |= other == Some("heartbeat");
                return Ok(()); // status, acks, other channels
            }
        }
        let snapshot = match msg.kind {
            Some("snapshot") => true,
            Some("update") => false,
            other => return Err(malformed(format!("book message of type {other:?}"))),
        };
        for b in &msg.data {
            let mut levels = Vec::with_capacity(b.bids.len() + b.asks.len());
            for (side, ls) in [(Side::Bid, &b.bids), (Side::Ask, &b.asks)] {
                levels.extend(ls.iter().map(|l| (side, l.price.get(), l.qty.get())));
            }
            let depth = if snapshot { self.depth.max(b.bids.len()).max(b.asks.len()) } else { 0 };
            let checksum = b.checksum.ok_or_else(|| malformed(format!("book item for {} without a checksum", b.symbol)))?;
            let time = b.timestamp.and_then(rfc3339_to_us).unwrap_or(0);
            let m = BookMessage { snapshot, checksum: Some(checksum), depth, exchange_time_us: time };
            self.apply(&b.symbol, &levels, m, report)?;
        }
        Ok(())
    }

    /// v2 `trade` (a snapshot of recent prints on subscribe, then updates), taken in id order.
    fn on_v2_trades(&mut self, data: &[V2Book<'_>], report: &mut Report) -> Result<(), VenueError> {
        let mut prints = Vec::with_capacity(data.len());
        for t in data {
            let missing = |name: &str| malformed(format!("trade item for {} without {name}", t.symbol));
            let (side, price, qty) =
                (t.side.ok_or_else(|| missing("side"))?, t.price.ok_or_else(|| missing("price"))?, t.qty.ok_or_else(|| missing("qty"))?);
            let (id, time) = (t.trade_id.ok_or_else(|| missing("trade_id"))?, t.timestamp.ok_or_else(|| missing("timestamp"))?);
            let side = TakerSide::named(side, "buy", "sell")?;
            prints.push((id, Trade::new(&t.symbol, Some(id.to_string()), price.get(), qty.get(), side, rfc3339_ms(time)?)?));
        }
        // A subscribe snapshot may come newest first: taken in id order.
        prints.sort_by_key(|(id, _)| *id);
        for (id, trade) in prints {
            self.trade_ids.accept(trade, id, id, report);
        }
        Ok(())
    }

    /// v1 `trade`: `[channelID, [[price, volume, time, side, orderType, misc], …], "trade", pair]`,
    /// `side` the taker's (`b`/`s`), no trade id, time in seconds as text.
    fn on_v1_trades(pair: &str, prints: &serde_json::Value, report: &mut Report) -> Result<(), VenueError> {
        for p in prints.as_array().ok_or_else(|| malformed("trade body is not a list"))? {
            let f = p.as_array().filter(|f| f.len() >= 4).ok_or_else(|| malformed(format!("trade {p}")))?;
            let (Some(price), Some(volume), Some(time), Some(side)) = (f[0].as_str(), f[1].as_str(), f[2].as_str(), f[3].as_str()) else {
                return Err(malformed(format!("trade {p}")));
            };
            let side = TakerSide::named(side, "b", "s")?;
            report.trades.push(Trade::new(
                pair,
                None,
                price,
                volume,
                side,
                decimal_seconds_to_us(time).map(|us| us as f64 / 1000.0).ok_or_else(|| malformed(format!("time {time:?}")))?,
            )?);
        }
        Ok(())
    }

    fn on_v1(&mut self, text: &str, report: &mut Report) -> Result<(), VenueError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| malformed(format!("not JSON: {e}")))?;
        let Some(parts) = value.as_array() else {
            report.heartbeat |= value.get("event").and_then(|e| e.as_str()) == Some("heartbeat");
            return Ok(()); // {"event": ...}: systemStatus, subscriptionStatus
        };
        // [channelID, {..}, ({..},) "book-<depth>", "PAIR"]
        let (Some(pair), Some(channel)) = (parts.last().and_then(|v| v.as_str()), parts.len().checked_sub(2).and_then(|i| parts[i].as_str())) else {
            return Err(malformed("array message without channel and pair"));
        };
        if channel == "trade" && parts.len() == 4 {
            return Self::on_v1_trades(pair, &parts[1], report).map_err(VenueError::in_trade);
        }
        let Some(depth) = channel.strip_prefix("book-") else {
            return Ok(()); // ticker, spread, ohlc
        };
        let depth: usize = depth.parse().map_err(|_| malformed(format!("channel {channel:?}")))?;
        let bodies = &parts[1..parts.len() - 2];
        let mut snapshot = false;
        let mut checksum = None;
        let mut levels = Vec::new();
        let mut time = 0;
        for body in bodies {
            let obj = body.as_object().ok_or_else(|| malformed("book body is not an object"))?;
            for (key, v) in obj {
                let side = match key.as_str() {
                    "as" | "bs" => {
                        snapshot = true;
                        if key == "as" {
                            Side::Ask
                        } else {
                            Side::Bid
                        }
                    }
                    "a" => Side::Ask,
                    "b" => Side::Bid,
                    "c" => {
                        let c = v.as_str().and_then(|c| c.parse::<u32>().ok()).ok_or_else(|| malformed(format!("checksum {v}")))?;
                        checksum = Some(c);
                        continue;
                    }
                    _ => continue,
                };
                for level in v.as_array().ok_or_else(|| malformed(format!("{key} is not a list")))? {
                    let l = level.as_array().filter(|l| l.len() >= 2).ok_or_else(|| malformed(format!("level {level}")))?;
                    let (Some(p), Some(q)) = (l[0].as_str(), l[1].as_str()) else {
                        return Err(malformed(format!("level {level}")));
                    };
                    // v1 stamps each level with when it changed: the message's time is the newest.
                    if let Some(t) = l.get(2).and_then(|t| t.as_str()).and_then(decimal_seconds_to_us) {
                        time = time.max(t);
                    }
                    levels.push((side, p, q));
                }
            }
        }
        self.apply(pair, &levels, BookMessage { snapshot, checksum, depth, exchange_time_us: time }, report)
    }
}

impl Venue for Kraken {
    fn name(&self) -> &'static str {
        "kraken"
    }

    fn endpoint(&self, symbols: &[String]) -> LiveEndpoint {
        LiveEndpoint {
            ws_url: "wss://ws.kraken.com/v2".into(),
            subscribe: vec![
                self.book_message("subscribe", symbols),
                serde_json::json!({"method": "subscribe", "params": {"channel": "trade", "symbol": symbols}}).to_string(),
            ],
            ping: Some((std::time::Duration::from_secs(30), r#"{"method":"ping"}"#.into())),
            data_deadline: HEARTBEAT_VENUE_DEADLINE,
            book_quiet: HEARTBEAT_VENUE_QUIET,
        }
    }

    fn on_message(&mut self, text: &str, report: &mut Report) -> Result<(), VenueError> {
        // Captures may hold either protocol: v1 book data are arrays, v2 messages objects.
        if text.trim_start().starts_with('[') {
            self.on_v1(text, report)
        } else {
            self.on_v2(text, report)
        }
    }

    fn resync(&mut self, pair: &str, report: &mut Report) {
        start_resync(&mut self.books, pair, report);
        report.actions.push(VenueAction::Send { symbol: pair.to_string(), messages: self.resubscribe(pair) });
    }

    fn books(&self) -> &BTreeMap<String, SymbolBook> {
        &self.books
    }

    fn books_mut(&mut self) -> &mut BTreeMap<String, SymbolBook> {
        &mut self.books
    }
}
