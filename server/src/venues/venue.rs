//! The [`Venue`] trait every exchange implements, what it takes and reports, and the book helpers
//! venues share (snapshot replacement, updates only while live, resubscription messages).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::book::Side;
use crate::exchange::exchange_book::ExchangeBook;
use crate::venues::trade::Trade;

/// Where and how to connect to a venue live.
#[derive(Debug, Clone)]
pub struct LiveEndpoint {
    pub ws_url: String,
    /// Sent after every (re)connect.
    pub subscribe: Vec<String>,
    /// Application-level keepalive some venues require: (interval, text).
    pub ping: Option<(Duration, String)>,
    /// Longest the venue may send no market data (updates, snapshots or its data heartbeats —
    /// never pings or pongs) before its books are stale and the connection is re-established.
    pub data_deadline: Duration,
    /// Longest one book may go without an update (heartbeats keep the connection, not a book)
    /// before it is confirmed by a fresh snapshot — a quiet market, or a channel that stopped.
    pub book_quiet: Duration,
}

/// Data deadline for venues that send a market-data heartbeat every second (Coinbase, Kraken).
pub const HEARTBEAT_VENUE_DEADLINE: Duration = Duration::from_secs(5);
/// Quiet time for venues with data heartbeats: their liquid books change many times a second.
pub const HEARTBEAT_VENUE_QUIET: Duration = Duration::from_secs(15);
/// Quiet time for venues that send only changes (a REST snapshot or a resubscribe confirms it).
pub const DIFF_VENUE_QUIET: Duration = Duration::from_secs(30);
/// Data deadline for venues that send only changes (a quiet book is silent; a liquid one changes
/// every 100 ms: Binance, Bybit, OKX).
pub const DIFF_VENUE_DEADLINE: Duration = Duration::from_secs(10);

/// Why a venue could not apply a message (the feed counts it, logs it and resyncs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueError {
    Malformed(String),
    /// A print that cannot be read: counted and logged, but the books are untouched (a print is not
    /// book data), so nothing is resynced for it.
    MalformedTrade(String),
}

impl VenueError {
    /// The same error, as one about a print.
    pub fn in_trade(self) -> VenueError {
        match self {
            VenueError::Malformed(why) | VenueError::MalformedTrade(why) => VenueError::MalformedTrade(why),
        }
    }

    /// Whether the books may be affected (and must be resynced).
    pub fn touches_books(&self) -> bool {
        matches!(self, VenueError::Malformed(_))
    }
}

impl std::fmt::Display for VenueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VenueError::Malformed(why) => write!(f, "malformed message: {why}"),
            VenueError::MalformedTrade(why) => write!(f, "malformed print: {why}"),
        }
    }
}

impl std::error::Error for VenueError {}

/// One input to a venue, as a live connection or a capture delivers it.
#[derive(Debug, Clone, Copy)]
pub enum VenueInput<'a> {
    /// A WebSocket (re)connected: per-connection state (sequences, subscriptions) starts over.
    Connected,
    /// The WebSocket dropped: every book is cleared and marked unsynced at once, so nothing is
    /// served as live while reconnecting.
    Disconnected,
    /// A WebSocket text message.
    Message(&'a str),
    /// A REST response body, e.g. a depth snapshot, with the URL it came from.
    Http { url: &'a str, body: &'a str },
}

/// Whether a symbol's book can be shown as live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncState {
    /// Waiting for the first snapshot.
    #[default]
    AwaitingSnapshot,
    Live,
    /// A gap or checksum mismatch: the book is not trustworthy until a new snapshot.
    Resyncing,
}

/// One symbol's book and its sync state.
#[derive(Debug, Clone, Default)]
pub struct SymbolBook {
    pub book: ExchangeBook,
    pub state: SyncState,
}

/// What the venue wants done to recover (a live connection does it; a capture cannot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueAction {
    /// Fetch a REST depth snapshot from this URL and feed it back as `VenueInput::Http`.
    FetchSnapshot { symbol: String, url: String },
    /// Send these messages on the WebSocket (unsubscribe + subscribe, for a resubscribe).
    Send { symbol: String, messages: Vec<String> },
}

/// An applied book update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookUpdate {
    pub symbol: String,
    /// The venue's final update id, sequence or seqId for this message (decimal text).
    pub update_id: String,
    pub snapshot: bool,
    /// The exchange's own time for this message, in µs since the Unix epoch (0: the venue gives none;
    /// ARCHITECTURE.md's *Times* table says which field each venue's comes from).
    pub exchange_time_us: u64,
}

/// Something worth counting that happened to a symbol's book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    Gap,
    Resync,
    ChecksumOk,
    ChecksumFailed,
    /// A print's venue id skipped ahead: prints between were never received (marked on the tape).
    TradeGap,
    /// A print already seen (a subscribe snapshot or a reconnect repeating it): dropped.
    TradeDuplicate,
}

impl Note {
    /// Whether it says something about a book (not about prints, which leave the books as they were).
    pub fn is_about_books(self) -> bool {
        !matches!(self, Note::TradeGap | Note::TradeDuplicate)
    }
}

/// Everything one input did, for counters, `check-capture` and the live client.
#[derive(Debug, Default)]
pub struct Report {
    pub updates: Vec<BookUpdate>,
    pub notes: Vec<(String, Note)>,
    pub actions: Vec<VenueAction>,
    /// Prints, in the order the venue reported them (repeats already dropped).
    pub trades: Vec<Trade>,
    /// The message was the venue's market-data heartbeat: nothing changed and nothing was lost, so
    /// the books are current. (Not a ping/pong: those say only that the socket is up.)
    pub heartbeat: bool,
}

