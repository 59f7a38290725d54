/**
 * The tape as the components see it: the engine's tape view (each print once, aggregated, filtered
 * and flagged in WASM) copied out once per change, plus the server's running totals. Rows stay in
 * one `Float64Array`; `tradeRow` makes an object for the rows a view actually draws.
 */
import type { Engine } from '../engine/initEngine.js';
import { ROW, ROW_FLAG, ROW_STRIDE, SUMMARY as S, tapeRows } from '../engine/engineMemory.js';

export type TradeSide = 'buy' | 'sell';

/** One row of the tape: a print, or a run of one side's prints within the view's window. */
export interface TradeRow {
  /** Exchange time of the run's first print, ms since the Unix epoch (sub-ms digits kept). */
  timeMs: number;
  /** Price of the run's last print (how far a sweep reached), quote currency. */
  price: number;
  /** Size summed over the run, in the book's unit (base, or contracts where the book counts them). */
  size: number;
  /** Price × size summed over the run, quote currency (exact in ticks × lots, one rounding). */
  notional: number;
  /** The taker's side: a buy lifted an ask, a sell hit a bid. */
  side: TradeSide;
  /** Prints in the run. */
  count: number;
  /** The server's number of the run's first print: stable while the run grows (a React key). */
  firstSeq: number;
  /** A print in the run was aggregated by the server (a burst larger than its window). */
  aggregated: boolean;
  /** Prints are missing before this row (the venue's ids skipped, a burst was cut, or this client
   * missed more than the server's window). */
  gapBefore: boolean;
  /** At or above the view's large-print threshold (`TapePicture.largeNotional`). */
  large: boolean;
}

/** The tape and the totals, all from the same frame. */
export interface TapePicture {
  /** Rows in `data`, newest first. */
  count: number;
  /** The rows, `ROW_STRIDE` f64 each (read them with `tradeRow`). */
  data: Float64Array;
  /** The newest print kept, or null before the first. */
  last: { price: number; side: TradeSide; timeMs: number } | null;
  /** Running totals since the stream started, as the newest frame sent them (book units). */
  buyVolume: number;
  sellVolume: number;
  /** Cumulative volume delta: `buyVolume − sellVolume`, exact in lots. */
  volumeDelta: number;
  /** Prints the server has counted since the stream started. */
  tradeCount: number;
  /** The server's last assigned print number. */
  tradeSeq: number;
  /** Prints this tape keeps (before aggregation and filter). */
  prints: number;
  /** Prints this client never saw (frames missed for longer than the server's window). */
  missed: number;
  /** The notional at or above which rows are `large`, quote currency (0: none yet). */
  largeNotional: number;
}

/** How the engine aggregates, filters and flags the tape (`MarketStore.setTapeView`). */
export interface TapeView {
  /** Aggregate one side's prints within this many ms of a run's first (aggr's rule: an opposite
   * print closes the run). 0 shows every print. Default 0. */
  windowMs?: number;
  /** Leave out rows whose notional (price × size, quote currency) is below this, compared exactly. Default 0 (none). */
  minNotional?: number;
  /** Flag rows at or above this notional as large. Default 0: the view's own 95th percentile (above its median). */
  largeNotional?: number;
  /** Prints kept (the ring's length). Default 500. */
  capacity?: number;
}

export const DEFAULT_TAPE_CAPACITY = 500;

/** Row `i` (0 = newest) of a tape as an object. */
export function tradeRow(tape: TapePicture, i: number): TradeRow {
  const d = tape.data;
  const o = i * ROW_STRIDE;
  const flags = d[o + ROW.FLAGS];
  return {
    timeMs: d[o + ROW.TIME_MS],
    price: d[o + ROW.PRICE],
    size: d[o + ROW.SIZE],
    notional: d[o + ROW.NOTIONAL],
    side: d[o + ROW.SIDE] === 1 ? 'sell' : 'buy',
    count: d[o + ROW.COUNT],
    firstSeq: d[o + ROW.FIRST_SEQ],
    aggregated: (flags & ROW_FLAG.AGGREGATED) !== 0,
    gapBefore: (flags & ROW_FLAG.GAP_BEFORE) !== 0,
    large: (flags & ROW_FLAG.LARGE) !== 0,
  };
}

/** Every row as an object, newest first (for custom views; a long tape is better read with `tradeRow`). */
export function tradeRows(tape: TapePicture): TradeRow[] {
  return Array.from({ length: tape.count }, (_, i) => tradeRow(tape, i));
}

/** Read the engine's tape (after its `tick`, which lays the view out). */
export function readTape(engine: Engine, memory: WebAssembly.Memory, s: Float64Array): TapePicture {
  const count = s[S.TAPE_ROWS];
  const side = s[S.LAST_TRADE_SIDE];
  return {
    count,
    data: tapeRows(engine, memory, count),
    last: side < 0 ? null : { price: s[S.LAST_TRADE_PRICE], side: side === 1 ? 'sell' : 'buy', timeMs: s[S.LAST_TRADE_TIME_MS] },
    buyVolume: s[S.BUY_VOLUME],
    sellVolume: s[S.SELL_VOLUME],
    volumeDelta: s[S.VOLUME_DELTA],
    tradeCount: s[S.TRADE_COUNT],
    tradeSeq: s[S.TRADE_SEQ],
    prints: s[S.TAPE_PRINTS],
    missed: s[S.TAPE_MISSED],
    largeNotional: s[S.TAPE_LARGE_NOTIONAL],
  };
}
