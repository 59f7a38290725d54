/**
 * The docs name files that exist: every path in README.md, ARCHITECTURE.md, SECURITY.md and
 * bench-reports/README.md (a token
 * that looks like `dir/file.ext` or `dir/`) resolves from the repository root, or from the folder the
 * docs write it relative to (`server/src/`, `server/`, `components/`, `engine-wasm/src/`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const BASES = ['', 'server/src', 'server', 'components', 'engine-wasm/src', 'tests', 'scripts', 'stories', 'bench-reports'];
const EXT = /\.(rs|ts|tsx|mjs|js|sh|md|fbs|toml|json|css|tfrec|svg)$/;

/** Path-like tokens: letters, digits, `_-./`, with a slash, ending in a known extension or a slash. */
function pathsIn(text: string): string[] {
  const tokens = text.match(/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.*<>{}-]+)+\/?/g) ?? [];
  return tokens.filter(
    (t) =>
      !t.includes('://') &&
      !/[*<>{}]/.test(t) &&
      !t.startsWith('.') &&
      !/^\d/.test(t) &&
      (EXT.test(t) || (t.endsWith('/') && !t.includes('.'))) &&
      !t.startsWith('node_modules') &&
      !t.startsWith('tickframe/') && // the package's own entry points
      !t.includes('shared/fixtures'),
  );
}

it.each(['README.md', 'ARCHITECTURE.md', 'SECURITY.md', 'bench-reports/README.md'])('every path %s names exists', (doc) => {
  const text = readFileSync(path.join(root, doc), 'utf8');
  const missing = pathsIn(text).filter((p) => !BASES.some((b) => existsSync(path.join(root, b, p))));
  expect(missing).toEqual([]);
});
