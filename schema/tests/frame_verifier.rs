//! The fast frame check may only accept what the FlatBuffers verifier accepts, and must know every
//! field the schema has (a field it did not check would be read unverified).

use flatbuffers::FlatBufferBuilder;
use tickframe_schema::frame_verifier::{frame_verifies_fast, FieldKind, FRAME_FIELDS};
use tickframe_schema::*;

fn official(buf: &[u8]) -> bool {
    root_as_orderbook_frame_with_opts(&verifier_options(), buf).is_ok()
}

fn fast(buf: &[u8]) -> bool {
    frame_verifies_fast(buf, verifier_options().max_apparent_size)
}

fn frame(levels: usize, symbol: Option<&str>, heartbeat: bool) -> Vec<u8> {
    frame_with_trades(levels, symbol, heartbeat, 0)
}

fn frame_with_trades(levels: usize, symbol: Option<&str>, heartbeat: bool, prints: usize) -> Vec<u8> {
    let mut b = FlatBufferBuilder::new();
    let bids: Vec<PriceLevel> = (0..levels).map(|i| PriceLevel::new(100.0 - i as f64 * 0.01, 1.0 + i as f64)).collect();
    let asks: Vec<PriceLevel> = (0..levels).map(|i| PriceLevel::new(100.01 + i as f64 * 0.01, 2.0)).collect();
    let trades: Vec<Trade> = (0..prints)
        .map(|i| Trade::new(100.0, 0.5, 1.7e12 + i as f64, i as u64 + 1, if i % 2 == 0 { TradeSide::Buy } else { TradeSide::Sell }, (i % 4) as u8))
        .collect();
    let symbol = symbol.map(|s| b.create_string(s));
    let bids = b.create_vector(&bids);
    let asks = b.create_vector(&asks);
    let trades = (prints > 0).then(|| b.create_vector(&trades));
    let f = OrderbookFrame::create(
        &mut b,
        &OrderbookFrameArgs {
            sequence: 7,
            timestamp_ms: 1_700_000_000_000,
            symbol,
            tick_size: 0.01,
            lot_size: 0.001,
            best_bid: 100.0,
            best_ask: 100.01,
            bids: Some(bids),
            asks: Some(asks),
            heartbeat,
            status: BookStatus::Resyncing,
            trades,
            trade_seq: prints as u64,
            buy_volume: 1.5,
            trade_count: prints as u64,
            ..Default::default()
        },
    );
    finish_orderbook_frame_buffer(&mut b, f);
    b.finished_data().to_vec()
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn accepts_every_well_formed_frame() {
    for (levels, symbol, heartbeat) in [(0, None, true), (1, Some("X"), false), (50, Some("SIM-USD"), false), (1000, Some("BTC-USD"), true)] {
        let f = frame(levels, symbol, heartbeat);
        assert!(official(&f) && fast(&f), "{levels} levels, {symbol:?}");
        assert_eq!(decode_frame(&f).unwrap().bids().map_or(0, |v| v.len()), levels);
    }
    for prints in [1, 7, 256] {
        let f = frame_with_trades(50, Some("BTC-USD"), false, prints);
        assert!(official(&f) && fast(&f), "{prints} prints");
        assert_eq!(decode_frame(&f).unwrap().trades().map_or(0, |v| v.len()), prints);
    }
}

#[test]
fn never_accepts_what_the_verifier_rejects() {
    let seeds =
        [frame(3, Some("SIM-USD"), false), frame(0, None, true), frame(20, Some("ÉTH-€"), false), frame_with_trades(2, Some("BTC-USD"), true, 5)];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut both, mut rejected_by_both, mut fast_only_rejects) = (0, 0, 0);
    for i in 0..200_000 {
        let mut buf = seeds[i % seeds.len()].clone();
        // One to three mutations: bytes, whole offsets (the interesting ones), truncation, extension.
        for _ in 0..1 + rng.below(3) {
            match rng.below(6) {
                0 | 1 if !buf.is_empty() => {
                    let at = rng.below(buf.len());
                    buf[at] = rng.next() as u8;
                }
                2 | 3 => {
                    let at = rng.below(buf.len() / 4) * 4;
                    let v = match rng.below(4) {
                        0 => rng.next() as u32,
                        1 => (buf.len() as u32).wrapping_sub(rng.below(16) as u32),
                        2 => (rng.below(64) as u32).wrapping_neg(),
                        _ => rng.below(64) as u32,
                    };
                    if at + 4 <= buf.len() {
                        buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
                    }
                }
                4 => buf.truncate(rng.below(buf.len() + 1)),
                0 | 1 => {}
                _ => buf.extend((0..rng.below(32)).map(|_| rng.next() as u8)),
            }
        }
        let (f, o) = (fast(&buf), official(&buf));
        assert!(!f || o, "fast check accepted a buffer the verifier rejects: {buf:?}");
        match (f, o) {
            (true, true) => both += 1,
            (false, false) => rejected_by_both += 1,
            (false, true) => fast_only_rejects += 1, // falls back to the verifier: allowed
            (true, false) => unreachable!(),
        }
    }
    // The mutations reach both sides of the line, so the property was really exercised.
    assert!(both > 1_000 && rejected_by_both > 1_000, "accepted {both}, rejected {rejected_by_both}");
    assert!(fast_only_rejects < both, "the fast path should take most valid buffers ({fast_only_rejects} fell back)");
}

#[test]
fn knows_every_field_of_the_schema_in_order() {
    let fbs = include_str!("../orderbook.fbs");
    let body = fbs.split("table OrderbookFrame {").nth(1).and_then(|t| t.split('}').next()).expect("OrderbookFrame table");
    let fields: Vec<(String, String)> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && l.contains(':'))
        .map(|l| {
            let (name, ty) = l.trim_end_matches(';').split_once(':').expect("name: type");
            (name.trim().to_string(), ty.split('=').next().unwrap_or("").trim().to_string())
        })
        .collect();
    let kind = |ty: &str| match ty {
        "ulong" | "long" | "double" | "uint64" | "int64" | "float64" => FieldKind::Scalar(8),
        "bool" | "byte" | "ubyte" | "BookStatus" => FieldKind::Scalar(1),
        "string" => FieldKind::String,
        "[PriceLevel]" => FieldKind::StructVector { size: 16, align: 8 },
        "[Trade]" => FieldKind::StructVector { size: 40, align: 8 },
        "[HeatColumn]" => FieldKind::StructVector { size: 56, align: 8 },
        "[ushort]" => FieldKind::StructVector { size: 2, align: 2 },
        other => panic!("fast check does not know field type {other}: teach frame_verifier.rs"),
    };
    let schema: Vec<(&str, FieldKind)> = fields.iter().map(|(n, t)| (n.as_str(), kind(t))).collect();
    assert_eq!(schema, FRAME_FIELDS.to_vec());
    assert_eq!(std::mem::size_of::<PriceLevel>(), 16);
    assert_eq!(std::mem::size_of::<tickframe_schema::HeatColumn>(), 56);
}
