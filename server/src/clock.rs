//! The wall clock, in the unit frames carry (`timestamp_ms`).

/// Milliseconds since the Unix epoch (0 if the clock is before 1970, which only a broken host has).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
