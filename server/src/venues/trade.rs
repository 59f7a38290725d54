//! A print as a venue reports it: exact decimal price and size (the text the venue sent, checked),
//! the **taker's** side, the venue's trade id and the exchange's trade time. And [`TradeIds`], which
//! keeps a venue's consecutive ids honest: a gap is reported, a repeat (a subscribe snapshot
//! re-sending prints already seen, a reconnect) is dropped.

use std::collections::BTreeMap;

use crate::exchange::decimal::Decimal;
use crate::exchange::exchange_time::rfc3339_to_us;
use crate::venues::venue::{malformed, Note, Report, VenueError};

/// Which side took liquidity: a taker buy lifted an ask, a taker sell hit a bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakerSide {
    Buy,
    Sell,
}

impl TakerSide {
    pub fn as_str(self) -> &'static str {
        match self {
            TakerSide::Buy => "buy",
            TakerSide::Sell => "sell",
        }
    }

    /// The side a venue names `buy` or `sell` (its own spellings), or a clear error.
    pub fn named(text: &str, buy: &str, sell: &str) -> Result<TakerSide, VenueError> {
        match text {
            t if t == buy => Ok(TakerSide::Buy),
            t if t == sell => Ok(TakerSide::Sell),
            other => Err(malformed(format!("trade side {other:?}"))),
        }
    }

    /// The other side (for venues whose field names the maker's side).
    pub fn inverted(self) -> TakerSide {
        match self {
            TakerSide::Buy => TakerSide::Sell,
            TakerSide::Sell => TakerSide::Buy,
        }
    }
}

/// One print.
#[derive(Debug, Clone, PartialEq)]
pub struct Trade {
    /// The venue's symbol, as its book is keyed.
    pub symbol: String,
    /// The venue's id for the print, as text; `None` where the venue sends none (Kraken v1).
    pub trade_id: Option<String>,
    /// Exact decimal text as the venue sent it (checked to be a decimal).
    pub price: String,
    /// In the unit of the market's book (base units, or contracts where the book counts contracts).
    pub size: String,
    pub side: TakerSide,
    /// The exchange's trade time, ms since the epoch (sub-ms where the venue gives it).
    pub time_ms: f64,
    /// `size` exactly, in units of 10⁻¹² (what the engine's totals sum); `None` past 12 decimals
    /// or i128. Parsed once, here.
    pub size_e12: Option<i128>,
}

impl Trade {
    /// A print from the venue's text fields: price and size must be decimals, price positive, size positive.
    pub fn new(symbol: &str, trade_id: Option<String>, price: &str, size: &str, side: TakerSide, time_ms: f64) -> Result<Trade, VenueError> {
        let p = Decimal::parse(price).map_err(|e| malformed(format!("trade price {price:?}: {e}")))?;
        let q = Decimal::parse(size).map_err(|e| malformed(format!("trade size {size:?}: {e}")))?;
        if p.mantissa <= 0 || q.mantissa <= 0 {
            return Err(malformed(format!("trade with price {price} and size {size}: both must be positive")));
        }
        if !time_ms.is_finite() || time_ms < 0.0 {
            return Err(malformed(format!("trade time {time_ms} is not a time")));
        }
        let size_e12 = 12u32.checked_sub(q.decimals).and_then(|d| 10i128.checked_pow(d)).and_then(|p| q.mantissa.checked_mul(p));
        Ok(Trade { symbol: symbol.to_string(), trade_id, price: price.to_string(), size: size.to_string(), side, time_ms, size_e12 })
    }
}

/// Most symbols a venue's id tracking remembers: a venue sending prints for more (a hostile or broken
/// exchange) still has them delivered, without gap or repeat checks for the extra symbols, so memory
/// stays bounded.
pub const MAX_TRACKED_SYMBOLS: usize = 4096;

/// Per-symbol tracking of consecutive numeric trade ids (Binance `a`/`t`, Coinbase `trade_id`, OKX
/// `tradeId`, Kraken v2 `trade_id`, Bybit has none that are consecutive).
#[derive(Debug, Default)]
pub struct TradeIds {
    last: BTreeMap<String, u64>,
}

impl TradeIds {
    /// Take `trade` into `report` unless it repeats one already seen. `first..=last` are the venue
    /// ids the print covers (an aggregated print covers several: Binance `f`..`l`, OKX `count`).
    /// An id beyond the next expected one is a gap, noted before the print.
    pub fn accept(&mut self, trade: Trade, first: u64, last: u64, report: &mut Report) {
        let last = last.max(first);
        match self.last.get(&trade.symbol).copied() {
            Some(seen) if last <= seen => {
                report.note(&trade.symbol, Note::TradeDuplicate);
                return;
            }
            Some(seen) if first > seen.saturating_add(1) => report.note(&trade.symbol, Note::TradeGap),
            None if self.last.len() >= MAX_TRACKED_SYMBOLS => {
                report.trades.push(trade); // untracked: see MAX_TRACKED_SYMBOLS
                return;
            }
            _ => {}
        }
        self.last.insert(trade.symbol.clone(), last);
        report.trades.push(trade);
    }
}

/// For venues whose ids are not consecutive (Bybit's UUIDs): the last [`RECENT_IDS`] ids per symbol,
/// so a repeat (a reconnect's snapshot) is dropped; no gap can be seen.
#[derive(Debug, Default)]
pub struct RecentIds {
    seen: BTreeMap<String, (std::collections::HashSet<String>, std::collections::VecDeque<String>)>,
}

