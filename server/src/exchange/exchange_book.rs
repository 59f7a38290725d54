//! One venue symbol's exact book, fed with decimal text. Its scale (decimals of price and size) grows
//! to fit the finest text seen, so no level is ever rounded; the integer book is rescaled when it does.

use crate::book::{L2Book, Side};
use crate::exchange::decimal::{format_scaled, Decimal};

/// Best bid and best ask as (price, size) decimal text.
pub type TopOfBook = (Option<(String, String)>, Option<(String, String)>);

#[derive(Debug, Clone, Default)]
pub struct ExchangeBook {
    book: L2Book,
    price_decimals: u32,
    size_decimals: u32,
}

impl ExchangeBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// A fixed book of `depth` levels a side around 1000.00 (0.01 apart, sizes to 4 decimals): the
    /// book the serialization benchmark and the fan-out floor (`tickframe-floor`) frame.
    pub fn sample(depth: usize) -> Self {
        let levels: Vec<(Side, String, String)> = (1..=depth)
            .flat_map(|i| {
                [
                    (Side::Bid, format!("{:.2}", 1000.0 - i as f64 * 0.01), format!("{:.4}", 0.5 + i as f64 * 0.001)),
                    (Side::Ask, format!("{:.2}", 1000.0 + i as f64 * 0.01), "1.2500".into()),
                ]
            })
            .collect();
        let mut book = Self::new();
        // Valid text by construction: a failure would leave the book empty, never panic.
        let _ = book.set_many(levels.iter().map(|(s, p, q)| (*s, p.as_str(), q.as_str())));
        book
    }

    /// Set a level from its price and size text; size 0 deletes. Returns whether the book changed.
    pub fn set_text(&mut self, side: Side, price: &str, size: &str) -> Result<bool, String> {
        let (p, s) = (Decimal::parse(price)?, Decimal::parse(size)?);
        if p.mantissa <= 0 || s.mantissa < 0 {
            return Err(format!("price {price:?} / size {size:?} out of range"));
        }
        self.fit(p.decimals, s.decimals)?;
        let too_big = || format!("price {price:?} or size {size:?} too large");
        let (p, s) = (p.scaled(self.price_decimals).ok_or_else(too_big)?, s.scaled(self.size_decimals).ok_or_else(too_big)?);
        Ok(self.book.set(side, p, s))
    }

    /// Apply several levels atomically: every text is parsed and the scale fitted first, so a bad
    /// level anywhere leaves the book exactly as it was. Returns whether anything changed.
    pub fn set_many<'t>(&mut self, levels: impl IntoIterator<Item = (Side, &'t str, &'t str)>) -> Result<bool, String> {
        let (mut pd, mut sd) = (self.price_decimals, self.size_decimals);
        let mut parsed = Vec::new();
        for (side, price, size) in levels {
            let (p, s) = (Decimal::parse(price)?, Decimal::parse(size)?);
            if p.mantissa <= 0 || s.mantissa < 0 {
                return Err(format!("price {price:?} / size {size:?} out of range"));
            }
            (pd, sd) = (pd.max(p.decimals), sd.max(s.decimals));
            parsed.push((side, p, s));
        }
        let too_big = |p: &Decimal, s: &Decimal| format!("level {p:?} / {s:?} too large for the book's scale");
        let scaled: Vec<(Side, i64, i64)> = parsed
            .iter()
            .map(|(side, p, s)| match (p.scaled(pd), s.scaled(sd)) {
                (Some(a), Some(b)) => Ok((*side, a, b)),
                _ => Err(too_big(p, s)),
            })
            .collect::<Result<_, _>>()?;
        self.fit(pd, sd)?;
        let mut changed = false;
        for (side, p, s) in scaled {
            changed |= self.book.set(side, p, s);
        }
        Ok(changed)
    }

    /// Grow the scale to at least these decimals, rescaling the book.
    fn fit(&mut self, price_decimals: u32, size_decimals: u32) -> Result<(), String> {
        if price_decimals <= self.price_decimals && size_decimals <= self.size_decimals {
            return Ok(());
        }
        let (pd, sd) = (price_decimals.max(self.price_decimals), size_decimals.max(self.size_decimals));
        let pf = 10i64.pow(pd - self.price_decimals);
        let sf = 10i64.pow(sd - self.size_decimals);
        if !self.book.rescale(pf, sf) {
            return Err("book values too large for a finer scale".into());
        }
        (self.price_decimals, self.size_decimals) = (pd, sd);
        Ok(())
    }

    pub fn clear(&mut self) {
        self.book.clear();
    }

    pub fn truncate(&mut self, depth: usize) {
        self.book.truncate(depth);
    }

    pub fn book(&self) -> &L2Book {
        &self.book
    }

    pub fn price_decimals(&self) -> u32 {
        self.price_decimals
    }

    pub fn size_decimals(&self) -> u32 {
        self.size_decimals
    }

    /// Best bid and ask as decimal text: `((price, size), (price, size))`.
    pub fn top_text(&self) -> TopOfBook {
        let text = |(p, s): (i64, i64)| (format_scaled(p, self.price_decimals), format_scaled(s, self.size_decimals));
        (self.book.best_bid().map(text), self.book.best_ask().map(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_grows_without_rounding_anything() {
        let mut b = ExchangeBook::new();
        assert!(b.set_text(Side::Bid, "100.5", "2").unwrap());
        assert!(b.set_text(Side::Ask, "100.75", "0.001").unwrap());
        assert_eq!((b.price_decimals(), b.size_decimals()), (2, 3));
        assert_eq!(b.book().best_bid(), Some((10050, 2000)));
        let (bid, ask) = b.top_text();
        assert_eq!(bid, Some(("100.5".into(), "2".into())));
        assert_eq!(ask, Some(("100.75".into(), "0.001".into())));
        assert!(b.set_text(Side::Ask, "100.75", "0").unwrap(), "size 0 deletes");
        assert_eq!(b.book().best_ask(), None);
        assert!(b.set_text(Side::Bid, "abc", "1").is_err());
        assert!(b.set_text(Side::Bid, "-1", "1").is_err());
        let before = b.book().clone();
        assert!(b.set_many([(Side::Bid, "99", "1"), (Side::Ask, "1x", "1")]).is_err());
        assert_eq!(b.book(), &before, "a bad level anywhere changes nothing");
        assert!(b.set_many([(Side::Bid, "99.125", "1"), (Side::Ask, "101", "0.5")]).unwrap());
        assert_eq!(b.price_decimals(), 3);
    }
}
