//! Exact decimal scaling between integer ticks/lots and the doubles the wire format carries.

/// An instrument's identity and increments. Tick size is `tick_units * 10^-price_decimals`, lot size
/// is `lot_units * 10^-size_decimals`, so conversions to `f64` are one exact integer division by a
/// power of ten: the result is the double nearest the decimal value, the same one a parser of the
/// decimal text would produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    pub symbol: String,
    pub price_decimals: u32,
    pub tick_units: i64,
    pub size_decimals: u32,
    pub lot_units: i64,
}

/// "XMR-USD", "xmr/usd" and "XMRUSD" name the same symbol; so do Kraken's "XBT/CHF" and "BTC-CHF",
/// and cryptofeed's "SUSHI-USDT-PERP" and Binance futures' "SUSHIUSDT".
pub fn same_symbol(a: &str, b: &str) -> bool {
    symbol_key(a) == symbol_key(b)
}

/// The one spelling of a symbol that [`same_symbol`] compares: letters and digits, upper case, no
/// `PERP` suffix, `XBT` as `BTC`.
pub fn symbol_key(s: &str) -> String {
    let key = spelling_key(s);
    key.strip_suffix("PERP").map(String::from).unwrap_or(key)
}

/// Of `candidates`, the one that names `want`: spelled exactly so first (Bybit's `BTCUSDT` and
/// `BTCUSDT-PERP` are two markets), else the same symbol however spelled (a capture's
/// `SUSHI-USDT-PERP` is Binance USD-M's `SUSHIUSDT`).
pub fn find_symbol<'a, T: Copy>(want: &str, candidates: impl Iterator<Item = (&'a str, T)> + Clone) -> Option<T> {
    let exact = spelling_key(want);
    candidates.clone().find(|(s, _)| spelling_key(s) == exact).or_else(|| candidates.into_iter().find(|(s, _)| same_symbol(s, want))).map(|(_, t)| t)
}

/// A symbol without its separators and case (`XBT` as `BTC`), keeping a `PERP` suffix: where one
/// venue serves both a spot and a perpetual market of a symbol (Bybit), this tells them apart first.
pub fn spelling_key(s: &str) -> String {
    let up: String = s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    up.replace("XBT", "BTC")
}

fn pow10(d: u32) -> f64 {
    10f64.powi(d as i32)
}

impl Instrument {
    pub fn tick_size(&self) -> f64 {
        self.tick_units as f64 / pow10(self.price_decimals)
    }
    pub fn lot_size(&self) -> f64 {
        self.lot_units as f64 / pow10(self.size_decimals)
    }
    pub fn price(&self, ticks: i64) -> f64 {
        (ticks * self.tick_units) as f64 / pow10(self.price_decimals)
    }
    pub fn size(&self, lots: i64) -> f64 {
        (lots * self.lot_units) as f64 / pow10(self.size_decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perpetual_and_its_spot_market_are_told_apart_when_both_are_there() {
        let markets = [("BTC-USDT", 1), ("BTC-USDT-PERP", 2)];
        assert_eq!(find_symbol("BTCUSDT", markets.iter().copied()), Some(1));
        assert_eq!(find_symbol("BTCUSDT-PERP", markets.iter().copied()), Some(2));
        // Where only one is served, any spelling of it names it (Binance USD-M's books have no suffix).
        assert_eq!(find_symbol("SUSHIUSDT", [("SUSHI-USDT-PERP", 3)].into_iter()), Some(3));
        assert_eq!(find_symbol("ETHUSDT", markets.iter().copied()), None);
    }

    #[test]
    fn conversions_match_decimal_text() {
        let i = Instrument { symbol: "X".into(), price_decimals: 2, tick_units: 1, size_decimals: 4, lot_units: 1 };
        assert_eq!(i.price(10001), "100.01".parse::<f64>().unwrap());
        assert_eq!(i.size(3), "0.0003".parse::<f64>().unwrap());
        assert_eq!(i.tick_size(), 0.01);
        let tiny = Instrument { symbol: "Y".into(), price_decimals: 8, tick_units: 1, size_decimals: 0, lot_units: 1 };
        assert_eq!(tiny.price(1234), "0.00001234".parse::<f64>().unwrap());
    }
}
