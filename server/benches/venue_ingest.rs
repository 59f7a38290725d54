//! Adapter ingest per venue: messages/s and level updates/s through the venue adapter and its exact
//! book (`cargo bench -p tickframe-server --bench venue_ingest`). Synthetic but valid streams:
//! a snapshot of 200 levels a side, then 1000 deltas of 10 level updates, sequenced and (Kraken)
//! checksummed as the venue would send them.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tickframe_server::book::Side;
use tickframe_server::exchange::exchange_book::ExchangeBook;
use tickframe_server::venues::kraken::book_checksum;
use tickframe_server::venues::venue::{Report, VenueInput};

const DELTAS: usize = 1000;
const LEVELS_PER_DELTA: usize = 10;

/// Deterministic level updates around a mid of 1000.00: (is_bid, price text, size text).
fn updates(i: usize) -> Vec<(bool, String, String)> {
    (0..LEVELS_PER_DELTA)
        .map(|k| {
            let bid = (i + k) % 2 == 0;
            let off = ((i * 7 + k * 13) % 200) as f64 * 0.01 + 0.01;
            let price = if bid { 1000.0 - off } else { 1000.0 + off };
            let size = if (i + k) % 9 == 0 { 0.0 } else { ((i + k) % 50) as f64 * 0.1 + 0.1 };
            (bid, format!("{price:.2}"), format!("{size:.8}"))
        })
        .collect()
}

fn snapshot_levels() -> Vec<(bool, String, String)> {
    (1..=200)
        .flat_map(|i| {
            [
                (true, format!("{:.2}", 1000.0 - i as f64 * 0.01), "1.00000000".to_string()),
                (false, format!("{:.2}", 1000.0 + i as f64 * 0.01), "1.00000000".to_string()),
            ]
        })
        .collect()
}

