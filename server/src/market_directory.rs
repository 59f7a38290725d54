//! Which symbols a server serves and the fan-out behind each: fixed for a server's own markets, and
//! growing on an edge node as the bus carries new symbols. Read once per connection, never per frame.

use std::sync::RwLock;

use crate::fanout::FanoutHandle;

#[derive(Default)]
pub struct MarketDirectory {
    markets: RwLock<Vec<(String, FanoutHandle)>>,
}

impl MarketDirectory {
    pub fn new(markets: Vec<(String, FanoutHandle)>) -> Self {
        Self { markets: RwLock::new(markets) }
    }

    /// Serve another symbol (an edge learning of it from the bus). A symbol already served is kept.
    pub fn add(&self, symbol: String, handle: FanoutHandle) {
        if let Ok(mut m) = self.markets.write() {
            if !m.iter().any(|(s, _)| *s == symbol) {
                m.push((symbol, handle));
            }
        }
    }

    /// Served symbols, in the order they were added (the first is the default).
    pub fn symbols(&self) -> Vec<String> {
        self.markets.read().map(|m| m.iter().map(|(s, _)| s.clone()).collect()).unwrap_or_default()
    }

    /// The fan-out for `want` (exact, or the same symbol with other separators), or the first market.
    pub fn find(&self, want: Option<&str>) -> Option<FanoutHandle> {
        let m = self.markets.read().ok()?;
        match want {
            None => m.first().map(|(_, f)| f.clone()),
            Some(want) => m.iter().find(|(sym, _)| sym == want || crate::instrument::same_symbol(sym, want)).map(|(_, f)| f.clone()),
        }
    }
}
