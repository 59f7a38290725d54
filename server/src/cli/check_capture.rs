//! `tickframe-server check-capture`: replay a capture as fast as possible through a venue adapter —
//! the same adapter and book code as the live path — printing the top of book after every applied
//! update (`--emit-top`), every print (`--emit-trades`) and a summary line of counters.

use std::io::{BufRead, Write};

use serde::Serialize;

use crate::exchange::capture::{CaptureError, CaptureReader};
use crate::instrument::same_symbol;
use crate::sources::capture_input::{CaptureInputs, ConnectionSelector};
use crate::venues::venue::{Note, Report, Venue, VenueInput};

/// The counters printed as the last line.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureSummary {
    pub messages: u64,
    pub book_updates: u64,
    pub snapshots: u64,
    pub resyncs: u64,
    pub gaps: u64,
    pub checksum_ok: u64,
    pub checksum_failed: u64,
    pub crossed: u64,
    pub errors: u64,
    /// Prints, as the venue reported them (repeats dropped).
    pub trades: u64,
    pub trade_gaps: u64,
    pub trade_duplicates: u64,
}

/// One print as `--emit-trades` writes it: exact decimal text, the taker's side, the exchange's time.
#[derive(Serialize)]
struct TradeLine<'a> {
    symbol: &'a str,
    /// `null` where the venue sends no id (Kraken v1).
    trade_id: Option<&'a str>,
    price: &'a str,
    size: &'a str,
    side: &'static str,
    time_ms: f64,
}

#[derive(Serialize)]
struct TradeOut<'a> {
    trade: TradeLine<'a>,
}

/// What `check_capture` writes besides the summary line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Emit {
    /// The top of book after every applied update.
    pub top: bool,
    /// Every print.
    pub trades: bool,
}

#[derive(Serialize)]
struct TopLine<'a> {
    symbol: &'a str,
    update_id: &'a str,
    best_bid: Option<&'a str>,
    best_bid_qty: Option<&'a str>,
    best_ask: Option<&'a str>,
    best_ask_qty: Option<&'a str>,
}

/// Replay `input` through `venue`. Only an unreadable input is an `Err`; bad lines and messages are
/// counted in `errors` and logged.
pub fn check_capture(
    venue: &mut dyn Venue,
    input: impl BufRead,
    symbol: Option<&str>,
    emit: Emit,
    out: &mut impl Write,
) -> std::io::Result<CaptureSummary> {
    let mut reader = CaptureReader::new(input);
    let mut sum = CaptureSummary::default();
    let mut report = Report::default();
    let mut inputs = CaptureInputs::default();
    let mut connection = ConnectionSelector::default();
    let wanted = |s: &str| symbol.is_none_or(|w| same_symbol(w, s));
    while let Some(event) = reader.next_event() {
        let event = match event {
            Ok(e) => e,
            Err(CaptureError::Io(e)) => return Err(e),
            Err(e) => {
                sum.errors += 1;
                tracing::warn!(error = %e, "capture line skipped");
                continue;
            }
        };
        report.clear();
        let input = inputs.input(&event);
        connection.select(&inputs, &event, venue);
        if matches!(input, Some(VenueInput::Message(_) | VenueInput::Http { .. })) {
            sum.messages += 1;
        }
        let result = input.map_or(Ok(()), |input| venue.handle(input, &mut report));
        if let Err(e) = result {
            sum.errors += 1;
            tracing::warn!(venue = venue.name(), line = reader.line_no(), error = %e, "message not applied");
        }
        for (s, note) in &report.notes {
            if wanted(s) {
                match note {
                    Note::Gap => sum.gaps += 1,
                    Note::Resync => sum.resyncs += 1,
                    Note::ChecksumOk => sum.checksum_ok += 1,
                    Note::ChecksumFailed => sum.checksum_failed += 1,
                    Note::TradeGap => sum.trade_gaps += 1,
                    Note::TradeDuplicate => sum.trade_duplicates += 1,
                }
            }
        }
        for t in report.trades.iter().filter(|t| wanted(&t.symbol)) {
            sum.trades += 1;
            if emit.trades {
                let line = TradeLine {
                    symbol: &t.symbol,
                    trade_id: t.trade_id.as_deref(),
                    price: &t.price,
                    size: &t.size,
                    side: t.side.as_str(),
                    time_ms: t.time_ms,
                };
                serde_json::to_writer(&mut *out, &TradeOut { trade: line })?;
                out.write_all(b"\n")?;
            }
        }
        for u in report.updates.iter().filter(|u| wanted(&u.symbol)) {
            sum.book_updates += 1;
            sum.snapshots += u.snapshot as u64;
            let Some(b) = venue.books().get(&u.symbol) else { continue };
            if b.book.book().is_crossed() {
                sum.crossed += 1;
            }
            if emit.top {
                let (bid, ask) = b.book.top_text();
                let line = TopLine {
                    symbol: &u.symbol,
                    update_id: &u.update_id,
                    best_bid: bid.as_ref().map(|b| b.0.as_str()),
                    best_bid_qty: bid.as_ref().map(|b| b.1.as_str()),
                    best_ask: ask.as_ref().map(|a| a.0.as_str()),
                    best_ask_qty: ask.as_ref().map(|a| a.1.as_str()),
                };
                serde_json::to_writer(&mut *out, &line)?;
                out.write_all(b"\n")?;
            }
        }
    }
    #[derive(Serialize)]
    struct SummaryLine<'a> {
        summary: &'a CaptureSummary,
    }
    serde_json::to_writer(&mut *out, &SummaryLine { summary: &sum })?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(sum)
}
