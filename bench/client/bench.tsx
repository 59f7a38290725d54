/**
 * Client benchmark page, driven by bench/client/run.ts in headless Chromium.
 * Phase 1: ingest_frame vs JSON.parse + a JavaScript book update, same data, 50 and 500 levels.
 * Phase 2: every component on one store fed at 100 Hz: commits, frame times, long tasks, heap.
 */
import { Profiler } from 'react';
import { createRoot } from 'react-dom/client';

import {
  FramingCheck,
  ConnectionStatus,
  createMarketStore,
  DepthChart,
  Engine,
  ImbalanceBar,
  initEngine,
  OrderbookLadder,
  SpreadGauge,
  type FrameSource,
  type FrameSourceEvents,
} from './kit';
import { buildFrameTs } from '../../tests/support/buildFrame';
import { benchInputs, jsBookUpdate, makeBook, pct } from './benchData';

const params = new URLSearchParams(location.search);
const seconds = Number(params.get('seconds') ?? 60);

/**
 * µs per call of `call(i)`, as the mean of each batch of `batch` calls (performance.now() is coarsened
 * to 5 µs cross-origin isolated, 100 µs otherwise: one call is far below it), after 3 untimed passes
 * in which wasm and JS tier up to their optimising compilers.
 */
function timeCalls(call: (i: number) => void, n: number, batch: number, after?: () => void): number[] {
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let i = 0; i < n; i++) call(i);
    after?.();
  }
  // Start the timed passes with an empty young generation: garbage from building the inputs is not
  // the engine's to pay for.
  (globalThis as { gc?: () => void }).gc?.();
  for (let r = 0; r < 10; r++) {
    for (let b = 0; b + batch <= n; b += batch) {
      const t0 = performance.now();
      for (let i = b; i < b + batch; i++) call(i);
      out.push(((performance.now() - t0) * 1000) / batch);
    }
    after?.();
  }
  return out;
}

async function ingestPhase(memory: WebAssembly.Memory) {
  const results: Record<string, unknown>[] = [];
  const timerUs = crossOriginIsolated ? 5 : 100;
  // Timer rounding moves a batch's per-call mean by at most one tick / batch (0.25 µs isolated).
  const batch = crossOriginIsolated ? 20 : 100;
  for (const levels of [50, 500]) {
    const n = 2000;
    const { frames, jsons } = benchInputs(levels, n);
    const engine = new Engine();
    // Exactly the store's path: FramingCheck copies the frame into the engine's reused input
    // buffer and calls ingest_input; JS then needs only the levels' address for its typed view.
    const framing = new FramingCheck(engine, memory);
    let levelsPtr = 0;
    const wasm = timeCalls(
      (i) => {
        framing.ingest(frames[i], 0);
        levelsPtr = engine.levels_ptr();
      },
      n,
      batch,
      () => engine.reset_sequence(),
    );
    if (framing.rejected) throw new Error(`bench frames rejected: ${framing.lastError}`);
    // The engine really applied the frames: the view's best bid is the last frame's.
    const bestBid = new Float64Array(memory.buffer, levelsPtr, 4)[0];
    if (bestBid !== makeBook(levels, n - 1).bids[0][0]) throw new Error(`levels view shows ${bestBid}`);
    // A frame between two paints: ingest only (the engine builds the picture when it is next read).
    const ingestOnly = timeCalls(
      (i) => void framing.ingest(frames[i], 0),
      n,
      batch,
      () => engine.reset_sequence(),
    );
    engine.free();
    const book = { bids: new Map<number, number>(), asks: new Map<number, number>() };
    const js = timeCalls((i) => jsBookUpdate(jsons[i], book), n, batch);
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    results.push({
      levels,
      frameBytes: frames[0].byteLength,
      ingestFrameUs: { p50: pct(wasm, 50), p90: pct(wasm, 90), p99: pct(wasm, 99), max: Math.max(...wasm), mean: mean(wasm) },
      ingestOnlyUs: {
        p50: pct(ingestOnly, 50),
        p90: pct(ingestOnly, 90),
        p99: pct(ingestOnly, 99),
        max: Math.max(...ingestOnly),
        mean: mean(ingestOnly),
      },
      jsonPathUs: { p50: pct(js, 50), p90: pct(js, 90), p99: pct(js, 99), max: Math.max(...js), mean: mean(js) },
      samples: wasm.length,
      batch,
      timerUs,
      speedup: mean(js) / mean(wasm),
    });
  }
  return results;
}

