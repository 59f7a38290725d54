//! Every venue on the project's own small fixtures: snapshot sync, gap → resync, checksum
//! mismatch → resubscribe, crossed input, malformed and unknown messages (errors, never a panic,
//! and the book unchanged).

use tickframe_server::venues::venue::{Note, Report, SyncState, Venue, VenueAction, VenueInput};

fn feed(v: &mut dyn Venue, input: VenueInput<'_>) -> Report {
    let mut r = Report::default();
    v.handle(input, &mut r).expect("message applies");
    r
}

fn top(v: &dyn Venue, symbol: &str) -> tickframe_server::exchange::exchange_book::TopOfBook {
    v.books()[symbol].book.top_text()
}

fn some(p: &str, q: &str) -> Option<(String, String)> {
    Some((p.to_string(), q.to_string()))
}

/// Malformed messages are errors that leave every book as it was; unknown ones are ignored.
fn rejects_garbage_without_changing_books(v: &mut dyn Venue, symbol: &str, bad: &[&str]) {
    let before = v.books()[symbol].book.book().clone();
    for msg in bad {
        let mut r = Report::default();
        assert!(v.handle(VenueInput::Message(msg), &mut r).is_err(), "accepted {msg}");
        assert!(r.updates.is_empty());
        assert_eq!(v.books()[symbol].book.book(), &before, "changed by {msg}");
    }
}

mod binance {
    use super::*;

