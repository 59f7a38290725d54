/**
 * A browser whose clock is 5 s off either way still shows true server → browser latency (#23): the
 * kit (a `WebSocketSource` and a store, the real engine) against a real tickframe-server, the
 * source's clock skewed by ±5 s. After each connect the source estimates its offset over `/time`
 * (NTP's four timestamps, least delay kept); latency is then measured on the server's clock, within
 * the estimate's error. Without the estimate the same skew reads as 5 s of latency, or as *clock
 * uncertain* when the browser is behind — never a number clamped to zero.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { initEngineSync } from '../../components/engine/initEngine';
import { WebSocketSource } from '../../components/feed/WebSocketSource';
import { createMarketStore } from '../../components/store/createMarketStore';
import type { Latency } from '../../components/store/latency';
import { root, startServer, stopGroup } from './harness';

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer(['--tick-hz', '20']);
  initEngineSync(readFileSync(path.join(root, 'engine-wasm/pkg/tickframe_engine_bg.wasm')));
});
afterAll(async () => {
  await stopGroup(server?.proc);
});

/** A frame on loopback is on screen within this (a person notices more; a busy 2-core machine takes less). */
const FRESH_MS = 500;

async function until<T>(what: string, withinMs: number, get: () => T | null | undefined | false): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() - start > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The latency a store on a source with a browser clock `skewMs` off shows, once it has painted frames. */
async function latencyWithSkew(skewMs: number, estimate: boolean): Promise<Latency> {
  const source = new WebSocketSource({ url: `ws://${server.addr}/ws`, now: () => Date.now() + skewMs, clockUrl: estimate ? undefined : false });
  const store = createMarketStore({ source });
  try {
    await store.ready;
    await until('live', 20_000, () => store.getState().book?.status === 'live');
    if (estimate) await until('the clock estimated', 10_000, () => source.clockOffset());
    // A few frames after the estimate, so the latency shown is measured with it.
    const from = store.getState().book!.sequence;
    return await until('frames painted after the estimate', 10_000, () => {
      const s = store.getState();
      return s.book && s.book.sequence >= from + 3 && s.latency?.clock === source.clockOffset() ? s.latency : null;
    });
  } finally {
    store.dispose();
  }
}

for (const skewMs of [5000, -5000]) {
  it(`a browser clock ${skewMs > 0 ? 'ahead' : 'behind'} by 5 s: the offset is estimated and the latency is true`, async () => {
    const l = await latencyWithSkew(skewMs, true);
    const clock = l.clock!;
    // Server − browser = −skew, to within the estimate's error (plus the server's µs rounding).
    expect(Math.abs(clock.offsetMs + skewMs)).toBeLessThanOrEqual(clock.errorMs + 1);
    expect(clock.errorMs).toBeLessThan(FRESH_MS);
    const s2b = l.serverToBrowser;
    expect(s2b.clockUncertain).toBe(false);
    expect(s2b.nowMs!).toBeGreaterThanOrEqual(-clock.errorMs);
    expect(s2b.nowMs!).toBeLessThan(FRESH_MS);
    expect(l.receivedToPainted.nowMs!).toBeGreaterThanOrEqual(0);
    expect(l.recorded).toBe(false);
  });
}

it('without the estimate, a clock 5 s ahead reads as 5 s and one 5 s behind as clock uncertain', async () => {
  const ahead = await latencyWithSkew(5000, false);
  expect(ahead.clock).toBeNull();
  expect(ahead.serverToBrowser.nowMs!).toBeGreaterThan(5000 - FRESH_MS);
  const behind = await latencyWithSkew(-5000, false);
  expect(behind.serverToBrowser.clockUncertain).toBe(true);
  expect(behind.serverToBrowser.nowMs!).toBeLessThan(-5000 + FRESH_MS);
});
