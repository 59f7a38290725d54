/**
 * The engine's memory contract has one owner per language: the Rust (`market_engine.rs`) and the
 * TypeScript generated from it. Fails when the generated table is stale (someone changed the Rust
 * without `npm run codegen`) or when the built engine disagrees with it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, no types
import { generate, readSources, TARGET } from '../../scripts/gen-engine-layout.mjs';
import { bar_scale_stride, level_stride, summary_len, tape_row_stride, volume_stride } from '../../engine-wasm/pkg/tickframe_engine.js';
import { BAR_SCALE_STRIDE, LEVEL_STRIDE, ROW_STRIDE, SUMMARY, VOLUME_STRIDE } from './engineMemory.js';
import { loadEngine } from '../../tests/support/engineFixtures';

const root = path.join(import.meta.dirname, '../..');

it('the generated layout is exactly what the Rust source defines', () => {
  const fresh: string = generate(readSources(root));
  expect(readFileSync(path.join(root, TARGET), 'utf8')).toBe(fresh);
});

it('the built engine agrees with the generated layout', () => {
  loadEngine();
  expect(summary_len()).toBe(SUMMARY.LEN);
  expect(level_stride()).toBe(LEVEL_STRIDE);
  expect(bar_scale_stride()).toBe(BAR_SCALE_STRIDE);
  expect(tape_row_stride()).toBe(ROW_STRIDE);
  expect(volume_stride()).toBe(VOLUME_STRIDE);
  // Every slot is inside the summary, and no two share one.
  const slots = Object.entries(SUMMARY)
    .filter(([k]) => k !== 'LEN')
    .map(([, v]) => v);
  expect(new Set(slots).size).toBe(slots.length);
  expect(Math.max(...slots)).toBeLessThan(SUMMARY.LEN);
});
