//! The bridge from a venue (which keeps every symbol's exact book) to the engines that
//! serve them: after each input, every touched symbol's book goes to its engine as a book image.
//! Shared by the live and capture sources, so both take exactly the same path.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::adapters::book_image::{encode_image, encode_prints, encode_stale_image};
use crate::adapters::{BookTimes, InboxPrint, GAP_BEFORE};
use crate::clock::now_us;
use crate::exchange::exchange_book::ExchangeBook;
use crate::instrument::find_symbol;
use crate::log_throttle::{LogDecision, LogThrottle};
use crate::metrics::{Histogram, Metrics};
use crate::venues::trade::{TakerSide, Trade};
use crate::venues::venue::{Note, Report, SyncState, Venue, VenueAction, VenueError, VenueInput};

/// Levels a side sent to an engine (its frames show at most `MAX_DEPTH` anyway).
pub const IMAGE_DEPTH: usize = crate::engine::orderbook_engine::MAX_DEPTH;
/// An exchange time further ahead of the receive time than this is not a clock that disagrees by a
/// little but a broken one: ignored and counted.
pub const MAX_EXCHANGE_AHEAD_US: u64 = 60_000_000;

/// One served symbol of a venue: the name clients use and its engine's inbox.
pub struct FeedTarget {
    pub symbol: String,
    pub inbox: mpsc::Sender<Bytes>,
}

pub struct VenueFeed {
    venue: Box<dyn Venue>,
    targets: Vec<FeedTarget>,
    metrics: Arc<Metrics>,
    report: Report,
    /// Every bad message is counted; a flood of them is not all logged.
    error_log: LogThrottle,
    /// Served symbols marked stale: their engines keep the last-seen book, dimmed, until the book
    /// is live again (a reconnect's resyncing image would only replace it with an empty book).
    stale: std::collections::HashSet<String>,
    /// Books not live, by venue symbol: since when, and how many times their resync was retried
    /// (see [`VenueFeed::overdue_resyncs`]).
    not_live: std::collections::HashMap<String, (tokio::time::Instant, u32)>,
    /// Each book's times (by venue symbol): the exchange's (never backwards) and the receive time
    /// of its newest message.
    times: std::collections::HashMap<String, BookTimes>,
    exchange_latency: Arc<Histogram>,
    /// When each live book (by venue symbol) last had an update or snapshot applied.
    last_update: std::collections::HashMap<String, tokio::time::Instant>,
    /// Quiet books being confirmed by a fresh snapshot: since when, and the book as last served
    /// live (kept on screen meanwhile; served stale if the confirmation does not come).
    confirming: std::collections::HashMap<String, (tokio::time::Instant, ExchangeBook)>,
}

/// What to do about a book that has gone quiet (see [`VenueFeed::quiet_books`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuietBook {
    /// No update for the quiet time: ask for a fresh snapshot to confirm it.
    Confirm(String),
    /// Not confirmed within the deadline: frozen, so stale (its resync goes on).
    Frozen(String),
}

/// What to do about a book that has not become live within the resync deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overdue {
    /// Ask again (resubscribe, or fetch a new snapshot): the request or its answer may be lost.
    Retry(String),
    /// Asked again and still nothing: start over on a new connection.
    Reconnect,
}

impl VenueFeed {
    pub fn new(venue: Box<dyn Venue>, targets: Vec<FeedTarget>, metrics: Arc<Metrics>) -> Self {
        Self {
            exchange_latency: metrics.exchange_latency(venue.name()),
            times: Default::default(),
            last_update: Default::default(),
            confirming: Default::default(),
            venue,
            targets,
            metrics,
            report: Report::default(),
            error_log: LogThrottle::default(),
            stale: Default::default(),
            not_live: Default::default(),
        }
    }

