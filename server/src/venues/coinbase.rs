//! Coinbase Advanced Trade `level2` (`l2_data` snapshot/update events, `new_quantity` absolute)
//! with the `heartbeats` channel, and `market_trades` (size in base units, like the book; `trade_id`
//! consecutive per product; `side` is the maker's and is inverted). `sequence_num` counts every message on a connection: a gap means
//! messages were lost, so every book is cleared and resubscribed.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::book::Side;
use crate::exchange::exchange_time::rfc3339_to_us;
use crate::venues::trade::{numeric_id, rfc3339_ms, TakerSide, Trade, TradeIds};
use crate::venues::venue::VenueError;
use crate::venues::venue::{
    malformed, start_resync, BookUpdate, LiveEndpoint, Note, Report, SymbolBook, Venue, VenueAction, HEARTBEAT_VENUE_DEADLINE, HEARTBEAT_VENUE_QUIET,
};

pub struct Coinbase {
    books: BTreeMap<String, SymbolBook>,
    last_seq: Option<u64>,
    /// `trade_id` counts prints per product.
    trade_ids: TradeIds,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    channel: Option<Cow<'a, str>>,
    #[serde(default)]
    sequence_num: Option<u64>,
    /// When Coinbase sent the message (RFC 3339, ns digits).
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    events: Vec<Event<'a>>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    product_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    updates: Vec<Update<'a>>,
    #[serde(borrow, default)]
    trades: Vec<MarketTrade<'a>>,
}

/// One print of `market_trades`. Its `side` is the **maker's** order side (measured against the book
/// on the shared 2026 capture: every print at or through the ask says `SELL`), so it is inverted.
#[derive(Deserialize)]
struct MarketTrade<'a> {
    #[serde(borrow)]
    product_id: Cow<'a, str>,
    #[serde(borrow)]
    trade_id: Cow<'a, str>,
    #[serde(borrow)]
    price: Cow<'a, str>,
    #[serde(borrow)]
    size: Cow<'a, str>,
    #[serde(borrow)]
    time: Cow<'a, str>,
    #[serde(borrow)]
    side: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Update<'a> {
    #[serde(borrow)]
    side: Cow<'a, str>,
    #[serde(borrow)]
    price_level: Cow<'a, str>,
    #[serde(borrow)]
    new_quantity: Cow<'a, str>,
    /// When the level changed at the exchange (RFC 3339, µs digits).
    #[serde(borrow, default)]
    event_time: Option<Cow<'a, str>>,
}

impl Default for Coinbase {
    fn default() -> Self {
        Self::new()
    }
}

impl Coinbase {
    pub fn new() -> Self {
        Self { books: BTreeMap::new(), last_seq: None, trade_ids: TradeIds::default() }
    }

    /// Subscribe messages for these products: level2, market_trades (one channel per message, as
    /// Coinbase requires), plus heartbeats (keeps quiet books' sequence moving).
    pub fn subscribe_messages(products: &[String]) -> Vec<String> {
        vec![
            serde_json::json!({"type": "subscribe", "product_ids": products, "channel": "level2"}).to_string(),
            serde_json::json!({"type": "subscribe", "product_ids": products, "channel": "market_trades"}).to_string(),
            serde_json::json!({"type": "subscribe", "channel": "heartbeats"}).to_string(),
        ]
    }
}

impl Coinbase {
    /// Clear every book and resubscribe: messages were lost.
    fn resync_all(&mut self, note: Note, report: &mut Report) {
        let symbols: Vec<String> = self.books.keys().cloned().collect();
        for s in &symbols {
            if note != Note::Resync {
                report.note(s, note);
            }
            start_resync(&mut self.books, s, report);
        }
        if !symbols.is_empty() {
            let messages = vec![
                serde_json::json!({"type": "unsubscribe", "product_ids": symbols, "channel": "level2"}).to_string(),
                serde_json::json!({"type": "subscribe", "product_ids": symbols, "channel": "level2"}).to_string(),
            ];
            report.actions.push(VenueAction::Send { symbol: symbols.join(","), messages });
        }
    }

    /// `market_trades`: a snapshot (the newest prints, newest first) on subscribe, then updates.
    /// Prints are taken in id order, so a snapshot repeating prints already seen adds nothing.
    fn apply_trades(&mut self, msg: &Message<'_>, report: &mut Report) -> Result<(), VenueError> {
        for ev in &msg.events {
            let mut prints = Vec::with_capacity(ev.trades.len());
            for t in &ev.trades {
                let maker = TakerSide::named(&t.side, "BUY", "SELL")?;
                let id = numeric_id(&t.trade_id)?;
                let trade = Trade::new(&t.product_id, Some(t.trade_id.to_string()), &t.price, &t.size, maker.inverted(), rfc3339_ms(&t.time)?)?;
                prints.push((id, trade));
            }
            prints.sort_by_key(|(id, _)| *id);
            for (id, trade) in prints {
                self.trade_ids.accept(trade, id, id, report);
            }
        }
        Ok(())
    }

