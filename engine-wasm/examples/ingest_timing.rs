//! Native timing of MarketEngine::ingest_frame on server-built frames (a quick profile aid; the
//! browser numbers come from `npm run bench:client`). `cargo run --release -p tickframe-engine --example ingest_timing`
use flatbuffers::FlatBufferBuilder;
use tickframe_engine::MarketEngine;
use tickframe_server::adapters::sim::SimAdapter;
use tickframe_server::engine::orderbook_engine::OrderbookEngine;
use tickframe_server::engine::ServerEngine;
use tickframe_server::sources::simulator::{sim_instrument, MarketSimulator};

fn main() {
    for depth in [50usize] {
        let mut sim = MarketSimulator::new(9);
        let mut e = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), depth).with_clock(|| 1_000);
        e.ingest(&sim.snapshot_message());
        let mut b = FlatBufferBuilder::new();
        let frames: Vec<Vec<u8>> = (0..2000)
            .map(|_| {
                e.ingest(&sim.step());
                e.tick(&mut b).to_vec()
            })
            .collect();
        let mut m = MarketEngine::new();
        let t = std::time::Instant::now();
        let rounds = if std::env::var("LONG").is_ok() { 1000 } else { 50 };
        for _ in 0..rounds {
            m.reset_sequence();
            for f in &frames {
                m.ingest_frame(f, 0.0).ok();
                std::hint::black_box(m.levels());
            }
        }
        let per = t.elapsed().as_secs_f64() * 1e6 / (rounds * frames.len()) as f64;
        let t = std::time::Instant::now();
        for _ in 0..rounds {
            for f in &frames {
                std::hint::black_box(tickframe_schema::decode_frame(f).ok());
            }
        }
        let dec = t.elapsed().as_secs_f64() * 1e6 / (rounds * frames.len()) as f64;
        println!("depth {depth}: ingest {per:.3} µs/frame, decode+verify alone {dec:.3} µs ({} bytes)", frames[0].len());
    }
}
