//! Tick serialization: one frame from an exact book at 50 and 500 levels a side, into the reused
//! builder, without and with heat columns (the book sampled into the open column every tick; a
//! column closed and carried every fifth tick, as at 50 Hz and 100 ms)
//! (`cargo bench -p tickframe-server --bench tick_serialize`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flatbuffers::FlatBufferBuilder;
use std::sync::atomic::{AtomicU64, Ordering};
use tickframe_server::adapters::book_image::{encode_image, BookImageAdapter};

use tickframe_server::engine::heat_columns::{HeatBand, HeatConfig};
use tickframe_server::engine::orderbook_engine::OrderbookEngine;
use tickframe_server::exchange::exchange_book::ExchangeBook;
use tickframe_server::instrument::Instrument;
use tickframe_server::ServerEngine;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("tick");
    for depth in [50usize, 500] {
        let book = ExchangeBook::sample(depth);
        let inst = Instrument { symbol: "BENCH".into(), price_decimals: 0, tick_units: 1, size_decimals: 0, lot_units: 1 };
        let mut engine = OrderbookEngine::new(BookImageAdapter::new(), inst.clone(), depth).with_clock(|| 1);
        assert!(engine.ingest(&encode_image(&book, depth, true, Default::default())));
        let mut b = FlatBufferBuilder::with_capacity(64 * 1024);
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("{depth}_levels"), |bench| bench.iter(|| engine.tick(&mut b).len()));
        // With heat columns: a clock that moves 20 ms a tick (50 Hz), so a column closes every fifth.
        static NOW: AtomicU64 = AtomicU64::new(0);
        let mut heated = OrderbookEngine::new(BookImageAdapter::new(), inst, depth)
            .with_clock(|| NOW.fetch_add(20, Ordering::Relaxed))
            .with_heat(HeatConfig { band: HeatBand::Ticks(depth as u64), ..HeatConfig::default() });
        assert!(heated.ingest(&encode_image(&book, depth, true, Default::default())));
        g.bench_function(format!("{depth}_levels_with_heat"), |bench| bench.iter(|| heated.tick(&mut b).len()));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
