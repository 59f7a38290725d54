//! The seam between "state" and "transport": anything that ingests messages and can render itself
//! as a frame can be served by tickframe's tick loop, fan-out and WebSocket endpoint.

pub mod frame_builder;
pub mod heat_columns;
pub mod orderbook_engine;
pub mod trade_window;

use flatbuffers::FlatBufferBuilder;

/// A market-data state machine served by the tick loop.
///
/// The tick loop owns the engine on one task (no locks): it calls [`ingest`](Self::ingest) for every
/// inbound message, [`tick`](Self::tick) once per tick when something changed (or when a heartbeat
/// is due), and [`join_frame`](Self::join_frame) when a client joins.
pub trait ServerEngine: Send + 'static {
    /// Apply one raw message from the source. Returns `true` when visible state changed, so the tick
    /// loop can skip serializing unchanged state. Bad input must be counted and logged, never panic.
    fn ingest(&mut self, msg: &[u8]) -> bool;

    /// Serialize the current state as the next frame into `b` (reused across ticks: call
    /// `b.reset()` first) and return the finished bytes. Each call advances the frame sequence.
    fn tick<'a>(&mut self, b: &'a mut FlatBufferBuilder<'static>) -> &'a [u8];

    /// The *join frame*: the current state as a frame for a client that just joined, carrying the sequence of the
    /// last [`tick`](Self::tick) (so the next broadcast frame follows it with no gap). `None` when
    /// there is nothing to show yet.
    fn join_frame(&self, b: &mut FlatBufferBuilder<'static>) -> Option<Vec<u8>>;

    /// The source feeding this engine is gone (its task ended or died): nothing will update this
    /// state again. Return `true` if that is visible (an order book says *stale*), so the next tick
    /// sends it. The default ignores it.
    fn source_ended(&mut self) -> bool {
        false
    }

    /// For a market clocked by its source (a capture replay runs on the capture's clock): the time,
    /// in ms since the epoch, that the next frames are built at. The default ignores it.
    fn set_source_time(&mut self, _ms: u64) {}

    /// Whether a frame is due even though nothing changed (a heat column ended): the tick loop
    /// asks at every tick. The default never is.
    fn tick_due(&self) -> bool {
        false
    }
}

/// A boxed engine is an engine: several markets of different engine types share one server.
impl<E: ServerEngine + ?Sized> ServerEngine for Box<E> {
    fn ingest(&mut self, msg: &[u8]) -> bool {
        (**self).ingest(msg)
    }
    fn tick<'a>(&mut self, b: &'a mut FlatBufferBuilder<'static>) -> &'a [u8] {
        (**self).tick(b)
    }
    fn join_frame(&self, b: &mut FlatBufferBuilder<'static>) -> Option<Vec<u8>> {
        (**self).join_frame(b)
    }
    fn source_ended(&mut self) -> bool {
        (**self).source_ended()
    }
    fn set_source_time(&mut self, ms: u64) {
        (**self).set_source_time(ms)
    }
    fn tick_due(&self) -> bool {
        (**self).tick_due()
    }
}
