/**
 * Client benchmark page, driven by bench/client/run.ts in headless Chromium.
 * Phase 1: ingest_frame vs JSON.parse + a JavaScript book update, same data, 50 and 500 levels.
 * Phase 2: every component on one store fed at 100 Hz: commits, frame times, long tasks, heap.
 */
import { Profiler } from 'react';
import { createRoot } from 'react-dom/client';

import {
  ConnectionStatus, createMarketStore, DepthChart, Engine, ImbalanceBar, initEngine, OrderbookLadder, SpreadGauge,
  type FrameSource, type FrameSourceEvents,
} from './kit';
import { buildFrameTs } from '../../tests/support/buildFrame';

type Book = [number, number][];
const params = new URLSearchParams(location.search);
const seconds = Number(params.get('seconds') ?? 60);

function makeBook(levels: number, seq: number): { bids: Book; asks: Book } {
  const jitter = (i: number) => 1 + ((seq * 7 + i * 13) % 50) / 10;
  return {
    bids: Array.from({ length: levels }, (_, i) => [Math.round((1000 - i * 0.01 - (seq % 5) * 0.01) * 100) / 100, jitter(i)]),
    asks: Array.from({ length: levels }, (_, i) => [Math.round((1000.01 + i * 0.01 - (seq % 5) * 0.01) * 100) / 100, jitter(i + 1)]),
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** The JavaScript baseline: parse JSON, apply to a Map book, sort, cumulate (what a JS kit does). */
function jsBookUpdate(text: string, book: { bids: Map<number, number>; asks: Map<number, number> }) {
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

async function ingestPhase(memory: WebAssembly.Memory) {
  const results: Record<string, unknown>[] = [];
  for (const levels of [50, 500]) {
    const n = 2000;
    const frames = Array.from({ length: n }, (_, i) => buildFrameTs({ sequence: i + 1, ...makeBook(levels, i) }));
    const jsons = Array.from({ length: n }, (_, i) => JSON.stringify(makeBook(levels, i)));
    // performance.now() is coarsened (100 µs here), so time batches of 100 calls: per-call µs per batch.
    const BATCH = 100;
    const engine = new Engine();
    const wasm: number[] = [];
    for (let r = 0; r < 3; r++) {
      for (let b = 0; b < n; b += BATCH) {
        const t0 = performance.now();
        for (let i = b; i < b + BATCH; i++) {
          // The store's path: BinaryFrameParser copies into the engine's reused input buffer.
          const ptr = engine.input_buffer(frames[i].byteLength);
          new Uint8Array(memory.buffer, ptr, frames[i].byteLength).set(frames[i]);
          engine.ingest_input(frames[i].byteLength, 0);
          // What JS does per frame: one typed view over the levels.
          new Float64Array(memory.buffer, engine.levels_ptr(), levels * 2 * 4);
        }
        wasm.push(((performance.now() - t0) * 1000) / BATCH);
      }
      engine.reset_sequence();
    }
    engine.free();
    const book = { bids: new Map<number, number>(), asks: new Map<number, number>() };
    const js: number[] = [];
    for (let r = 0; r < 3; r++) {
      for (let b = 0; b < n; b += BATCH) {
        const t0 = performance.now();
        for (let i = b; i < b + BATCH; i++) jsBookUpdate(jsons[i], book);
        js.push(((performance.now() - t0) * 1000) / BATCH);
      }
    }
    const wasmMean = wasm.reduce((a, x) => a + x, 0) / wasm.length;
    const jsMean = js.reduce((a, x) => a + x, 0) / js.length;
    results.push({
      levels,
      frameBytes: frames[0].byteLength,
      ingestFrameUs: { p50: pct(wasm, 50), p99: pct(wasm, 99), mean: wasmMean },
      jsonPathUs: { p50: pct(js, 50), p99: pct(js, 99), mean: jsMean },
      batches: wasm.length,
      speedup: jsMean / wasmMean,
    });
  }
  return results;
}

/** Feeds frames at a fixed rate, like a socket would. */
class TimerSource implements FrameSource {
  private timer: ReturnType<typeof setInterval> | null = null;
  constructor(private hz: number, private levels: number) {}
  start(events: FrameSourceEvents) {
    events.state('open');
    let seq = 0;
    this.timer = setInterval(() => {
      seq++;
      const f = buildFrameTs({ sequence: seq, ...makeBook(this.levels, seq) });
      events.frame(f.slice().buffer, Date.now());
    }, 1000 / this.hz);
  }
  stop() {
    if (this.timer) clearInterval(this.timer);
  }
}

async function renderPhase() {
  const store = createMarketStore({ source: new TimerSource(100, 50) });
  await store.ready;
  let commits = 0;
  const commitMs: number[] = [];
  const root = createRoot(document.getElementById('root')!);
  root.render(
    <Profiler id="all" onRender={(_id, _phase, actualMs) => { commits++; commitMs.push(actualMs); }}>
      <div style={{ display: 'flex', gap: 16 }}>
        <OrderbookLadder store={store} depth={50} />
        <div>
          <ConnectionStatus store={store} />
          <SpreadGauge store={store} />
          <ImbalanceBar store={store} />
          <DepthChart store={store} />
        </div>
      </div>
    </Profiler>,
  );
  const heap = () => {
    (window as unknown as { gc?: () => void }).gc?.(); // Chromium started with --expose-gc: measure live heap, not garbage
    return (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
  };
  await new Promise((r) => setTimeout(r, 2000)); // warm up
  const longTasks: number[] = [];
  const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration)));
  obs.observe({ type: 'longtask', buffered: false });
  const heapStart = heap();
  const frameTimes: number[] = [];
  commits = 0;
  commitMs.length = 0;
  const rafStart = performance.now();
  let rafs = 0;
  await new Promise<void>((done) => {
    let last = performance.now();
    const loop = (now: number) => {
      frameTimes.push(now - last);
      last = now;
      rafs++;
      if (now - rafStart < seconds * 1000) requestAnimationFrame(loop);
      else done();
    };
    requestAnimationFrame(loop);
  });
  const elapsed = (performance.now() - rafStart) / 1000;
  obs.disconnect();
  const heapEnd = heap();
  root.unmount();
  store.dispose();
  return {
    seconds: elapsed,
    feedHz: 100,
    commitsPerSecond: commits / elapsed,
    animationFramesPerSecond: rafs / elapsed,
    commitsPerAnimationFrame: commits / rafs,
    frameIntervalMs: { p50: pct(frameTimes, 50), p95: pct(frameTimes, 95), max: Math.max(...frameTimes) },
    reactCommitMs: { p50: pct(commitMs, 50), p95: pct(commitMs, 95), max: Math.max(0, ...commitMs) },
    longTasks: { count: longTasks.length, totalMs: longTasks.reduce((a, b) => a + b, 0) },
    heapBytes: { start: heapStart, end: heapEnd, change: heapStart ? (heapEnd - heapStart) / heapStart : 0 },
    frameIntervals: frameTimes,
  };
}

(async () => {
  try {
    const memory = await initEngine();
    const ingest = await ingestPhase(memory);
    const render = await renderPhase();
    (window as unknown as { __bench: unknown }).__bench = { ok: true, ingest, render };
  } catch (e) {
    (window as unknown as { __bench: unknown }).__bench = { ok: false, error: String(e) };
  }
})();
