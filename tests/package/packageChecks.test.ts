/** The packed tarball: what it contains, publint, arethetypeswrong, size budgets, and a plain Node import. */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { beforeAll, expect, it } from 'vitest';

import { root } from '../e2e/harness';
import { packageWork, packKit, run } from './packKit';

// The kit's JavaScript, every component and the vanilla core, gzipped: 40.3 KB with LiquidityHeatmap
// (#24 added ≈ 3 KB: component, model, palette, overlay, controls, the store's heatmap access). A
// budget, not a target: it catches an accidental dependency or a duplicated module.
const JS_BUDGET_GZ = 44 * 1024;
const WASM_BUDGET_GZ = 80 * 1024;

let tarball: string;
let unpacked: string;

beforeAll(() => {
  tarball = packKit();
  unpacked = path.join(packageWork, 'unpacked');
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', unpacked], root);
  unpacked = path.join(unpacked, 'package');
});

it('ships ESM, declarations, the wasm and the CSS, and nothing consumers do not need', () => {
  const files = run('tar', ['-tzf', tarball], root)
    .trim()
    .split('\n')
    .map((f) => f.replace(/^package\//, ''));
  expect(files).toEqual(
    expect.arrayContaining([
      'package.json',
      'README.md',
      'LICENSE',
      'dist/index.js',
      'dist/core.js',
      'dist/index.css',
      'dist/tickframe_engine_bg.wasm',
      'dist/types/components/index.d.ts',
    ]),
  );
  expect(files.filter((f) => !/^(package\.json|README\.md|LICENSE|dist\/.+)$/.test(f))).toEqual([]);
  expect(files.filter((f) => /\.(test|stories)\.|\.rs$|\.map$/.test(f))).toEqual([]);

  const pkg = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
  expect(pkg.type).toBe('module');
  expect(pkg.sideEffects).toEqual(['*.css']);
  expect(pkg.peerDependencies).toEqual({ react: '^18 || ^19', 'react-dom': '^18 || ^19' });
  expect(Object.keys(pkg.dependencies)).toEqual(['zustand']);
  // The React entry is a client boundary; the framework-free one is not.
  expect(readFileSync(path.join(unpacked, 'dist/index.js'), 'utf8')).toMatch(/^["']use client["'];/);
  expect(readFileSync(path.join(unpacked, 'dist/core.js'), 'utf8')).not.toMatch(/use client/);
  // No top-level await anywhere in the shipped JS (it would force async module loading on every consumer).
  for (const f of readdirSync(path.join(unpacked, 'dist')).filter((f) => f.endsWith('.js'))) {
    expect(readFileSync(path.join(unpacked, 'dist', f), 'utf8'), f).not.toMatch(/^await\s|^(const|let|var) [^=]+= await\s/m);
  }
});

it('passes publint', () => {
  const out = run('npx', ['publint', '--strict', unpacked], root);
  expect(out).toContain('All good!');
});

it('passes arethetypeswrong (ESM-only profile)', () => {
  // Exit code 0 means no problems; the CSS and wasm subpaths are assets, not modules with types.
  run('npx', ['attw', tarball, '--profile', 'esm-only', '--exclude-entrypoints', './styles.css', './tickframe_engine_bg.wasm'], root);
});

it(`keeps the kit's JavaScript within ${JS_BUDGET_GZ / 1024} KB and the wasm within ${WASM_BUDGET_GZ / 1024} KB gzipped`, () => {
  const dist = path.join(unpacked, 'dist');
  const js = Buffer.concat(
    readdirSync(dist)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(path.join(dist, f))),
  );
  const jsGz = gzipSync(js, { level: 9 }).length;
  const wasmGz = gzipSync(readFileSync(path.join(dist, 'tickframe_engine_bg.wasm')), { level: 9 }).length;
  console.log(`package sizes: JS ${js.length} B (${jsGz} B gz), wasm ${wasmGz} B gz`);
  expect(jsGz).toBeLessThanOrEqual(JS_BUDGET_GZ);
  expect(wasmGz).toBeLessThanOrEqual(WASM_BUDGET_GZ);
});
