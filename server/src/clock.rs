//! The wall clock, in the units frames carry (`timestamp_ms`, and `received_time_us`).

/// Milliseconds since the Unix epoch (0 if the clock is before 1970, which only a broken host has).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Microseconds since the Unix epoch (0 before 1970).
pub fn now_us() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros().min(u128::from(u64::MAX)) as u64)
}