    fn diff(first: u64, last: u64, bids: &str, asks: &str) -> String {
        format!(r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":{first},"u":{last},"b":{bids},"a":{asks}}}}}"#)
    }
    const SNAPSHOT_URL: &str = "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000";
    const SNAPSHOT: &str = r#"{"lastUpdateId":100,"bids":[["100.00","1.0"],["99.50","2.0"]],"asks":[["100.50","1.5"],["101.00","3.0"]]}"#;

    #[test]
    fn buffers_diffs_fetches_a_snapshot_and_follows_the_documented_sync() {
        let mut v = tickframe_server::venues::by_name("binance", 10).unwrap();
        let r = feed(v.as_mut(), VenueInput::Message(&diff(95, 100, r#"[["99.00","5"]]"#, "[]")));
        assert_eq!(r.actions, vec![VenueAction::FetchSnapshot { symbol: "BTCUSDT".into(), url: SNAPSHOT_URL.into() }]);
        assert_eq!(v.books()["BTCUSDT"].state, SyncState::AwaitingSnapshot);
        // Still buffering: no second request.
        let r = feed(v.as_mut(), VenueInput::Message(&diff(101, 103, r#"[["100.00","0"]]"#, "[]")));
        assert!(r.actions.is_empty() && r.updates.is_empty());
        let r = feed(v.as_mut(), VenueInput::Http { url: SNAPSHOT_URL, body: SNAPSHOT });
        // The snapshot, then only the diff that brackets it (95..=100 is already in the snapshot).
        let ids: Vec<(&str, bool)> = r.updates.iter().map(|u| (u.update_id.as_str(), u.snapshot)).collect();
        assert_eq!(ids, vec![("100", true), ("103", false)]);
        assert_eq!(top(v.as_ref(), "BTCUSDT").0, some("99.5", "2"), "100.00 deleted by size 0");
        assert!(v.books()["BTCUSDT"].book.book().bids().all(|(p, _)| p != 9900), "the stale diff was not applied");
        let r = feed(v.as_mut(), VenueInput::Message(&diff(104, 104, "[]", r#"[["100.25","0.5"]]"#)));
        assert_eq!(r.updates[0].update_id, "104");
        assert_eq!(top(v.as_ref(), "BTCUSDT").1, some("100.25", "0.5"));
        assert_eq!(v.books()["BTCUSDT"].state, SyncState::Live);
    }

    #[test]
    fn a_gap_clears_the_book_and_fetches_a_new_snapshot() {
        let mut v = tickframe_server::venues::by_name("binance", 10).unwrap();
        feed(v.as_mut(), VenueInput::Message(&diff(101, 101, "[]", "[]")));
        feed(v.as_mut(), VenueInput::Http { url: SNAPSHOT_URL, body: SNAPSHOT });
        let r = feed(v.as_mut(), VenueInput::Message(&diff(105, 106, r#"[["100.10","1"]]"#, "[]")));
        assert_eq!(r.notes, vec![("BTCUSDT".into(), Note::Gap), ("BTCUSDT".into(), Note::Resync)]);
        assert!(matches!(r.actions[..], [VenueAction::FetchSnapshot { .. }]));
        let b = &v.books()["BTCUSDT"];
        assert_eq!(b.state, SyncState::Resyncing);
        assert_eq!(b.book.book().len(tickframe_server::book::Side::Bid), 0, "nothing stale is kept");
        // A snapshot older than the buffered diffs cannot be bracketed: still a gap, not a wrong book.
        let r = feed(v.as_mut(), VenueInput::Http { url: SNAPSHOT_URL, body: SNAPSHOT });
        assert!(r.notes.contains(&("BTCUSDT".into(), Note::Gap)));
        assert_ne!(v.books()["BTCUSDT"].state, SyncState::Live);
    }

    #[test]
    fn crossed_input_is_applied_as_sent_and_visible_to_checks() {
        let mut v = tickframe_server::venues::by_name("binance", 10).unwrap();
        feed(v.as_mut(), VenueInput::Message(&diff(101, 101, "[]", "[]")));
        feed(v.as_mut(), VenueInput::Http { url: SNAPSHOT_URL, body: SNAPSHOT });
        feed(v.as_mut(), VenueInput::Message(&diff(102, 102, r#"[["100.75","1"]]"#, "[]")));
        assert!(v.books()["BTCUSDT"].book.book().is_crossed());
    }

    #[test]
    fn malformed_and_unknown_messages() {
        let mut v = tickframe_server::venues::by_name("binance", 10).unwrap();
        feed(v.as_mut(), VenueInput::Message(&diff(101, 101, "[]", "[]")));
        feed(v.as_mut(), VenueInput::Http { url: SNAPSHOT_URL, body: SNAPSHOT });
        assert!(feed(v.as_mut(), VenueInput::Message(r#"{"result":null,"id":1}"#)).updates.is_empty());
        // A print cut short is an error about a print: the books stand, nothing to resync.
        let before = v.books()["BTCUSDT"].book.book().clone();
        let err =
            v.handle(VenueInput::Message(r#"{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","p":"1"}}"#), &mut Report::default()).unwrap_err();
        assert!(!err.touches_books(), "{err}");
        assert_eq!(v.books()["BTCUSDT"].book.book(), &before);
        let bad_number = diff(102, 102, r#"[["100.60","1"],["1e5","1"]]"#, "[]");
        let bad_shape = diff(102, 102, r#"[["100.60"]]"#, "[]");
        rejects_garbage_without_changing_books(v.as_mut(), "BTCUSDT", &["{", "[1,2", r#"{"e":"depthUpdate"}"#, &bad_number, &bad_shape]);
        let mut r = Report::default();
        assert!(v.handle(VenueInput::Http { url: SNAPSHOT_URL, body: "<html>busy</html>" }, &mut r).is_err());
    }

    #[test]
    fn usdm_follows_the_pu_chain() {
        let mut v = tickframe_server::venues::by_name("binance-usdm", 10).unwrap();
        let d = |first: u64, last: u64, pu: u64| {
            format!(r#"{{"e":"depthUpdate","s":"BTCUSDT","U":{first},"u":{last},"pu":{pu},"b":[["100.00","2"]],"a":[]}}"#)
        };
        feed(v.as_mut(), VenueInput::Message(&d(90, 105, 89)));
        let url = "https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000";
        let r = feed(v.as_mut(), VenueInput::Http { url, body: SNAPSHOT });
        assert_eq!(r.updates.len(), 2, "snapshot 100 and the diff 90..=105 that brackets it");
        assert!(feed(v.as_mut(), VenueInput::Message(&d(106, 110, 105))).notes.is_empty());
        let r = feed(v.as_mut(), VenueInput::Message(&d(112, 115, 111)));
        assert!(r.notes.contains(&("BTCUSDT".into(), Note::Gap)), "pu 111 ≠ last u 110");
    }
}

mod kraken {
    use super::*;

    /// A v2 book message with the checksum computed the way Kraken documents it.
    fn v2(kind: &str, bids: &[(&str, &str)], asks: &[(&str, &str)], checksum: u32) -> String {
        let levels = |ls: &[(&str, &str)]| ls.iter().map(|(p, q)| format!(r#"{{"price":{p},"qty":{q}}}"#)).collect::<Vec<_>>().join(",");
        format!(
            r#"{{"channel":"book","type":"{kind}","data":[{{"symbol":"ETH/USD","bids":[{}],"asks":[{}],"checksum":{checksum},"timestamp":"2026-01-01T00:00:00Z"}}]}}"#,
            levels(bids),
            levels(asks)
        )
    }

    fn crc(asks: &[(&str, &str)], bids: &[(&str, &str)]) -> u32 {
        let strip = |s: &str| s.replace('.', "").trim_start_matches('0').to_string();
        let text: String = asks.iter().chain(bids).map(|(p, q)| strip(p) + &strip(q)).collect();
        crc32fast::hash(text.as_bytes())
    }

    #[test]
    fn verifies_every_checksum_and_resubscribes_on_a_mismatch() {
        let mut v = tickframe_server::venues::by_name("kraken", 10).unwrap();
        let bids = [("2000.10", "1.50000000"), ("2000.00", "0.00100000")];
        let asks = [("2000.20", "2.00000000")];
        let r = feed(v.as_mut(), VenueInput::Message(&v2("snapshot", &bids, &asks, crc(&asks, &bids))));
        assert_eq!(r.notes, vec![("ETH/USD".into(), Note::ChecksumOk)]);
        assert_eq!(top(v.as_ref(), "ETH/USD").0, some("2000.1", "1.5"));
        // An update: the checksum covers the whole top of book after it, printed as Kraken prints.
        let after_bids = [("2000.15", "0.50000000"), ("2000.10", "1.50000000"), ("2000.00", "0.00100000")];
        let r = feed(v.as_mut(), VenueInput::Message(&v2("update", &[("2000.15", "0.50000000")], &[], crc(&asks, &after_bids))));
        assert_eq!(r.notes, vec![("ETH/USD".into(), Note::ChecksumOk)]);
        // A wrong checksum: the book is cleared (never shown wrong) and the pair resubscribed.
        let r = feed(v.as_mut(), VenueInput::Message(&v2("update", &[("2000.16", "1.00000000")], &[], 12345)));
        assert_eq!(r.notes, vec![("ETH/USD".into(), Note::ChecksumFailed), ("ETH/USD".into(), Note::Resync)]);
        match &r.actions[..] {
            [VenueAction::Send { messages, .. }] => {
                assert!(messages[0].contains("unsubscribe") && messages[1].contains("\"subscribe\""));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(v.books()["ETH/USD"].state, SyncState::Resyncing);
        assert!(top(v.as_ref(), "ETH/USD").0.is_none());
        // Updates are ignored until the resubscription's snapshot.
        assert!(feed(v.as_mut(), VenueInput::Message(&v2("update", &[("2000.17", "1.00000000")], &[], 1))).updates.is_empty());
        let r = feed(v.as_mut(), VenueInput::Message(&v2("snapshot", &bids, &asks, crc(&asks, &bids))));
        assert_eq!(r.updates.len(), 1);
        assert_eq!(v.books()["ETH/USD"].state, SyncState::Live);
    }

    #[test]
    fn crossed_input_with_a_valid_checksum_is_applied_as_sent_and_visible_to_checks() {
        let mut v = tickframe_server::venues::by_name("kraken", 10).unwrap();
        let (bids, asks) = ([("2000.10", "1.0")], [("2000.20", "2.0")]);
        feed(v.as_mut(), VenueInput::Message(&v2("snapshot", &bids, &asks, crc(&asks, &bids))));
        let after = [("2000.25", "1.0"), ("2000.10", "1.0")];
        let r = feed(v.as_mut(), VenueInput::Message(&v2("update", &[("2000.25", "1.0")], &[], crc(&asks, &after))));
        assert_eq!(r.notes, vec![("ETH/USD".into(), Note::ChecksumOk)], "the exchange's own book was crossed: not ours to fix");
        assert!(v.books()["ETH/USD"].book.book().is_crossed());
    }

    #[test]
    fn v1_arrays_truncate_to_the_subscribed_depth() {
        let mut v = tickframe_server::venues::by_name("kraken", 10).unwrap();
        let snap = r#"[7,{"as":[["10.5","1.000","1"],["10.6","1.000","1"]],"bs":[["10.4","2.000","1"],["10.3","2.000","1"]]},"book-2","X/Y"]"#;
        feed(v.as_mut(), VenueInput::Message(snap));
        // A better bid pushes 10.3 out of a depth-2 book.
        let upd = r#"[7,{"b":[["10.45","1.000","2"]]},"book-2","X/Y"]"#;
        let r = feed(v.as_mut(), VenueInput::Message(upd));
        assert_eq!(r.updates.len(), 1);
        let bids: Vec<_> = v.books()["X/Y"].book.book().bids().collect();
        assert_eq!(bids.len(), 2);
        assert_eq!(top(v.as_ref(), "X/Y").0, some("10.45", "1"));
    }

    #[test]
    fn malformed_and_unknown_messages() {
        let mut v = tickframe_server::venues::by_name("kraken", 10).unwrap();
        let bids = [("1.5", "1.0")];
        let asks = [("1.6", "1.0")];
        feed(v.as_mut(), VenueInput::Message(&v2("snapshot", &bids, &asks, crc(&asks, &bids))));
        for unknown in [r#"{"channel":"heartbeat"}"#, r#"{"event":"heartbeat"}"#, r#"[1,{"a":["1","2"]},"ticker","ETH/USD"]"#] {
            assert!(feed(v.as_mut(), VenueInput::Message(unknown)).updates.is_empty());
        }
        let bad_price = v2("update", &[("\"abc\"", "1.0")], &[], 0);
        rejects_garbage_without_changing_books(
            v.as_mut(),
            "ETH/USD",
            &["{", r#"{"channel":"book","type":"weird","data":[]}"#, &bad_price, r#"[1,{"b":[["1.5"]]},"book-10","ETH/USD"]"#],
        );
    }
}

mod coinbase {
    use super::*;

    fn l2(seq: u64, kind: &str, updates: &[(&str, &str, &str)]) -> String {
        let ups: Vec<String> =
            updates.iter().map(|(s, p, q)| format!(r#"{{"side":"{s}","event_time":"t","price_level":"{p}","new_quantity":"{q}"}}"#)).collect();
        format!(
            r#"{{"channel":"l2_data","client_id":"","timestamp":"t","sequence_num":{seq},"events":[{{"type":"{kind}","product_id":"BTC-USD","updates":[{}]}}]}}"#,
            ups.join(",")
        )
    }

    #[test]
    fn snapshot_absolute_updates_heartbeats_and_a_sequence_gap() {
        let mut v = tickframe_server::venues::by_name("coinbase", 10).unwrap();
        feed(v.as_mut(), VenueInput::Message(&l2(0, "snapshot", &[("bid", "100.01", "1.5"), ("offer", "100.02", "2")])));
        feed(v.as_mut(), VenueInput::Message(&l2(1, "update", &[("bid", "100.01", "0.25")])));
        assert_eq!(top(v.as_ref(), "BTC-USD").0, some("100.01", "0.25"), "new_quantity is absolute");
        // Heartbeats advance the same sequence.
        feed(v.as_mut(), VenueInput::Message(r#"{"channel":"heartbeats","sequence_num":2,"events":[{"current_time":"t","heartbeat_counter":1}]}"#));
        assert_eq!(feed(v.as_mut(), VenueInput::Message(&l2(3, "update", &[("offer", "100.02", "0")]))).updates.len(), 1);
        assert_eq!(top(v.as_ref(), "BTC-USD").1, None);
        let r = feed(v.as_mut(), VenueInput::Message(&l2(5, "update", &[("bid", "100.00", "1")])));
        assert!(r.notes.contains(&("BTC-USD".into(), Note::Gap)));
        assert!(matches!(&r.actions[..], [VenueAction::Send { messages, .. }] if messages[1].contains("level2")));
        assert_eq!(v.books()["BTC-USD"].state, SyncState::Resyncing);
        assert!(feed(v.as_mut(), VenueInput::Message(&l2(6, "update", &[("bid", "99", "1")]))).updates.is_empty(), "ignored until a snapshot");
        feed(v.as_mut(), VenueInput::Message(&l2(7, "snapshot", &[("bid", "101", "1"), ("offer", "101.5", "1")])));
        assert_eq!(v.books()["BTC-USD"].state, SyncState::Live);
    }

    #[test]
    fn crossed_malformed_and_unknown() {
        let mut v = tickframe_server::venues::by_name("coinbase", 10).unwrap();
        feed(v.as_mut(), VenueInput::Message(&l2(0, "snapshot", &[("bid", "100", "1"), ("offer", "101", "1")])));
        feed(v.as_mut(), VenueInput::Message(&l2(1, "update", &[("bid", "102", "1")])));
        assert!(v.books()["BTC-USD"].book.book().is_crossed());
        assert!(feed(v.as_mut(), VenueInput::Message(r#"{"channel":"subscriptions","sequence_num":2,"events":[]}"#)).updates.is_empty());
        rejects_garbage_without_changing_books(v.as_mut(), "BTC-USD", &["{", "42", "\"text\""]);
        // A sequenced book message that cannot be applied is lost data: an error, and a resync
        // rather than a book that silently misses it.
        for (seq, bad) in [(3, l2(3, "update", &[("middle", "100", "1")])), (5, l2(5, "update", &[("bid", "100", "lots")]))] {
            let mut r = Report::default();
            assert!(v.handle(VenueInput::Message(&bad), &mut r).is_err(), "seq {seq}");
            assert_eq!(v.books()["BTC-USD"].state, SyncState::Resyncing);
            assert!(v.books()["BTC-USD"].book.book().best_bid().is_none());
            assert!(matches!(&r.actions[..], [VenueAction::Send { .. }]));
            feed(v.as_mut(), VenueInput::Message(&l2(seq + 1, "snapshot", &[("bid", "100", "1"), ("offer", "101", "1")])));
        }
    }
}

mod bybit {
    use super::*;

    fn ob(kind: &str, u: u64, b: &str, a: &str) -> String {
        format!(r#"{{"topic":"orderbook.2.BTCUSDT","type":"{kind}","ts":1,"data":{{"s":"BTCUSDT","b":{b},"a":{a},"u":{u},"seq":9}},"cts":1}}"#)
    }

    #[test]
    fn snapshot_deltas_u_continuity_restart_and_gap() {
        let mut v = tickframe_server::venues::by_name("bybit", 10).unwrap();
        feed(v.as_mut(), VenueInput::Message(&ob("snapshot", 10, r#"[["100.5","1"],["100.4","2"]]"#, r#"[["100.6","1"]]"#)));
        let r = feed(v.as_mut(), VenueInput::Message(&ob("delta", 11, r#"[["100.55","3"]]"#, "[]")));
        assert_eq!(r.updates[0].update_id, "11");
        assert_eq!(v.books()["BTCUSDT"].book.book().bids().count(), 2, "truncated to depth 2");
        assert_eq!(top(v.as_ref(), "BTCUSDT").0, some("100.55", "3"));
        // u = 1: Bybit restarted the stream; the delta is a fresh snapshot.
        let r = feed(v.as_mut(), VenueInput::Message(&ob("delta", 1, r#"[["99","1"]]"#, r#"[["99.5","1"]]"#)));
        assert!(r.updates[0].snapshot);
        assert_eq!(top(v.as_ref(), "BTCUSDT").0, some("99", "1"));
        let r = feed(v.as_mut(), VenueInput::Message(&ob("delta", 3, "[]", "[]")));
        assert!(r.notes.contains(&("BTCUSDT".into(), Note::Gap)));
        assert!(matches!(&r.actions[..], [VenueAction::Send { messages, .. }] if messages[1].contains("orderbook.2.BTCUSDT")));
        assert_eq!(v.books()["BTCUSDT"].state, SyncState::Resyncing);
    }

    #[test]
    fn spot_and_linear_books_of_one_symbol_are_two_markets_keyed_by_the_connection() {
        let mut v = tickframe_server::venues::by_name("bybit", 10).unwrap();
        // Interleaved as a capture holding both connections replays them: the same topic names.
        v.select_connection("wss://stream.bybit.com/v5/public/spot");
        feed(v.as_mut(), VenueInput::Message(&ob("snapshot", 10, r#"[["100.5","1"]]"#, r#"[["100.6","1"]]"#)));
        v.select_connection("wss://stream.bybit.com/v5/public/linear");
        feed(v.as_mut(), VenueInput::Message(&ob("snapshot", 500, r#"[["100.7","4"]]"#, r#"[["100.8","2"]]"#)));
        v.select_connection("wss://stream.bybit.com/v5/public/spot");
        let r = feed(v.as_mut(), VenueInput::Message(&ob("delta", 11, r#"[["100.55","3"]]"#, "[]")));
        assert!(r.notes.is_empty(), "spot's u runs on: {:?}", r.notes);
        v.select_connection("wss://stream.bybit.com/v5/public/linear");
        let r = feed(v.as_mut(), VenueInput::Message(&ob("delta", 501, "[]", r#"[["100.75","1"]]"#)));
        assert!(r.notes.is_empty(), "linear's u runs on: {:?}", r.notes);
        assert_eq!(r.updates[0].symbol, "BTCUSDT-PERP");
        let trade =
            r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Sell","v":"0.5","p":"100.7","i":"x1"}]}"#;
        assert_eq!(feed(v.as_mut(), VenueInput::Message(trade)).trades[0].symbol, "BTCUSDT-PERP", "a print is keyed like its book");
        assert_eq!(top(v.as_ref(), "BTCUSDT").0, some("100.55", "3"));
        assert_eq!(top(v.as_ref(), "BTCUSDT-PERP").1, some("100.75", "1"));
        assert!(v.books().values().all(|b| b.is_live()));
    }

    #[test]
    fn a_linear_source_connects_to_the_linear_endpoint_and_one_source_serves_one_category() {
        let v = tickframe_server::venues::by_name("bybit", 50).unwrap();
        let linear = v.endpoint(&["BTCUSDT-PERP".to_string()]);
        assert_eq!(linear.ws_url, "wss://stream.bybit.com/v5/public/linear");
        assert!(
            linear.subscribe[0].contains(r#""orderbook.50.BTCUSDT""#) && linear.subscribe[0].contains(r#""publicTrade.BTCUSDT""#),
            "{:?}",
            linear.subscribe
        );
        assert_eq!(v.endpoint(&["BTCUSDT".to_string()]).ws_url, "wss://stream.bybit.com/v5/public/spot");
        assert!(v.check_symbols(&["BTCUSDT".into(), "ETHUSDT-PERP".into()]).is_err());
        assert!(v.check_symbols(&["BTCUSDT-PERP".into(), "ETHUSDT-PERP".into()]).is_ok());
    }

    #[test]
    fn crossed_malformed_and_unknown() {
        let mut v = tickframe_server::venues::by_name("bybit", 10).unwrap();
        feed(v.as_mut(), VenueInput::Message(&ob("snapshot", 10, r#"[["100","1"]]"#, r#"[["101","1"]]"#)));
        feed(v.as_mut(), VenueInput::Message(&ob("delta", 11, r#"[["101.5","1"]]"#, "[]")));
        assert!(v.books()["BTCUSDT"].book.book().is_crossed());
        for unknown in [r#"{"success":true,"op":"subscribe"}"#, r#"{"topic":"publicTrade.BTCUSDT","data":[]}"#] {
            assert!(feed(v.as_mut(), VenueInput::Message(unknown)).updates.is_empty());
        }
        rejects_garbage_without_changing_books(
            v.as_mut(),
            "BTCUSDT",
            &["{", &ob("delta", 12, r#"[["1e3","1"]]"#, "[]"), &ob("weird", 12, "[]", "[]")],
        );
    }
}

mod okx {
    use super::*;

    fn crc(bids: &[(&str, &str)], asks: &[(&str, &str)]) -> i64 {
        let mut parts = Vec::new();
        for i in 0..bids.len().max(asks.len()) {
            if let Some((p, q)) = bids.get(i) {
                parts.extend([*p, *q]);
            }
            if let Some((p, q)) = asks.get(i) {
                parts.extend([*p, *q]);
            }
        }
        crc32fast::hash(parts.join(":").as_bytes()) as i32 as i64
    }

    fn books(action: &str, prev: i64, seq: i64, bids: &[(&str, &str)], asks: &[(&str, &str)], checksum: i64) -> String {
        let ls = |l: &[(&str, &str)]| l.iter().map(|(p, q)| format!(r#"["{p}","{q}","0","1"]"#)).collect::<Vec<_>>().join(",");
        format!(
            r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{action}","data":[{{"asks":[{}],"bids":[{}],"ts":"1","checksum":{checksum},"prevSeqId":{prev},"seqId":{seq}}}]}}"#,
            ls(asks),
            ls(bids)
        )
    }

    #[test]
    fn seq_chain_and_checksum_from_the_printed_text() {
        let mut v = tickframe_server::venues::by_name("okx", 10).unwrap();
        let (bids, asks) = ([("8476.90", "2"), ("8476.5", "1")], [("8477.1", "0.50")]);
        let r = feed(v.as_mut(), VenueInput::Message(&books("snapshot", -1, 100, &bids, &asks, crc(&bids, &asks))));
        assert_eq!(r.notes, vec![("BTC-USDT".into(), Note::ChecksumOk)]);
        assert_eq!(top(v.as_ref(), "BTC-USDT").0, some("8476.9", "2"));
        let after = [("8476.90", "2"), ("8476.7", "4"), ("8476.5", "1")];
        let r = feed(v.as_mut(), VenueInput::Message(&books("update", 100, 101, &[("8476.7", "4")], &[], crc(&after, &asks))));
        assert_eq!(r.notes, vec![("BTC-USDT".into(), Note::ChecksumOk)]);
        // A zero checksum is not verified.
        assert!(feed(v.as_mut(), VenueInput::Message(&books("update", 101, 101, &[], &[], 0))).notes.is_empty());
        // Wrong checksum → resync + resubscribe.
        let r = feed(v.as_mut(), VenueInput::Message(&books("update", 101, 102, &[("8476.8", "1")], &[], 42)));
        assert_eq!(r.notes, vec![("BTC-USDT".into(), Note::ChecksumFailed), ("BTC-USDT".into(), Note::Resync)]);
        assert!(matches!(&r.actions[..], [VenueAction::Send { messages, .. }] if messages[1].contains("\"books\"")));
        // Fresh snapshot, then a broken chain.
        feed(v.as_mut(), VenueInput::Message(&books("snapshot", -1, 200, &bids, &asks, 0)));
        let r = feed(v.as_mut(), VenueInput::Message(&books("update", 199, 201, &[], &[], 0)));
        assert_eq!(r.notes, vec![("BTC-USDT".into(), Note::Gap), ("BTC-USDT".into(), Note::Resync)]);
        assert_eq!(v.books()["BTC-USDT"].state, SyncState::Resyncing);
    }

    #[test]
    fn crossed_malformed_and_unknown() {
        let mut v = tickframe_server::venues::by_name("okx", 10).unwrap();
        feed(v.as_mut(), VenueInput::Message(&books("snapshot", -1, 1, &[("10", "1")], &[("11", "1")], 0)));
        feed(v.as_mut(), VenueInput::Message(&books("update", 1, 2, &[("12", "1")], &[], 0)));
        assert!(v.books()["BTC-USDT"].book.book().is_crossed());
        for unknown in [
            "pong",
            r#"{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"}}"#,
            r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[]}"#,
        ] {
            assert!(feed(v.as_mut(), VenueInput::Message(unknown)).updates.is_empty());
        }
        rejects_garbage_without_changing_books(
            v.as_mut(),
            "BTC-USDT",
            &["{", &books("update", 2, 3, &[("x", "1")], &[], 0), &books("replace", 2, 3, &[], &[], 0)],
        );
    }
}

/// Prints, per venue, from inline messages in each venue's documented shape: every field (exact
/// price and size text, the taker's side — inverted where the venue names the maker — the id, the
/// exchange's time), a gap in consecutive ids noted, a repeat dropped, a bad print an error.
mod trades {
    use super::*;
    use tickframe_server::venues::trade::{TakerSide, Trade};

    fn prints(v: &mut dyn Venue, msg: &str) -> Report {
        feed(v, VenueInput::Message(msg))
    }

    fn print(symbol: &str, id: Option<&str>, price: &str, size: &str, side: TakerSide, time_ms: f64) -> Trade {
        Trade::new(symbol, id.map(String::from), price, size, side, time_ms).expect("a valid print")
    }

    fn notes(r: &Report) -> Vec<Note> {
        r.notes.iter().map(|(_, n)| *n).collect()
    }

    #[test]
    fn binance_agg_trade_m_true_is_a_taker_sell_and_ids_run_on() {
        let mut v = tickframe_server::venues::by_name("binance", 10).unwrap();
        let agg = |a: u64, m: bool| {
            format!(
                r#"{{"stream":"btcusdt@aggTrade","data":{{"e":"aggTrade","E":2,"s":"BTCUSDT","a":{a},"p":"65000.10","q":"0.00100","f":1,"l":3,"T":1700000000123,"m":{m},"M":true}}}}"#
            )
        };
        let r = prints(v.as_mut(), &agg(7, true));
        assert_eq!(r.trades, vec![print("BTCUSDT", Some("7"), "65000.10", "0.00100", TakerSide::Sell, 1_700_000_000_123.0)]);
        assert_eq!(prints(v.as_mut(), &agg(8, false)).trades[0].side, TakerSide::Buy);
        let r = prints(v.as_mut(), &agg(8, false)); // repeated (a reconnect)
        assert!(r.trades.is_empty());
        assert_eq!(notes(&r), vec![Note::TradeDuplicate]);
        let r = prints(v.as_mut(), &agg(11, false)); // 9 and 10 never came
        assert_eq!((r.trades.len(), notes(&r)), (1, vec![Note::TradeGap]));
        // The raw `trade` stream, by `t`.
        let raw = r#"{"e":"trade","E":2,"s":"ETHUSDT","t":42,"p":"1919.41","q":"0.5","T":1700000000999,"m":false,"M":true}"#;
        assert_eq!(prints(v.as_mut(), raw).trades, vec![print("ETHUSDT", Some("42"), "1919.41", "0.5", TakerSide::Buy, 1_700_000_000_999.0)]);
        assert!(!prints(v.as_mut(), raw).saw_data(), "a print is not book data (a moving tape must not keep a frozen book live)");
        for bad in [
            r#"{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1e3","q":"1","T":1,"m":true}"#,
            r#"{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"100","q":"0","T":1,"m":true}"#,
            r#"{"e":"aggTrade","s":"BTCUSDT","p":"100","q":"1","T":1,"m":true}"#,
        ] {
            assert!(v.handle(VenueInput::Message(bad), &mut Report::default()).is_err(), "accepted {bad}");
        }
    }

    #[test]
    fn coinbase_market_trades_side_names_the_maker_and_is_inverted() {
        let mut v = tickframe_server::venues::by_name("coinbase", 10).unwrap();
        let msg = |seq: u64, kind: &str, trades: &str| {
            format!(
                r#"{{"channel":"market_trades","timestamp":"2026-08-09T21:05:48.2Z","sequence_num":{seq},"events":[{{"type":"{kind}","trades":[{trades}]}}]}}"#
            )
        };
        let t = |id: u64, side: &str| {
            format!(
                r#"{{"product_id":"BTC-USD","trade_id":"{id}","price":"65083.67","size":"0.002186","time":"2026-08-09T21:05:42.514318Z","side":"{side}"}}"#
            )
        };
        // The subscribe snapshot comes newest first; prints are taken in id order.
        let r = prints(v.as_mut(), &msg(0, "snapshot", &[t(12, "SELL"), t(11, "BUY"), t(10, "SELL")].join(",")));
        let ids: Vec<_> = r.trades.iter().map(|t| t.trade_id.clone().unwrap()).collect();
        assert_eq!(ids, ["10", "11", "12"]);
        assert_eq!(r.trades[0], print("BTC-USD", Some("10"), "65083.67", "0.002186", TakerSide::Buy, 1_786_309_542_514.318));
        assert_eq!(r.trades[1].side, TakerSide::Sell, "a maker BUY is a taker sell");
        // A resubscription's snapshot repeats what was seen, then goes on.
        let r = prints(v.as_mut(), &msg(1, "snapshot", &[t(13, "SELL"), t(12, "SELL")].join(",")));
        assert_eq!((r.trades.len(), notes(&r)), (1, vec![Note::TradeDuplicate]));
        let r = prints(v.as_mut(), &msg(2, "update", &t(15, "BUY")));
        assert_eq!(notes(&r), vec![Note::TradeGap]);
        assert!(v.handle(VenueInput::Message(&msg(3, "update", &t(16, "HOLD"))), &mut Report::default()).is_err());
    }

    #[test]
    fn kraken_v2_trade_and_v1_trade_name_the_taker() {
        let mut v = tickframe_server::venues::by_name("kraken", 10).unwrap();
        let v2 = r#"{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":65000.5,"qty":0.00010000,"ord_type":"market","trade_id":4665906,"timestamp":"2023-09-25T07:49:37.708706Z"},{"symbol":"BTC/USD","side":"buy","price":65001,"qty":1.5,"ord_type":"limit","trade_id":4665905,"timestamp":"2023-09-25T07:49:37.7Z"}]}"#;
        let r = prints(v.as_mut(), v2);
        assert_eq!(
            r.trades,
            vec![
                print("BTC/USD", Some("4665905"), "65001", "1.5", TakerSide::Buy, 1_695_628_177_700.0),
                print("BTC/USD", Some("4665906"), "65000.5", "0.00010000", TakerSide::Sell, 1_695_628_177_708.706),
            ]
        );
        let v1 = r#"[993,[["354.11000000","0.89594024","1618678142.557535","s","l",""],["354.12000000","1.0","1618678142.6","b","m",""]],"trade","XMR/USD"]"#;
        let r = prints(v.as_mut(), v1);
        assert_eq!(r.trades[0], print("XMR/USD", None, "354.11000000", "0.89594024", TakerSide::Sell, 1_618_678_142_557.535));
        assert_eq!(r.trades[1].side, TakerSide::Buy);
        assert!(v.handle(VenueInput::Message(r#"[993,[["354.1","1","x","s","l",""]],"trade","XMR/USD"]"#), &mut Report::default()).is_err());
    }

    #[test]
    fn bybit_public_trade_s_is_the_taker_and_repeats_are_dropped_by_id() {
        let mut v = tickframe_server::venues::by_name("bybit", 10).unwrap();
        let msg = |id: &str, side: &str| {
            format!(
                r#"{{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{{"T":1672304486865,"s":"BTCUSDT","S":"{side}","v":"0.001","p":"16578.50","L":"PlusTick","i":"{id}","BT":false}}]}}"#
            )
        };
        let r = prints(v.as_mut(), &msg("20f43950-d8dd-5b31-9112-a178eb6023af", "Buy"));
        assert_eq!(
            r.trades,
            vec![print("BTCUSDT", Some("20f43950-d8dd-5b31-9112-a178eb6023af"), "16578.50", "0.001", TakerSide::Buy, 1_672_304_486_865.0)]
        );
        assert_eq!(notes(&prints(v.as_mut(), &msg("20f43950-d8dd-5b31-9112-a178eb6023af", "Buy"))), vec![Note::TradeDuplicate]);
        assert_eq!(prints(v.as_mut(), &msg("other", "Sell")).trades[0].side, TakerSide::Sell);
    }

    #[test]
    fn okx_trades_side_is_the_taker_and_count_covers_earlier_ids() {
        let mut v = tickframe_server::venues::by_name("okx", 10).unwrap();
        let msg = |id: u64, count: u64, side: &str| {
            format!(
                r#"{{"arg":{{"channel":"trades","instId":"BTC-USDT-SWAP"}},"data":[{{"instId":"BTC-USDT-SWAP","tradeId":"{id}","px":"42219.9","sz":"12","side":"{side}","ts":"1630048897897","count":"{count}"}}]}}"#
            )
        };
        let r = prints(v.as_mut(), &msg(100, 1, "buy"));
        assert_eq!(r.trades, vec![print("BTC-USDT-SWAP", Some("100"), "42219.9", "12", TakerSide::Buy, 1_630_048_897_897.0)]);
        let r = prints(v.as_mut(), &msg(103, 3, "sell")); // covers 101..=103: no gap
        assert_eq!((r.trades[0].side, notes(&r)), (TakerSide::Sell, vec![]));
        assert_eq!(notes(&prints(v.as_mut(), &msg(106, 2, "sell"))), vec![Note::TradeGap], "104 never came");
        assert!(v.handle(VenueInput::Message(&msg(2, 5, "sell")), &mut Report::default()).is_err(), "a count past the id");
    }
}
