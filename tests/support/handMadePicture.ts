/** A book picture made by hand, as the engine would hand it over, for models tested without an engine. */
import { BAR_SCALE, BAR_SCALE_STRIDE } from '../../components/engine/engineLayout.generated';
import type { BookPicture, Level } from '../../components/store/bookPicture';

/** One side's levels from [price, size] pairs, touch first, with cumulative sizes. */
export function levels(pairs: [number, number][]): Level[] {
  let cumulative = 0;
  return pairs.map(([price, size]) => ({ price, size, cumulative: (cumulative += size), change: 'same', tradedBuy: 0, tradedSell: 0 }));
}

/** A picture as the engine would hand it over, bar scales included (largest size and cumulative within d levels). */
export function handMadePicture(bidLevels: [number, number][], askLevels: [number, number][], tickSize = 0.01): BookPicture {
  const bids = levels(bidLevels);
  const asks = levels(askLevels);
  const depths = Math.max(bids.length, asks.length);
  const barScale = new Float64Array(depths * BAR_SCALE_STRIDE);
  for (let d = 1; d <= depths; d++) {
    const within = [...bids.slice(0, d), ...asks.slice(0, d)];
    barScale[(d - 1) * BAR_SCALE_STRIDE + BAR_SCALE.SIZE] = Math.max(...within.map((l) => l.size));
    barScale[(d - 1) * BAR_SCALE_STRIDE + BAR_SCALE.CUMULATIVE] = Math.max(...within.map((l) => l.cumulative));
  }
  const bestBid = bids[0]?.price ?? 0;
  const bestAsk = asks[0]?.price ?? 0;
  return {
    symbol: 'T',
    sequence: 1,
    timestampMs: 0,
    latencyMs: 0,
    receivedMs: 0,
    exchangeTimeMs: 0,
    serverReceivedMs: 0,
    exchangeLatencyMs: Number.NaN,
    unchangedMs: 0,
    tickSize,
    lotSize: 0.001,
    bestBid,
    bestAsk,
    mid: (bestBid + bestAsk) / 2,
    spread: bestAsk - bestBid,
    bidTotal: bids.at(-1)?.cumulative ?? 0,
    askTotal: asks.at(-1)?.cumulative ?? 0,
    imbalance: 0,
    smoothSpread: 0,
    smoothImbalance: 0,
    windowImbalance: 0,
    smoothWindowImbalance: 0,
    imbalances: {},
    status: 'live',
    bids,
    asks,
    barScale,
  };
}
