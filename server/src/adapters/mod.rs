//! Adapters turn one source's raw messages into changes of an exact [`L2Book`](crate::book::L2Book).

pub mod binance;
pub mod book_image;
pub mod bybit;
pub mod coinbase;
pub mod kraken;
pub mod okx;
pub mod sim;
pub mod venue;

use crate::book::L2Book;

/// What an adapter made of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The book changed (or was replaced by a snapshot).
    Changed,
    /// A valid message that changed nothing visible (a heartbeat, an identical level).
    Unchanged,
    /// A sequence gap: the book can no longer be trusted until the next snapshot.
    Gap { expected: u64, got: u64 },
    /// The source says the book is resyncing (it counted the cause itself).
    Resyncing,
    /// The source says the book is stale: no data from the exchange within its deadline.
    Stale,
}

/// Why a message could not be applied. Always recoverable: counted, logged, never a panic.
#[derive(Debug)]
pub enum AdapterError {
    Malformed(String),
}

impl std::fmt::Display for AdapterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdapterError::Malformed(why) => write!(f, "malformed message: {why}"),
        }
    }
}

impl std::error::Error for AdapterError {}

/// A source-specific decoder feeding an exact book.
pub trait Adapter: Send + 'static {
    /// Apply one raw message to `book`.
    fn apply(&mut self, msg: &[u8], book: &mut L2Book) -> Result<Applied, AdapterError>;

    /// The decimals (price, size) the book's integers are in, when the source decides them (exchange
    /// books grow their scale to fit the finest text seen). `None` keeps the engine's instrument.
    fn scale(&self) -> Option<(u32, u32)> {
        None
    }
}

/// Venue names accepted by `--exchange` and `--source <venue>:<symbol>`.
/// (`kraken` reads v2 and, in captures, v1 messages.)
pub const VENUES: [&str; 6] = ["binance", "binance-usdm", "coinbase", "kraken", "bybit", "okx"];

/// A fresh adapter for a venue name.
pub fn venue_by_name(name: &str) -> Option<Box<dyn venue::Venue>> {
    Some(match name {
        "binance" => Box::new(binance::Binance::new(binance::Market::Spot)),
        "binance-usdm" => Box::new(binance::Binance::new(binance::Market::UsdM)),
        "coinbase" => Box::new(coinbase::Coinbase::new()),
        "kraken" => Box::new(kraken::Kraken::new(kraken::Protocol::V2)),
        "bybit" => Box::new(bybit::Bybit::new()),
        "okx" => Box::new(okx::Okx::new()),
        _ => return None,
    })
}

/// The adapter for a live connection subscribed at `depth` levels: its resubscriptions (after a
/// checksum mismatch or an untrusted book) ask for the same depth the live subscription did.
pub fn venue_for_live(name: &str, depth: usize) -> Option<Box<dyn venue::Venue>> {
    match name {
        "kraken" => Some(Box::new(kraken::Kraken::new(kraken::Protocol::V2).with_depth(crate::sources::live_source::kraken_depth(depth)))),
        _ => venue_by_name(name),
    }
}
