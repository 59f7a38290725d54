//! Where raw messages come from: `--source` ([`SourceSpec`]) → [`build`] → one market per symbol
//! and the tasks feeding them. Each source pushes bytes into its markets' bounded inboxes.

pub mod capture_input;

pub mod build;
pub mod capture_source;
pub mod live_source;
pub mod simulator;
pub mod source_spec;
pub mod venue_feed;

pub use build::{build, spawn_supervised, SourceOptions, Sources};
pub use source_spec::SourceSpec;
