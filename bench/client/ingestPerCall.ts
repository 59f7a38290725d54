/**
 * Per-call timing of the ingest path in Node (the same V8 and the same wasm as Chromium, but with an
 * uncoarsened clock), run by run.ts beside the browser page. In Chromium performance.now() moves in
 * 5 µs steps, so the page can only time batches; here every call is timed on its own, so p99 is a
 * true per-call p99. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';

import { FramingCheck } from '../../components/engine/FramingCheck';
import { Engine, initEngineSync } from '../../components/engine/initEngine';
import { benchInputs, jsBookUpdate, pct } from './benchData';
import { FlatbuffersJsBook } from './flatbuffersJsBook';

const wasmPath = process.argv[2];
const memory = initEngineSync(readFileSync(wasmPath));
const gc = (globalThis as { gc?: () => void }).gc;

/** µs per call, every call timed (after 3 untimed passes in which wasm and JS tier up). */
function perCall(call: (i: number) => void, n: number, rounds: number, after?: () => void): number[] {
  for (let r = 0; r < 3; r++) {
    for (let i = 0; i < n; i++) call(i);
    after?.();
  }
  gc?.();
  const out = new Float64Array(n * rounds);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      call(i);
      out[r * n + i] = (performance.now() - t0) * 1000;
    }
    after?.();
  }
  return Array.from(out);
}

const summary = (xs: number[]) => ({
  p50: pct(xs, 50),
  p90: pct(xs, 90),
  p99: pct(xs, 99),
  max: Math.max(...xs),
  mean: xs.reduce((a, x) => a + x, 0) / xs.length,
});

// What timing itself costs: two clock reads around nothing.
const clock = perCall(() => {}, 2000, 5);
const results = [];
for (const levels of [50, 500]) {
  const n = 2000;
  const { frames, jsons } = benchInputs(levels, n);
  const engine = new Engine();
  const framing = new FramingCheck(engine, memory);
  // A frame as painted: ingest, then the picture (grouping, change flags, layout) JS reads.
  const wasm = perCall(
    (i) => {
      framing.ingest(frames[i], 0);
      engine.levels_ptr();
    },
    n,
    10,
    () => engine.reset_sequence(),
  );
  // A frame that arrives between two paints: ingest only (the picture is built when next read).
  const frameOnly = perCall(
    (i) => {
      framing.ingest(frames[i], 0);
    },
    n,
    10,
    () => engine.reset_sequence(),
  );
  if (framing.rejected) throw new Error(`bench frames rejected: ${framing.lastError}`);
  engine.free();
  // The same frames through flatc's TypeScript accessors and a JavaScript book of equal work.
  const fbBook = new FlatbuffersJsBook();
  const fbPainted = perCall(
    (i) => {
      fbBook.ingest(frames[i]);
      fbBook.picture();
    },
    n,
    10,
    () => fbBook.resetSequence(),
  );
  if (fbBook.errors) throw new Error('bench frames rejected by the JS path');
  const book = { bids: new Map<number, number>(), asks: new Map<number, number>() };
  const js = perCall((i) => jsBookUpdate(jsons[i], book), n, levels > 100 ? 3 : 10);
  const ingest = summary(wasm);
  const json = summary(js);
  results.push({
    levels,
    samples: wasm.length,
    ingestFrameUs: ingest,
    ingestOnlyUs: summary(frameOnly),
    jsonPathUs: json,
    flatbuffersJsUs: summary(fbPainted),
    speedupOverFlatbuffersJs: summary(fbPainted).mean / ingest.mean,
    speedupOverFlatbuffersJsMedians: summary(fbPainted).p50 / ingest.p50,
    speedupMeans: json.mean / ingest.mean,
    speedupMedians: json.p50 / ingest.p50,
  });
}
// What the window of prints every frame repeats costs the painted path: 50 levels with 0, 50 and 256
// prints, one new print a frame (the engine keeps each once and lays its tape view out for the paint).
const window = [];
for (const prints of [0, 50, 256]) {
  const n = 2000;
  const { frames } = benchInputs(50, n, prints);
  const engine = new Engine();
  const framing = new FramingCheck(engine, memory);
  const painted = perCall(
    (i) => {
      framing.ingest(frames[i], 0);
      engine.levels_ptr();
    },
    n,
    10,
    () => engine.reset_sequence(),
  );
  if (framing.rejected) throw new Error(`bench frames with ${prints} prints rejected: ${framing.lastError}`);
  engine.free();
  window.push({ prints, frameBytes: frames[0].byteLength, paintedUs: summary(painted) });
}
console.log(JSON.stringify({ node: process.version, clockOverheadUs: summary(clock), results, window }));
