/** Builds OrderbookFrames with the TypeScript code flatc generated from the schema (tests, benchmarks). */
import * as flatbuffers from 'flatbuffers';

export { BookStatus } from '../../schema/generated/ts/tickframe/schema';
import { BookStatus, OrderbookFrame, PriceLevel } from '../../schema/generated/ts/tickframe/schema';

export function buildFrameTs(opts: {
  sequence: number;
  bids: [number, number][];
  asks: [number, number][];
  tickSize?: number;
  lotSize?: number;
  symbol?: string;
  status?: BookStatus;
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
  const bidTotal = opts.bids.reduce((s, l) => s + l[1], 0);
  const askTotal = opts.asks.reduce((s, l) => s + l[1], 0);
  const bb = opts.bids[0]?.[0] ?? 0;
  const ba = opts.asks[0]?.[0] ?? 0;
  OrderbookFrame.startOrderbookFrame(b);
  OrderbookFrame.addSequence(b, BigInt(opts.sequence));
  OrderbookFrame.addTimestampMs(b, BigInt(Date.now()));
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
  const frame = OrderbookFrame.endOrderbookFrame(b);
  b.finish(frame, 'TKFR');
  return b.asUint8Array();
}
