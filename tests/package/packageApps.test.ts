/**
 * `npm install tickframe` in three fresh apps — Vite + React 19, webpack 5 + React 18, Next.js App Router
 * with server rendering — each using exactly the README's snippet: pack, install, build, serve on
 * 127.0.0.1, and check in Chromium that an OrderbookLadder shows prices from a ReplaySource and from a
 * WebSocket to tickframe-server, with the engine's .wasm served as application/wasm.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chromiumLaunch, root, serveStatic, startServer } from '../e2e/harness';
import { freePort } from '../support/ports';
import { spawnGroup, stopGroup } from '../support/processes';
import { packageWork, packKit, run } from './packKit';

/** The README's "Use it in your app" code block, verbatim. */
export function readmeSnippet(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in your app'));
  const m = section.match(/```tsx\n([\s\S]*?)```/);
  if (!m) throw new Error('README has no tsx block under "Use it in your app"');
  return m[1];
}

interface Served {
  url: string;
  stop(): Promise<void> | void;
}

/** Start an app's own production server and wait until it answers. */
async function startAppServer(cmd: string, args: string[], cwd: string, port: number): Promise<Served> {
  const proc: ChildProcess = spawnGroup(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  let log = '';
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await stopGroup(proc);
      throw new Error(`${cmd} ${args.join(' ')} exited: ${log}`);
    }
    try {
      if ((await fetch(url)).status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopGroup(proc);
      throw new Error(`${cmd} did not answer on ${url}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, stop: () => stopGroup(proc) };
}

interface FixtureApp {
  name: string;
  /** Where the app keeps its source (the snippet goes there as Book.tsx). */
  srcDir: string;
  serve(dir: string): Promise<Served>;
}

const apps: FixtureApp[] = [
  {
    name: 'vite-react19',
    srcDir: 'src',
    serve: async (dir) => {
      const port = await freePort();
      return startAppServer('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], dir, port);
    },
  },
  {
    name: 'webpack-react18',
    srcDir: 'src',
    // webpack has no server of its own: its dist/ on a plain static file server, as most hosts would.
    serve: async (dir) => {
      cpSync(path.join(dir, 'public'), path.join(dir, 'dist'), { recursive: true });
      const s = await serveStatic(path.join(dir, 'dist'));
      return { url: s.url, stop: s.close };
    },
  },
  {
    name: 'next-app-router',
    srcDir: 'app',
    serve: async (dir) => {
      const port = await freePort();
      return startAppServer('npx', ['next', 'start', '-H', '127.0.0.1', '-p', String(port)], dir, port);
    },
  },
];

let feed: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;

beforeAll(async () => {
  packKit();
  feed = await startServer();
  browser = await chromium.launch(chromiumLaunch);
});

afterAll(async () => {
  await browser?.close();
  await stopGroup(feed?.proc, 'SIGINT');
});

/** Copy the fixture, add the README snippet and a recording, install the packed kit, build. */
function prepare(app: FixtureApp): string {
  const dir = path.join(packageWork, 'apps', app.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(path.join(root, 'tests/package/apps', app.name), dir, { recursive: true });
  writeFileSync(path.join(dir, app.srcDir, 'Book.tsx'), readmeSnippet());
  mkdirSync(path.join(dir, 'public'), { recursive: true });
  cpSync(path.join(root, 'stories/fixtures/sim-usd.tfrec'), path.join(dir, 'public/sim-usd.tfrec'));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir, 600_000);
  run('npm', ['run', 'build'], dir, 600_000);
  return dir;
}

const priceText = /^\d[\d,]*\.\d+$/;

describe.each(apps)('$name', (app) => {
  let dir: string;
  let site: Served;

  beforeAll(async () => {
    dir = prepare(app);
    site = await app.serve(dir);
  }, 900_000);

  afterAll(async () => {
    await site?.stop();
  });

  it('shows prices from a ReplaySource and from tickframe-server, with the wasm served as application/wasm', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const wasm: { url: string; type: string | undefined; status: number }[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.endsWith('.wasm')) wasm.push({ url: r.url(), type: r.headers()['content-type'], status: r.status() });
    });
    const ws = encodeURIComponent(`ws://${feed.addr}/ws`);
    await page.goto(`${site.url}/?ws=${ws}&rec=/sim-usd.tfrec`);
    for (const section of ['recorded', 'live']) {
      const bestBid = page.getByTestId(section).getByTestId('best-bid').locator('.tf-ladder__price');
      await bestBid.waitFor({ timeout: 30_000 });
      expect(await bestBid.textContent(), `${section} best bid`).toMatch(priceText);
    }
    // The live ladder keeps moving: the simulator changes the book every tick.
    const liveText = () => page.getByTestId('live').locator('.tf-ladder').textContent();
    const first = await liveText();
    await expect.poll(liveText, { timeout: 10_000 }).not.toBe(first);
    expect(wasm.length, 'the engine was fetched').toBeGreaterThan(0);
    for (const w of wasm) {
      expect(w.status, w.url).toBe(200);
      expect(w.type, w.url).toMatch(/^application\/wasm/);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  if (app.name === 'next-app-router') {
    it('server-renders the page (App Router) without touching browser globals', async () => {
      const res = await fetch(`${site.url}/?ws=x&rec=y`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Rendered on the server');
      expect(html).toContain('data-testid="live"');
    });
  }

  if (app.name === 'vite-react19') {
    it('imports every entry in plain Node without a browser global', () => {
      const out = run(
        'node',
        [
          '--input-type=module',
          '-e',
          `
        const kit = await import('tickframe');
        const core = await import('tickframe/core');
        if (typeof window !== 'undefined' || typeof document !== 'undefined') throw new Error('browser globals appeared');
        console.log(JSON.stringify({ kit: Object.keys(kit).length, core: Object.keys(core).length }));`,
        ],
        dir,
      );
      const counts = JSON.parse(out.trim()) as { kit: number; core: number };
      expect(counts.kit).toBeGreaterThan(counts.core);
      expect(counts.core).toBeGreaterThan(5);
    });
  }
});
