/** A real nats-server for a test: JetStream on, data in a temp dir, on a free 127.0.0.1 port. */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

import { freePort, waitForPort } from './ports';
import { spawnGroup, stopGroup } from './processes';

/** The bootstrap's nats-server ($TICKFRAME_NATS_SERVER), or its cached copy. */
export function natsServerBinary(): string {
  const fromEnv = process.env.TICKFRAME_NATS_SERVER;
  if (fromEnv) return fromEnv;
  const tools = process.env.TICKFRAME_TOOLS ?? path.join(homedir(), '.cache/tickframe');
  const cached = path.join(tools, 'nats-server-2.15.1/nats-server');
  if (existsSync(cached)) return cached;
  throw new Error('nats-server not found: run `bash scripts/bootstrap.sh` (npm test does) or set TICKFRAME_NATS_SERVER');
}

export interface NatsServer {
  url: string;
  stop(): Promise<void>;
}

export async function startNats(): Promise<NatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'tickframe-nats-'));
  const proc: ChildProcess = spawnGroup(natsServerBinary(), ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  const stop = async () => {
    await stopGroup(proc, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  await waitForPort(port, 15_000).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return { url: `nats://127.0.0.1:${port}`, stop };
}
