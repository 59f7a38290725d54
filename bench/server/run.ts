/**
 * `npm run bench:server`: tickframe-server under N WebSocket clients on loopback, N ∈ {100, 500,
 * 1000, 5000} at 50 and 100 Hz with 50-level frames, measured by tickframe-loadgen (latency from the
 * frame's timestamp_ms to receive, deliveries/s, skipped frames) beside server CPU and RSS, and the
 * raw-TCP ceiling for the same sockets and frame size — and, in the same sweep, the peers a team
 * would otherwise deploy (bench/server/peers/): a Node `ws` relay and a Bun `Bun.serve` pub/sub
 * relay (uWebSockets), each re-broadcasting one upstream tickframe-server connection's frames.
 * Each contestant's CPU is its own process's; deliveries per CPU-second is the efficiency figure.
 * Writes bench-reports/server.{json,md}, server-latency.svg and server-efficiency.svg. A benchmark:
 * it reports against the targets, it never fails on them.
 *   BENCH_SECONDS=5 (per run)  BENCH_CLIENTS=100,500,1000,5000  BENCH_HZ=50,100
 *   BENCH_CONTESTANTS=tickframe,node-ws,bun-uws
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- report rows are JSON read back from the runs */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { bin, loadgen, measureCpu, root, serverBenchArgs, spawnUntil } from '../support/benchProcesses.ts';

const out = path.join(root, 'bench-reports');
mkdirSync(out, { recursive: true });
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const clientCounts = (process.env.BENCH_CLIENTS ?? '100,500,1000,2000,5000,10000').split(',').map(Number);
const rates = (process.env.BENCH_HZ ?? '50,100').split(',').map(Number);
const contestants = (process.env.BENCH_CONTESTANTS ?? 'tickframe,node-ws,bun-uws').split(',') as Contestant[];
type Contestant = 'tickframe' | 'node-ws' | 'bun-uws';

async function startServer(hz: number): Promise<{ pid: number; addr: string; stop(): void }> {
  const { proc, match } = await spawnUntil(
    bin('tickframe-server'),
    ['--listen', '127.0.0.1:0', '--tick-hz', String(hz), '--depth', '50', ...serverBenchArgs],
    /http:\/\/(127\.0\.0\.1:\d+)/,
    { ...process.env, RUST_LOG: 'warn' },
  );
  return { pid: proc.pid!, addr: match, stop: () => proc.kill('SIGINT') };
}

/** A peer relay fed by `upstream`: its pid, its WebSocket URL, and how to stop it. */
async function startRelay(kind: Exclude<Contestant, 'tickframe'>, upstream: string): Promise<{ pid: number; url: string; stop(): void }> {
  const [cmd, args] =
    kind === 'node-ws'
      ? [process.execPath, [path.join(root, 'bench/server/peers/node-ws-relay.mjs'), upstream]]
      : [process.env.TICKFRAME_BUN ?? 'bun', [path.join(root, 'bench/server/peers/bun-relay.mjs'), upstream]];
  const { proc, match } = await spawnUntil(cmd, args, /(ws:\/\/127\.0\.0\.1:\d+\/ws)/, process.env, 'inherit');
  return { pid: proc.pid!, url: match, stop: () => proc.kill('SIGINT') };
}