    fn apply_l2(&mut self, msg: &Message<'_>, report: &mut Report) -> Result<(), VenueError> {
        for ev in &msg.events {
            let product = ev.product_id.as_deref().ok_or_else(|| malformed("l2_data event without product_id"))?;
            let snapshot = match ev.kind.as_deref() {
                Some("snapshot") => true,
                Some("update") => false,
                other => return Err(malformed(format!("l2_data event type {other:?}"))),
            };
            let mut levels = Vec::with_capacity(ev.updates.len());
            for u in &ev.updates {
                let side = match u.side.as_ref() {
                    "bid" => Side::Bid,
                    "offer" | "ask" => Side::Ask,
                    other => return Err(malformed(format!("side {other:?}"))),
                };
                levels.push((side, u.price_level.as_ref(), u.new_quantity.as_ref()));
            }
            let entry = self.books.entry(product.to_string()).or_default();
            if !snapshot && !entry.is_live() {
                continue; // resyncing: wait for the resubscription's snapshot
            }
            if snapshot {
                entry.replace(levels)?;
            } else {
                entry.book.set_many(levels).map_err(malformed)?;
            }
            let update_id = msg.sequence_num.map_or_else(String::new, |s| s.to_string());
            // An update's time is when its newest level changed; a snapshot's (whose levels changed
            // at any time before) is when Coinbase sent it.
            let level_time = ev.updates.iter().filter_map(|u| u.event_time.as_deref().and_then(rfc3339_to_us)).max();
            let sent_time = msg.timestamp.as_deref().and_then(rfc3339_to_us);
            let exchange_time_us = if snapshot { sent_time.or(level_time) } else { level_time.or(sent_time) }.unwrap_or(0);
            report.updates.push(BookUpdate { symbol: product.to_string(), update_id, snapshot, exchange_time_us });
        }
        Ok(())
    }
}

impl Venue for Coinbase {
    fn name(&self) -> &'static str {
        "coinbase"
    }

    fn endpoint(&self, symbols: &[String]) -> LiveEndpoint {
        LiveEndpoint {
            ws_url: "wss://advanced-trade-ws.coinbase.com".into(),
            subscribe: Self::subscribe_messages(symbols),
            ping: None, // the heartbeats channel keeps the connection (and the sequence) moving
            data_deadline: HEARTBEAT_VENUE_DEADLINE,
            book_quiet: HEARTBEAT_VENUE_QUIET,
        }
    }

    fn new_connection(&mut self) {
        self.last_seq = None;
    }

    fn on_message(&mut self, text: &str, report: &mut Report) -> Result<(), VenueError> {
        let msg: Message = serde_json::from_str(text).map_err(|e| malformed(format!("not a Coinbase message: {e}")))?;
        // Every message on the connection carries the next sequence_num, whatever its channel.
        if let Some(seq) = msg.sequence_num {
            let expected = self.last_seq.map(|l| l + 1);
            self.last_seq = Some(seq);
            if let Some(expected) = expected.filter(|e| *e != seq) {
                tracing::warn!(venue = "coinbase", expected, got = seq, "sequence gap: resubscribing");
                self.resync_all(Note::Gap, report);
                return Ok(());
            }
        }
        match msg.channel.as_deref() {
            Some("l2_data") => {}
            Some("market_trades") => return self.apply_trades(&msg, report).map_err(VenueError::in_trade),
            other => {
                // A heartbeat in sequence says every book is current (quiet, nothing lost).
                report.heartbeat |= other == Some("heartbeats");
                return Ok(()); // subscriptions, other channels
            }
        }
        // The sequence is consumed: an l2_data message we cannot apply is lost data, so resync.
        self.apply_l2(&msg, report).inspect_err(|_| self.resync_all(Note::Resync, report))
    }

    fn resync(&mut self, _symbol: &str, report: &mut Report) {
        // One sequence for the whole connection: every book resubscribes together.
        self.resync_all(Note::Resync, report);
    }

    fn books(&self) -> &BTreeMap<String, SymbolBook> {
        &self.books
    }

    fn books_mut(&mut self) -> &mut BTreeMap<String, SymbolBook> {
        &mut self.books
    }
}
