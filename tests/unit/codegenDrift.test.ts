/**
 * The committed generated code must be exactly what the pinned flatc makes of schema/orderbook.fbs.
 * Fails when someone edits the schema without `npm run codegen` (or edits generated code by hand).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function files(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p, base) : [path.relative(base, p)];
  });
}

it('schema/generated and the example engine match flatc output for their .fbs files', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tickframe-codegen-'));
  execFileSync('bash', [path.join(root, 'scripts/codegen.sh'), '--check', tmp], { stdio: 'pipe' });
  const example = 'server/examples/trades_ticker/trades_generated.rs';
  expect(readFileSync(path.join(root, example), 'utf8'), example).toBe(readFileSync(path.join(tmp, 'example/trades_generated.rs'), 'utf8'));
  const out = path.join(tmp, 'schema');
  const committed = path.join(root, 'schema/generated');
  const fresh = files(out).sort();
  expect(files(committed).sort()).toEqual(fresh);
  for (const f of fresh) {
    expect(readFileSync(path.join(committed, f), 'utf8'), f).toBe(readFileSync(path.join(out, f), 'utf8'));
  }
});
