/** Packs the kit exactly as `npm publish` would (prepack builds dist/), for the package tests. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

import { root } from '../e2e/harness';

export const packageWork = path.join(root, 'test-results/package');

/** `npm pack` into test-results/package/; returns the tarball's path (renamed tickframe.tgz). */
export function packKit(): string {
  mkdirSync(packageWork, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', packageWork], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
  const tarball = path.join(packageWork, 'tickframe.tgz');
  rmSync(tarball, { force: true });
  renameSync(path.join(packageWork, filename), tarball);
  return tarball;
}

/** Run a command in `cwd`, failing with its output (not just its exit code) when it fails. */
export function run(cmd: string, args: string[], cwd: string, timeout = 300_000): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      timeout,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? ''}\n${err.message}`);
  }
}
