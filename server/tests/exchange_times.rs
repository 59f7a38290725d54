//! Each venue's exchange time, from the real third-party captures (../shared/fixtures/exchange): every
//! book update carries the time the venue's documented field says (read here independently, straight
//! from the JSON), in µs, and the captures' receive times sit near it — on either side, since the
//! recording machines' clocks were not the exchanges'. Bybit and OKX have no shared capture: their
//! fields are checked on the messages their docs show (tests/venues.rs style, below).

use tickframe_server::exchange::capture::{CaptureEvent, CaptureReader};
use tickframe_server::sources::capture_input::{CaptureInputs, ConnectionSelector};
use tickframe_server::venues::venue::{Report, VenueInput};

mod support;
use support::fixtures;

/// (capture receive time µs, the update's exchange time µs, the oracle's time µs) per book update.
fn times(venue: &str, file: &str, oracle: fn(&str) -> Option<u64>) -> Option<Vec<(u64, u64, Option<u64>)>> {
    let path = fixtures()?.join(file);
    let mut v = tickframe_server::venues::by_name(venue, 10).expect("known venue");
    let mut reader = CaptureReader::new(std::io::BufReader::new(std::fs::File::open(path).expect("readable")));
    let (mut inputs, mut connection, mut report) = (CaptureInputs::default(), ConnectionSelector::default(), Report::default());
    let mut out = Vec::new();
    while let Some(ev) = reader.next_event() {
        let Ok(ev) = ev else { continue };
        report.clear();
        let recv_us = (tickframe_server::sources::capture_input::ts(&ev) * 1e6).round() as u64;
        let Some(input) = inputs.input(&ev) else { continue };
        connection.select(&inputs, &ev, v.as_mut());
        let text = match (&ev, input) {
            (CaptureEvent::Recv { data, .. }, VenueInput::Message(_)) => Some(data.to_string()),
            _ => None,
        };
        let _ = v.handle(input, &mut report);
        for u in &report.updates {
            let expected = text.as_deref().and_then(oracle);
            out.push((recv_us, u.exchange_time_us, if u.snapshot && text.is_none() { None } else { expected }));
        }
    }
    Some(out)
}

fn json(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str(text).ok()
}

/// RFC 3339 to µs, the test's own way (chrono-free: via the shared parser's independent twin below).
fn rfc3339_us(s: &str) -> Option<u64> {
    // 2026-08-09T21:05:48.170326Z → seconds via days since epoch, then the fraction's first 6 digits.
    let (date, time) = s.strip_suffix('Z')?.split_once('T')?;
    let d: Vec<i64> = date.split('-').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let t: Vec<i64> = hms.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    // Days from 1970-01-01, counted month by month (slow and obvious).
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = (1970..d[0]).map(|y| if leap(y) { 366 } else { 365 }).sum::<i64>();
    let month_days = [31, if leap(d[0]) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    days += month_days[..(d[1] - 1) as usize].iter().sum::<i64>() + d[2] - 1;
    let micros: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
    Some(((days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2]) * 1_000_000 + micros.parse::<i64>().ok()?) as u64)
}

/// Every update has the oracle's time, and receive − exchange stays within `band_s` seconds.
fn check(name: &str, got: &[(u64, u64, Option<u64>)], band_s: f64, min_updates: usize) {
    assert!(got.len() >= min_updates, "{name}: {} book updates", got.len());
    let mut ahead = 0;
    for (recv, exch, expected) in got {
        if let Some(e) = expected {
            assert_eq!(exch, e, "{name}: the exchange time is the documented field's");
        }
        if *exch == 0 {
            continue;
        }
        let d = (*recv as f64 - *exch as f64) / 1e6;
        assert!(d.abs() < band_s, "{name}: receive − exchange = {d} s");
        ahead += (d < 0.0) as usize;
    }
    eprintln!("{name}: {} updates, {ahead} stamped by the exchange after the recorder read them", got.len());
}

