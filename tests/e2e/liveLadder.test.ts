/**
 * The whole journey: simulator → tickframe-server → binary WebSocket → parser → WASM engine → store
 * → OrderbookLadder in the built Storybook, in Chromium. The test also subscribes to the same server
 * and checks that what the page shows is a frame it received, and that it is fresh: at most
 * {@link MAX_LAG_MS} behind the newest frame the test had (a delay a person would notice). The measured lag is
 * printed; how fast this machine is belongs in `npm run bench:client`, not here.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import * as flatbuffers from 'flatbuffers';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { OrderbookFrame } from '../../schema/generated/ts/tickframe/schema';
import { chromiumLaunch, root, serveStatic, startServer, stopGroup } from './harness';

/** How far behind the test's own socket the page may be: a quarter second is where a person starts to notice. */
const MAX_LAG_MS = 250;

let server: { addr: string; proc: ChildProcess };
let site: Awaited<ReturnType<typeof serveStatic>>;
let browser: Browser;

beforeAll(async () => {
  const dir = path.join(root, 'storybook-static');
  if (!existsSync(path.join(dir, 'iframe.html'))) throw new Error('storybook-static is missing: run npm run build-storybook (npm test does)');
  server = await startServer();
  site = await serveStatic(dir);
  browser = await chromium.launch(chromiumLaunch);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await stopGroup(server?.proc, 'SIGINT');
});

it('the Live story shows the best bid of a frame this test received from the same server', async () => {
  const bestBidBySeq = new Map<number, number>();
  const arrivals: { at: number; seq: number }[] = [];
  const ws = new WebSocket(`ws://${server.addr}/ws`);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev) => {
    const f = OrderbookFrame.getRootAsOrderbookFrame(new flatbuffers.ByteBuffer(new Uint8Array(ev.data as ArrayBuffer)));
    const seq = Number(f.sequence());
    bestBidBySeq.set(seq, f.bestBid());
    arrivals.push({ at: Date.now(), seq });
  };

  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const wsUrl = encodeURIComponent(`ws://${server.addr}/ws`);
  await page.goto(`${site.url}/iframe.html?id=live-orderbookladder--live&viewMode=story&ws=${wsUrl}`);
  await page.getByTestId('best-bid').waitFor({ timeout: 30_000 });
  // Let the page finish starting up (module loading, first renders) before comparing in steady state.
  await new Promise((r) => setTimeout(r, 1000));

  const seen: number[] = [];
  const lags: number[] = [];
  for (let i = 0; i < 5; i++) {
    const shown = await page.evaluate(() => {
      const ladder = document.querySelector('.tf-ladder') as HTMLElement;
      const price = document.querySelector('[data-testid="best-bid"] .tf-ladder__price')!.textContent!;
      // Same machine, same wall clock as the test process.
      return { at: Date.now(), seq: Number(ladder.dataset.sequence), bestBid: Number(price.replace(/,/g, '')) };
    });
    // Give the test's own socket one tick (20 ms at 50 Hz) plus slack to receive the same frame.
    await new Promise((r) => setTimeout(r, 100));
    expect(bestBidBySeq.has(shown.seq), `the test received frame ${shown.seq}`).toBe(true);
    expect(shown.bestBid).toBe(bestBidBySeq.get(shown.seq));
    // Lag: how long the test had already held a newer frame than the one the page showed when it was read.
    const newer = arrivals.find((a) => a.seq > shown.seq && a.at <= shown.at);
    const lagMs = newer ? shown.at - newer.at : 0;
    lags.push(lagMs);
    expect(lagMs, `page showed seq ${shown.seq}; the test had seq ${newer?.seq} ${lagMs} ms earlier`).toBeLessThanOrEqual(MAX_LAG_MS);
    seen.push(shown.seq);
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`live ladder lag behind the test's socket (ms): ${lags.join(', ')}`);
  expect(seen[seen.length - 1]).toBeGreaterThan(seen[0]); // the ladder moves with the server
  expect(errors).toEqual([]);
  ws.close();
  // A page left open would keep a second live view running beside the next test's.
  await page.close();
});

it("the Live story's heatmap follows the server: its newest column is one this test received, and fresh", async () => {
  // Heat columns by number, and when this test's own socket had each (one every 100 ms).
  const columnAt = new Map<number, number>();
  const ws = new WebSocket(`ws://${server.addr}/ws`);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev) => {
    const f = OrderbookFrame.getRootAsOrderbookFrame(new flatbuffers.ByteBuffer(new Uint8Array(ev.data as ArrayBuffer)));
    for (let i = 0; i < f.heatLength(); i++) {
      const seq = Number(f.heat(i)!.seq());
      if (!columnAt.has(seq)) columnAt.set(seq, Date.now());
    }
  };
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const wsUrl = encodeURIComponent(`ws://${server.addr}/ws`);
  await page.goto(`${site.url}/iframe.html?id=live-orderbookladder--live&viewMode=story&ws=${wsUrl}`);
  await page.waitForFunction(() => Number((document.querySelector('.tf-heatmap') as HTMLElement | null)?.dataset.newestColumn ?? 0) > 0, null, {
    timeout: 30_000,
  });
  await new Promise((r) => setTimeout(r, 1000));
  const shown: number[] = [];
  const lags: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { at, seq } = await page.evaluate(() => ({
      at: Date.now(),
      seq: Number((document.querySelector('.tf-heatmap') as HTMLElement).dataset.newestColumn),
    }));
    await new Promise((r) => setTimeout(r, 100));
    expect(columnAt.has(seq), `the test received heat column ${seq}`).toBe(true);
    // Fresh: no column newer than the shown one had reached the test more than MAX_LAG_MS before.
    const newer = [...columnAt].filter(([s, t]) => s > seq && t <= at).map(([, t]) => at - t);
    lags.push(Math.max(0, ...newer));
    expect(lags[i], `column ${seq} shown`).toBeLessThanOrEqual(MAX_LAG_MS);
    shown.push(seq);
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`live heatmap lag behind the test's socket (ms): ${lags.join(', ')}`);
  expect(shown[shown.length - 1]).toBeGreaterThan(shown[0]); // the heatmap moves with the server
  // And it painted a book: pixels of the picture are not all empty.
  const painted = await page.evaluate(() => {
    const c = document.querySelector('.tf-heatmap__pixels') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  expect(painted).toBeGreaterThan(1000);
  expect(errors).toEqual([]);
  ws.close();
  await page.close();
});

it('the static Storybook build, served as plain files, shows a recorded story priced by the WASM engine', async () => {
  const page = await browser.newPage();
  const wasmTypes: string[] = [];
  page.on('response', (r) => {
    if (r.url().endsWith('.wasm')) wasmTypes.push(r.headers()['content-type'] ?? '');
  });
  await page.goto(`${site.url}/iframe.html?id=components-orderbookladder--recorded&viewMode=story`);
  const bid = page.getByTestId('best-bid').locator('.tf-ladder__price');
  await bid.waitFor({ timeout: 30_000 });
  const text = (await bid.textContent())!;
  // The recording's prices are around 1,000.00 with the tick's two decimals, formatted from engine values.
  expect(text).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
  const ask = Number((await page.getByTestId('best-ask').locator('.tf-ladder__price').textContent())!.replace(/,/g, ''));
  expect(Number(text.replace(/,/g, ''))).toBeLessThan(ask);
  expect(wasmTypes).toEqual(['application/wasm']);
  await page.close();
});
