/**
 * Client benchmark page, driven by bench/client/run.ts in headless Chromium.
 * Phase 1: ingest_frame vs JSON.parse + a JavaScript book update, same data, 50 and 500 levels.
 * Phase 2: every component on one store fed at 100 Hz: commits, frame times, long tasks, heap.
 * Phase 3: LiquidityHeatmap, 600 columns × 256 bins, frames at 100 Hz (a column every 100 ms), painted
 *   per animation frame: its main-thread paint time, commits, long tasks, heap; beside it the same
 *   picture drawn with one fillRect per cell.
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
  LiquidityHeatmap,
  OrderbookLadder,
  SpreadGauge,
  type FrameSource,
  type FrameSourceEvents,
} from './kit';
import { buildFrameTs, type TestHeatColumn } from '../../tests/support/buildFrame';
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

/** The live JS heap (Chromium started with --expose-gc: measured after a full GC, not garbage). */
function liveHeap(): number {
  (window as unknown as { gc?: () => void }).gc?.();
  return (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
}

/**
 * One measured run: after a 10 s warm-up, `reset()` the caller's counters, then count animation frames
 * (and their intervals), long tasks and the heap every 10 s for `seconds`.
 */
async function measureRun(reset: () => void) {
  await new Promise((r) => setTimeout(r, 10_000)); // warm up: JIT, first renders, pools and caches filled
  const longTasks: number[] = [];
  const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration)));
  obs.observe({ type: 'longtask', buffered: false });
  const heapStart = liveHeap();
  // Preallocated, so the benchmark's own bookkeeping does not grow the heap it measures.
  const frameTimes = new Float64Array(Math.ceil(seconds * 250));
  let frameCount = 0;
  const heapSamples: number[] = [heapStart];
  const sampler = setInterval(() => heapSamples.push(liveHeap()), 10_000);
  reset();
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
  const heapEnd = liveHeap();
  heapSamples.push(heapEnd);
  return {
    elapsed,
    rafs,
    frames: Array.from(frameTimes.subarray(0, frameCount)),
    longTasks: { count: longTasks.length, totalMs: longTasks.reduce((a, b) => a + b, 0) },
    heapBytes: { start: heapStart, end: heapEnd, change: heapStart ? (heapEnd - heapStart) / heapStart : 0, samples: heapSamples },
  };
}

async function renderPhase() {
  const store = createMarketStore({ source: new TimerSource(100, 50) });
  await store.ready;
  let commits = 0;
  let nestedUpdates = 0;
  let framesWithExtraCommits = 0;
  let lastCommitFrame: CSSNumberish | null = null;
  // Preallocated (like the frame times in measureRun): the benchmark's bookkeeping must not grow the heap it measures.
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
  const run = await measureRun(() => {
    commits = 0;
    nestedUpdates = 0;
    framesWithExtraCommits = 0;
  });
  const { elapsed, rafs, frames } = run;
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
    longTasks: run.longTasks,
    heapBytes: run.heapBytes,
    frameIntervals: frames,
  };
}

const HEAT_COLUMNS = 600;
const HEAT_BINS = 256;

/** A heat column of 256 bins of 1.00 around a mid that wanders: walls, a gradient, noise. */
function heatColumn(seq: number): TestHeatColumn {
  const mid = 10_000 + Math.round(40 * Math.sin(seq / 150));
  const low = mid - HEAT_BINS / 2;
  const lots = new Float64Array(HEAT_BINS);
  for (let i = 0; i < HEAT_BINS; i++) {
    const d = Math.abs(low + i - mid);
    lots[i] = Math.round(2_000 / (1 + d / 8) + ((seq * 31 + i * 17) % 97) * 5 + (i % 37 === 0 ? 50_000 : 0));
  }
  return { seq, endMs: 1.7e12 + seq * 100, lowPrice: low, binSize: 1, bestBid: mid - 0.5, bestAsk: mid + 0.5, lots };
}

/** The heatmap's picture as a renderer without the engine would draw it: one fillRect per cell. */
function fillRectPicture(ctx: CanvasRenderingContext2D, columns: TestHeatColumn[], width: number, height: number, columnPx: number) {
  let max = 0;
  for (const c of columns) for (let i = 0; i < c.lots.length; i++) max = Math.max(max, Math.log1p(c.lots[i]));
  ctx.clearRect(0, 0, width, height);
  const rowPx = height / HEAT_BINS;
  for (let k = 0; k < columns.length; k++) {
    const c = columns[columns.length - 1 - k];
    const x = width - (k + 1) * columnPx;
    if (x + columnPx <= 0) break;
    for (let i = 0; i < c.lots.length; i++) {
      const t = Math.log1p(c.lots[i]) / max;
      ctx.fillStyle = `rgb(${(t * 255) | 0},${(t * 200) | 0},${((1 - t) * 255) | 0})`;
      ctx.fillRect(x, height - (i + 1) * rowPx, columnPx, rowPx);
    }
  }
}

