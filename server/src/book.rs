//! An exact L2 order book: prices in integer ticks, sizes in integer lots. No float ever keys a level.

use std::collections::BTreeMap;

/// Which side of the book a level is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Bid,
    Ask,
}

/// Price level map per side: price in ticks -> size in lots. A size of 0 is never stored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct L2Book {
    bids: BTreeMap<i64, i64>,
    asks: BTreeMap<i64, i64>,
}

impl L2Book {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the size at a price; `size_lots == 0` deletes the level. Returns whether anything changed.
    pub fn set(&mut self, side: Side, price_ticks: i64, size_lots: i64) -> bool {
        let levels = match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        };
        if size_lots <= 0 {
            levels.remove(&price_ticks).is_some()
        } else {
            levels.insert(price_ticks, size_lots) != Some(size_lots)
        }
    }

    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
    }

    /// Highest bid as (price_ticks, size_lots).
    pub fn best_bid(&self) -> Option<(i64, i64)> {
        self.bids.iter().next_back().map(|(p, s)| (*p, *s))
    }

    /// Lowest ask as (price_ticks, size_lots).
    pub fn best_ask(&self) -> Option<(i64, i64)> {
        self.asks.iter().next().map(|(p, s)| (*p, *s))
    }

    /// Bids best (highest) first.
    pub fn bids(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.bids.iter().rev().map(|(p, s)| (*p, *s))
    }

    /// Asks best (lowest) first.
    pub fn asks(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.asks.iter().map(|(p, s)| (*p, *s))
    }

    pub fn len(&self, side: Side) -> usize {
        match side {
            Side::Bid => self.bids.len(),
            Side::Ask => self.asks.len(),
        }
    }

    /// Multiply every price by `price_factor` and size by `size_factor` (a finer decimal scale).
    /// Returns false, changing nothing, if any value would overflow.
    pub fn rescale(&mut self, price_factor: i64, size_factor: i64) -> bool {
        let scale = |m: &BTreeMap<i64, i64>| -> Option<BTreeMap<i64, i64>> {
            m.iter().map(|(p, s)| Some((p.checked_mul(price_factor)?, s.checked_mul(size_factor)?))).collect()
        };
        match (scale(&self.bids), scale(&self.asks)) {
            (Some(b), Some(a)) => {
                self.bids = b;
                self.asks = a;
                true
            }
            _ => false,
        }
    }

    /// Keep only the best `depth` levels of each side (a venue's subscribed depth).
    pub fn truncate(&mut self, depth: usize) {
        while self.bids.len() > depth {
            self.bids.pop_first();
        }
        while self.asks.len() > depth {
            self.asks.pop_last();
        }
    }

    /// No level on either side.
    pub fn is_empty(&self) -> bool {
        self.bids.is_empty() && self.asks.is_empty()
    }

    pub fn is_crossed(&self) -> bool {
        matches!((self.best_bid(), self.best_ask()), (Some((b, _)), Some((a, _))) if b >= a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_zero_deletes_and_changes_are_reported() {
        let mut b = L2Book::new();
        assert!(b.set(Side::Bid, 100, 5));
        assert!(!b.set(Side::Bid, 100, 5), "same size is no change");
        assert!(b.set(Side::Bid, 101, 1));
        assert_eq!(b.best_bid(), Some((101, 1)));
        assert!(b.set(Side::Bid, 101, 0));
        assert!(!b.set(Side::Bid, 101, 0), "deleting a missing level is no change");
        assert_eq!(b.best_bid(), Some((100, 5)));
        b.set(Side::Ask, 99, 1);
        assert!(b.is_crossed());
    }
}
