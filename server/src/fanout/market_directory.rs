//! Which symbols a server serves and the fan-out behind each: fixed for a server's own markets, and
//! growing (and shrinking, as idle symbols are evicted) on an edge node as the bus carries them.
//! Read once per connection, never per frame.
//!
//! The default market (`/ws` without `?symbol=`) is deterministic, so every edge of a cluster serves
//! the same one: the configured default when it is served, else the first symbol in sorted order.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use crate::fanout::FanoutHandle;

/// Most symbols a directory holds (and `/symbols` lists).
pub const MAX_SYMBOLS: usize = 10_000;

#[derive(Default)]
pub struct MarketDirectory {
    inner: RwLock<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Sorted by symbol: `/symbols` and the default are the same on every node.
    markets: BTreeMap<String, FanoutHandle>,
    /// Normalised name (see [`crate::instrument::symbol_key`]) → served symbol, so a lookup by
    /// another spelling costs one hash, not a pass over every name.
    by_key: HashMap<String, String>,
    default: Option<String>,
}

impl MarketDirectory {
    /// A server's own markets; the first is the default.
    pub fn new(markets: Vec<(String, FanoutHandle)>) -> Self {
        let default = markets.first().map(|(s, _)| s.clone());
        let dir = Self::with_default(default);
        for (symbol, handle) in markets {
            dir.add(symbol, handle);
        }
        dir
    }

    /// An empty directory whose default market is `default` once it is served (an edge's first
    /// `?symbols=` entry); without one the first symbol in sorted order.
    pub fn with_default(default: Option<String>) -> Self {
        Self { inner: RwLock::new(Inner { default, ..Default::default() }) }
    }

    /// Serve another symbol (an edge learning of it from the bus). A symbol already served is kept.
    /// `false` when the directory is full.
    pub fn add(&self, symbol: String, handle: FanoutHandle) -> bool {
        let Ok(mut m) = self.inner.write() else { return false };
        if m.markets.contains_key(&symbol) {
            return true;
        }
        if m.markets.len() >= MAX_SYMBOLS {
            return false;
        }
        m.by_key.entry(crate::instrument::symbol_key(&symbol)).or_insert_with(|| symbol.clone());
        m.markets.insert(symbol, handle);
        true
    }

    /// Stop serving a symbol (evicted: idle too long). Clients of its fan-out see it close.
    pub fn remove(&self, symbol: &str) {
        if let Ok(mut m) = self.inner.write() {
            m.markets.remove(symbol);
            let key = crate::instrument::symbol_key(symbol);
            if m.by_key.get(&key).is_some_and(|s| s == symbol) {
                m.by_key.remove(&key);
                // Another served spelling with the same key takes the slot.
                if let Some(other) = m.markets.keys().find(|s| crate::instrument::symbol_key(s) == key).cloned() {
                    m.by_key.insert(key, other);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.inner.read().map(|m| m.markets.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Served symbols, the default first, then in sorted order (at most [`MAX_SYMBOLS`]).
    pub fn symbols(&self) -> Vec<String> {
        let Ok(m) = self.inner.read() else { return Vec::new() };
        let default = m.default_symbol().map(str::to_string);
        default.iter().cloned().chain(m.markets.keys().filter(|s| Some(*s) != default.as_ref()).cloned()).take(MAX_SYMBOLS).collect()
    }

    /// Whether any served book is live now (its newest frame says so; a frame that is not an order
    /// book's — a custom engine's — counts as live). Stops at the first.
    pub fn any_live(&self) -> bool {
        let Ok(m) = self.inner.read() else { return false };
        m.markets.values().any(|f| {
            f.latest()
                .is_some_and(|frame| tickframe_schema::decode_frame(&frame.bytes).map_or(true, |d| d.status() == tickframe_schema::BookStatus::Live))
        })
    }

    /// The default market's symbol.
    pub fn default_symbol(&self) -> Option<String> {
        self.inner.read().ok()?.default_symbol().map(str::to_string)
    }

    /// The fan-out for `want` (exact, or the same symbol with other separators), or the default
    /// market; with the symbol it serves.
    pub fn find(&self, want: Option<&str>) -> Option<(String, FanoutHandle)> {
        let m = self.inner.read().ok()?;
        let symbol = match want {
            None => m.default_symbol()?,
            Some(want) if m.markets.contains_key(want) => want,
            Some(want) => m.by_key.get(&crate::instrument::symbol_key(want))?.as_str(),
        };
        m.markets.get(symbol).map(|f| (symbol.to_string(), f.clone()))
    }
}

impl Inner {
    fn default_symbol(&self) -> Option<&str> {
        match &self.default {
            Some(d) if self.markets.contains_key(d) => Some(d.as_str()),
            _ => self.markets.keys().next().map(String::as_str),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle() -> FanoutHandle {
        crate::fanout::fanout().1
    }

    #[test]
    fn the_default_market_does_not_depend_on_arrival_order() {
        let (a, b) = (MarketDirectory::with_default(None), MarketDirectory::with_default(None));
        for s in ["SIM-USD", "BTC-USD", "ETH-USD"] {
            a.add(s.into(), handle());
        }
        for s in ["ETH-USD", "SIM-USD", "BTC-USD"] {
            b.add(s.into(), handle());
        }
        assert_eq!(a.find(None).map(|f| f.0), Some("BTC-USD".into()));
        assert_eq!(b.find(None).map(|f| f.0), Some("BTC-USD".into()));
        assert_eq!(a.symbols(), b.symbols());
        // A configured default wins once it is served.
        let c = MarketDirectory::with_default(Some("SIM-USD".into()));
        c.add("BTC-USD".into(), handle());
        assert_eq!(c.find(None).map(|f| f.0), Some("BTC-USD".into()));
        c.add("SIM-USD".into(), handle());
        assert_eq!(c.find(None).map(|f| f.0), Some("SIM-USD".into()));
        assert_eq!(c.symbols(), vec!["SIM-USD".to_string(), "BTC-USD".to_string()]);
    }

    #[test]
    fn lookups_by_another_spelling_go_through_the_index_and_removal_keeps_it_true() {
        let d = MarketDirectory::new(vec![("BTC-USD".into(), handle()), ("ETH/USD".into(), handle())]);
        assert_eq!(d.find(Some("btcusd")).map(|f| f.0), Some("BTC-USD".into()));
        assert_eq!(d.find(Some("XBT/USD")).map(|f| f.0), Some("BTC-USD".into()));
        assert_eq!(d.find(Some("ETH-USD")).map(|f| f.0), Some("ETH/USD".into()));
        assert!(d.find(Some("DOGE-USD")).is_none());
        d.remove("BTC-USD");
        assert!(d.find(Some("btcusd")).is_none());
        assert_eq!(d.find(None).map(|f| f.0), Some("ETH/USD".into()), "the default moves on when it is gone");
    }

    #[test]
    fn the_directory_is_bounded() {
        let d = MarketDirectory::with_default(None);
        for i in 0..MAX_SYMBOLS {
            assert!(d.add(format!("S{i}"), handle()));
        }
        assert!(!d.add("ONE-MORE".into(), handle()));
        assert_eq!(d.symbols().len(), MAX_SYMBOLS);
    }
}
