/**
 * `npm run bench:server`: tickframe-server under N WebSocket clients on loopback, measured by
 * tickframe-loadgen (latency from the frame's timestamp_ms to receive, deliveries/s, skipped frames,
 * and the contestant's user and kernel CPU from /proc over exactly the measurement window), beside
 * the peers a team would otherwise deploy (bench/server/peers/: a Node `ws` relay and a Bun
 * `Bun.serve` pub/sub relay — uWebSockets — each re-broadcasting one upstream tickframe-server
 * connection's frames) and the floor (`tickframe-floor`: a plain loop writing the same size of
 * message to the same sockets at the same rate, by `write` and by io_uring, no WebSocket server and
 * no runtime). Each point is run BENCH_RUNS times, contestants interleaved. Deliveries per
 * CPU-second is the efficiency figure; the ratio to the floor is CPU per delivery against the
 * `write` floor's in the same run. Writes bench-reports/server.{json,md} and the SVG charts. A
 * benchmark: it reports against the targets, it never fails on them.
 *   BENCH_SECONDS=5 (per run)  BENCH_POINTS=500x100,2000x50,5000x20 (clients x Hz)  BENCH_RUNS=3
 *   BENCH_CONTESTANTS=tickframe,bun-uws,node-ws,floor-write,floor-uring  BENCH_SERVER_ARGS='--writer-loops 1'
 * The scale curve of earlier reports: BENCH_POINTS=100x50,500x50,1000x50,2000x50,5000x50,10000x50 BENCH_RUNS=1.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- report rows are JSON read back from the runs */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { bin, loadgen, rssMb, root, serverBenchArgs, spawnUntil } from '../support/benchProcesses.ts';

const out = path.join(root, 'bench-reports');
mkdirSync(out, { recursive: true });
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const points = (process.env.BENCH_POINTS ?? '500x100,2000x50,5000x20').split(',').map((p) => {
  const [clients, hz] = p.split('x').map(Number);
  return { clients, hz };
});
const contestants = (process.env.BENCH_CONTESTANTS ?? 'tickframe,tickframe-write,bun-uws,node-ws,floor-write,floor-uring').split(',') as Contestant[];
type Contestant = 'tickframe' | 'tickframe-write' | 'node-ws' | 'bun-uws' | 'floor-write' | 'floor-uring';
const clientCounts = points.map((p) => p.clients);
const rates = [...new Set(points.map((p) => p.hz))];

async function startServer(hz: number, extra: string[] = []): Promise<{ pid: number; addr: string; stop(): void }> {
  const { proc, match } = await spawnUntil(
    bin('tickframe-server'),
    [
      '--listen',
      '127.0.0.1:0',
      '--tick-hz',
      String(hz),
      '--depth',
      '50',
      ...serverBenchArgs,
      ...extra,
      ...(process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean),
    ],
    /http:\/\/(127\.0\.0\.1:\d+)/,
    { ...process.env, RUST_LOG: 'warn' },
  );
  return { pid: proc.pid!, addr: match, stop: () => proc.kill('SIGINT') };
}

/** The floor: tickframe-floor writing to the sockets by `mode`. */
async function startFloor(hz: number, mode: 'write' | 'uring'): Promise<{ pid: number; url: string; stop(): void }> {
  const { proc, match } = await spawnUntil(
    bin('tickframe-floor'),
    ['--tick-hz', String(hz), '--mode', mode],
    /(ws:\/\/127\.0\.0\.1:\d+\/ws)/,
    process.env,
    'inherit',
  );
  return { pid: proc.pid!, url: match, stop: () => proc.kill('SIGINT') };
}

/** A peer relay fed by `upstream`: its pid, its WebSocket URL, and how to stop it. */
async function startRelay(kind: 'node-ws' | 'bun-uws', upstream: string): Promise<{ pid: number; url: string; stop(): void }> {
  const [cmd, args] =
    kind === 'node-ws'
      ? [process.execPath, [path.join(root, 'bench/server/peers/node-ws-relay.mjs'), upstream]]
      : [process.env.TICKFRAME_BUN ?? 'bun', [path.join(root, 'bench/server/peers/bun-relay.mjs'), upstream]];
  const { proc, match } = await spawnUntil(cmd, args, /(ws:\/\/127\.0\.0\.1:\d+\/ws)/, process.env, 'inherit');
  return { pid: proc.pid!, url: match, stop: () => proc.kill('SIGINT') };
}

