/**
 * `npm run soak`: tickframe-server for SOAK_MINUTES (default 10) under everything a public server
 * meets at once, sampling its resources, and a verdict on whether anything leaks or degrades:
 *
 * - healthy clients: tickframe-loadgen, back to back in 30 s windows (latency from each frame's
 *   timestamp to receipt, p50/p99 per window);
 * - churn: WebSocket clients that connect, read a few frames and leave, continuously;
 * - stalled clients: handshakes that never read a byte (the server must drop them);
 * - slowloris: connections that drip a request header a byte a second (the handshake deadline);
 * - a faulting source: a local fake Coinbase that skips sequence numbers, sends malformed JSON and
 *   drops its connection, so the server resyncs and reconnects all along.
 *
 * Every 5 s: server RSS, open descriptors, threads, open connections and clients (/metrics). After
 * the load stops, descriptors must return to their baseline. Writes bench-reports/soak.{json,md,svg}.
 *   SOAK_MINUTES=10  SOAK_HEALTHY=50  SOAK_CHURN_PER_S=10  SOAK_STALLED=20  SOAK_SLOWLORIS=50
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- loadgen's JSON lines */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { WebSocketServer } from 'ws';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'bench-reports');
mkdirSync(out, { recursive: true });
const env = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const minutes = env('SOAK_MINUTES', 10);
const healthyClients = env('SOAK_HEALTHY', 50);
const churnPerS = env('SOAK_CHURN_PER_S', 10);
const stalledCount = env('SOAK_STALLED', 20);
const slowlorisCount = env('SOAK_SLOWLORIS', 50);
const windowSeconds = Math.min(30, minutes * 6);
const bin = (name: string) => path.join(root, 'target/release', name);
const children = new Set<ChildProcess>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let stopping = false;

function stopAll() {
  stopping = true;
  for (const c of children) c.kill('SIGKILL');
}
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

// ── the faulting exchange: Coinbase Advanced Trade level2, with faults on a schedule ──────────────
const SYMBOL = 'SOAK-USD';
const exchange = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const faults = { gaps: 0, malformed: 0, drops: 0, connections: 0 };
exchange.on('connection', (ws) => {
  faults.connections++;
  let seq = 0;
  let mid = 100_000; // cents
  // The exchange's own book (cents → size), so a snapshot is always the book its updates built.
  const book = { bid: new Map<number, number>(), offer: new Map<number, number>() };
  for (let i = 1; i <= 50; i++) {
    book.bid.set(mid - i, 1 + (i % 7));
    book.offer.set(mid + i, 1 + (i % 5));
  }
  const level = (side: 'bid' | 'offer', cents: number, qty: number) => {
    if (qty === 0) book[side].delete(cents);
    else book[side].set(cents, qty);
    return { side, price_level: (cents / 100).toFixed(2), new_quantity: qty.toFixed(4) };
  };
  const send = (events: unknown[]) => ws.send(JSON.stringify({ channel: 'l2_data', sequence_num: seq++, events }));
  const snapshot = () => {
    const updates = [...book.bid].map(([c, q]) => level('bid', c, q)).concat([...book.offer].map(([c, q]) => level('offer', c, q)));
    send([{ type: 'snapshot', product_id: SYMBOL, updates }]);
  };
  let timer: NodeJS.Timeout | undefined;
  ws.on('message', (m) => {
    const text = String(m);
    // A (re)subscription to level2 is answered with a snapshot, as Coinbase does after a resync.
    if (!text.includes('"subscribe"') || !text.includes('level2')) return;
    snapshot();
    if (timer) return;
    let n = 0;
    timer = setInterval(() => {
      n++;
      if (n % 350 === 0) {
        faults.gaps++;
        seq++; // a lost message: the server must resync (resubscribe, new snapshot)
      }
      if (n % 550 === 0) {
        faults.malformed++;
        ws.send('{"channel":"l2_data","sequence_num":'); // cut short: the server must resync
        return;
      }
      if (n % 1500 === 0) {
        faults.drops++;
        ws.terminate(); // the exchange drops us: reconnect + resubscribe
        return;
      }
      mid += Math.round(Math.random() * 2 - 1);
      // Move the touch with mid and remove whatever would cross it: a real book never crosses.
      send([
        {
          type: 'update',
          product_id: SYMBOL,
          updates: [
            level('offer', mid - 1, 0),
            level('offer', mid, 0),
            level('bid', mid, 0),
            level('bid', mid + 1, 0),
            level('bid', mid - 1, 1 + Math.round(Math.random() * 3)),
            level('offer', mid + 1, 1 + Math.round(Math.random() * 3)),
          ],
        },
      ]);
    }, 20);
  });
  ws.on('close', () => clearInterval(timer));
  ws.on('error', () => clearInterval(timer));
});
await new Promise((r) => exchange.once('listening', r));
const exchangePort = (exchange.address() as net.AddressInfo).port;

