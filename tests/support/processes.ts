/**
 * Processes a test starts, each in its own process group so that stopping it also stops what it
 * started (npx → node → vite preview / next-server; playwright → Chromium's helpers). Every group is
 * stopped in teardown and, as a last resort, when the test worker exits. `tests/orphans.test.mjs`
 * checks at the end of `npm test` that nothing marked with this run's TICKFRAME_TEST_RUN is left.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const live = new Set<ChildProcess>();

function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal); // the whole group: the process and everything it started
  } catch {
    /* already gone */
  }
}

process.once('exit', () => {
  for (const proc of live) signalGroup(proc, 'SIGKILL');
});

/** `spawn` in a new process group, tracked until stopped. */
export function spawnGroup(cmd: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const proc = spawn(cmd, args, { ...options, detached: true });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return proc;
}

/** Stop a process group: `signal` first, SIGKILL if anything of it is still there after `graceMs`. */
export async function stopGroup(proc: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (!proc) return;
  const exited = proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => proc.once('exit', () => r()));
  signalGroup(proc, signal);
  const timer = new Promise<void>((r) => setTimeout(r, graceMs).unref());
  await Promise.race([exited, timer]);
  // Children of the group may outlive its leader: make sure none is left.
  signalGroup(proc, 'SIGKILL');
  live.delete(proc);
}
