//! `tickframe-server check-capture`: replay a capture as fast as possible through a venue adapter —
//! the same adapter and book code as the live path — printing the top of book after every applied
//! update (`--emit-top`) and a summary line of counters.

use std::io::{BufRead, Write};

use serde::Serialize;

use crate::adapters::venue::{Note, Report, Venue, VenueInput};
use crate::exchange::capture::{CaptureError, CaptureEvent, CaptureReader};

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

/// "XMR-USD", "xmr/usd" and "XMRUSD" name the same symbol; so do Kraken's "XBT/CHF" and "BTC-CHF",
/// and cryptofeed's "SUSHI-USDT-PERP" and Binance futures' "SUSHIUSDT".
pub fn same_symbol(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let up: String = s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
        let up = up.strip_suffix("PERP").map(String::from).unwrap_or(up);
        up.replace("XBT", "BTC")
    };
    norm(a) == norm(b)
}

/// Replay `input` through `venue`. Only an unreadable input is an `Err`; bad lines and messages are
/// counted in `errors` and logged.
pub fn check_capture(
    venue: &mut dyn Venue,
    input: impl BufRead,
    symbol: Option<&str>,
    emit_top: bool,
    out: &mut impl Write,
) -> std::io::Result<CaptureSummary> {
    let mut reader = CaptureReader::new(input);
    let mut sum = CaptureSummary::default();
    let mut report = Report::default();
    // Connections that carried data: a later `connect` on one of them is a reconnect.
    let mut seen_conns = std::collections::HashSet::new();
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
        let result = match &event {
            CaptureEvent::Connect { conn, .. } if seen_conns.contains(conn.as_ref()) => venue.handle(VenueInput::Connected, &mut report),
            CaptureEvent::Recv { conn, data, .. } => {
                sum.messages += 1;
                seen_conns.insert(conn.to_string());
                venue.handle(VenueInput::Message(data), &mut report)
            }
            CaptureEvent::Http { url, data, .. } => {
                sum.messages += 1;
                venue.handle(VenueInput::Http { url, body: data }, &mut report)
            }
            _ => Ok(()),
        };
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
                }
            }
        }
        for u in report.updates.iter().filter(|u| wanted(&u.symbol)) {
            sum.book_updates += 1;
            sum.snapshots += u.snapshot as u64;
            let Some(b) = venue.books().get(&u.symbol) else { continue };
            if b.book.book().is_crossed() {
                sum.crossed += 1;
            }
            if emit_top {
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
