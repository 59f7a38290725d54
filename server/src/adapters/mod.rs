//! Engine adapters: the [`Adapter`] trait turns one market's inbox messages (the feed's book images,
//! the simulator's messages) into changes of the engine's exact [`L2Book`](crate::book::L2Book).
//! (Exchanges' own messages are the venues' job: `crate::venues`.)

pub mod book_image;
pub mod sim;

use crate::book::L2Book;

/// `Trade::flags` bit: prints of one time, side and price summed into this one.
pub const AGGREGATED: u8 = 1;
/// `Trade::flags` bit: prints before this one were never received (a venue id gap) or were dropped.
pub const GAP_BEFORE: u8 = 2;

/// One print as the feed hands it to the engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InboxPrint {
    pub price: f64,
    pub size: f64,
    /// The size exactly, in units of 10⁻¹² (totals are summed in these, never in f64).
    pub size_e12: i128,
    pub time_ms: f64,
    pub buy: bool,
    /// [`GAP_BEFORE`] when the venue's ids skipped before it.
    pub flags: u8,
}

/// When a book's newest message happened, in µs since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BookTimes {
    /// The exchange's own time for it (0: the venue gives none).
    pub exchange_us: u64,
    /// When the server read it (a capture replay: when the capture read it); 0: the engine's own
    /// clock when it ingests the message (an in-process source, the simulator).
    pub received_us: u64,
}

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

    /// Prints the messages carried since the last call, moved into `out` (book images' companion
    /// messages, the simulator's updates).
    fn take_prints(&mut self, _out: &mut Vec<InboxPrint>) {}

    /// The decimals (price, size) the book's integers are in, when the source decides them (exchange
    /// books grow their scale to fit the finest text seen). `None` keeps the engine's instrument.
    fn scale(&self) -> Option<(u32, u32)> {
        None
    }

    /// The times of the last message applied, when the source knows them (book images do). `None`:
    /// the engine takes its own clock as the receive time and no exchange time.
    fn times(&self) -> Option<BookTimes> {
        None
    }
}
