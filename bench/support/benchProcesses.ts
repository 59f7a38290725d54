/** What the server-side benchmarks share: CPU and RSS of a process, tickframe-loadgen, and starting a binary that prints its address. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = (name: string) => path.join(root, 'target/release', name);
const CLK_TCK = 100; // Linux USER_HZ for /proc/<pid>/stat times

/** tickframe-loadgen's JSON line. */
export interface LoadResult {
  clients: number;
  connected: number;
  deliveries_per_s: number;
  bytes_per_s: number;
  frames: number;
  skipped_frames: number;
  latency_ms: { p50: number; p99: number; max: number; samples: number } | null;
}

/** User + system CPU seconds a process has used. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime + stime
}

export function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : 0;
}

export function loadgen(args: string[]): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin('tickframe-loadgen'), args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text.trim().split('\n').pop()!)) : reject(new Error(`loadgen exited ${code}`))));
  });
}

/** Spawn `cmd` and resolve with the first match of `pattern` in its stdout (and the process). */
export function spawnUntil(
  cmd: string,
  args: string[],
  pattern: RegExp,
  env: NodeJS.ProcessEnv = process.env,
  stderr: 'ignore' | 'inherit' = 'ignore',
): Promise<{ proc: ChildProcess; match: string }> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', stderr], env });
  return new Promise((resolve, reject) => {
    let text = '';
    proc.stdout!.on('data', (d) => {
      text += d;
      const m = text.match(pattern);
      if (m) resolve({ proc, match: m[1] });
    });
    proc.on('exit', () => reject(new Error(`${path.basename(cmd)} exited: ${text}`)));
  });
}

/** tickframe-server's options for a benchmark: no per-IP or pending caps in the way of many loopback clients. */
export const serverBenchArgs = [
  '--max-clients',
  '20000',
  '--max-clients-per-ip',
  '0',
  '--max-pending-connections',
  '20000',
  '--send-timeout-ms',
  '5000',
];

/** CPU use (in cores) of `pids` while `during` runs, sampled from just after it starts. */
export async function measureCpu<T>(pids: number[], during: Promise<T>): Promise<{ result: T; cores: number; perPid: number[]; rssMb: number }> {
  let cpu0: number[] = [];
  let t0 = 0;
  let rss = 0;
  const sampler = setInterval(() => {
    try {
      rss = Math.max(
        rss,
        pids.reduce((s, p) => s + rssMb(p), 0),
      );
      if (!t0) {
        cpu0 = pids.map(cpuSeconds);
        t0 = performance.now();
      }
    } catch {
      /* exited */
    }
  }, 250);
  const result = await during;
  clearInterval(sampler);
  const secs = (performance.now() - t0) / 1000;
  const perPid = t0 ? pids.map((p, i) => (cpuSeconds(p) - cpu0[i]) / secs) : pids.map(() => 0);
  return { result, cores: perPid.reduce((a, b) => a + b, 0), perPid, rssMb: rss };
}
