//! Exact price grouping in integer ticks: bids floor to the group, asks ceil, sizes summed in lots.
//! Doubles from the frame are converted to integers once, via the frame's tick and lot size.

/// A decimal increment as `units × 10^-decimals` (0.01 → 1e-2, 0.25 → 25e-2, 5 → 5e0), with its
/// power of ten precomputed: `count` and `value` run per level per frame (the hot path).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Increment {
    pub units: i64,
    pub decimals: u32,
    pow10: f64,
    /// `pow10 / units`: increments per unit of value, so `count` is one multiply.
    per_unit: f64,
}

impl Increment {
    pub fn new(units: i64, decimals: u32) -> Increment {
        let units = units.max(1);
        let pow10 = 10f64.powi(decimals as i32);
        Increment { units, decimals, pow10, per_unit: pow10 / units as f64 }
    }

    /// Recover the decimal increment a double was parsed from (up to 12 decimals).
    pub fn from_f64(x: f64) -> Increment {
        if !(x.is_finite() && x > 0.0) {
            return Increment::new(1, 0);
        }
        let mut pow = 1.0;
        for d in 0..=12u32 {
            let scaled = x * pow;
            if (scaled - scaled.round()).abs() <= 1e-9 * scaled.max(1.0) {
                return Increment::new(scaled.round() as i64, d);
            }
            pow *= 10.0;
        }
        Increment::new((x * 1e12).round() as i64, 12)
    }

    /// How many increments `value` is (nearest integer: frame values are exact multiples).
    #[inline]
    pub fn count(&self, value: f64) -> i64 {
        // Ties-to-even is one wasm instruction (f64.nearest); `round` is a libm call. Frame values are
        // exact multiples, so the product is within a few ulps of an integer: no tie ever occurs.
        (value * self.per_unit).round_ties_even() as i64
    }

    /// `n` increments as the double nearest the exact decimal (one rounding: integer ÷ power of ten).
    #[inline]
    pub fn value(&self, n: i64) -> f64 {
        // The product is exact in f64 below 2^53 (every real price in ticks), so this equals
        // `(n * units) as f64 / pow10`; above it, both round the same product once. No i64 overflow
        // check: in wasm that is a 128-bit multiply libcall, three times per level per frame.
        n as f64 * self.units as f64 / self.pow10
    }
}

/// Group `(ticks, lots)` levels (best first) into buckets of `group` ticks; bids floor, asks ceil.
/// Appends `(bucket in ticks, size in lots)` to `out`, best first; a repeated bucket sums into the
/// previous entry. `group` ≤ 1 keeps levels as sent (still merging a repeated price). Takes any
/// iterator so the engine can convert a frame's levels and group them in one pass.
#[inline]
pub fn group_levels(levels: impl IntoIterator<Item = (i64, i64)>, is_bid: bool, group: i64, out: &mut Vec<(i64, i64)>) {
    let group = group.max(1);
    for (ticks, lots) in levels {
        let bucket = if group == 1 {
            ticks // as sent (the hot path): no division
        } else if is_bid {
            ticks.div_euclid(group) * group
        } else {
            -((-ticks).div_euclid(group)) * group
        };
        match out.last_mut() {
            Some((b, l)) if *b == bucket => *l += lots,
            _ => out.push((bucket, lots)),
        }
    }
}

/// How a level differs from the previous frame's level at the same price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum LevelChange {
    Same = 0,
    New = 1,
    Up = 2,
    Down = 3,
}

/// Compare `now` with `before` (both best first, same side) by a merge walk: O(n), no hashing.
/// Calls `each(level in now, change)` in order and returns how many levels of `before` are gone.
#[inline]
pub fn walk_changes(now: &[(i64, i64)], before: &[(i64, i64)], is_bid: bool, each: impl FnMut(&(i64, i64), LevelChange)) -> usize {
    // One copy of the loop per side, so "better price" is a single comparison, not a branch on the side.
    if is_bid {
        walk::<true>(now, before, each)
    } else {
        walk::<false>(now, before, each)
    }
}

#[inline(always)]
fn walk<const BID: bool>(now: &[(i64, i64)], before: &[(i64, i64)], mut each: impl FnMut(&(i64, i64), LevelChange)) -> usize {
    // "Better" price first: higher for bids, lower for asks.
    let ahead = |a: i64, b: i64| if BID { a > b } else { a < b };
    let (mut j, mut gone) = (0, 0);
    for level in now {
        let (p, l) = *level;
        while let Some(&(bp, _)) = before.get(j) {
            if !ahead(bp, p) {
                break;
            }
            gone += 1;
            j += 1;
        }
        let change = match before.get(j) {
            Some(&(bp, bl)) if bp == p => {
                j += 1;
                if l > bl {
                    LevelChange::Up
                } else if l < bl {
                    LevelChange::Down
                } else {
                    LevelChange::Same
                }
            }
            _ => LevelChange::New,
        };
        each(level, change);
    }
    gone + before.len().saturating_sub(j)
}

/// [`walk_changes`] collected into `out`.
pub fn level_changes(now: &[(i64, i64)], before: &[(i64, i64)], is_bid: bool, out: &mut Vec<LevelChange>) -> usize {
    walk_changes(now, before, is_bid, |_, c| out.push(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increments_round_trip() {
        for (x, units, d) in [(0.01, 1, 2), (0.25, 25, 2), (5.0, 5, 0), (1e-8, 1, 8), (100.0, 100, 0), (0.0001, 1, 4)] {
            assert_eq!(Increment::from_f64(x), Increment::new(units, d), "{x}");
        }
        let t = Increment::from_f64(0.01);
        assert_eq!(t.count(100.01), 10001);
        assert_eq!(t.value(10001), 100.01);
        let tiny = Increment::from_f64(1e-8);
        assert_eq!(tiny.value(tiny.count(0.00001234)), 0.00001234);
    }

    #[test]
    fn bids_floor_asks_ceil_sizes_summed() {
        let (tick, lot) = (Increment::from_f64(0.01), Increment::from_f64(0.001));
        let exact = |xs: &[(f64, f64)]| xs.iter().map(|&(p, s)| (tick.count(p), lot.count(s))).collect::<Vec<_>>();
        let bids = exact(&[(100.09, 1.0), (100.05, 0.5), (100.00, 0.25), (99.99, 2.0)]);
        let mut out = Vec::new();
        group_levels(bids.iter().copied(), true, 10, &mut out); // group by 0.10
        assert_eq!(out, vec![(10000, 1750), (9990, 2000)]);
        let asks = exact(&[(100.01, 1.0), (100.10, 0.5), (100.11, 0.125)]);
        out.clear();
        group_levels(asks.iter().copied(), false, 10, &mut out);
        assert_eq!(out, vec![(10010, 1500), (10020, 125)]);
    }

    #[test]
    fn change_flags_by_merge_walk() {
        use LevelChange::*;
        let before = [(105, 1), (104, 5), (102, 2), (100, 1)];
        let now = [(106, 1), (104, 6), (103, 1), (102, 1), (100, 1)];
        let mut out = Vec::new();
        assert_eq!(level_changes(&now, &before, true, &mut out), 1, "105 is gone");
        assert_eq!(out, vec![New, Up, New, Down, Same]);
        out.clear();
        assert_eq!(level_changes(&[(10, 1)], &[(10, 1), (11, 1), (12, 1)], false, &mut out), 2);
        assert_eq!(out, vec![Same]);
    }
}
