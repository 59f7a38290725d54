//! Each book's own times in the feed (sources/venue_feed.rs, #23), on Bybit's messages: the
//! exchange time shown never goes backwards nor jumps far ahead (both counted), and a book is judged
//! quiet by its own updates — another symbol's traffic on the same connection keeps it from nothing.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tickframe_server::adapters::book_image::BookImageAdapter;
use tickframe_server::adapters::{Adapter, Applied, BookTimes};
use tickframe_server::book::L2Book;
use tickframe_server::metrics::Metrics;
use tickframe_server::sources::venue_feed::{FeedTarget, QuietBook, VenueFeed};
use tickframe_server::venues::venue::{VenueAction, VenueInput};
use tokio::sync::mpsc;

const T0_MS: u64 = 1_700_000_000_000;

/// A Bybit spot orderbook message for `symbol`, stamped `cts` (ms).
fn book(symbol: &str, kind: &str, u: u64, cts_ms: u64, bid: &str) -> String {
    format!(
        r#"{{"topic":"orderbook.50.{symbol}","type":"{kind}","ts":{cts_ms},"cts":{cts_ms},"data":{{"s":"{symbol}","b":[["{bid}","1"]],"a":[["200","1"]],"u":{u},"seq":1}}}}"#
    )
}

struct Fixture {
    feed: VenueFeed,
    inboxes: Vec<mpsc::Receiver<Bytes>>,
    metrics: Arc<Metrics>,
}

fn fixture(symbols: &[&str]) -> Fixture {
    let metrics = Arc::new(Metrics::default());
    let (targets, inboxes) = symbols
        .iter()
        .map(|s| {
            let (tx, rx) = mpsc::channel(64);
            (FeedTarget { symbol: s.to_string(), inbox: tx }, rx)
        })
        .unzip();
    Fixture { feed: VenueFeed::new(tickframe_server::venues::by_name("bybit", 50).unwrap(), targets, metrics.clone()), inboxes, metrics }
}

/// The newest image an engine was sent: what it applies, its book and its times.
fn last_image(rx: &mut mpsc::Receiver<Bytes>) -> Option<(Applied, L2Book, BookTimes)> {
    let mut last = None;
    while let Ok(img) = rx.try_recv() {
        if img.starts_with(b"TFBI") {
            last = Some(img);
        }
    }
    let mut a = BookImageAdapter::new();
    let mut book = L2Book::new();
    let applied = a.apply(&last?, &mut book).unwrap();
    Some((applied, book, a.times().unwrap()))
}

#[tokio::test]
async fn the_exchange_time_never_goes_back_and_never_far_ahead() {
    let mut f = fixture(&["BTCUSDT"]);
    let us = |ms: u64| ms * 1000;
    f.feed.handle_at(VenueInput::Message(&book("BTCUSDT", "snapshot", 1, T0_MS, "100")), us(T0_MS + 30)).await;
    let (_, _, t) = last_image(&mut f.inboxes[0]).unwrap();
    assert_eq!(t, BookTimes { exchange_us: us(T0_MS), received_us: us(T0_MS + 30) });
    // An update stamped earlier than the last: applied (it is the book), its time ignored and counted.
    f.feed.handle_at(VenueInput::Message(&book("BTCUSDT", "delta", 2, T0_MS - 500, "101")), us(T0_MS + 60)).await;
    let (_, book2, t) = last_image(&mut f.inboxes[0]).unwrap();
    assert_eq!(book2.best_bid().map(|l| l.0), Some(101), "the update itself is applied");
    assert_eq!(t, BookTimes { exchange_us: us(T0_MS), received_us: us(T0_MS + 60) }, "the time shown does not go back");
    // Two hours ahead of the receive time: a broken clock, ignored and counted.
    f.feed.handle_at(VenueInput::Message(&book("BTCUSDT", "delta", 3, T0_MS + 7_200_000, "102")), us(T0_MS + 90)).await;
    let (_, _, t) = last_image(&mut f.inboxes[0]).unwrap();
    assert_eq!(t.exchange_us, us(T0_MS));
    assert_eq!(f.metrics.source_exchange_time_rejected.load(Ordering::Relaxed), 2);
    // A little ahead (the exchange's clock ahead of ours): kept, counted apart, not in the histogram.
    f.feed.handle_at(VenueInput::Message(&book("BTCUSDT", "delta", 4, T0_MS + 200, "103")), us(T0_MS + 120)).await;
    assert_eq!(last_image(&mut f.inboxes[0]).unwrap().2.exchange_us, us(T0_MS + 200));
    assert_eq!(f.metrics.source_exchange_time_ahead.load(Ordering::Relaxed), 1);
    assert!(f.metrics.render().contains("tickframe_exchange_latency_seconds_count{venue=\"bybit\"} 1\n"), "the one ordinary sample");
}

#[tokio::test(start_paused = true)]
async fn a_quiet_book_is_confirmed_and_then_frozen_whatever_another_symbol_does() {
    let mut f = fixture(&["BTCUSDT", "ETHUSDT"]);
    f.feed.handle(VenueInput::Message(&book("BTCUSDT", "snapshot", 1, T0_MS, "100"))).await;
    f.feed.handle(VenueInput::Message(&book("ETHUSDT", "snapshot", 1, T0_MS, "100"))).await;
    let (quiet, deadline) = (Duration::from_secs(1), Duration::from_secs(2));
    assert!(f.feed.quiet_books(quiet, deadline).is_empty());
    // BTCUSDT keeps changing; ETHUSDT's channel has stopped.
    for u in 2..=12 {
        tokio::time::advance(Duration::from_millis(100)).await;
        f.feed.handle(VenueInput::Message(&book("BTCUSDT", "delta", u, T0_MS, &format!("{}", 100 + u)))).await;
    }
    assert_eq!(f.feed.quiet_books(quiet, deadline), vec![QuietBook::Confirm("ETHUSDT".into())], "only the quiet book");
    let shown = last_image(&mut f.inboxes[1]).unwrap().1;
    let actions = f.feed.confirm_quiet("ETHUSDT");
    assert!(matches!(&actions[..], [VenueAction::Send { symbol, .. }] if symbol == "ETHUSDT"), "a resubscribe: {actions:?}");
    assert!(last_image(&mut f.inboxes[1]).is_none(), "while confirming, the last live book stays up (no resyncing image)");
    // No snapshot within the deadline (BTCUSDT still changing): frozen, served stale as last shown.
    for u in 13..=33 {
        tokio::time::advance(Duration::from_millis(100)).await;
        f.feed.handle(VenueInput::Message(&book("BTCUSDT", "delta", u, T0_MS, &format!("{}", 100 + u)))).await;
    }
    for q in f.feed.quiet_books(quiet, deadline) {
        match q {
            QuietBook::Frozen(s) => f.feed.mark_frozen(&s).await,
            other => panic!("only ETHUSDT is overdue, and BTCUSDT was updated: {other:?}"),
        }
    }
    let (applied, served, _) = last_image(&mut f.inboxes[1]).unwrap();
    assert_eq!((applied, served), (Applied::Stale, shown));
    assert_eq!(f.metrics.source_books_frozen.load(Ordering::Relaxed), 1);
    // The resubscription's snapshot: live again.
    f.feed.handle(VenueInput::Message(&book("ETHUSDT", "snapshot", 1, T0_MS, "99"))).await;
    assert_eq!(last_image(&mut f.inboxes[1]).unwrap().0, Applied::Changed);
}
