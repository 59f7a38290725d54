//! OKX `books`: a snapshot, then updates chained by `prevSeqId` = the previous `seqId`; the CRC32
//! checksum (top 25 bids and asks interleaved, as the exchange printed them) is verified whenever
//! the exchange sends a non-zero one. A break or a mismatch clears the book and resubscribes.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::book::Side;
use crate::exchange::decimal::{format_scaled, Decimal};
use crate::exchange::exchange_time::ms_to_us;
use crate::venues::trade::{numeric_id, TakerSide, Trade, TradeIds};
use crate::venues::venue::VenueError;
use crate::venues::venue::{
    malformed, op_resubscribe, start_resync, BookUpdate, LiveEndpoint, Note, Report, SymbolBook, Venue, VenueAction, DIFF_VENUE_DEADLINE,
    DIFF_VENUE_QUIET,
};

/// Level text as OKX printed it, by normalised price, per side — the checksum needs the exact text.
#[derive(Default)]
struct Texts {
    bids: BTreeMap<String, (String, String)>,
    asks: BTreeMap<String, (String, String)>,
}

pub struct Okx {
    books: BTreeMap<String, SymbolBook>,
    texts: BTreeMap<String, Texts>,
    last_seq: BTreeMap<String, i64>,
    trade_ids: TradeIds,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(default)]
    arg: Option<Arg<'a>>,
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
    /// Books' and prints' items in one pass (the book fields or the print fields are present).
    #[serde(borrow, default)]
    data: Vec<Book<'a>>,
}

#[derive(Deserialize)]
struct Arg<'a> {
    #[serde(borrow)]
    channel: Cow<'a, str>,
    #[serde(rename = "instId", borrow, default)]
    inst_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Book<'a> {
    #[serde(borrow, default)]
    asks: Vec<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    bids: Vec<Vec<Cow<'a, str>>>,
    #[serde(default)]
    checksum: i64,
    #[serde(rename = "prevSeqId", default)]
    prev_seq_id: i64,
    #[serde(rename = "seqId", default)]
    seq_id: i64,
    // On the `trades` channel an item is a print instead (read in the same pass: no second parse of
    // the hot book path): `side` the taker's; `tradeId` the last id of the `count` trades it
    // aggregates (consecutive per instrument); `sz` in the book's unit (contracts on swaps and futures).
    #[serde(rename = "instId", borrow, default)]
    inst_id: Option<Cow<'a, str>>,
    #[serde(rename = "tradeId", borrow, default)]
    trade_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    px: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    sz: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    side: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ts: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    count: Option<Cow<'a, str>>,
}

/// "8476.980" and "8476.98" are one price.
fn normalized(price: &str) -> Result<String, String> {
    let d = Decimal::parse(price)?;
    Ok(format_scaled(d.mantissa as i64, d.decimals))
}

/// OKX's checksum: up to 25 levels, "bidPx:bidSz:askPx:askSz:..." interleaved, CRC32 as a signed int.
pub fn okx_checksum(
    book: &crate::exchange::exchange_book::ExchangeBook,
    texts: &BTreeMap<String, (String, String)>,
    ask_texts: &BTreeMap<String, (String, String)>,
) -> i64 {
    let b = book.book();
    let key = |p: i64| format_scaled(p, book.price_decimals());
    let bids: Vec<&(String, String)> = b.bids().take(25).filter_map(|(p, _)| texts.get(&key(p))).collect();
    let asks: Vec<&(String, String)> = b.asks().take(25).filter_map(|(p, _)| ask_texts.get(&key(p))).collect();
    let mut parts: Vec<&str> = Vec::with_capacity(100);
    for i in 0..bids.len().max(asks.len()) {
        if let Some((p, q)) = bids.get(i) {
            parts.extend([p.as_str(), q.as_str()]);
        }
        if let Some((p, q)) = asks.get(i) {
            parts.extend([p.as_str(), q.as_str()]);
        }
    }
    crc32fast::hash(parts.join(":").as_bytes()) as i32 as i64
}

/// The `books` channel of one instrument, as subscriptions name it.
fn books_arg(inst: &str) -> serde_json::Value {
    serde_json::json!({"channel": "books", "instId": inst})
}

impl Default for Okx {
    fn default() -> Self {
        Self::new()
    }
}

impl Okx {
    pub fn new() -> Self {
        Self { books: BTreeMap::new(), texts: BTreeMap::new(), last_seq: BTreeMap::new(), trade_ids: TradeIds::default() }
    }

    fn resync_inst(&mut self, inst: &str, report: &mut Report) {
        start_resync(&mut self.books, inst, report);
        self.texts.remove(inst);
        self.last_seq.remove(inst);
        report.actions.push(VenueAction::Send { symbol: inst.to_string(), messages: op_resubscribe(books_arg(inst)) });
    }

