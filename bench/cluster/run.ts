/**
 * `npm run bench:cluster`: the same clients served by one tickframe-server, and through the cluster
 * (ingest node → NATS → 1 and 2 edges), measured by tickframe-loadgen: deliveries/s, CPU per delivery
 * (every process of the path: ingest, nats-server, edges), p50/p99 from the frame's `timestamp_ms` to
 * the client — so the bus's added latency is the difference to the single process. Writes
 * bench-reports/cluster.{json,md}. A benchmark: it reports, it never fails on a number.
 *   BENCH_SECONDS=5  BENCH_CLIENTS=1000  BENCH_HZ=50
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- report rows are JSON */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { bin, loadgen, measureCpu, root, serverBenchArgs, spawnUntil, type LoadResult } from '../support/benchProcesses.ts';
import { freePort, waitForPort } from '../../tests/support/ports.ts';

const out = path.join(root, 'bench-reports');
mkdirSync(out, { recursive: true });
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const clients = Number(process.env.BENCH_CLIENTS ?? 1000);
const hz = Number(process.env.BENCH_HZ ?? 50);
const natsBin = process.env.TICKFRAME_NATS_SERVER ?? 'nats-server';
const listenLine = /http:\/\/(127\.0\.0\.1:\d+)/;

const server = (args: string[]) =>
  spawnUntil(
    bin('tickframe-server'),
    ['--listen', '127.0.0.1:0', '--tick-hz', String(hz), '--depth', '50', ...serverBenchArgs, ...args],
    listenLine,
    {
      ...process.env,
      RUST_LOG: 'warn',
    },
  );

/** Run `n` loadgens splitting the clients over `urls`, measuring the CPU of `pids`. */
async function measure(name: string, urls: string[], pids: number[], fanoutPids: number[]) {
  const per = Math.ceil(clients / urls.length);
  const runs = Promise.all(urls.map((url) => loadgen(['--url', url, '--clients', String(per), '--seconds', String(seconds)])));
  const { result, cores, perPid, rssMb } = await measureCpu(pids, runs);
  const fanoutCores = pids.reduce((s, p, i) => s + (fanoutPids.includes(p) ? perPid[i] : 0), 0);
  const deliveries = result.reduce((s, r) => s + r.deliveries_per_s, 0);
  const worst = (k: 'p50' | 'p99' | 'max') => Math.max(...result.map((r: LoadResult) => r.latency_ms?.[k] ?? NaN));
  const row = {
    name,
    edges: urls.length,
    clients: result.reduce((s, r) => s + r.connected, 0),
    deliveriesPerS: deliveries,
    expectedPerS: per * urls.length * hz,
    skipped: result.reduce((s, r) => s + r.skipped_frames, 0),
    cpuCores: cores,
    deliveriesPerCpuSecond: cores > 0 ? deliveries / cores : 0,
    fanoutCores,
    deliveriesPerFanoutCpuSecond: fanoutCores > 0 ? deliveries / fanoutCores : 0,
    rssMb,
    p50: worst('p50'),
    p99: worst('p99'),
    max: worst('max'),
  };
  console.log(JSON.stringify(row));
  return row;
}

execFileSync('cargo', ['build', '--release', '--quiet', '-p', 'tickframe-server', '--bins'], { cwd: root, stdio: 'inherit' });
const rows: any[] = [];

// One process: source, engine and fan-out together.
{
  const single = await server([]);
  rows.push(await measure('single process', [`ws://${single.match}/ws`], [single.proc.pid!], [single.proc.pid!]));
  single.proc.kill('SIGKILL');
}

// Through the bus, with 1 and then 2 edges.
for (const edges of [1, 2]) {
  const natsPort = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tickframe-bench-nats-'));
  const nats = spawn(natsBin, ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', dir], {
    stdio: 'ignore',
  });
  const procs = [nats];
  try {
    await waitForPort(natsPort, 15_000);
    const url = `nats://127.0.0.1:${natsPort}`;
    const ingest = await server(['--publish', url, '--node-name', 'bench-ingest']);
    procs.push(ingest.proc);
    await new Promise((r) => setTimeout(r, 1000)); // the lease and the first frames
    const edgeNodes = [];
    for (let i = 0; i < edges; i++) {
      const e = await server(['--source', url]);
      procs.push(e.proc);
      edgeNodes.push(e);
    }
    const row = await measure(
      `ingest → NATS → ${edges} edge${edges > 1 ? 's' : ''}`,
      edgeNodes.map((e) => `ws://${e.match}/ws`),
      procs.map((p) => p.pid!),
      edgeNodes.map((e) => e.proc.pid!),
    );
    rows.push(row);
  } finally {
    for (const p of procs.reverse()) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const single = rows[0];
const report = { date: new Date().toISOString(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, seconds, clients, hz, rows };
writeFileSync(path.join(out, 'cluster.json'), JSON.stringify(report, null, 2));
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const md = `# Cluster benchmark (${report.date})

${report.cpus} CPU(s) (${report.cpuModel}). ${clients} WebSocket clients (tickframe-loadgen, split evenly over the edges),
${hz} Hz, 50-level simulator frames. CPU is every process on the path: the single server; or the ingest node,
nats-server and the edges. Latency: the frame's \`timestamp_ms\` (set by the ingest node's tick) → receive.

| path | clients | deliveries/s (of clients×Hz) | skipped | CPU cores (all) | deliveries per CPU-s (all) | fan-out cores (server / edges) | deliveries per fan-out CPU-s | RSS MB | p50 / p99 / max ms | added p50 / p99 ms |
|---|---|---|---|---|---|---|---|---|---|---|
${rows
  .map(
    (r) =>
      `| ${r.name} | ${r.clients} | ${f(r.deliveriesPerS, 0)} (${f(r.expectedPerS, 0)}) | ${r.skipped} | ${f(r.cpuCores)} | ${f(r.deliveriesPerCpuSecond, 0)} | ${f(r.fanoutCores)} | ${f(r.deliveriesPerFanoutCpuSecond, 0)} | ${f(r.rssMb, 1)} | ${f(r.p50)} / ${f(r.p99)} / ${f(r.max)} | ${r === single ? '—' : `${f(r.p50 - single.p50)} / ${f(r.p99 - single.p99)}`} |`,
  )
  .join('\n')}

${rows
  .filter((r) => r !== single)
  .map(
    (r) =>
      `- ${r.name}: ingest node + NATS cost ${f(r.cpuCores - r.fanoutCores)} cores (one message per symbol per tick, whatever the client count); the edges delivered ${f(r.deliveriesPerFanoutCpuSecond, 0)} frames per edge CPU-second (single process: ${f(single.deliveriesPerFanoutCpuSecond, 0)}). Each added edge core therefore serves about ${f(r.deliveriesPerFanoutCpuSecond / hz, 0)} clients at ${hz} Hz.`,
  )
  .join('\n')}

On one 2-core machine the cluster cannot deliver more in total: every process shares the same two cores, and
the bus adds an ingest → NATS → edge hop per frame. What scales is the edge: each edge does only fan-out (no
engine, no exchange connection), so edge cores add deliveries per CPU-second at about the rate the single
process's fan-out achieves, while the ingest node and NATS cost the same whatever the client count (one
message per symbol per tick in, one per edge out).
`;
writeFileSync(path.join(out, 'cluster.md'), md);
console.log(md);
