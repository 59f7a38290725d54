//! The feed's one rule (sources/venue_feed.rs), for every venue: a book that cannot be trusted —
//! crossed, emptied by a snapshot, or touched by a message that could not be applied — is cleared,
//! served as resyncing, and recovered the venue's way; it is never served as live.

use bytes::Bytes;
use tickframe_server::adapters::book_image::BookImageAdapter;
use tickframe_server::adapters::{Adapter, Applied};
use tickframe_server::book::L2Book;
use tickframe_server::sources::venue_feed::{FeedTarget, VenueFeed};
use tickframe_server::venues::venue::{VenueAction, VenueInput};
use tokio::sync::mpsc;

/// A feed for one symbol of `venue`, and the images it sends that symbol's engine.
fn feed(venue: Box<dyn tickframe_server::venues::venue::Venue>, symbol: &str) -> (VenueFeed, mpsc::Receiver<Bytes>) {
    let (tx, rx) = mpsc::channel(64);
    (VenueFeed::new(venue, vec![FeedTarget { symbol: symbol.into(), inbox: tx }], Default::default()), rx)
}

/// What the engine makes of the newest image: live, resyncing or stale, and the book.
fn last_image(rx: &mut mpsc::Receiver<Bytes>) -> (Applied, L2Book) {
    let mut last = None;
    while let Ok(img) = rx.try_recv() {
        last = Some(img);
    }
    let mut book = L2Book::new();
    let applied = BookImageAdapter::new().apply(&last.expect("an image was sent"), &mut book).unwrap();
    (applied, book)
}

mod binance {
    use super::*;
    const URL: &str = "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000";
    const SNAPSHOT: &str = r#"{"lastUpdateId":100,"bids":[["100.00","1.0"],["99.50","2.0"]],"asks":[["100.50","1.5"],["101.00","3.0"]]}"#;

    fn diff(first: u64, last: u64, bids: &str, asks: &str) -> String {
        format!(r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":{first},"u":{last},"b":{bids},"a":{asks}}}}}"#)
    }

    async fn live() -> (VenueFeed, mpsc::Receiver<Bytes>) {
        let (mut f, mut rx) = feed(tickframe_server::venues::by_name("binance", 10).unwrap(), "BTCUSDT");
        f.handle(VenueInput::Message(&diff(101, 101, "[]", "[]"))).await;
        f.handle(VenueInput::Http { url: URL, body: SNAPSHOT }).await;
        assert_eq!(last_image(&mut rx).0, Applied::Changed);
        (f, rx)
    }

    #[tokio::test]
    async fn a_diff_that_crosses_the_book_resyncs_it_from_a_new_snapshot() {
        let (mut f, mut rx) = live().await;
        let actions = f.handle(VenueInput::Message(&diff(102, 102, r#"[["100.75","1"]]"#, "[]"))).await;
        let (applied, book) = last_image(&mut rx);
        assert_eq!(applied, Applied::Resyncing, "a crossed book is never served as live");
        assert!(book.is_empty());
        assert!(matches!(&actions[..], [VenueAction::FetchSnapshot { .. }]), "{actions:?}");
        // Recovery: the new snapshot, exactly.
        f.handle(VenueInput::Message(&diff(103, 103, "[]", "[]"))).await;
        f.handle(VenueInput::Http { url: URL, body: r#"{"lastUpdateId":102,"bids":[["100.10","1.0"]],"asks":[["100.20","1.0"]]}"# }).await;
        let (applied, book) = last_image(&mut rx);
        assert_eq!(applied, Applied::Changed);
        // In the book's decimal scale (the finest text seen: 0.1 for these prices, 1 for these sizes).
        assert_eq!((book.best_bid(), book.best_ask()), (Some((1001, 1)), Some((1002, 1))));
    }

    #[tokio::test]
    async fn a_diff_that_cannot_be_applied_resyncs_at_once_not_at_the_next_diff() {
        let (mut f, mut rx) = live().await;
        let actions = f.handle(VenueInput::Message(&diff(102, 102, r#"[["100.60"]]"#, "[]"))).await;
        assert_eq!(last_image(&mut rx).0, Applied::Resyncing);
        assert!(matches!(&actions[..], [VenueAction::FetchSnapshot { .. }]), "{actions:?}");
    }

    #[tokio::test]
    async fn an_empty_or_unreadable_snapshot_is_not_a_live_book() {
        let (mut f, mut rx) = feed(tickframe_server::venues::by_name("binance", 10).unwrap(), "BTCUSDT");
        f.handle(VenueInput::Message(&diff(101, 101, "[]", "[]"))).await;
        let actions = f.handle(VenueInput::Http { url: URL, body: r#"{"lastUpdateId":100,"bids":[],"asks":[]}"# }).await;
        assert_eq!(last_image(&mut rx).0, Applied::Resyncing, "an empty snapshot is not a market");
        assert!(matches!(&actions[..], [VenueAction::FetchSnapshot { .. }]), "asked again: {actions:?}");
        let actions = f.handle(VenueInput::Http { url: URL, body: "<html>502 Bad Gateway</html>" }).await;
        assert!(matches!(&actions[..], [VenueAction::FetchSnapshot { .. }]), "an unreadable snapshot is asked for again: {actions:?}");
    }
}

mod kraken {
    use super::*;

    type Levels<'a> = &'a [(&'a str, &'a str)];

    fn v2(kind: &str, bids: Levels, asks: Levels, book_after: (Levels, Levels)) -> String {
        let strip = |s: &str| s.replace('.', "").trim_start_matches('0').to_string();
        let text: String = book_after.1.iter().chain(book_after.0).map(|(p, q)| strip(p) + &strip(q)).collect();
        let levels = |ls: &[(&str, &str)]| ls.iter().map(|(p, q)| format!(r#"{{"price":{p},"qty":{q}}}"#)).collect::<Vec<_>>().join(",");
        format!(
            r#"{{"channel":"book","type":"{kind}","data":[{{"symbol":"ETH/USD","bids":[{}],"asks":[{}],"checksum":{},"timestamp":"t"}}]}}"#,
            levels(bids),
            levels(asks),
            crc32fast::hash(text.as_bytes())
        )
    }

    #[tokio::test]
    async fn a_book_message_that_cannot_be_applied_resyncs_at_the_subscribed_depth() {
        let (mut f, mut rx) = feed(tickframe_server::venues::by_name("kraken", 100).unwrap(), "ETH/USD");
        let (b, a): (Levels, Levels) = (&[("2000.1", "1.5")], &[("2000.2", "2.0")]);
        f.handle(VenueInput::Message(&v2("snapshot", b, a, (b, a)))).await;
        assert_eq!(last_image(&mut rx).0, Applied::Changed);
        // A level below the checksummed top could be lost this way: the message is refused whole.
        let bad = r#"{"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[{"price":"oops","qty":1}],"asks":[],"checksum":1,"timestamp":"t"}]}"#;
        let actions = f.handle(VenueInput::Message(bad)).await;
        assert_eq!(last_image(&mut rx).0, Applied::Resyncing, "not 87 frames of a wrong book");
        match &actions[..] {
            [VenueAction::Send { messages, .. }] => assert!(messages[1].contains(r#""depth":100"#), "{messages:?}"),
            other => panic!("{other:?}"),
        }
    }
}