execFileSync('cargo', ['build', '--release', '--quiet', '-p', 'tickframe-server', '--bins'], { cwd: root, stdio: 'inherit' });
const rows: Record<string, unknown>[] = [];
for (const hz of rates) {
  for (const clients of clientCounts) {
    for (const contestant of contestants) {
      const upstream = await startServer(hz);
      const relay = contestant === 'tickframe' ? null : await startRelay(contestant, `ws://${upstream.addr}/ws`);
      // The process measured: the contestant's own (a relay's upstream server is not counted).
      const server = relay ? { pid: relay.pid, stop: () => (relay.stop(), upstream.stop()) } : upstream;
      const url = relay ? relay.url : `ws://${upstream.addr}/ws`;
      // CPU over the measurement window: the loadgen connects (≤ 30 s), settles 0.5 s, then measures.
      const {
        result: ws,
        cores,
        rssMb: rss,
      } = await measureCpu([server.pid], loadgen(['--url', url, '--clients', String(clients), '--seconds', String(seconds)]));
      const cpu = cores * 100;
      server.stop();
      const frameBytes = ws.frames ? Math.round(ws.bytes_per_s / ws.deliveries_per_s) : 1800;
      const raw = await loadgen([
        '--raw-tcp',
        '--clients',
        String(clients),
        '--seconds',
        String(seconds),
        '--hz',
        String(hz),
        '--frame-bytes',
        String(frameBytes),
      ]);
      const row = {
        contestant,
        hz,
        clients,
        connected: ws.connected,
        frameBytes,
        deliveriesPerS: ws.deliveries_per_s,
        expectedPerS: clients * hz,
        latencyMs: ws.latency_ms,
        skippedFrames: ws.skipped_frames,
        serverCpuPercent: cpu,
        deliveriesPerCpuSecond: cpu > 0 ? ws.deliveries_per_s / (cpu / 100) : 0,
        serverRssMb: rss,
        rawTcpDeliveriesPerS: raw.deliveries_per_s,
        rawTcpLatencyMs: raw.latency_ms,
        ratioToRawTcp: raw.deliveries_per_s ? ws.deliveries_per_s / raw.deliveries_per_s : 0,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
}

const report = { date: new Date().toISOString(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, seconds, rows };
writeFileSync(path.join(out, 'server.json'), JSON.stringify(report, null, 2));
const f = (x: number, d = 2) => x.toFixed(d);
const target = rows.find((r) => r.contestant === 'tickframe' && r.clients === 500 && r.hz === 100) as
  ((typeof rows)[number] & { ratioToRawTcp: number; latencyMs: { p99: number } }) | undefined;
const byRunEarly = (c: Contestant, hz: number) => rows.filter((r: any) => r.contestant === c && r.hz === hz);
const md = `# Server benchmark (${report.date})

${report.cpus} CPU(s) (${report.cpuModel}); server, load generator and raw-TCP ceiling all on this machine's loopback, so they
compete for the same cores. Frames: 50 levels a side from the built-in simulator. Latency: frame \`timestamp_ms\`
(set when the tick serializes, millisecond resolution, so up to 1 ms is rounding) → receive in the client. The
raw-TCP ceiling's frames carry a µs send stamp: its latency column is what this machine's loopback and
scheduler cost with no WebSocket and no engine at all.

| contestant | Hz | clients | connected | frame B | deliveries/s (of clients×Hz) | p50 / p99 / max latency ms | skipped | CPU % | deliveries per CPU-s | RSS MB | raw-TCP deliveries/s | raw-TCP p50 / p99 ms | ratio |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows
  .map(
    (r: any) =>
      `| ${r.contestant} | ${r.hz} | ${r.clients} | ${r.connected} | ${r.frameBytes} | ${f(r.deliveriesPerS, 0)} (${f(r.expectedPerS, 0)}) | ${r.latencyMs ? `${f(r.latencyMs.p50)} / ${f(r.latencyMs.p99)} / ${f(r.latencyMs.max)}` : '—'} | ${r.skippedFrames} | ${f(r.serverCpuPercent, 0)} | ${f(r.deliveriesPerCpuSecond, 0)} | ${f(r.serverRssMb, 1)} | ${f(r.rawTcpDeliveriesPerS, 0)} | ${r.rawTcpLatencyMs ? `${f(r.rawTcpLatencyMs.p50)} / ${f(r.rawTcpLatencyMs.p99)}` : '—'} | ${f(r.ratioToRawTcp)} |`,
  )
  .join('\n')}

Relays (node-ws, bun-uws) re-broadcast one upstream tickframe-server connection; their CPU is the relay
process's alone (receiving the upstream feed included), their latency includes the upstream hop.

Target: ≥ 0.7 of the raw-TCP ceiling at 500 clients × 100 Hz with p99 ≤ 10 ms${
  target
    ? ` — measured ${f(target.ratioToRawTcp)} with p99 ${f(target.latencyMs.p99)} ms (raw-TCP ceiling's own p99: ${(target as any).rawTcpLatencyMs ? f((target as any).rawTcpLatencyMs.p99) : '—'} ms)`
    : ''
}.

Where each contestant saturates on this machine (the first client count at which it delivers under 95 % of
clients × Hz, connects fewer than all clients, or skips frames): ${contestants
  .flatMap((c) =>
    rates.map((hz) => {
      const sat = (byRunEarly(c, hz) as any[]).find(
        (r) => r.deliveriesPerS < 0.95 * r.expectedPerS || r.connected < r.clients || r.skippedFrames > 0,
      );
      return `${c} at ${hz} Hz: ${sat ? `${sat.clients} clients` : 'not within the sweep'}`;
    }),
  )
  .join('; ')}.

![deliveries per CPU-second and p99 against client count, every contestant](server-scale.svg)

![latency percentiles](server-latency.svg)

![deliveries per CPU-second, every contestant](server-efficiency.svg)
`;
writeFileSync(path.join(out, 'server.md'), md);

/** One line of a chart: its label, colour, dash, and (client count, value) points. */
interface Series {
  label: string;
  color: string;
  dashed: boolean;
  points: [number, number][];
}

/** A line chart of values against client count (one x position per measured count), as SVG text. */
function lineChartSvg(title: string, series: Series[], clients: number[]): string {
  const w = 640,
    h = 320,
    pad = 50;
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const x = (n: number) => pad + (clients.indexOf(n) / Math.max(1, clients.length - 1)) * (w - 2 * pad);
  const y = (v: number) => h - pad - (v / max) * (h - 2 * pad);
  const lines = series
    .map((s) => {
      const pts = s.points.map(([n, v]) => `${x(n).toFixed(1)},${y(v).toFixed(1)}`);
      const lastY = pts.length ? pts[pts.length - 1].split(',')[1] : 0;
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="5 3"' : ''} points="${pts.join(' ')}"/><text x="${w - pad + 4}" y="${lastY}" fill="${s.color}">${s.label}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w + 120}" height="${h}" font-family="monospace" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#000"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="#000"/>
${clients.map((n) => `<text x="${x(n) - 10}" y="${h - pad + 14}">${n}</text>`).join('')}
<text x="${pad}" y="${pad - 8}">${title} (max ${f(max)}) vs clients</text>
${lines}
</svg>\n`;
}

const xs = [...new Set(clientCounts)].sort((a, b) => a - b);
const byRun = (c: Contestant, hz: number) => rows.filter((r: any) => r.contestant === c && r.hz === hz) as any[];
// tickframe-server's p50 and p99 latency, one line pair per rate.
const rateColors = ['#2a6fdb', '#d9480f'];
writeFileSync(
  path.join(out, 'server-latency.svg'),
  lineChartSvg(
    'latency ms',
    rates.flatMap((hz, i) =>
      (['p50', 'p99'] as const).map((p) => ({
        label: `${hz} Hz ${p}`,
        color: rateColors[i % 2],
        dashed: p === 'p50',
        points: byRun('tickframe', hz)
          .filter((r) => r.latencyMs)
          .map((r): [number, number] => [r.clients, r.latencyMs[p]]),
      })),
    ),
    xs,
  ),
);
const palette: Record<Contestant, string> = { tickframe: '#2a6fdb', 'node-ws': '#2f9e44', 'bun-uws': '#d9480f' };
/** One line per contestant and rate (the first rate dashed) of `metric` against client count. */
const perContestant = (metric: (r: any) => number | undefined) =>
  contestants.flatMap((c) =>
    rates.map((hz) => ({
      label: `${c} ${hz} Hz`,
      color: palette[c],
      dashed: hz === rates[0],
      points: byRun(c, hz)
        .map((r): [number, number] => [r.clients, metric(r) ?? NaN])
        .filter(([, v]) => Number.isFinite(v) && v > 0),
    })),
  );
writeFileSync(
  path.join(out, 'server-efficiency.svg'),
  lineChartSvg(
    'deliveries per CPU-second',
    perContestant((r) => r.deliveriesPerCpuSecond),
    xs,
  ),
);
// The scale curve: every contestant's deliveries per CPU-second and p99 against client count, side by side.
const left = lineChartSvg(
  'deliveries per CPU-second',
  perContestant((r) => r.deliveriesPerCpuSecond),
  xs,
);
const right = lineChartSvg(
  'p99 latency ms',
  perContestant((r) => r.latencyMs?.p99),
  xs,
).replace('<svg ', '<svg x="760" ');
writeFileSync(
  path.join(out, 'server-scale.svg'),
  `<svg xmlns="http://www.w3.org/2000/svg" width="1520" height="320" viewBox="0 0 1520 320">${left}${right}</svg>\n`,
);
console.log('wrote bench-reports/server.{json,md}, server-latency.svg, server-efficiency.svg and server-scale.svg');
