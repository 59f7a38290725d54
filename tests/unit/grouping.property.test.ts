/**
 * Property tests of exact grouping and formatting on the real WASM engine, across tick sizes
 * from 1e-8 to 100 and prices up to 1e7.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';

import { Engine } from '../../components/engine/initEngine';
import { decimalsOf, fixedFormatter } from '../../components/format/priceFormat';
import { readBook } from '../../components/store/bookPicture';
import { buildFrameTs, loadEngine } from '../support/engineFixtures';

const memory = loadEngine();
const TICKS = [1e-8, 5e-8, 1e-6, 1e-4, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 10, 25, 100];
/** A tick as its exact decimal pieces, so the test computes expectations in integers. */
const pieces = (t: number) => {
  const d = decimalsOf(t);
  return { d, units: Math.round(t * 10 ** d) };
};

const bookArb = fc
  .record({
    tick: fc.constantFrom(...TICKS),
    group: fc.constantFrom(1, 2, 5, 10, 25, 100),
    bidTicks: fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 40 }),
    askTicks: fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 40 }),
  })
  .filter(({ tick, bidTicks, askTicks }) => Math.max(...bidTicks, ...askTicks) * tick <= 1e7);

it('grouping: bids floor, asks ceil, sizes summed exactly, cumulative monotone', () => {
  fc.assert(
    fc.property(bookArb, ({ tick, group, bidTicks, askTicks }) => {
      const { d, units } = pieces(tick);
      const price = (n: number) => (n * units) / 10 ** d;
      const bids = [...bidTicks].sort((a, b) => b - a);
      const asks = [...askTicks].sort((a, b) => a - b);
      const engine = new Engine();
      engine.ingest_frame(
        buildFrameTs({ sequence: 1, tickSize: tick, lotSize: 1, bids: bids.map((t) => [price(t), 1]), asks: asks.map((t) => [price(t), 1]) }),
        0,
      );
      engine.set_grouping(group);
      const book = readBook(engine, memory, '')!;
      const expectSide = (ticks: number[], floor: boolean) => {
        const buckets = new Map<number, number>();
        for (const t of ticks) {
          const b = floor ? Math.floor(t / group) * group : Math.ceil(t / group) * group;
          buckets.set(b, (buckets.get(b) ?? 0) + 1);
        }
        return [...buckets.entries()].map(([b, n]) => ({ price: price(b), size: n }));
      };
      const got = (levels: { price: number; size: number }[]) => levels.map(({ price, size }) => ({ price, size }));
      expect(got(book.bids)).toEqual(expectSide(bids, true));
      expect(got(book.asks)).toEqual(expectSide(asks, false));
      for (const side of [book.bids, book.asks]) {
        side.forEach((l, i) => expect(l.cumulative).toBe(side.slice(0, i + 1).reduce((s, x) => s + x.size, 0)));
      }
      engine.free();
    }),
    { numRuns: 200 },
  );
});

it('formatting: distinct grouped prices never render as the same text', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TICKS),
      fc.constantFrom(1, 5, 10, 100),
      fc.uniqueArray(fc.integer({ min: 1, max: 100_000 }), { minLength: 2, maxLength: 30 }),
      (tick, group, buckets) => {
        const { d, units } = pieces(tick * group);
        const prices = buckets.map((n) => (n * units) / 10 ** d).filter((p) => p <= 1e7);
        const fmt = fixedFormatter(decimalsOf(tick * group), 'en-US');
        const texts = new Set(prices.map((p) => fmt.format(p)));
        expect(texts.size).toBe(new Set(prices).size);
      },
    ),
    { numRuns: 300 },
  );
});
