//! A frame stream's sequence across ingest nodes: `epoch << 33 | counter`. Each node that starts
//! publishing takes an epoch above every one the bus has seen, so its first frame is a jump forward
//! of more than 2^32 — what a browser engine counts as a new stream (a restart), never a step back it
//! would drop as out of order and freeze on. Epochs are bounded by [`MAX_EPOCH`] and counters by
//! [`MAX_COUNTER`], so every sequence stays below 2^53 (exact in a JavaScript number); nothing here
//! wraps: past a bound the value saturates, and a value from the bus past it is refused.

/// Bits of the counter part.
pub const EPOCH_SHIFT: u32 = 33;

/// The highest epoch: 2^20 − 1 (a million failovers). A lease or frame naming a higher one is forged
/// or corrupt: ignored and counted.
pub const MAX_EPOCH: u64 = (1 << 20) - 1;
/// The highest counter within an epoch (2^33 − 1: 2.7 years of frames at 100 Hz).
pub const MAX_COUNTER: u64 = (1 << EPOCH_SHIFT) - 1;
/// The highest sequence a stream can carry (below 2^53).
pub const MAX_SEQUENCE: u64 = (MAX_EPOCH << EPOCH_SHIFT) | MAX_COUNTER;

/// The epoch a sequence belongs to.
pub fn epoch_of(sequence: u64) -> u64 {
    sequence >> EPOCH_SHIFT
}

/// Whether a sequence read from the bus is one a node could have made.
pub fn in_bounds(sequence: u64) -> bool {
    sequence <= MAX_SEQUENCE
}

/// A node's frame `counter` (its engine's own sequence) in `epoch`, both saturating at their bounds.
pub fn sequence_in(epoch: u64, counter: u64) -> u64 {
    (epoch.min(MAX_EPOCH) << EPOCH_SHIFT) | counter.min(MAX_COUNTER)
}

/// The epoch after `epoch` (saturating: the last epoch stays the last).
pub fn next_epoch(epoch: u64) -> u64 {
    epoch.saturating_add(1).min(MAX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_epoch_is_a_restart_for_the_browser_engine_whatever_the_counters() {
        const BROWSER_RESTART_FORWARD_JUMP: u64 = 1 << 32; // engine-wasm market_engine.rs
        for (old_counter, new_counter) in [(1u64, 1u64), (5_000_000, 3), (3, 5_000_000), ((1 << 32) - 1, 1)] {
            let old = sequence_in(7, old_counter);
            let new = sequence_in(8, new_counter);
            assert!(new > old && new - old > BROWSER_RESTART_FORWARD_JUMP, "{old_counter} → {new_counter}");
            assert_eq!((epoch_of(old), epoch_of(new)), (7, 8));
        }
        assert!(sequence_in((1 << 20) - 1, (1 << 32) - 1) < 1 << 53);
    }

    #[test]
    fn nothing_wraps_past_the_bounds() {
        assert_eq!(MAX_SEQUENCE, (1 << 53) - 1);
        // From epoch 2^31 on, `epoch << 33` would shift the epoch out of a u64: now it saturates.
        assert_eq!(epoch_of(sequence_in(1 << 31, 5)), MAX_EPOCH);
        assert_eq!(epoch_of(sequence_in(u64::MAX, u64::MAX)), MAX_EPOCH);
        assert_eq!(sequence_in(3, u64::MAX), sequence_in(3, MAX_COUNTER), "a counter never spills into the epoch");
        assert_eq!(next_epoch(u64::MAX), MAX_EPOCH);
        assert_eq!(next_epoch(MAX_EPOCH), MAX_EPOCH);
        assert_eq!(next_epoch(7), 8);
        assert!(in_bounds(MAX_SEQUENCE) && !in_bounds(MAX_SEQUENCE + 1) && !in_bounds(u64::MAX));
    }
}
