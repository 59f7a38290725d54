/**
 * Reads the engine's views (through `engine/engineMemory.ts`) into an immutable snapshot React can render.
 */
import type { Engine } from '../engine/initEngine.js';
import {
  LEVEL_VOLUME,
  SUMMARY as S,
  VOLUME_STRIDE,
  barScaleAt,
  barScaleDepths,
  levelVolume,
  levelsAndScales,
  readLevels,
  summaryView,
} from '../engine/engineMemory.js';

/** One price level as the components see it. */
export interface Level {
  price: number;
  size: number;
  /** Size summed from the touch through this level. */
  cumulative: number;
  /** Change since the picture last read (painted): `new` level, size `up` or `down`, or `same`. Frames that
   * arrive between two paints are not lost to the flash. */
  change: LevelChange;
  /** The session's taker-buy and taker-sell size traded at this level's prices (grouped as the
   * level is), in the book's unit, since the store started or the stream last restarted. */
  tradedBuy: number;
  tradedSell: number;
}

export type LevelChange = 'same' | 'new' | 'up' | 'down';
const CHANGES: LevelChange[] = ['same', 'new', 'up', 'down'];

export type BookStatus = 'live' | 'resyncing' | 'stale';

/** One coherent picture of the book: every number comes from the same frame. */
export interface BookPicture {
  symbol: string;
  sequence: number;
  /** When the server built the frame (its clock; a capture replay's: the capture's). */
  timestampMs: number;
  /** Receive time (the source's clock) − `timestampMs`, on the browser's clock as is. */
  latencyMs: number;
  /** When the frame arrived, on the source's clock (`FrameSource.now`). */
  receivedMs: number;
  /** The exchange's own time of the newest message in this book, ms since the epoch; 0 where the venue gives none. */
  exchangeTimeMs: number;
  /** When the server read that message (0: not known). */
  serverReceivedMs: number;
  /** Exchange → server for that message, ms (NaN unless both times are known; negative: the
   * exchange's clock is ahead of the server's). */
  exchangeLatencyMs: number;
  /** How long the book had been unchanged when the server built the frame, ms. */
  unchangedMs: number;
  tickSize: number;
  lotSize: number;
  bestBid: number;
  bestAsk: number;
  mid: number;
  spread: number;
  bidTotal: number;
  askTotal: number;
  imbalance: number;
  /** Smoothed spread and imbalance for gauges (eased by the engine's `tick`). */
  smoothSpread: number;
  smoothImbalance: number;
  /** Size imbalance (bid − ask) / (bid + ask) over the store's `imbalanceWindow`, and eased by the engine. */
  windowImbalance: number;
  smoothWindowImbalance: number;
  /** Size imbalance over each window a view asked for (`MarketStore.measureImbalance`), by
   * `imbalanceKey(window)`: measured by the engine on this picture in exact lots, not eased. */
  imbalances: Record<string, number>;
  /** The server's trust state for this book. */
  status: BookStatus;
  bids: Level[];
  asks: Level[];
  /**
   * The engine's bar scales: for a view of d levels a side, `[BAR_SCALE_STRIDE·(d−1)]` is the largest size and
   * the slot after it the largest cumulative size on either side within d levels. Read it with `barMax`.
   */
  barScale: Float64Array;
}

/**
 * The size a full-length bar stands for in a view of `depth` levels a side: one scale for both sides,
 * so bars compare across the spread. 0 for an empty book.
 */
export function barMax(book: BookPicture, depth: number, by: 'size' | 'cumulative'): number {
  const depths = barScaleDepths(book.barScale);
  if (depths === 0 || depth < 1) return 0;
  return barScaleAt(book.barScale, Math.min(Math.floor(depth), depths), by);
}

/** Engine counters surfaced to the UI. */
export interface FeedStats {
  frames: number;
  gaps: number;
  duplicates: number;
  outOfOrder: number;
  /** Times the sequence jumped too far to be this stream (a restarted server, a poisoned frame) and tracking restarted. */
  restarts: number;
  /** Frames the engine's verifier rejected. */
  errors: number;
  /** Frames dropped for being another market's than the store's `symbol` (a failover to a server serving another default, a wrong URL). */
  otherSymbol: number;
}