impl Report {
    pub fn clear(&mut self) {
        self.updates.clear();
        self.notes.clear();
        self.actions.clear();
        self.trades.clear();
        self.heartbeat = false;
    }

    /// Whether the message carried book data (an update, a snapshot, a gap or checksum verdict, or a
    /// data heartbeat): what a source's data deadline counts. Not pings, and not prints: a tape that
    /// keeps moving must not make a book that stopped look current.
    pub fn saw_data(&self) -> bool {
        self.heartbeat || !self.updates.is_empty() || self.notes.iter().any(|(_, n)| n.is_about_books())
    }

    pub fn note(&mut self, symbol: &str, note: Note) {
        self.notes.push((symbol.to_string(), note));
    }
}

/// An exchange: how to reach it, and how its messages become exact books.
pub trait Venue: Send + 'static {
    /// Short name, as in `--source <venue>:<symbol>` and `check-capture --exchange`.
    fn name(&self) -> &'static str;

    /// The public endpoint and subscription for `symbols` (as the venue spells them), at the depth
    /// this venue was made with (its resubscriptions ask for the same).
    fn endpoint(&self, symbols: &[String]) -> LiveEndpoint;

    /// A WebSocket message: book changes go to the books, prints to `report.trades` (with the taker's
    /// side). Other messages (tickers, acks) are fine and change nothing; a message that cannot be
    /// understood is an error, and the books stay as they were.
    fn on_message(&mut self, text: &str, report: &mut Report) -> Result<(), VenueError>;

    /// A REST response body (venues whose snapshots come over REST).
    fn on_http(&mut self, _url: &str, _body: &str, _report: &mut Report) -> Result<(), VenueError> {
        Ok(())
    }

    /// Whether these symbols can share one live connection (its endpoint). Default: any can.
    fn check_symbols(&self, _symbols: &[String]) -> Result<(), String> {
        Ok(())
    }

    /// The connection the next inputs come from, by its URL (a live source's endpoint, a capture's
    /// `connect` address). Venues whose messages do not name their market's category — Bybit's
    /// spot and linear books share topic names — key their books by it. The default ignores it.
    fn select_connection(&mut self, _url: &str) {}

    /// A new connection, or a lost one: per-connection state (sequences, subscriptions) starts over.
    /// (The books themselves are cleared by [`Venue::handle`].)
    fn new_connection(&mut self) {}

    /// Books by venue symbol.
    fn books(&self) -> &BTreeMap<String, SymbolBook>;
    fn books_mut(&mut self) -> &mut BTreeMap<String, SymbolBook>;

    /// Apply one input, the same way for every venue: a (re)connection or a drop clears every book
    /// to wait for its snapshot, so nothing from before is shown as live.
    fn handle(&mut self, input: VenueInput<'_>, report: &mut Report) -> Result<(), VenueError> {
        match input {
            VenueInput::Connected | VenueInput::Disconnected => {
                self.new_connection();
                await_new_snapshots(self.books_mut());
                Ok(())
            }
            VenueInput::Message(text) => self.on_message(text, report),
            VenueInput::Http { url, body } => self.on_http(url, body, report),
        }
    }

    /// This symbol's book cannot be trusted (the feed's rule decided: crossed, empty snapshot, a
    /// message that could not be applied): clear it, mark it resyncing, and ask for recovery the
    /// venue's way (a REST snapshot, or unsubscribe + subscribe) in `report.actions`.
    fn resync(&mut self, symbol: &str, report: &mut Report);
}

impl SymbolBook {
    /// A snapshot replaces the book (applied whole or not at all) and makes it live.
    pub fn replace<'a>(&mut self, levels: impl IntoIterator<Item = (Side, &'a str, &'a str)>) -> Result<(), VenueError> {
        let mut fresh = ExchangeBook::new();
        fresh.set_many(levels).map_err(malformed)?;
        self.book = fresh;
        self.state = SyncState::Live;
        Ok(())
    }

    pub fn is_live(&self) -> bool {
        self.state == SyncState::Live
    }
}

/// Bids then asks, as the `[price, qty]` text pairs most venues print.
pub fn side_levels<'a, S: AsRef<str>>(bids: &'a [[S; 2]], asks: &'a [[S; 2]]) -> impl Iterator<Item = (Side, &'a str, &'a str)> {
    let side = |side: Side, ls: &'a [[S; 2]]| ls.iter().map(move |[p, q]| (side, p.as_ref(), q.as_ref()));
    side(Side::Bid, bids).chain(side(Side::Ask, asks))
}

/// `{"op":"unsubscribe","args":[arg]}` then `{"op":"subscribe",…}`: a resubscription where the
/// venue speaks `op`/`args` (Bybit, OKX).
pub fn op_resubscribe(arg: serde_json::Value) -> Vec<String> {
    ["unsubscribe", "subscribe"].iter().map(|op| serde_json::json!({"op": op, "args": [arg]}).to_string()).collect()
}

/// Mark a symbol as resyncing: its book is cleared so no stale level is ever shown as live.
pub(crate) fn start_resync(books: &mut BTreeMap<String, SymbolBook>, symbol: &str, report: &mut Report) {
    let b = books.entry(symbol.to_string()).or_default();
    b.book.clear();
    b.state = SyncState::Resyncing;
    report.note(symbol, Note::Resync);
}

/// A new or lost connection: every book is cleared and waits for its snapshot (the venue will send
/// one after the subscribe, or the venue asks for one), so nothing from before is shown as live.
pub(crate) fn await_new_snapshots(books: &mut BTreeMap<String, SymbolBook>) {
    for b in books.values_mut() {
        b.book.clear();
        b.state = SyncState::AwaitingSnapshot;
    }
}

pub(crate) fn malformed(why: impl std::fmt::Display) -> VenueError {
    VenueError::Malformed(why.to_string())
}