/** The process measured (a relay's upstream server is not counted) and its URL. */
async function start(contestant: Contestant, hz: number): Promise<{ pid: number; url: string; stop(): void }> {
  if (contestant === 'floor-write' || contestant === 'floor-uring') return startFloor(hz, contestant === 'floor-write' ? 'write' : 'uring');
  // tickframe-write: the same server with its writer loops sending by write(2), not io_uring.
  const upstream = await startServer(hz, contestant === 'tickframe-write' ? ['--writer-io', 'write'] : []);
  if (contestant === 'tickframe' || contestant === 'tickframe-write')
    return { pid: upstream.pid, url: `ws://${upstream.addr}/ws`, stop: upstream.stop };
  const relay = await startRelay(contestant, `ws://${upstream.addr}/ws`);
  return { pid: relay.pid, url: relay.url, stop: () => (relay.stop(), upstream.stop()) };
}

execFileSync('cargo', ['build', '--release', '--quiet', '-p', 'tickframe-server', '--bins'], { cwd: root, stdio: 'inherit' });
const rows: Record<string, any>[] = [];
for (let run = 1; run <= runs; run++) {
  for (const { clients, hz } of points) {
    for (const contestant of contestants) {
      const server = await start(contestant, hz);
      let rss = 0;
      const sampler = setInterval(() => {
        try {
          rss = Math.max(rss, rssMb(server.pid));
        } catch {
          /* exited */
        }
      }, 250);
      let ws: any;
      try {
        ws = await loadgen(['--url', server.url, '--clients', String(clients), '--seconds', String(seconds), '--cpu-pid', String(server.pid)]);
      } finally {
        clearInterval(sampler);
        server.stop();
      }
      const cpuS = ws.cpu.user_s + ws.cpu.system_s;
      const delivered = ws.frames; // over the same window as the CPU time
      const row = {
        contestant,
        run,
        hz,
        clients,
        connected: ws.connected,
        frameBytes: ws.frames ? Math.round(ws.bytes_per_s / ws.deliveries_per_s) : 0,
        deliveriesPerS: ws.deliveries_per_s,
        expectedPerS: clients * hz,
        latencyMs: ws.latency_ms,
        skippedFrames: ws.skipped_frames,
        serverCpuPercent: (cpuS / ws.seconds) * 100,
        deliveriesPerCpuSecond: cpuS > 0 ? delivered / cpuS : 0,
        userUsPerDelivery: delivered ? (ws.cpu.user_s / delivered) * 1e6 : 0,
        kernelUsPerDelivery: delivered ? (ws.cpu.system_s / delivered) * 1e6 : 0,
        serverRssMb: rss,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
}
// Ratios within a run: CPU per delivery against the write floor's, efficiency against the Bun relay's.
for (const r of rows) {
  const same = (c: Contestant) => rows.find((o) => o.contestant === c && o.run === r.run && o.clients === r.clients && o.hz === r.hz);
  const floor = same('floor-write');
  const bun = same('bun-uws');
  r.ratioToFloor = floor && r.deliveriesPerCpuSecond ? floor.deliveriesPerCpuSecond / r.deliveriesPerCpuSecond : null;
  r.ratioToBun = bun && bun.deliveriesPerCpuSecond ? r.deliveriesPerCpuSecond / bun.deliveriesPerCpuSecond : null;
}

const report = { date: new Date().toISOString(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, seconds, runs, points, rows };
writeFileSync(path.join(out, 'server.json'), JSON.stringify(report, null, 2));
const f = (x: number | null | undefined, d = 2) => (x == null || !Number.isFinite(x) ? '—' : x.toFixed(d));
const range = (xs: number[], d = 2) => (xs.length ? `${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)}` : '—');
const of = (c: Contestant, p: { clients: number; hz: number }) => rows.filter((r) => r.contestant === c && r.clients === p.clients && r.hz === p.hz);
const targetLines = points.map((p) => {
  const t = of('tickframe', p);
  const bun = of('bun-uws', p);
  const vsBun = t.map((r) => r.ratioToBun).filter((x): x is number => x != null);
  const vsFloor = t.map((r) => r.ratioToFloor).filter((x): x is number => x != null);
  const p99 = t.map((r) => r.latencyMs?.p99 ?? NaN);
  const bunP99 = bun.map((r) => r.latencyMs?.p99 ?? NaN);
  const allIn = t.every((r) => r.connected === r.clients);
  const skipped = t.reduce((s, r) => s + r.skippedFrames, 0);
  const met = vsBun.length > 0 && vsBun.every((x) => x >= 1.1);
  return `| ${p.clients} × ${p.hz} Hz | ${range(vsBun)} ${met ? '✔' : '✘'} | ${range(vsFloor)} ${vsFloor.length && vsFloor.every((x) => x <= 1.3) ? '✔' : '✘'} | ${range(p99)} / ${range(bunP99)} | ${skipped} | ${allIn ? 'all' : 'not all'} |`;
});
const md = `# Server benchmark (${report.date})

${report.cpus} CPU(s) (${report.cpuModel}); every contestant and the load generator on this machine's loopback, so they
compete for the same cores. ${runs} run(s) of ${seconds} s per point, contestants interleaved. Frames: 50 levels a side
(tickframe-server's simulator; the floor's fixed book of the same depth). CPU: the contestant process's user + kernel
time from /proc over exactly the window the deliveries are counted in. Latency: frame \`timestamp_ms\` (millisecond
resolution, so up to 1 ms is rounding) → receive in the client.

Contestants: **tickframe** (tickframe-server: writer loops sending by io_uring, the default) and **tickframe-write**
(the same with \`--writer-io write\`: one \`send\` per socket); **bun-uws** and **node-ws**, relays re-broadcasting one
upstream tickframe-server connection (their CPU is the relay process's alone, receiving the upstream feed included;
their latency includes the upstream hop); **floor-write** and **floor-uring** (\`tickframe-floor\`: one thread writing
the message to every socket each tick, by one non-blocking \`send\` each or one io_uring submission of all of them).

## Targets (issue #25), over the runs

| point | tickframe ÷ bun-uws, deliveries per CPU-s (≥ 1.1) | tickframe CPU per delivery ÷ floor-write's (≤ 1.3) | p99 ms tickframe / bun-uws | tickframe skipped | connected |
|---|---|---|---|---|---|
${targetLines.join('\n')}

io_uring against write in the same writer loops (tickframe ÷ tickframe-write, deliveries per CPU-second, same run):
${points
  .map((p) => {
    const pairs = of('tickframe', p)
      .map((r) => [r, of('tickframe-write', p).find((w) => w.run === r.run)] as const)
      .filter(([, w]) => w && w.deliveriesPerCpuSecond > 0)
      .map(([r, w]) => r.deliveriesPerCpuSecond / w!.deliveriesPerCpuSecond);
    return `${p.clients} × ${p.hz} Hz: ${range(pairs)}`;
  })
  .join('; ')}.

## Every run

| contestant | run | clients × Hz | connected | frame B | deliveries/s (of clients×Hz) | p50 / p99 / max latency ms | skipped | CPU % | deliveries per CPU-s | user / kernel µs per delivery | RSS MB | × floor | ÷ bun |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows
  .map(
    (r) =>
      `| ${r.contestant} | ${r.run} | ${r.clients} × ${r.hz} | ${r.connected} | ${r.frameBytes} | ${f(r.deliveriesPerS, 0)} (${f(r.expectedPerS, 0)}) | ${r.latencyMs ? `${f(r.latencyMs.p50)} / ${f(r.latencyMs.p99)} / ${f(r.latencyMs.max)}` : '—'} | ${r.skippedFrames} | ${f(r.serverCpuPercent, 0)} | ${f(r.deliveriesPerCpuSecond, 0)} | ${f(r.userUsPerDelivery)} / ${f(r.kernelUsPerDelivery)} | ${f(r.serverRssMb, 1)} | ${f(r.ratioToFloor)} | ${f(r.ratioToBun)} |`,
  )
  .join('\n')}

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
const byRun = (c: Contestant, hz: number) => rows.filter((r: any) => r.contestant === c && r.hz === hz && r.run === 1) as any[];
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
const palette: Record<Contestant, string> = {
  tickframe: '#2a6fdb',
  'tickframe-write': '#74a0ea',
  'node-ws': '#2f9e44',
  'bun-uws': '#d9480f',
  'floor-write': '#555555',
  'floor-uring': '#999999',
};
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
