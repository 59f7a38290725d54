/**
 * Mutation fuzzing of the browser's input readers, seeded from real bytes: the recording reader
 * (a file a person drops on the player) and the framing check → WASM engine (a socket's messages).
 * Neither may throw anything but its own clear errors, and the engine keeps its last good book.
 * Runs `FUZZ_RUNS` cases per target (default 300, as in `npm test`; `npm run fuzz` runs more).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import fc from 'fast-check';
import { expect, it, vi } from 'vitest';

import { Engine } from '../../components/engine/initEngine';
import { FramingCheck } from '../../components/engine/FramingCheck';
import { readRecording } from '../../components/feed/recording';
import { loadEngine, recordedFrames } from '../support/engineFixtures';

const runs = Number(process.env.FUZZ_RUNS ?? 300);
const good = new Uint8Array(readFileSync(path.resolve(__dirname, '../../schema/test-vectors/recording-v2.tfrec')));

/** Byte-level mutations of `seed`: flips, cuts, overwrites. */
const mutated = (seed: Uint8Array) =>
  fc
    .array(
      fc.record({
        at: fc.nat(),
        op: fc.constantFrom('flip', 'cut', 'set'),
        bit: fc.integer({ min: 0, max: 7 }),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      let b = seed.slice();
      for (const e of edits) {
        if (b.length === 0) break;
        const at = e.at % b.length;
        if (e.op === 'flip') b[at] ^= 1 << e.bit;
        else if (e.op === 'cut') b = b.slice(0, at);
        else b[at] = e.byte;
      }
      return b;
    });

it('the recording reader returns whole records or throws one of its own errors', () => {
  fc.assert(
    fc.property(mutated(good), (bytes) => {
      try {
        const r = readRecording(bytes);
        expect(r.frames.length).toBeLessThanOrEqual(3);
        for (const f of r.frames) expect(Number.isFinite(f.receivedMs) || Number.isNaN(f.receivedMs)).toBe(true);
      } catch (e) {
        expect((e as Error).message).toMatch(/^(not a tickframe recording|unsupported recording version|bad recording header)/);
      }
    }),
    { numRuns: runs },
  );
});

it('the framing check and engine take or reject mutated frames without throwing, and keep working', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {}); // one line per rejected frame, by design
  const memory = loadEngine();
  const engine = new Engine();
  const framing = new FramingCheck(engine, memory);
  const frames = recordedFrames();
  expect(framing.ingest(frames[0].slice().buffer, 0)).toBe('applied');
  fc.assert(
    fc.property(mutated(frames[1]), (bytes) => {
      const outcome = framing.ingest(bytes.slice().buffer, 1);
      expect(['applied', 'applied-after-gap', 'duplicate', 'out-of-order', 'rejected']).toContain(outcome);
    }),
    { numRuns: runs },
  );
  // Still working: a real frame after the storm is taken (restart detection covers a poisoned sequence).
  expect(['applied', 'applied-after-gap', 'out-of-order', 'duplicate']).toContain(framing.ingest(frames[2].slice().buffer, 2));
  engine.free();
  warn.mockRestore();
});
