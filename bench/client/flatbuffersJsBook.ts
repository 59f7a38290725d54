/**
 * The path a TypeScript team would pick without WASM, doing the same work as the browser engine for
 * the benchmark (bench:client): flatc's generated TypeScript accessors read the frame; the frame is
 * checked (identifier, the level vectors inside the buffer); sequence gaps, duplicates and
 * out-of-order frames are tracked; levels become integer ticks and lots, grouped by N ticks; and when
 * the picture is read, change flags against the previous picture, cumulative sizes and the flat f64
 * layout [price, size, cumulative, change] per level, as the engine lays it out.
 */
import * as flatbuffers from 'flatbuffers';

import { OrderbookFrame } from '../../schema/generated/ts/tickframe/schema/orderbook-frame';
import { PriceLevel } from '../../schema/generated/ts/tickframe/schema/price-level';

const STRIDE = 4;
const SAME = 0,
  NEW = 1,
  UP = 2,
  DOWN = 3;

export class FlatbuffersJsBook {
  private readonly frame = new OrderbookFrame();
  private readonly level = new PriceLevel();
  private lastSeq: bigint | null = null;
  gaps = 0;
  duplicates = 0;
  outOfOrder = 0;
  errors = 0;
  /** Grouped levels of the last frame (ticks → lots), best first, and the previous picture's. */
  private bids: [number, number][] = [];
  private asks: [number, number][] = [];
  private prevBids = new Map<number, number>();
  private prevAsks = new Map<number, number>();
  private tickSize = 1;
  private lotSize = 1;
  /** The picture as the engine lays it out. */
  levels = new Float64Array(0);

  constructor(private readonly groupTicks = 1) {}

  /** Check and apply one frame; false when rejected or not newer. */
  ingest(bytes: Uint8Array): boolean {
    const bb = new flatbuffers.ByteBuffer(bytes);
    if (bytes.length < 8 || !OrderbookFrame.bufferHasIdentifier(bb)) {
      this.errors++;
      return false;
    }
    const f = OrderbookFrame.getRootAsOrderbookFrame(bb, this.frame);
    const nb = f.bidsLength();
    const na = f.asksLength();
    // The checks a verifier makes for what we read: both vectors inside the buffer.
    if (!this.vectorInside(bb, 22, nb) || !this.vectorInside(bb, 24, na)) {
      this.errors++;
      return false;
    }
    const seq = f.sequence();
    if (this.lastSeq !== null) {
      if (seq === this.lastSeq) return (this.duplicates++, false);
      if (seq < this.lastSeq) return (this.outOfOrder++, false);
      if (seq > this.lastSeq + 1n) this.gaps++;
    }
    this.lastSeq = seq;
    this.tickSize = f.tickSize();
    this.lotSize = f.lotSize();
    this.bids = this.group(f, nb, true);
    this.asks = this.group(f, na, false);
    return true;
  }

  /** Whether the vector at vtable slot `slot` (4 + 2 × field index) holds `n` 16-byte levels inside the buffer. */
  private vectorInside(bb: flatbuffers.ByteBuffer, slot: number, n: number): boolean {
    const table = this.frame.bb_pos;
    if (table + 4 > bb.capacity()) return false;
    const off = bb.__offset(table, slot);
    if (!off) return n === 0;
    const start = bb.__vector(table + off);
    return start + n * 16 <= bb.capacity();
  }

  /** Levels as integer (ticks, lots), merged into buckets of `groupTicks` (bids down, asks up). */
  private group(f: OrderbookFrame, n: number, bid: boolean): [number, number][] {
    const out: [number, number][] = [];
    const g = this.groupTicks;
    for (let i = 0; i < n; i++) {
      const l = bid ? f.bids(i, this.level)! : f.asks(i, this.level)!;
      const ticks = Math.round(l.price() / this.tickSize);
      const lots = Math.round(l.size() / this.lotSize);
      const bucket = bid ? Math.floor(ticks / g) * g : Math.ceil(ticks / g) * g;
      const last = out[out.length - 1];
      if (last && last[0] === bucket) last[1] += lots;
      else out.push([bucket, lots]);
    }
    return out;
  }

  /** The picture: change flags against the last one read, cumulative sizes, flat layout. */
  picture(): Float64Array {
    const n = this.bids.length + this.asks.length;
    if (this.levels.length !== n * STRIDE) this.levels = new Float64Array(n * STRIDE);
    let k = 0;
    const side = (levels: [number, number][], prev: Map<number, number>): Map<number, number> => {
      const now = new Map<number, number>();
      let cum = 0;
      for (const [ticks, lots] of levels) {
        const before = prev.get(ticks);
        cum += lots;
        now.set(ticks, lots);
        this.levels[k++] = ticks * this.tickSize;
        this.levels[k++] = lots * this.lotSize;
        this.levels[k++] = cum * this.lotSize;
        this.levels[k++] = before === undefined ? NEW : lots > before ? UP : lots < before ? DOWN : SAME;
      }
      return now;
    };
    this.prevBids = side(this.bids, this.prevBids);
    this.prevAsks = side(this.asks, this.prevAsks);
    return this.levels;
  }

  resetSequence(): void {
    this.lastSeq = null;
  }
}