// ── the server ───────────────────────────────────────────────────────────────────────────────
const serverLog: string[] = [];
const server = spawn(
  bin('tickframe-server'),
  [
    '--listen',
    '127.0.0.1:0',
    '--source',
    'sim',
    '--source',
    `coinbase:${SYMBOL}`,
    '--exchange-ws-url',
    `ws://127.0.0.1:${exchangePort}`,
    '--max-backoff-ms',
    '2000',
    '--max-clients-per-ip',
    '0',
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
children.add(server);
server.stderr!.on('data', (d: Buffer) => {
  for (const line of d.toString().split('\n')) if (/panick|ERROR/.test(line)) serverLog.push(line);
});
const addr = await new Promise<string>((resolve, reject) => {
  let text = '';
  server.stdout!.on('data', (d: Buffer) => {
    text += d;
    const m = text.match(/listening on http:\/\/(127\.0\.0\.1:\d+)/);
    if (m) resolve(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`tickframe-server exited ${code}`)));
});
const [host, portText] = addr.split(':');
const port = Number(portText);

async function metrics(): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${addr}/metrics`)).text();
  const m: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.split(' ');
    if (k && !k.startsWith('#') && v !== undefined) m[k] = Number(v);
  }
  return m;
}

interface Sample {
  t: number;
  rssMb: number;
  fds: number;
  threads: number;
  connections: number;
  clients: number;
  resyncs: number;
  gaps: number;
  reconnects: number;
  /** Clients the server dropped for not taking frames within its send timeout (the stalled ones). */
  slowDropped: number;
  handshakeTimeouts: number;
}
const t0 = Date.now();
async function sample(): Promise<Sample> {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const num = (re: RegExp) => Number(status.match(re)?.[1] ?? 0);
  const m = await metrics();
  return {
    t: (Date.now() - t0) / 1000,
    rssMb: num(/VmRSS:\s+(\d+)/) / 1024,
    fds: readdirSync(`/proc/${server.pid}/fd`).length,
    threads: num(/Threads:\s+(\d+)/),
    connections: m.tickframe_http_connections ?? 0,
    clients: m.tickframe_clients ?? 0,
    resyncs: m.tickframe_resyncs_total ?? 0,
    gaps: m.tickframe_source_gaps_total ?? 0,
    reconnects: m.tickframe_source_reconnects_total ?? 0,
    slowDropped: m.tickframe_slow_client_disconnects_total ?? 0,
    handshakeTimeouts: m.tickframe_handshake_timeouts_total ?? 0,
  };
}

await sleep(2000);
const baseline = await sample();
const samples: Sample[] = [baseline];
const sampler = setInterval(() => void sample().then((s) => samples.push(s)), 5000);

// ── load ─────────────────────────────────────────────────────────────────────────────────────
const wsUrl = `ws://${addr}/ws`;
let churned = 0;
async function churn() {
  while (!stopping) {
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(wsUrl);
      let got = 0;
      const done = () => {
        ws.close();
        resolve();
      };
      ws.onmessage = () => ++got >= 3 && done();
      ws.onerror = () => resolve();
      setTimeout(done, 5000);
    });
    churned++;
    await sleep(Math.max(0, 1000 / churnPerS - (Date.now() - started)));
  }
}

/** Every stalled and slowloris socket still open on this side, destroyed when the load stops. */
const openSockets = new Set<net.Socket>();
const track = (s: net.Socket) => {
  openSockets.add(s);
  s.on('close', () => openSockets.delete(s));
  return s;
};