/** Feeds frames at a fixed rate, like a socket would. */
class TimerSource implements FrameSource {
  private timer: ReturnType<typeof setInterval> | null = null;
  constructor(
    private hz: number,
    private levels: number,
  ) {}
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
  let nestedUpdates = 0;
  let framesWithExtraCommits = 0;
  let lastCommitFrame: CSSNumberish | null = null;
  // Preallocated (like frameTimes below): the benchmark's bookkeeping must not grow the heap it measures.
  const commitMs = new Float64Array(Math.ceil((seconds + 20) * 250));
  const root = createRoot(document.getElementById('root')!);
  root.render(
    <Profiler
      id="all"
      onRender={(_id, phase, actualMs) => {
        if (commits < commitMs.length) commitMs[commits] = actualMs;
        commits++;
        if (phase === 'nested-update') nestedUpdates++;
        // document.timeline.currentTime is the current animation frame's time, the same for everything
        // that runs until the next frame: two commits under one value are two commits in one frame.
        const frame = document.timeline.currentTime;
        if (frame === lastCommitFrame) framesWithExtraCommits++;
        lastCommitFrame = frame;
      }}
    >
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
  await new Promise((r) => setTimeout(r, 10_000)); // warm up: JIT, first renders, pools and caches filled
  const longTasks: number[] = [];
  const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration)));
  obs.observe({ type: 'longtask', buffered: false });
  const heapStart = heap();
  // Preallocated, so the benchmark's own bookkeeping does not grow the heap it measures.
  const frameTimes = new Float64Array(Math.ceil(seconds * 250));
  let frameCount = 0;
  const heapSamples: number[] = [heapStart];
  const sampler = setInterval(() => heapSamples.push(heap()), 10_000);
  commits = 0;
  nestedUpdates = 0;
  framesWithExtraCommits = 0;
  const rafStart = performance.now();
  let rafs = 0;
  await new Promise<void>((done) => {
    let last = performance.now();
    const loop = (now: number) => {
      if (frameCount < frameTimes.length) frameTimes[frameCount++] = now - last;
      last = now;
      rafs++;
      if (now - rafStart < seconds * 1000) requestAnimationFrame(loop);
      else done();
    };
    requestAnimationFrame(loop);
  });
  const elapsed = (performance.now() - rafStart) / 1000;
  obs.disconnect();
  clearInterval(sampler);
  const heapEnd = heap();
  heapSamples.push(heapEnd);
  const frames = Array.from(frameTimes.subarray(0, frameCount));
  root.unmount();
  store.dispose();
  return {
    seconds: elapsed,
    feedHz: 100,
    commitsPerSecond: commits / elapsed,
    animationFramesPerSecond: rafs / elapsed,
    commitsPerAnimationFrame: commits / rafs,
    commitsBeyondOnePerFrame: framesWithExtraCommits,
    nestedUpdates,
    frameIntervalMs: { p50: pct(frames, 50), p95: pct(frames, 95), max: Math.max(...frames) },
    reactCommitMs: (() => {
      const ms = Array.from(commitMs.subarray(0, Math.min(commits, commitMs.length)));
      return { p50: pct(ms, 50), p95: pct(ms, 95), max: Math.max(0, ...ms) };
    })(),
    longTasks: { count: longTasks.length, totalMs: longTasks.reduce((a, b) => a + b, 0) },
    heapBytes: { start: heapStart, end: heapEnd, change: heapStart ? (heapEnd - heapStart) / heapStart : 0, samples: heapSamples },
    frameIntervals: frames,
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
