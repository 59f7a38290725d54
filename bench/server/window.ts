/**
 * `npm run bench:server`, second part: what the window of recent prints costs per delivery. The
 * same server and clients (500 × 50 Hz, 50-level frames, the built-in simulator) three times: a book
 * without prints (`--sim-prints 0`), the simulator's own pace (a print in about one update in three:
 * tens of prints in the window), and three prints every update (a full 256-print window, the worst
 * case). Server CPU per delivery is the figure; the difference to the book-only run is the window's
 * cost. Writes bench-reports/server-window.{json,md}. A benchmark: it never fails on a number.
 *   BENCH_SECONDS=5  BENCH_WINDOW_CLIENTS=500  BENCH_WINDOW_HZ=50
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { bin, loadgen, measureCpu, root, serverBenchArgs, spawnUntil } from '../support/benchProcesses.ts';

const out = path.join(root, 'bench-reports');
mkdirSync(out, { recursive: true });
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const clients = Number(process.env.BENCH_WINDOW_CLIENTS ?? 500);
const hz = Number(process.env.BENCH_WINDOW_HZ ?? 50);
const cases: { label: string; simPrints: string[] }[] = [
  { label: 'book only (no prints)', simPrints: ['--sim-prints', '0'] },
  { label: "the simulator's pace", simPrints: [] },
  { label: 'a full window (256 prints)', simPrints: ['--sim-prints', '3'] },
];

execFileSync('cargo', ['build', '--release', '--quiet', '-p', 'tickframe-server', '--bins'], { cwd: root, stdio: 'inherit' });
const rows = [];
for (const c of cases) {
  const { proc, match } = await spawnUntil(
    bin('tickframe-server'),
    ['--listen', '127.0.0.1:0', '--tick-hz', String(hz), '--depth', '50', ...c.simPrints, ...serverBenchArgs],
    /http:\/\/(127\.0\.0\.1:\d+)/,
    { ...process.env, RUST_LOG: 'warn' },
  );
  try {
    const { result, cores } = await measureCpu(
      [proc.pid!],
      loadgen(['--url', `ws://${match}/ws`, '--clients', String(clients), '--seconds', String(seconds)]),
    );
    const row = {
      case: c.label,
      frameBytes: result.deliveries_per_s ? Math.round(result.bytes_per_s / result.deliveries_per_s) : 0,
      deliveriesPerS: result.deliveries_per_s,
      expectedPerS: clients * hz,
      serverCores: cores,
      cpuMicrosPerDelivery: result.deliveries_per_s ? (cores * 1e6) / result.deliveries_per_s : 0,
      latencyMs: result.latency_ms,
      skippedFrames: result.skipped_frames,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  } finally {
    proc.kill('SIGINT');
  }
}

const report = { date: new Date().toISOString(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, seconds, clients, hz, rows };
writeFileSync(path.join(out, 'server-window.json'), JSON.stringify(report, null, 2));
const f = (x: number, d = 2) => x.toFixed(d);
const base = rows[0];
const md = `# What the window of prints costs per delivery (${report.date})

${report.cpus} CPU(s) (${report.cpuModel}); ${clients} clients × ${hz} Hz, 50-level frames, server and load generator on
this machine's loopback. Each frame repeats the recent prints (at most 256, a print kept 1 s and 16 frames), so a
print costs bytes in every frame of its window: the server serializes it once per tick and every delivery carries it.

| case | frame B | deliveries/s (of clients×Hz) | server CPU µs per delivery | vs book only | p50 / p99 ms | skipped |
|---|---|---|---|---|---|---|
${rows
  .map(
    (r) =>
      `| ${r.case} | ${r.frameBytes} | ${f(r.deliveriesPerS, 0)} (${r.expectedPerS}) | ${f(r.cpuMicrosPerDelivery)} | ${
        r === base
          ? '—'
          : `${r.cpuMicrosPerDelivery >= base.cpuMicrosPerDelivery ? '+' : ''}${f(r.cpuMicrosPerDelivery - base.cpuMicrosPerDelivery)} µs (+${r.frameBytes - base.frameBytes} B)`
      } | ${r.latencyMs ? `${f(r.latencyMs.p50)} / ${f(r.latencyMs.p99)}` : '—'} | ${r.skippedFrames} |`,
  )
  .join('\n')}

Regenerate: \`npm run bench:server\` (the sweep, then this), or this part alone: \`node bench/server/window.ts\`.
`;
writeFileSync(path.join(out, 'server-window.md'), md);
console.log('wrote bench-reports/server-window.{json,md}');
