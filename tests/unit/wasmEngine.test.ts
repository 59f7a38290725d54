import { describe, expect, it } from 'vitest';

import { Engine } from '../../components/engine/initEngine';
import { SUMMARY, summaryView } from '../../components/engine/engineMemory';
import { FramingCheck } from '../../components/engine/FramingCheck';
import { readBook, readStats } from '../../components/store/bookPicture';
import { buildFrameTs, loadEngine, recordedFrames } from '../support/engineFixtures';

const memory = loadEngine();

describe('WASM engine (real module)', () => {
  it('accepts frames that carry prints (the wire since #22) and shows their book as before', () => {
    const engine = new Engine();
    const trades = Array.from({ length: 256 }, (_, i) => ({ price: 100.25, size: 0.5, buy: i % 2 === 0, seq: i + 1 }));
    const frame = (sequence: number) => buildFrameTs({ sequence, bids: [[100.25, 1.5]], asks: [[100.26, 0.75]], trades });
    expect(engine.ingest_frame(frame(1), Date.now())).toBe(0);
    // The store's path too: framing check, then the engine (through its memory, as in the browser).
    const framing = new FramingCheck(engine, memory);
    expect(framing.ingest(frame(2), Date.now())).toBe('applied');
    expect(framing.rejected).toBe(0);
    const book = readBook(engine, memory, engine.symbol())!;
    expect(book.bestBid).toBe(100.25);
    expect(readStats(summaryView(engine, memory))).toMatchObject({ frames: 2, errors: 0, gaps: 0 });
  });

  it('ingests a frame built by the TypeScript generated code', () => {
    const engine = new Engine();
    const frame = buildFrameTs({
      sequence: 1,
      bids: [
        [100.25, 1.5],
        [100.24, 2],
      ],
      asks: [[100.26, 0.75]],
      symbol: 'TS-USD',
    });
    expect(engine.ingest_frame(frame, Date.now())).toBe(0);
    const book = readBook(engine, memory, engine.symbol())!;
    expect(book.symbol).toBe('TS-USD');
    expect(book.bestBid).toBe(100.25);
    expect(book.bids).toEqual([
      { price: 100.25, size: 1.5, cumulative: 1.5, change: 'new', tradedBuy: 0, tradedSell: 0 },
      { price: 100.24, size: 2, cumulative: 3.5, change: 'new', tradedBuy: 0, tradedSell: 0 },
    ]);
    expect(book.asks).toEqual([{ price: 100.26, size: 0.75, cumulative: 0.75, change: 'new', tradedBuy: 0, tradedSell: 0 }]);
    // Next frame: one level grows, one shrinks, one is new, one is gone.
    engine.ingest_frame(
      buildFrameTs({
        sequence: 2,
        bids: [
          [100.25, 2],
          [100.23, 1],
        ],
        asks: [[100.26, 0.5]],
      }),
      Date.now(),
    );
    const next = readBook(engine, memory, '')!;
    expect(next.bids.map((l) => l.change)).toEqual(['up', 'new']);
    expect(next.asks.map((l) => l.change)).toEqual(['down']);
    engine.free();
  });

  it('flags changes against the picture last read, so a change in a frame never painted still flashes', () => {
    const engine = new Engine();
    const frame = (sequence: number, size: number) => buildFrameTs({ sequence, bids: [[10, size]], asks: [[10.01, 1]] });
    engine.ingest_frame(frame(1, 1), 0);
    expect(readBook(engine, memory, '')!.bids[0].change).toBe('new');
    engine.ingest_frame(frame(2, 2), 0); // grew: not read (between two paints)
    engine.ingest_frame(frame(3, 2), 0); // same as frame 2
    expect(readBook(engine, memory, '')!.bids[0].change).toBe('up'); // against what was on screen
    expect(readBook(engine, memory, '')!.bids[0].change).toBe('up'); // reading again changes nothing
    engine.ingest_frame(frame(4, 2), 0);
    expect(readBook(engine, memory, '')!.bids[0].change).toBe('same');
    engine.free();
  });

  it("the framing check writes straight into the engine's input buffer, through memory growth and bigger frames", () => {
    const engine = new Engine();
    const framing = new FramingCheck(engine, memory);
    const frame = (sequence: number, levels: number, top: number) =>
      buildFrameTs({ sequence, bids: Array.from({ length: levels }, (_, i) => [top - i * 0.01, 1] as [number, number]), asks: [[top + 0.01, 1]] });
    const bestBid = () => readBook(engine, memory, '')!.bestBid;
    expect(framing.ingest(frame(1, 2, 100), 0)).toBe('applied');
    expect(bestBid()).toBe(100);
    memory.grow(1); // detaches every view, the framing check's included
    expect(framing.ingest(frame(2, 2, 101), 0)).toBe('applied');
    expect(bestBid()).toBe(101);
    expect(framing.ingest(frame(3, 400, 102), 0)).toBe('applied'); // larger than the buffer so far
    expect(readBook(engine, memory, '')!.bids).toHaveLength(400);
    expect(framing.ingest(frame(4, 2, 103), 0)).toBe('applied'); // smaller again: same buffer
    expect(bestBid()).toBe(103);
    expect(framing.rejected).toBe(0);
    engine.free();
  });

  it('after tick(now), reading the picture never grows memory (views made after tick stay attached)', () => {
    const engine = new Engine();
    const side = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => [from + i * step, 1 + i] as [number, number]);
    for (const [seq, n] of [
      [1, 1],
      [2, 1000],
      [3, 5],
      [4, 1000],
    ] as const) {
      engine.ingest_frame(buildFrameTs({ sequence: seq, bids: side(n, 100, -0.01), asks: side(n, 100.01, 0.01) }), 0);
      engine.tick(0); // the store's first step each paint: the picture is brought up to date here
      const summary = summaryView(engine, memory);
      engine.levels_ptr();
      engine.bar_scale_ptr();
      expect(summary.byteLength).toBe(SUMMARY.LEN * 8); // a detached view would have length 0
      expect(readBook(engine, memory, '', summary)!.bids).toHaveLength(n);
    }
    engine.free();
  });

  it('ingests frames built by the Rust server (the committed recording)', () => {
    const engine = new Engine();
    const frames = recordedFrames();
    expect(frames.length).toBeGreaterThan(100);
    for (const f of frames) expect(engine.ingest_frame(f, Date.now())).toBe(0);
    const book = readBook(engine, memory, engine.symbol())!;
    expect(book.symbol).toBe('SIM-USD');
    expect(book.bids).toHaveLength(50);
    expect(book.bestBid).toBeLessThan(book.bestAsk);
    expect(readStats(summaryView(engine, memory)).frames).toBe(frames.length);
    engine.free();
  });

  it.each([
    ['through wasm-bindgen', false],
    ['through the reused input buffer', true],
  ])('rejects garbage without panicking and keeps the last good state (%s)', (_how, inPlace) => {
    const engine = new Engine();
    const framing = new FramingCheck(engine, inPlace ? memory : undefined);
    const good = recordedFrames()[0];
    expect(framing.ingest(good.slice().buffer, 0)).toBe('applied');
    const before = readBook(engine, memory, 'SIM-USD');
    const corrupt = good.slice();
    for (let i = 8; i < corrupt.length; i += 5) corrupt[i] ^= 0xa5;
    const inputs: unknown[] = ['text', new ArrayBuffer(0), new Uint8Array(64).buffer, good.slice(0, good.length / 2).buffer, corrupt.buffer];
    for (const bad of inputs) expect(framing.ingest(bad, 0)).toBe('rejected');
    expect(framing.rejected).toBe(inputs.length);
    expect(readBook(engine, memory, 'SIM-USD')).toEqual(before);
    // The engine still works after all of that.
    expect(framing.ingest(recordedFrames()[1].slice().buffer, 0)).toBe('applied');
    engine.free();
  });
});
