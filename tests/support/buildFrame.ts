/** Builds OrderbookFrames with the TypeScript code flatc generated from the schema (tests, benchmarks). */
import * as flatbuffers from 'flatbuffers';

export { BookStatus } from '../../schema/generated/ts/tickframe/schema';
import { BookStatus, HeatColumn, OrderbookFrame, PriceLevel, Trade, TradeSide } from '../../schema/generated/ts/tickframe/schema';

/** A print for a test frame: price, size, the taker's side, its `seq`. */
export type TestPrint = { price: number; size: number; buy: boolean; seq: number; timeMs?: number; flags?: number };

/** Prints on a clock starting at `t0` (ms since the epoch): `(seq, ms after t0, price, size, buy, wire flags)`. */
export function printsFrom(t0: number) {
  return (seq: number, ms: number, price: number, size: number, buy: boolean, flags = 0): TestPrint => ({
    seq,
    timeMs: t0 + ms,
    price,
    size,
    buy,
    flags,
  });
}

/** A heat column for a test frame: its bins as lots (quantised here as the server does). */
export type TestHeatColumn = {
  seq: number;
  endMs: number;
  lowPrice: number;
  binSize: number;
  bestBid: number;
  bestAsk: number;
  status?: BookStatus;
  /** Bit 0: no book for the whole interval. */
  flags?: number;
  intervalMs?: number;
  lots: ArrayLike<number>;
};

/** The server's quantisation: round(ln(1 + lots) × 1024), saturating (server/src/engine/heat_columns.rs). */
export function quantiseLots(lots: number): number {
  return lots <= 0 ? 0 : Math.min(65535, Math.max(1, Math.round(Math.log1p(lots) * 1024)));
}

export function buildFrameTs(opts: {
  sequence: number;
  bids: [number, number][];
  asks: [number, number][];
  tickSize?: number;
  lotSize?: number;
  symbol?: string;
  status?: BookStatus;
  /** The window of recent prints the server repeats in every frame. */
  trades?: TestPrint[];
  /** When the server built it (ms since the epoch). Default now. */
  timestampMs?: number;
  /** The exchange's time of the book's newest message and when the server read it (µs). */
  exchangeTimeUs?: number;
  receivedTimeUs?: number;
  /** How long the book had been unchanged (ms). */
  bookUnchangedMs?: number;
  /** Heat columns the frame carries (oldest first). */
  heat?: TestHeatColumn[];
}): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const symbol = b.createString(opts.symbol ?? 'TS-USD');
  const vec = (levels: [number, number][]) => {
    OrderbookFrame.startBidsVector(b, levels.length);
    for (let i = levels.length - 1; i >= 0; i--) PriceLevel.createPriceLevel(b, levels[i][0], levels[i][1]);
    return b.endVector();
  };
  const bids = vec(opts.bids);
  const asks = vec(opts.asks);
  const prints = opts.trades ?? [];
  let trades = 0;
  if (prints.length > 0) {
    OrderbookFrame.startTradesVector(b, prints.length);
    for (let i = prints.length - 1; i >= 0; i--) {
      const t = prints[i];
      Trade.createTrade(b, t.price, t.size, t.timeMs ?? 1.7e12 + t.seq, BigInt(t.seq), t.buy ? TradeSide.Buy : TradeSide.Sell, t.flags ?? 0);
    }
    trades = b.endVector();
  }
  const columns = opts.heat ?? [];
  let heat = 0;
  let heatBins = 0;
  if (columns.length > 0) {
    const q: number[] = columns.flatMap((c) => Array.from(c.lots, quantiseLots));
    OrderbookFrame.startHeatBinsVector(b, q.length);
    for (let i = q.length - 1; i >= 0; i--) b.addInt16(q[i]);
    heatBins = b.endVector();
    OrderbookFrame.startHeatVector(b, columns.length);
    for (let i = columns.length - 1; i >= 0; i--) {
      const c = columns[i];
      HeatColumn.createHeatColumn(
        b,
        BigInt(c.seq),
        BigInt(Math.round(c.endMs)),
        c.lowPrice,
        c.binSize,
        c.bestBid,
        c.bestAsk,
        c.lots.length,
        c.status ?? BookStatus.Live,
        c.flags ?? 0,
        c.intervalMs ?? 100,
      );
    }
    heat = b.endVector();
  }
  const bidTotal = opts.bids.reduce((s, l) => s + l[1], 0);
  const askTotal = opts.asks.reduce((s, l) => s + l[1], 0);
  const bb = opts.bids[0]?.[0] ?? 0;
  const ba = opts.asks[0]?.[0] ?? 0;
  OrderbookFrame.startOrderbookFrame(b);
  OrderbookFrame.addSequence(b, BigInt(opts.sequence));
  OrderbookFrame.addTimestampMs(b, BigInt(Math.round(opts.timestampMs ?? Date.now())));
  if (opts.exchangeTimeUs) OrderbookFrame.addExchangeTimeUs(b, BigInt(Math.round(opts.exchangeTimeUs)));
  if (opts.receivedTimeUs) OrderbookFrame.addReceivedTimeUs(b, BigInt(Math.round(opts.receivedTimeUs)));
  if (opts.bookUnchangedMs) OrderbookFrame.addBookUnchangedMs(b, BigInt(Math.round(opts.bookUnchangedMs)));
  OrderbookFrame.addSymbol(b, symbol);
  OrderbookFrame.addTickSize(b, opts.tickSize ?? 0.01);
  OrderbookFrame.addLotSize(b, opts.lotSize ?? 0.001);
  OrderbookFrame.addBestBid(b, bb);
  OrderbookFrame.addBestAsk(b, ba);
  OrderbookFrame.addMidPrice(b, bb && ba ? (bb + ba) / 2 : 0);
  OrderbookFrame.addSpread(b, bb && ba ? ba - bb : 0);
  OrderbookFrame.addBids(b, bids);
  OrderbookFrame.addAsks(b, asks);
  OrderbookFrame.addBidTotalSize(b, bidTotal);
  OrderbookFrame.addAskTotalSize(b, askTotal);
  OrderbookFrame.addImbalance(b, bidTotal + askTotal ? (bidTotal - askTotal) / (bidTotal + askTotal) : 0);
  OrderbookFrame.addStatus(b, opts.status ?? BookStatus.Live);
  if (prints.length > 0) {
    OrderbookFrame.addTrades(b, trades);
    OrderbookFrame.addTradeSeq(b, BigInt(prints[prints.length - 1].seq));
    OrderbookFrame.addBuyVolume(
      b,
      prints.filter((t) => t.buy).reduce((s, t) => s + t.size, 0),
    );
    OrderbookFrame.addSellVolume(
      b,
      prints.filter((t) => !t.buy).reduce((s, t) => s + t.size, 0),
    );
    OrderbookFrame.addTradeCount(b, BigInt(prints.length));
  }
  if (columns.length > 0) {
    OrderbookFrame.addHeat(b, heat);
    OrderbookFrame.addHeatBins(b, heatBins);
  }
  const frame = OrderbookFrame.endOrderbookFrame(b);
  b.finish(frame, 'TKFR');
  return b.asUint8Array();
}