const STATUSES: BookStatus[] = ['live', 'resyncing', 'stale'];

/**
 * Whether an eased value is still on its way to its target (so the store keeps painting after the
 * feed goes quiet, until the needles settle). Tolerances are below what a view can show.
 */
export function stillEasing(summary: Float64Array): boolean {
  const off = (smooth: number, target: number, tolerance: number) => Math.abs(summary[smooth] - summary[target]) > tolerance;
  return (
    off(S.SMOOTH_SPREAD, S.SPREAD, 1e-4 * Math.max(Math.abs(summary[S.SPREAD]), summary[S.TICK_SIZE] || 0)) ||
    off(S.SMOOTH_IMBALANCE, S.IMBALANCE, 1e-4) ||
    off(S.SMOOTH_WINDOW_IMBALANCE, S.WINDOW_IMBALANCE, 1e-4)
  );
}

/** The engine's verdict at its last `tick(now)`: no verified frame within the stale threshold. */
export function readEngineStale(summary: Float64Array): boolean {
  return summary[S.STALE] === 1;
}

export function readStats(summary: Float64Array): FeedStats {
  return {
    frames: summary[S.FRAMES],
    gaps: summary[S.GAPS],
    duplicates: summary[S.DUPLICATES],
    outOfOrder: summary[S.OUT_OF_ORDER],
    restarts: summary[S.RESTARTS],
    errors: summary[S.ERRORS],
    otherSymbol: summary[S.OTHER_SYMBOL],
  };
}

/** Levels from `from`, each with its traded volume (`volume`, as `levelVolume` lays it out). */
function levelsWithVolume(view: Float64Array, volume: Float64Array, from: number, count: number): Level[] {
  let i = from;
  return readLevels(view, from, count, (price, size, cumulative, change) => {
    const v = i++ * VOLUME_STRIDE;
    return {
      price,
      size,
      cumulative,
      change: CHANGES[change] ?? 'same',
      tradedBuy: volume[v + LEVEL_VOLUME.BUY] ?? 0,
      tradedSell: volume[v + LEVEL_VOLUME.SELL] ?? 0,
    };
  });
}

/** Picture the engine's current book, or null before the first frame. Pass `summary` if already read. */
export function readBook(
  engine: Engine,
  memory: WebAssembly.Memory,
  symbol: string,
  s: Float64Array = summaryView(engine, memory),
): BookPicture | null {
  if (s[S.FRAMES] === 0) return null;
  const nb = s[S.BID_LEN];
  const na = s[S.ASK_LEN];
  // The volume view first: asking for an address may grow memory, so the levels' views come after.
  const volume = levelVolume(engine, memory, nb + na);
  const { levels: view, barScale } = levelsAndScales(engine, memory, nb + na, Math.max(nb, na));
  return {
    symbol,
    sequence: s[S.SEQUENCE],
    timestampMs: s[S.TIMESTAMP_MS],
    latencyMs: s[S.LATENCY_MS],
    receivedMs: s[S.RECEIVED_MS],
    exchangeTimeMs: s[S.EXCHANGE_TIME_MS],
    serverReceivedMs: s[S.SERVER_RECEIVED_MS],
    exchangeLatencyMs: s[S.EXCHANGE_LATENCY_MS],
    unchangedMs: s[S.BOOK_UNCHANGED_MS],
    tickSize: s[S.TICK_SIZE],
    lotSize: s[S.LOT_SIZE],
    bestBid: s[S.BEST_BID],
    bestAsk: s[S.BEST_ASK],
    mid: s[S.MID],
    spread: s[S.SPREAD],
    bidTotal: s[S.BID_TOTAL],
    askTotal: s[S.ASK_TOTAL],
    imbalance: s[S.IMBALANCE],
    smoothSpread: s[S.SMOOTH_SPREAD],
    smoothImbalance: s[S.SMOOTH_IMBALANCE],
    windowImbalance: s[S.WINDOW_IMBALANCE],
    smoothWindowImbalance: s[S.SMOOTH_WINDOW_IMBALANCE],
    imbalances: {},
    status: STATUSES[s[S.STATUS]] ?? 'stale',
    bids: levelsWithVolume(view, volume, 0, nb),
    asks: levelsWithVolume(view, volume, nb, na),
    barScale,
  };
}