    pub fn venue_name(&self) -> &'static str {
        self.venue.name()
    }

    /// The venue itself, to tell it which connection the next inputs come from.
    pub fn venue_mut(&mut self) -> &mut dyn Venue {
        self.venue.as_mut()
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// True when every engine's inbox is closed (the server is shutting down).
    pub fn engines_gone(&self) -> bool {
        self.targets.iter().all(|t| t.inbox.is_closed())
    }

    /// The symbols served, as clients name them.
    pub fn symbols(&self) -> Vec<String> {
        self.targets.iter().map(|t| t.symbol.clone()).collect()
    }

    /// The one rule every venue follows: a book that cannot be trusted is resynced, never shown.
    /// Venues check their own sequences and checksums; what is left is decided here, the same way
    /// for all of them:
    /// - a message that could not be applied may have been an update to any book: every live book
    ///   resyncs (and a snapshot response that could not be read is asked for again);
    /// - a live book that is crossed (best bid at or above best ask) is wrong, whatever the venue
    ///   says (a venue without checksums cannot tell);
    /// - a snapshot that leaves a book without a bid or without an ask is not a market (an empty
    ///   REST answer with the buffered diffs applied on top is exactly that).
    fn resync_untrusted(&mut self, message_failed: bool, was_http: bool) {
        let mut untrusted: Vec<(String, &'static str)> = Vec::new();
        if message_failed {
            for (symbol, b) in self.venue.books() {
                if b.state == SyncState::Live || was_http {
                    untrusted.push((symbol.clone(), "a message could not be applied"));
                }
            }
        } else {
            // Only a book this message updated can have become crossed or empty: the others were
            // checked when they last changed (this runs for every message, so it looks no further).
            for u in &self.report.updates {
                let Some(b) = self.venue.books().get(&u.symbol).filter(|b| b.state == SyncState::Live) else { continue };
                let why = if b.book.book().is_crossed() {
                    "crossed book"
                } else if u.snapshot && (b.book.book().best_bid().is_none() || b.book.book().best_ask().is_none()) {
                    "snapshot without bids or without asks"
                } else {
                    continue;
                };
                if !untrusted.iter().any(|(s, _)| *s == u.symbol) {
                    untrusted.push((u.symbol.clone(), why));
                }
            }
        }
        for (symbol, why) in untrusted {
            self.metrics.source_untrusted.fetch_add(1, Ordering::Relaxed);
            if let LogDecision::Log { suppressed } = self.error_log.check() {
                tracing::warn!(venue = self.venue.name(), symbol, why, suppressed, "book cannot be trusted: resyncing");
            }
            self.venue.resync(&symbol, &mut self.report);
        }
    }

    /// The venue's books (by venue symbol), as the feed last left them.
    pub fn books(&self) -> &std::collections::BTreeMap<String, crate::venues::venue::SymbolBook> {
        self.venue.books()
    }

    /// Whether the last input handled carried market data (see [`Report::saw_data`]).
    pub fn saw_data(&self) -> bool {
        self.report.saw_data()
    }

    /// The venue sent no data within its deadline: every book's frames say stale (the book as last
    /// seen, dimmed) until the source resyncs.
    pub async fn mark_stale(&mut self) {
        for target in &self.targets {
            let book = find_symbol(&target.symbol, self.venue.books().iter().map(|(s, b)| (s.as_str(), b))).map(|b| &b.book);
            let times = self.times_of(&target.symbol);
            let image = match book {
                Some(b) => encode_stale_image(b, IMAGE_DEPTH, times),
                None => encode_stale_image(&ExchangeBook::new(), IMAGE_DEPTH, times),
            };
            let _ = target.inbox.send(image).await;
            self.stale.insert(target.symbol.clone());
        }
    }

    /// Books that have not been live for `deadline`: the first time each is retried, the second
    /// time the connection is started over. A venue that refuses or ignores a resubscribe (while its
    /// heartbeats keep the connection's data deadline fresh) would otherwise leave the book
    /// resyncing forever.
    pub fn overdue_resyncs(&mut self, deadline: std::time::Duration) -> Vec<Overdue> {
        let now = tokio::time::Instant::now();
        let mut out = Vec::new();
        for (symbol, (since, retries)) in &mut self.not_live {
            if now.duration_since(*since) < deadline {
                continue;
            }
            if *retries == 0 {
                out.push(Overdue::Retry(symbol.clone()));
                *retries += 1;
                *since = now;
            } else {
                return vec![Overdue::Reconnect];
            }
        }
        out
    }

    /// Live books with no update for `quiet` are to be confirmed; books whose confirmation has not
    /// come within `deadline` are frozen. A heartbeat says the connection is up, never that a book
    /// is current: each book is judged by its own updates.
    pub fn quiet_books(&mut self, quiet: std::time::Duration, deadline: std::time::Duration) -> Vec<QuietBook> {
        let now = tokio::time::Instant::now();
        let mut out: Vec<QuietBook> = self
            .confirming
            .iter()
            .filter(|(_, (since, _))| now.duration_since(*since) >= deadline)
            .map(|(s, _)| QuietBook::Frozen(s.clone()))
            .collect();
        for (symbol, b) in self.venue.books() {
            if !b.is_live() || self.confirming.contains_key(symbol) {
                continue;
            }
            let since = *self.last_update.entry(symbol.clone()).or_insert(now);
            if now.duration_since(since) >= quiet {
                out.push(QuietBook::Confirm(symbol.clone()));
            }
        }
        out
    }

    /// Confirm a quiet book: the venue's resync (a REST snapshot, or a resubscribe), while the last
    /// book stays served live (it was current when last heard of; the deadline bounds the wait).
    /// Books the venue's resync clears besides (Coinbase resubscribes every product) wait the same way.
    pub fn confirm_quiet(&mut self, symbol: &str) -> Vec<VenueAction> {
        self.report.clear();
        self.metrics.source_book_confirms.fetch_add(1, Ordering::Relaxed);
        tracing::info!(venue = self.venue.name(), symbol, "no update for the quiet time: confirming the book with a fresh snapshot");
        let live: Vec<(String, ExchangeBook)> =
            self.venue.books().iter().filter(|(_, b)| b.is_live()).map(|(s, b)| (s.clone(), b.book.clone())).collect();
        self.venue.resync(symbol, &mut self.report);
        let now = tokio::time::Instant::now();
        for (s, book) in live {
            if self.venue.books().get(&s).is_some_and(|b| !b.is_live()) {
                self.confirming.insert(s, (now, book));
            }
        }
        self.track_not_live(false);
        std::mem::take(&mut self.report.actions)
    }

    /// A quiet book not confirmed in time: its last book is served stale until the resync completes.
    pub async fn mark_frozen(&mut self, symbol: &str) {
        let Some((since, book)) = self.confirming.remove(symbol) else { return };
        self.metrics.source_books_frozen.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(venue = self.venue.name(), symbol, waited = ?since.elapsed(), "a quiet book was not confirmed: stale until resynced");
        let times = self.times.get(symbol).copied().unwrap_or_default();
        let Some(target) = find_symbol(symbol, self.targets.iter().map(|t| (t.symbol.as_str(), t))) else { return };
        let _ = target.inbox.send(encode_stale_image(&book, IMAGE_DEPTH, times)).await;
        self.stale.insert(target.symbol.clone());
    }

    /// Ask for `symbol`'s book again; the actions to carry out.
    pub fn retry_resync(&mut self, symbol: &str) -> Vec<VenueAction> {
        self.report.clear();
        self.metrics.source_resync_retries.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(venue = self.venue.name(), symbol, "no snapshot within the resync deadline: asking again");
        self.venue.resync(symbol, &mut self.report);
        std::mem::take(&mut self.report.actions)
    }

    /// Keep [`VenueFeed::not_live`] true to the books after an input.
    fn track_not_live(&mut self, connected: bool) {
        if connected {
            self.not_live.clear(); // a new connection: every book starts its wait now
        }
        let now = tokio::time::Instant::now();
        for (symbol, b) in self.venue.books() {
            if b.state == SyncState::Live {
                self.not_live.remove(symbol);
            } else {
                self.not_live.entry(symbol.clone()).or_insert((now, 0));
            }
        }
    }

    /// A served symbol's book times (looked up by the name clients use).
    fn times_of(&self, served: &str) -> BookTimes {
        find_symbol(served, self.times.iter().map(|(s, t)| (s.as_str(), *t))).unwrap_or_default()
    }

    /// The source's clock reads `us` (a capture replay's): every engine ticks on it.
    pub async fn send_source_time(&mut self, us: u64) {
        for target in &self.targets {
            let _ = target.inbox.send(crate::tick_loop::source_time(us)).await;
        }
    }

    /// Take this input's book times: the exchange's is kept only if plausible — at most a minute
    /// ahead of the receive time and not before the book's last (so the time shown never goes back)
    /// — and observed as exchange→server latency.
    fn take_times(&mut self, received_us: u64) {
        for u in &self.report.updates {
            let t = self.times.entry(u.symbol.clone()).or_default();
            t.received_us = received_us;
            let x = u.exchange_time_us;
            if x == 0 {
                continue;
            }
            if x > received_us.saturating_add(MAX_EXCHANGE_AHEAD_US) || x < t.exchange_us {
                self.metrics.source_exchange_time_rejected.fetch_add(1, Ordering::Relaxed);
                if let LogDecision::Log { suppressed } = self.error_log.check() {
                    tracing::warn!(
                        venue = self.venue.name(),
                        symbol = u.symbol,
                        exchange_us = x,
                        last_us = t.exchange_us,
                        received_us,
                        suppressed,
                        "exchange time ignored: far ahead or going backwards"
                    );
                }
                continue;
            }
            t.exchange_us = x;
            match received_us.checked_sub(x) {
                Some(d) => self.exchange_latency.observe(std::time::Duration::from_micros(d)),
                None => {
                    self.metrics.source_exchange_time_ahead.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Feed one input read now (by the wall clock); see [`VenueFeed::handle_at`].
    pub async fn handle(&mut self, input: VenueInput<'_>) -> Vec<VenueAction> {
        self.handle_at(input, now_us()).await
    }

    /// Feed one input, read at `received_us` (a capture's time for it, in a replay); push images of
    /// every symbol it touched; return the recovery actions the adapter asks for. Bad messages are
    /// counted and logged, never fatal.
    pub async fn handle_at(&mut self, input: VenueInput<'_>, received_us: u64) -> Vec<VenueAction> {
        self.report.clear();
        if matches!(input, VenueInput::Message(_) | VenueInput::Http { .. }) {
            self.metrics.source_messages.fetch_add(1, Ordering::Relaxed);
        }
        let connected = matches!(input, VenueInput::Connected | VenueInput::Disconnected);
        let was_http = matches!(input, VenueInput::Http { .. });
        let failed = self.venue.handle(input, &mut self.report).err();
        if let Some(e) = &failed {
            self.metrics.source_errors.fetch_add(1, Ordering::Relaxed);
            if let LogDecision::Log { suppressed } = self.error_log.check() {
                tracing::warn!(venue = self.venue.name(), error = %e, suppressed, "exchange message not applied");
            }
        }
        // A print that cannot be read leaves the books as they were: only a book message resyncs.
        self.resync_untrusted(failed.as_ref().is_some_and(VenueError::touches_books), was_http);
        self.track_not_live(connected);
        self.take_times(received_us);
        if connected {
            self.confirming.clear(); // every book restarts; those confirming were cleared with it
            self.last_update.clear();
        }
        let now = tokio::time::Instant::now();
        for u in &self.report.updates {
            self.last_update.insert(u.symbol.clone(), now);
            if self.venue.books().get(&u.symbol).is_some_and(|b| b.is_live()) {
                self.confirming.remove(&u.symbol); // confirmed (or changed: just as good)
            }
        }
        for (_, note) in &self.report.notes {
            let counter = match note {
                Note::Gap => &self.metrics.source_gaps,
                Note::Resync => &self.metrics.source_resyncs,
                Note::ChecksumFailed => &self.metrics.source_checksum_failures,
                Note::TradeGap => &self.metrics.source_trade_gaps,
                Note::TradeDuplicate => &self.metrics.source_trade_duplicates,
                Note::ChecksumOk => continue,
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
        self.metrics.source_trades.fetch_add(self.report.trades.len() as u64, Ordering::Relaxed);
        let touched: Vec<String> = if connected {
            self.venue.books().keys().cloned().collect() // every book restarts on a new connection
        } else {
            // Books touched: updates and book notes (a print's note leaves its book as it was).
            let book_notes = self.report.notes.iter().filter(|(_, n)| n.is_about_books());
            self.report.updates.iter().map(|u| u.symbol.clone()).chain(book_notes.map(|(s, _)| s.clone())).collect()
        };
        for venue_symbol in dedup(touched) {
            let Some(target) = find_symbol(&venue_symbol, self.targets.iter().map(|t| (t.symbol.as_str(), t))) else { continue };
            let Some(b) = self.venue.books().get(&venue_symbol) else { continue };
            let live = b.state == SyncState::Live;
            if !live && self.stale.contains(&target.symbol) {
                continue; // still stale: the last-seen book stays up, dimmed, until the resync completes
            }
            if !live && self.confirming.contains_key(&venue_symbol) {
                continue; // being confirmed: the last live book stays up until the snapshot (or the deadline)
            }
            self.stale.remove(&target.symbol);
            let times = self.times.get(&venue_symbol).copied().unwrap_or_default();
            let image = encode_image(&b.book, IMAGE_DEPTH, live, times);
            // Backpressure, not loss: images are whole pictures, and the engine drains quickly.
            let _ = target.inbox.send(image).await;
        }
        self.send_prints().await;
        std::mem::take(&mut self.report.actions)
    }

    /// This input's prints to their markets' engines, in the venue's order, one message per market.
    /// Events, not pictures: each is sent once (backpressure, never a drop).
    async fn send_prints(&mut self) {
        if self.report.trades.is_empty() {
            return;
        }
        let mut by_target: Vec<(usize, Vec<InboxPrint>)> = Vec::new();
        let mut gap_marked: Vec<&str> = Vec::new();
        for t in &self.report.trades {
            let Some(i) = find_symbol(&t.symbol, self.targets.iter().enumerate().map(|(i, target)| (target.symbol.as_str(), i))) else { continue };
            let Some(print) = inbox_print(t) else { continue }; // checked by the venue: cannot fail
            let mut print = print;
            // The print after a gap in the venue's ids says so (the first of that symbol in this message).
            let gapped = self.report.notes.iter().any(|(s, n)| *n == Note::TradeGap && *s == t.symbol);
            if gapped && !gap_marked.contains(&t.symbol.as_str()) {
                print.flags |= GAP_BEFORE;
                gap_marked.push(&t.symbol);
            }
            match by_target.iter_mut().find(|(j, _)| *j == i) {
                Some((_, prints)) => prints.push(print),
                None => by_target.push((i, vec![print])),
            }
        }
        for (i, prints) in by_target {
            let _ = self.targets[i].inbox.send(encode_prints(&prints)).await;
        }
    }
}

/// A venue's print as its engine takes it: doubles for the wire, the size exactly for the totals.
fn inbox_print(t: &Trade) -> Option<InboxPrint> {
    let size_e12 = t.size_e12?;
    Some(InboxPrint {
        price: t.price.parse().ok()?,
        size: t.size.parse().ok()?,
        size_e12,
        time_ms: t.time_ms,
        buy: t.side == TakerSide::Buy,
        flags: 0,
    })
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}