/** Frames at 100 Hz, a heat column every 10th (every 100 ms, as the server sends them). */
class HeatSource implements FrameSource {
  private timer: ReturnType<typeof setInterval> | null = null;
  start(events: FrameSourceEvents) {
    events.state('open');
    // The join frame: the last 600 columns at once.
    const history = Array.from({ length: HEAT_COLUMNS }, (_, i) => heatColumn(i + 1));
    let seq = 1;
    let column = HEAT_COLUMNS;
    events.frame(buildFrameTs({ sequence: seq, ...makeBook(50, seq), heat: history }).slice().buffer, Date.now());
    this.timer = setInterval(() => {
      seq++;
      const heat = seq % 10 === 0 ? [heatColumn(++column)] : undefined;
      events.frame(buildFrameTs({ sequence: seq, ...makeBook(50, seq), heat }).slice().buffer, Date.now());
    }, 10);
  }
  stop() {
    if (this.timer) clearInterval(this.timer);
  }
}

async function heatmapPhase() {
  const store = createMarketStore({ source: new HeatSource() });
  await store.ready;
  const width = 1200; // 600 columns × 2 px
  const height = 512; // 256 bins × 2 px
  let commits = 0;
  let framesWithExtraCommits = 0;
  let lastCommitFrame: CSSNumberish | null = null;
  const paintMs = new Float64Array(Math.ceil((seconds + 20) * 120));
  let paints = 0;
  let changedPaints = 0;
  const root = createRoot(document.getElementById('root')!);
  root.render(
    <Profiler
      id="heatmap"
      onRender={() => {
        commits++;
        const frame = document.timeline.currentTime;
        if (frame === lastCommitFrame) framesWithExtraCommits++;
        lastCommitFrame = frame;
      }}
    >
      <LiquidityHeatmap
        store={store}
        width={width}
        height={height}
        columnPx={2}
        binPx={2}
        onPaint={(ms, changed) => {
          if (paints < paintMs.length) paintMs[paints] = ms;
          paints++;
          if (changed) changedPaints++;
        }}
      />
    </Profiler>,
  );
  const run = await measureRun(() => {
    commits = 0;
    framesWithExtraCommits = 0;
    paints = 0;
    changedPaints = 0;
  });
  const { elapsed, rafs } = run;
  const ms = Array.from(paintMs.subarray(0, Math.min(paints, paintMs.length)));
  root.unmount();
  store.dispose();

  // The same picture, full redraws: the engine (paint + putImageData) against one fillRect per cell.
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  document.body.append(canvas);
  const ctx = canvas.getContext('2d')!;
  const columns = Array.from({ length: HEAT_COLUMNS }, (_, i) => heatColumn(i + 1));
  const full = createMarketStore({ source: new HeatSource() });
  await full.ready;
  await new Promise((r) => setTimeout(r, 50));
  // (The default capacity is 600 columns: the join frame's history is all kept.)
  const engineFull: number[] = [];
  const fillRect: number[] = [];
  for (let r = 0; r < 30; r++) {
    const t0 = performance.now();
    // A new window every time (a redraw of every column, not a scroll).
    const p = full.heatmap.paint({ width, height, columnPx: 2, priceTop: 10_128 + (r % 2), priceBottom: 9_872 + (r % 2) });
    if (p && p.pixels.length === width * height * 4) ctx.putImageData(new ImageData(p.pixels, width, height), 0, 0);
    engineFull.push(performance.now() - t0);
    const t1 = performance.now();
    fillRectPicture(ctx, columns, width, height, 2);
    ctx.getImageData(0, 0, 1, 1); // make the canvas finish its drawing inside the timed span
    fillRect.push(performance.now() - t1);
  }
  full.dispose();
  canvas.remove();
  return {
    seconds: elapsed,
    columns: HEAT_COLUMNS,
    bins: HEAT_BINS,
    width,
    height,
    feedHz: 100,
    animationFramesPerSecond: rafs / elapsed,
    paintsPerSecond: paints / elapsed,
    pixelChangesPerSecond: changedPaints / elapsed,
    paintMs: { p50: pct(ms, 50), p95: pct(ms, 95), p99: pct(ms, 99), max: Math.max(0, ...ms) },
    commitsPerAnimationFrame: commits / rafs,
    commitsBeyondOnePerFrame: framesWithExtraCommits,
    longTasks: run.longTasks,
    heapBytes: run.heapBytes,
    fullRedrawMs: { engine: { p50: pct(engineFull, 50), p95: pct(engineFull, 95) }, fillRect: { p50: pct(fillRect, 50), p95: pct(fillRect, 95) } },
  };
}

(async () => {
  try {
    const memory = await initEngine();
    const ingest = await ingestPhase(memory);
    const render = await renderPhase();
    const heatmap = await heatmapPhase();
    (window as unknown as { __bench: unknown }).__bench = { ok: true, ingest, render, heatmap };
  } catch (e) {
    (window as unknown as { __bench: unknown }).__bench = { ok: false, error: String(e) };
  }
})();