fn pairs(levels: &[(bool, String, String)], bid: bool) -> String {
    levels.iter().filter(|l| l.0 == bid).map(|(_, p, q)| format!(r#"["{p}","{q}"]"#)).collect::<Vec<_>>().join(",")
}

/// (venue, inputs as (url or None, body)).
fn stream(venue: &str) -> Vec<(Option<String>, String)> {
    let snap = snapshot_levels();
    let mut out = Vec::new();
    match venue {
        "binance" => {
            out.push((None, r#"{"e":"depthUpdate","s":"BTCUSDT","U":100,"u":100,"b":[],"a":[]}"#.to_string()));
            out.push((
                Some("https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000".into()),
                format!(r#"{{"lastUpdateId":100,"bids":[{}],"asks":[{}]}}"#, pairs(&snap, true), pairs(&snap, false)),
            ));
            for i in 0..DELTAS {
                let u = updates(i);
                out.push((
                    None,
                    format!(
                        r#"{{"e":"depthUpdate","s":"BTCUSDT","U":{},"u":{},"b":[{}],"a":[{}]}}"#,
                        101 + i,
                        101 + i,
                        pairs(&u, true),
                        pairs(&u, false)
                    ),
                ));
            }
        }
        "coinbase" => {
            let lv = |l: &[(bool, String, String)]| {
                l.iter()
                    .map(|(b, p, q)| {
                        format!(r#"{{"side":"{}","event_time":"t","price_level":"{p}","new_quantity":"{q}"}}"#, if *b { "bid" } else { "offer" })
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            };
            out.push((
                None,
                format!(
                    r#"{{"channel":"l2_data","sequence_num":0,"events":[{{"type":"snapshot","product_id":"BTC-USD","updates":[{}]}}]}}"#,
                    lv(&snap)
                ),
            ));
            for i in 0..DELTAS {
                out.push((
                    None,
                    format!(
                        r#"{{"channel":"l2_data","sequence_num":{},"events":[{{"type":"update","product_id":"BTC-USD","updates":[{}]}}]}}"#,
                        i + 1,
                        lv(&updates(i))
                    ),
                ));
            }
        }
        "bybit" => {
            out.push((
                None,
                format!(
                    r#"{{"topic":"orderbook.200.BTCUSDT","type":"snapshot","data":{{"s":"BTCUSDT","b":[{}],"a":[{}],"u":1}}}}"#,
                    pairs(&snap, true),
                    pairs(&snap, false)
                ),
            ));
            for i in 0..DELTAS {
                let u = updates(i);
                out.push((
                    None,
                    format!(
                        r#"{{"topic":"orderbook.200.BTCUSDT","type":"delta","data":{{"s":"BTCUSDT","b":[{}],"a":[{}],"u":{}}}}}"#,
                        pairs(&u, true),
                        pairs(&u, false),
                        i + 2
                    ),
                ));
            }
        }
        "okx" => {
            let lv = |l: &[(bool, String, String)], bid: bool| {
                l.iter().filter(|x| x.0 == bid).map(|(_, p, q)| format!(r#"["{p}","{q}","0","1"]"#)).collect::<Vec<_>>().join(",")
            };
            out.push((None, format!(r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"snapshot","data":[{{"bids":[{}],"asks":[{}],"checksum":0,"prevSeqId":-1,"seqId":1}}]}}"#, lv(&snap, true), lv(&snap, false))));
            for i in 0..DELTAS {
                let u = updates(i);
                out.push((None, format!(r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"update","data":[{{"bids":[{}],"asks":[{}],"checksum":0,"prevSeqId":{},"seqId":{}}}]}}"#, lv(&u, true), lv(&u, false), i + 1, i + 2)));
            }
        }
        "kraken" => {
            // Checksums computed on a reference book, exactly as Kraken computes them.
            let mut book = ExchangeBook::new();
            let v2 = |kind: &str, l: &[(bool, String, String)], book: &mut ExchangeBook| {
                book.set_many(l.iter().map(|(b, p, q)| (if *b { Side::Bid } else { Side::Ask }, p.as_str(), q.as_str()))).expect("valid");
                book.truncate(1000);
                let lv = |bid: bool| {
                    l.iter().filter(|x| x.0 == bid).map(|(_, p, q)| format!(r#"{{"price":{p},"qty":{q}}}"#)).collect::<Vec<_>>().join(",")
                };
                format!(
                    r#"{{"channel":"book","type":"{kind}","data":[{{"symbol":"BTC/USD","bids":[{}],"asks":[{}],"checksum":{}}}]}}"#,
                    lv(true),
                    lv(false),
                    book_checksum(book, 2, 8)
                )
            };
            out.push((None, v2("snapshot", &snap, &mut book)));
            for i in 0..DELTAS {
                out.push((None, v2("update", &updates(i), &mut book)));
            }
        }
        _ => unreachable!(),
    }
    out
}

fn bench(c: &mut Criterion) {
    for venue in ["binance", "coinbase", "kraken", "bybit", "okx"] {
        let inputs = stream(venue);
        let levels = DELTAS * LEVELS_PER_DELTA;
        for (unit, n) in [("messages", DELTAS as u64), ("level_updates", levels as u64)] {
            let mut g = c.benchmark_group(format!("ingest/{unit}"));
            g.throughput(Throughput::Elements(n));
            g.sample_size(20);
            g.bench_function(venue, |b| {
                b.iter_batched(
                    || tickframe_server::venues::by_name(venue, 10).expect("venue"),
                    |mut v| {
                        let mut r = Report::default();
                        for (url, body) in &inputs {
                            r.clear();
                            let input = match url {
                                Some(url) => VenueInput::Http { url, body },
                                None => VenueInput::Message(body),
                            };
                            v.handle(input, &mut r).expect("valid stream");
                            assert!(r.notes.iter().all(|(_, n)| !matches!(
                                n,
                                tickframe_server::venues::venue::Note::Gap | tickframe_server::venues::venue::Note::ChecksumFailed
                            )));
                        }
                        v
                    },
                    BatchSize::LargeInput,
                )
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
