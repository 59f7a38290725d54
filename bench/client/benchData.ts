/**
 * Inputs and the JavaScript baseline shared by the browser page (bench.tsx) and the per-call timing
 * in Node (ingestPerCall.ts): the same books, the same frames, the same JSON path.
 */

import { buildFrameTs } from '../../tests/support/buildFrame';

export type Book = [number, number][];

/** `n` consecutive frames (sequence 1…n) and the same books as JSON text, for both paths. With
 * `prints`, every frame also carries a window of that many recent prints (sliding by one a frame),
 * as the server repeats them since #22. */
export function benchInputs(levels: number, n: number, prints = 0): { frames: Uint8Array[]; jsons: string[] } {
  const window = (i: number) =>
    Array.from({ length: prints }, (_, k) => ({ price: 1000 + (k % 7) * 0.01, size: 0.5 + (k % 3), buy: (i + k) % 2 === 0, seq: i + k + 1 }));
  return {
    frames: Array.from({ length: n }, (_, i) => buildFrameTs({ sequence: i + 1, ...makeBook(levels, i), trades: window(i) })),
    jsons: Array.from({ length: n }, (_, i) => JSON.stringify(makeBook(levels, i))),
  };
}

export function makeBook(levels: number, seq: number): { bids: Book; asks: Book } {
  const jitter = (i: number) => 1 + ((seq * 7 + i * 13) % 50) / 10;
  return {
    bids: Array.from({ length: levels }, (_, i) => [Math.round((1000 - i * 0.01 - (seq % 5) * 0.01) * 100) / 100, jitter(i)]),
    asks: Array.from({ length: levels }, (_, i) => [Math.round((1000.01 + i * 0.01 - (seq % 5) * 0.01) * 100) / 100, jitter(i + 1)]),
  };
}

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** The JavaScript baseline: parse JSON, apply to a Map book, sort, cumulate (what a JS kit does). */
export function jsBookUpdate(text: string, book: { bids: Map<number, number>; asks: Map<number, number> }) {
  const msg = JSON.parse(text) as { bids: Book; asks: Book };
  book.bids.clear();
  book.asks.clear();
  for (const [p, s] of msg.bids) book.bids.set(p, s);
  for (const [p, s] of msg.asks) book.asks.set(p, s);
  const side = (m: Map<number, number>, desc: boolean) => {
    const out = [...m.entries()].sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]));
    let c = 0;
    return out.map(([price, size]) => ({ price, size, cumulative: (c += size) }));
  };
  return { bids: side(book.bids, true), asks: side(book.asks, false) };
}