    fn on_trades(&mut self, data: &[Book<'_>], report: &mut Report) -> Result<(), VenueError> {
        let mut prints: Vec<(u64, u64, Trade)> = Vec::new();
        for t in data {
            let field = |v: &Option<Cow<'_, str>>, name: &str| {
                v.as_deref().map(str::to_string).ok_or_else(|| malformed(format!("trades item without {name}")))
            };
            let (inst, id, px, sz, side, ts) = (
                field(&t.inst_id, "instId")?,
                field(&t.trade_id, "tradeId")?,
                field(&t.px, "px")?,
                field(&t.sz, "sz")?,
                field(&t.side, "side")?,
                field(&t.ts, "ts")?,
            );
            let side = TakerSide::named(&side, "buy", "sell")?;
            let last = numeric_id(&id)?;
            let count = t.count.as_deref().map_or(Ok(1), numeric_id)?.max(1);
            // The first id it covers; a count larger than the id is nonsense, not an underflow.
            let first = last.checked_sub(count - 1).ok_or_else(|| malformed(format!("trade {last} aggregating {count} trades")))?;
            let ts: u64 = ts.parse().map_err(|_| malformed(format!("trade time {ts:?}")))?;
            prints.push((first, last, Trade::new(&inst, Some(id), &px, &sz, side, ts as f64)?));
        }
        prints.sort_by_key(|(first, _, _)| *first);
        for (first, last, trade) in prints {
            self.trade_ids.accept(trade, first, last, report);
        }
        Ok(())
    }
}

impl Venue for Okx {
    fn name(&self) -> &'static str {
        "okx"
    }

    fn endpoint(&self, symbols: &[String]) -> LiveEndpoint {
        let args: Vec<serde_json::Value> =
            symbols.iter().flat_map(|s| [books_arg(s), serde_json::json!({"channel": "trades", "instId": s})]).collect();
        LiveEndpoint {
            ws_url: "wss://ws.okx.com:8443/ws/v5/public".into(),
            subscribe: vec![serde_json::json!({"op": "subscribe", "args": args}).to_string()],
            ping: Some((std::time::Duration::from_secs(25), "ping".into())),
            data_deadline: DIFF_VENUE_DEADLINE,
            book_quiet: DIFF_VENUE_QUIET,
        }
    }

    fn new_connection(&mut self) {
        self.last_seq.clear();
        self.texts.clear();
    }

    fn on_message(&mut self, text: &str, report: &mut Report) -> Result<(), VenueError> {
        if text == "pong" {
            return Ok(());
        }
        let msg: Message = serde_json::from_str(text).map_err(|e| malformed(format!("not an OKX message: {e}")))?;
        let Some(arg) = msg.arg else { return Ok(()) };
        match arg.channel.as_ref() {
            "books" => {}
            "trades" => return self.on_trades(&msg.data, report).map_err(VenueError::in_trade),
            _ => return Ok(()),
        }
        let Some(action) = msg.action else { return Ok(()) }; // subscription ack
        let books = &msg.data;
        let inst = arg.inst_id.ok_or_else(|| malformed("books message without instId"))?.into_owned();
        let snapshot = match action.as_ref() {
            "snapshot" => true,
            "update" => false,
            other => return Err(malformed(format!("books action {other:?}"))),
        };
        for d in books {
            let mut levels = Vec::with_capacity(d.bids.len() + d.asks.len());
            for (side, ls) in [(Side::Bid, &d.bids), (Side::Ask, &d.asks)] {
                for l in ls {
                    let (Some(p), Some(q)) = (l.first(), l.get(1)) else { return Err(malformed(format!("level {l:?}"))) };
                    levels.push((side, p.as_ref(), q.as_ref(), normalized(p).map_err(malformed)?));
                }
            }
            let entry = self.books.entry(inst.clone()).or_default();
            if !snapshot {
                if !entry.is_live() {
                    continue; // resyncing: wait for the resubscription's snapshot
                }
                if self.last_seq.get(&inst) != Some(&d.prev_seq_id) {
                    tracing::warn!(venue = "okx", inst, prev = d.prev_seq_id, last = ?self.last_seq.get(&inst), "seqId chain broken: resubscribing");
                    report.note(&inst, Note::Gap);
                    self.resync_inst(&inst, report);
                    continue;
                }
            }
            let apply = levels.iter().map(|(s, p, q, _)| (*s, *p, *q));
            if snapshot {
                entry.replace(apply)?;
                self.texts.insert(inst.clone(), Texts::default());
            } else {
                entry.book.set_many(apply).map_err(malformed)?;
            }
            let texts = self.texts.entry(inst.clone()).or_default();
            for (side, p, q, key) in levels {
                let map = if side == Side::Bid { &mut texts.bids } else { &mut texts.asks };
                if Decimal::parse(q).map(|d| d.mantissa == 0).unwrap_or(false) {
                    map.remove(&key);
                } else {
                    map.insert(key, (p.to_string(), q.to_string()));
                }
            }
            self.last_seq.insert(inst.clone(), d.seq_id);
            if d.checksum != 0 {
                let got = okx_checksum(&self.books[&inst].book, &texts.bids, &texts.asks);
                if got != d.checksum {
                    tracing::warn!(venue = "okx", inst, expected = d.checksum, got, "checksum mismatch: resubscribing");
                    report.note(&inst, Note::ChecksumFailed);
                    self.resync_inst(&inst, report);
                    continue;
                }
                report.note(&inst, Note::ChecksumOk);
            }
            let exchange_time_us = d.ts.as_deref().and_then(|t| t.parse().ok()).map_or(0, ms_to_us);
            report.updates.push(BookUpdate { symbol: inst.clone(), update_id: d.seq_id.to_string(), snapshot, exchange_time_us });
        }
        Ok(())
    }

    fn resync(&mut self, inst: &str, report: &mut Report) {
        self.resync_inst(inst, report);
    }

    fn books(&self) -> &BTreeMap<String, SymbolBook> {
        &self.books
    }

    fn books_mut(&mut self) -> &mut BTreeMap<String, SymbolBook> {
        &mut self.books
    }
}