let stalledOpened = 0;
function stalled() {
  // A handshake, then never a read: the server's writes pile up until its send timeout drops us.
  const s = net.connect(port, host, () => {
    s.write(
      `GET /ws HTTP/1.1\r\nHost: ${addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    s.pause();
  });
  stalledOpened++;
  track(s);
  s.on('error', () => {});
  // A paused socket never sees the server's close: the server's own counter says whether it dropped
  // it (slow_client_disconnects); here each one is replaced after a while, so there are always some.
  const replace = setTimeout(() => {
    s.destroy();
    if (!stopping) stalled();
  }, 120_000);
  s.on('close', () => clearTimeout(replace));
  return s;
}

let slowlorisOpened = 0;
function slowloris() {
  const s = track(net.connect(port, host));
  slowlorisOpened++;
  const header = `GET /healthz HTTP/1.1\r\nHost: ${addr}\r\nX-Slow: `;
  let i = 0;
  const drip = setInterval(() => s.write(i < header.length ? header[i++] : 'a'), 1000);
  s.on('error', () => {});
  s.on('close', () => {
    clearInterval(drip);
    if (!stopping) setTimeout(slowloris, 500);
  });
  return s;
}

function loadgenWindow(): Promise<any> {
  return new Promise((resolve) => {
    const p = spawn(bin('tickframe-loadgen'), ['--url', wsUrl, '--clients', String(healthyClients), '--seconds', String(windowSeconds)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.add(p);
    let text = '';
    p.stdout!.on('data', (d) => (text += d));
    p.on('exit', () => {
      children.delete(p);
      try {
        resolve(JSON.parse(text.trim().split('\n').pop()!));
      } catch {
        resolve(null);
      }
    });
  });
}

for (let i = 0; i < stalledCount; i++) stalled();
for (let i = 0; i < slowlorisCount; i++) slowloris();
const churners = [churn()];
const windows: { t: number; p50: number; p99: number; max: number; connected: number; deliveriesPerS: number }[] = [];
const endAt = t0 + minutes * 60_000;
console.log(`soak: ${minutes} min against ${addr} (fake exchange on ${exchangePort})`);
while (Date.now() + windowSeconds * 1000 < endAt) {
  const r = await loadgenWindow();
  if (r?.latency_ms) {
    windows.push({ t: (Date.now() - t0) / 1000, ...r.latency_ms, connected: r.connected, deliveriesPerS: r.deliveries_per_s });
    console.log(
      `soak: t=${Math.round((Date.now() - t0) / 1000)} s  healthy p50 ${r.latency_ms.p50} ms  p99 ${r.latency_ms.p99} ms  connected ${r.connected}`,
    );
  }
}

// ── stop the load; descriptors must come back ─────────────────────────────────────────────────
stopping = true;
for (const s of openSockets) s.destroy();
await Promise.all(churners);
await sleep(5000);
let after = await sample();
for (let i = 0; i < 12 && after.fds > baseline.fds + 2; i++) {
  await sleep(1000);
  after = await sample();
}
clearInterval(sampler);
const panics = serverLog.filter((l) => l.includes('panick')).length;
const serverAlive = server.exitCode === null;
stopAll();
exchange.close();

// ── verdict ──────────────────────────────────────────────────────────────────────────────────
const warm = samples.filter((s) => s.t >= Math.min(60, minutes * 60 * 0.1));
const loaded = warm.length ? warm : samples;
const rssWarm = loaded[0].rssMb;
const rssEnd = samples[samples.length - 1].rssMb;
const rssMax = Math.max(...loaded.map((s) => s.rssMb));
const firstP99 = windows[0]?.p99 ?? 0;
const lastP99 = windows[windows.length - 1]?.p99 ?? 0;
const checks = {
  rssWithin10PercentOfWarm: rssEnd <= rssWarm * 1.1,
  fdsBackToBaseline: after.fds <= baseline.fds + 2,
  noPanics: panics === 0 && serverAlive,
  // "Unchanged": the last window's p99 within 50 % (or 5 ms) of the first's, on a machine the soak shares.
  healthyP99Unchanged: lastP99 <= Math.max(firstP99 * 1.5, firstP99 + 5),
};
const report = {
  date: new Date().toISOString(),
  minutes,
  load: { healthyClients, churnPerS, stalledCount, slowlorisCount, windowSeconds },
  totals: { churned, stalledOpened, slowlorisOpened, faults },
  baseline,
  afterLoad: after,
  rss: { warmMb: rssWarm, endMb: rssEnd, maxMb: rssMax },
  healthyLatencyWindows: windows,
  samples,
  panics,
  checks,
  pass: Object.values(checks).every(Boolean),
};
writeFileSync(path.join(out, 'soak.json'), JSON.stringify(report, null, 2));

const f = (x: number, d = 1) => x.toFixed(d);
writeFileSync(
  path.join(out, 'soak.md'),
  `# Soak (${report.date})

${minutes} min: ${healthyClients} healthy clients (tickframe-loadgen, ${windowSeconds} s windows), ${churnPerS} churning clients/s (${churned} in all),
${stalledCount} stalled clients (${stalledOpened} opened), ${slowlorisCount} slowloris connections (${slowlorisOpened} opened), and a faulting
Coinbase source (${faults.gaps} gaps, ${faults.malformed} malformed messages, ${faults.drops} dropped connections, ${faults.connections} connections).

| check | result |
|---|---|
| RSS at the end within 10 % of its level after warm-up | ${f(rssEnd)} MB vs ${f(rssWarm)} MB (max ${f(rssMax)} MB): ${checks.rssWithin10PercentOfWarm ? 'yes' : '**no**'} |
| descriptors back to baseline after the load | ${after.fds} vs ${baseline.fds}: ${checks.fdsBackToBaseline ? 'yes' : '**no**'} |
| panics | ${panics}${serverAlive ? '' : ' (server died)'}: ${checks.noPanics ? 'none' : '**yes**'} |
| healthy p99, first → last window | ${f(firstP99)} → ${f(lastP99)} ms: ${checks.healthyP99Unchanged ? 'unchanged' : '**grew**'} |
| stalled clients dropped by the server's send timeout | ${after.slowDropped} |
| slowloris connections closed at the handshake deadline | ${after.handshakeTimeouts} |
| source gaps / resyncs / reconnects seen by the server | ${after.gaps} / ${after.resyncs} / ${after.reconnects} |

**${report.pass ? 'PASS' : 'FAIL'}**

| t (s) | healthy p50 / p99 / max (ms) | connected | deliveries/s |
|---|---|---|---|
${windows.map((w) => `| ${Math.round(w.t)} | ${f(w.p50)} / ${f(w.p99)} / ${f(w.max)} | ${w.connected} | ${Math.round(w.deliveriesPerS)} |`).join('\n')}

![RSS, descriptors and p99 over time](soak.svg)
`,
);

// SVG: RSS (MB), descriptors and healthy p99 (ms) over time, each scaled to its own maximum.
const W = 720,
  H = 260,
  P = 40;
const tMax = Math.max(1, ...samples.map((s) => s.t));
const X = (t: number) => P + (t / tMax) * (W - 2 * P);
const series = (pts: [number, number][], color: string, label: string, unit: string) => {
  const max = Math.max(1e-9, ...pts.map((p) => p[1]));
  const Y = (v: number) => H - P - (v / max) * (H - 2 * P);
  const d = pts.map(([t, v]) => `${X(t).toFixed(1)},${Y(v).toFixed(1)}`).join(' ');
  return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${d}"/><text x="${W - P + 4}" y="${pts.length ? Y(pts[pts.length - 1][1]).toFixed(1) : 0}" fill="${color}">${label} (max ${f(max)} ${unit})</text>`;
};
writeFileSync(
  path.join(out, 'soak.svg'),
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W + 200}" height="${H}" font-family="sans-serif" font-size="11">
<line x1="${P}" y1="${H - P}" x2="${W - P}" y2="${H - P}" stroke="#888"/><text x="${P}" y="${H - P + 16}">0 s</text><text x="${W - P - 30}" y="${H - P + 16}">${Math.round(tMax)} s</text>
${series(
  samples.map((s) => [s.t, s.rssMb]),
  '#2a6fdb',
  'RSS',
  'MB',
)}
${series(
  samples.map((s) => [s.t, s.fds]),
  '#2f9e44',
  'descriptors',
  '',
)}
${series(
  windows.map((w) => [w.t, w.p99]),
  '#d9480f',
  'healthy p99',
  'ms',
)}
</svg>\n`,
);
console.log(readFileSync(path.join(out, 'soak.md'), 'utf8'));
process.exit(report.pass ? 0 : 1);