/// How many ids per symbol [`RecentIds`] remembers (a subscribe snapshot holds at most a few hundred).
pub const RECENT_IDS: usize = 2048;

impl RecentIds {
    pub fn accept(&mut self, trade: Trade, report: &mut Report) {
        let Some(id) = trade.trade_id.clone() else {
            report.trades.push(trade);
            return;
        };
        if !self.seen.contains_key(&trade.symbol) && self.seen.len() >= MAX_TRACKED_SYMBOLS {
            report.trades.push(trade); // untracked: see MAX_TRACKED_SYMBOLS
            return;
        }
        let (set, order) = self.seen.entry(trade.symbol.clone()).or_default();
        if !set.insert(id.clone()) {
            report.note(&trade.symbol, Note::TradeDuplicate);
            return;
        }
        order.push_back(id);
        if order.len() > RECENT_IDS {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        report.trades.push(trade);
    }
}

/// A venue's numeric id, or a clear error.
pub fn numeric_id(text: &str) -> Result<u64, VenueError> {
    text.parse().map_err(|_| malformed(format!("trade id {text:?} is not a number")))
}

/// RFC 3339 (`2026-08-09T21:05:42.514318Z`) to ms since the epoch, to the microsecond.
pub fn rfc3339_ms(text: &str) -> Result<f64, VenueError> {
    let us = rfc3339_to_us(text).ok_or_else(|| malformed(format!("time {text:?} is not RFC 3339")))?;
    Ok(us as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(id: &str) -> Trade {
        Trade::new("X", Some(id.into()), "1.5", "2", TakerSide::Buy, 0.0).unwrap()
    }

    #[test]
    fn consecutive_ids_pass_a_repeat_is_dropped_a_jump_is_a_gap() {
        let mut ids = TradeIds::default();
        let mut r = Report::default();
        ids.accept(trade("10"), 10, 10, &mut r);
        ids.accept(trade("11"), 11, 11, &mut r);
        ids.accept(trade("11"), 11, 11, &mut r); // a reconnect re-sends it
        ids.accept(trade("14"), 14, 15, &mut r); // 12 and 13 never came; this print covers 14..15
        ids.accept(trade("16"), 16, 16, &mut r);
        assert_eq!(r.trades.iter().map(|t| t.trade_id.clone().unwrap()).collect::<Vec<_>>(), ["10", "11", "14", "16"]);
        assert_eq!(r.notes, vec![("X".to_string(), Note::TradeDuplicate), ("X".to_string(), Note::TradeGap)]);
    }

    #[test]
    fn id_tracking_is_bounded_in_symbols_and_ids() {
        let mut ids = TradeIds::default();
        let mut recent = RecentIds::default();
        let mut r = Report::default();
        for i in 0..MAX_TRACKED_SYMBOLS + 10 {
            let t = Trade::new(&format!("S{i}"), Some("1".into()), "1", "1", TakerSide::Buy, 0.0).unwrap();
            ids.accept(t.clone(), 1, 1, &mut r);
            recent.accept(t, &mut r);
        }
        assert_eq!((ids.last.len(), recent.seen.len()), (MAX_TRACKED_SYMBOLS, MAX_TRACKED_SYMBOLS));
        assert_eq!(r.trades.len(), 2 * (MAX_TRACKED_SYMBOLS + 10), "every print delivered");
        let mut recent = RecentIds::default();
        for i in 0..RECENT_IDS + 100 {
            recent.accept(Trade::new("X", Some(i.to_string()), "1", "1", TakerSide::Buy, 0.0).unwrap(), &mut r);
        }
        let (set, order) = &recent.seen["X"];
        assert_eq!((set.len(), order.len()), (RECENT_IDS, RECENT_IDS));
    }

    #[test]
    fn prints_must_be_decimals_with_a_price_size_and_time() {
        assert!(Trade::new("X", None, "1e5", "1", TakerSide::Buy, 0.0).is_err());
        assert!(Trade::new("X", None, "0", "1", TakerSide::Buy, 0.0).is_err());
        assert!(Trade::new("X", None, "1", "0.000", TakerSide::Buy, 0.0).is_err());
        assert!(Trade::new("X", None, "-1", "1", TakerSide::Buy, 0.0).is_err());
        assert!(Trade::new("X", None, "1", "1", TakerSide::Buy, f64::NAN).is_err());
        assert!(Trade::new("X", None, "65083.67", "0.002186", TakerSide::Sell, 1.0).is_ok());
    }

    #[test]
    fn rfc3339_times_keep_their_sub_millisecond_digits() {
        assert_eq!(rfc3339_ms("1970-01-01T00:00:00Z").unwrap(), 0.0);
        assert_eq!(rfc3339_ms("2026-08-09T21:05:42.514318Z").unwrap(), 1_786_309_542_514.318);
        assert_eq!(rfc3339_ms("2000-03-01T00:00:00.5Z").unwrap(), 951_868_800_500.0);
        for bad in ["2026-08-09 21:05:42Z", "2026-13-09T21:05:42Z", "2026-08-09T21:05:42", "x"] {
            assert!(rfc3339_ms(bad).is_err(), "{bad}");
        }
    }
}