#[test]
fn binance_spot_depth_updates_carry_e() {
    let oracle = |t: &str| json(t)?.get("data")?.get("E")?.as_u64().map(|ms| ms * 1000);
    let Some(got) = times("binance", "binance-spot-2021.capture.jsonl", oracle) else { return };
    // Spot's REST snapshot has no time: 0 there, the diffs' E everywhere else.
    assert!(got.iter().filter(|(_, x, e)| e.is_some() && *x == 0).count() == 0);
    check("binance spot", &got, 5.0, 50);
}

#[test]
fn binance_usdm_depth_updates_carry_t() {
    let oracle = |t: &str| json(t)?.get("data")?.get("T")?.as_u64().map(|ms| ms * 1000);
    let Some(got) = times("binance-usdm", "binance-usdm-2021.capture.jsonl", oracle) else { return };
    check("binance usdm", &got, 5.0, 50);
}

#[test]
fn coinbase_updates_carry_their_newest_event_time_and_snapshots_the_message_time() {
    let oracle = |t: &str| {
        let v = json(t)?;
        let ev = v.get("events")?.get(0)?;
        if ev.get("type")?.as_str()? == "snapshot" {
            return rfc3339_us(v.get("timestamp")?.as_str()?);
        }
        ev.get("updates")?.as_array()?.iter().filter_map(|u| rfc3339_us(u.get("event_time")?.as_str()?)).max()
    };
    let Some(got) = times("coinbase", "coinbase-advanced-2026.capture.jsonl", oracle) else { return };
    check("coinbase", &got, 5.0, 100);
}

#[test]
fn kraken_v1_updates_carry_their_newest_level_time() {
    let oracle = |t: &str| {
        let v = json(t)?;
        let parts = v.as_array()?;
        let mut newest = None;
        for body in &parts[1..parts.len().saturating_sub(2)] {
            for (k, levels) in body.as_object()? {
                if !["a", "b", "as", "bs"].contains(&k.as_str()) {
                    continue;
                }
                for l in levels.as_array()? {
                    let (s, f) = l.get(2)?.as_str()?.split_once('.')?;
                    let us = s.parse::<u64>().ok()? * 1_000_000
                        + f.chars().chain(std::iter::repeat('0')).take(6).collect::<String>().parse::<u64>().ok()?;
                    newest = newest.max(Some(us));
                }
            }
        }
        newest
    };
    let Some(got) = times("kraken", "kraken-v1-2021.capture.jsonl", oracle) else { return };
    // A v1 snapshot's level times are when each level last changed: far older than the message.
    let updates = got.to_vec();
    check("kraken v1", &updates.iter().filter(|(r, x, _)| r.abs_diff(*x) < 60_000_000).copied().collect::<Vec<_>>(), 5.0, 50);
    for (_, x, e) in &updates {
        assert_eq!(Some(*x), *e, "kraken v1: every update's time is its newest level's");
    }
}

#[test]
fn bybit_and_okx_take_the_engine_time_their_docs_name() {
    // Bybit v5 orderbook: `cts` (the matching engine's time) over `ts` (when the message was made).
    let mut bybit = tickframe_server::venues::by_name("bybit", 50).unwrap();
    let mut r = Report::default();
    let msg = r#"{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT","b":[["16493.50","0.006"]],"a":[["16611.00","0.029"]],"u":18521288,"seq":7961638724},"cts":1672304484976}"#;
    bybit.handle(VenueInput::Message(msg), &mut r).unwrap();
    assert_eq!(r.updates[0].exchange_time_us, 1_672_304_484_976_000);
    // OKX books: `ts` of the data item.
    let mut okx = tickframe_server::venues::by_name("okx", 50).unwrap();
    let mut r = Report::default();
    let msg = r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["8476.98","415","0","13"]],"bids":[["8476.97","256","0","12"]],"ts":"1597026383085","checksum":0,"prevSeqId":-1,"seqId":123456}]}"#;
    okx.handle(VenueInput::Message(msg), &mut r).unwrap();
    assert_eq!(r.updates[0].exchange_time_us, 1_597_026_383_085_000);
}
