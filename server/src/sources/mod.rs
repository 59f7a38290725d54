//! Where raw messages come from. Each source pushes bytes into the tick loop's bounded inbox.

pub mod capture_source;
pub mod live_source;
pub mod simulator;
pub mod venue_feed;
