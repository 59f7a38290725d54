//! A frame stream's sequence across ingest nodes: `epoch << 33 | counter`. Each node that starts
//! publishing takes an epoch above every one the bus has seen, so its first frame is a jump forward
//! of more than 2^32 — what a browser engine counts as a new stream (a restart), never a step back it
//! would drop as out of order and freeze on. Sequences stay below 2^53 (exact in a JavaScript number)
//! for a million epochs.

/// Bits of the counter part.
pub const EPOCH_SHIFT: u32 = 33;

/// The epoch a sequence belongs to.
pub fn epoch_of(sequence: u64) -> u64 {
    sequence >> EPOCH_SHIFT
}

/// A node's frame `counter` (its engine's own sequence) in `epoch`.
pub fn sequence_in(epoch: u64, counter: u64) -> u64 {
    (epoch << EPOCH_SHIFT).wrapping_add(counter)
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
}
