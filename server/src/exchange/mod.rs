//! Exchange data as it arrives: exact decimal text, per-symbol books at a scale that fits it, and
//! capture files of raw traffic, and the venues' time formats.

pub mod capture;
pub mod decimal;
pub mod exchange_book;
pub mod exchange_time;
