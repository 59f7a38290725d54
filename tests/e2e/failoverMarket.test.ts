/**
 * The market never changes under a user (#21): a store on a `WebSocketSource` over two servers,
 * given its market, whose first server (a real tickframe-server, SIM-USD) dies while the second
 * serves another market by default (BTC-USD, a `ws` server here). The pipeline asks the second for
 * SIM-USD; the frames it gets anyway are dropped and counted, and the view goes stale — it never
 * shows BTC-USD's book, live or labelled SIM-USD.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';

import { initEngineSync } from '../../components/engine/initEngine';
import { WebSocketSource } from '../../components/feed/WebSocketSource';
import { createMarketStore, type MarketState } from '../../components/store/createMarketStore';
import { buildFrameTs } from '../support/buildFrame';
import { root, startServer, stopGroup } from './harness';

let sim: Awaited<ReturnType<typeof startServer>>;
let other: WebSocketServer;
const asked: string[] = [];

beforeAll(async () => {
  sim = await startServer(['--tick-hz', '20']);
  other = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => other.once('listening', () => r()));
  other.on('connection', (socket, req) => {
    asked.push(req.url ?? '');
    let seq = 1;
    const timer = setInterval(() => socket.send(buildFrameTs({ sequence: seq++, symbol: 'BTC-USD', bids: [[50_000, 1]], asks: [[50_001, 1]] })), 50);
    socket.on('close', () => clearInterval(timer));
  });
});

afterAll(async () => {
  await stopGroup(sim?.proc);
  for (const c of other?.clients ?? []) c.terminate();
  await new Promise((r) => other?.close(r));
});

async function until(what: string, withinMs: number, cond: () => boolean): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('a failover to a server of another market never shows that market', async () => {
  initEngineSync(readFileSync(path.join(root, 'engine-wasm/pkg/tickframe_engine_bg.wasm')));
  const otherUrl = `ws://127.0.0.1:${(other.address() as AddressInfo).port}/ws`;
  const pipeline = new WebSocketSource({ url: [`ws://${sim.addr}/ws`, otherUrl], symbol: 'SIM-USD', initialBackoffMs: 50, maxBackoffMs: 200 });
  const store = createMarketStore({ source: pipeline, staleAfterMs: 1000 });
  const seen: MarketState[] = [];
  const unsubscribe = store.subscribe((s) => seen.push(s));
  const warn = console.warn;
  console.warn = () => {};
  try {
    await store.ready;
    await until('SIM-USD live', 20_000, () => store.getState().book?.status === 'live');
    await until('SIM-USD live', 20_000, () => store.getState().book?.status === 'live' && !store.getState().stale);
    await stopGroup(sim.proc, 'SIGKILL');
    await until('frames of the other market arrive and are dropped', 10_000, () => store.getState().stats.otherSymbol >= 5);
    await until('the view says stale', 5_000, () => store.getState().stale);
    expect(asked.at(-1)).toBe('/ws?symbol=SIM-USD'); // the pipeline asked for its market
    const s = store.getState();
    expect(s.book?.symbol).toBe('SIM-USD');
    expect(s.lastError).toContain('another symbol');
    const wrong = seen.filter((p) => p.book !== null && (p.book.symbol !== 'SIM-USD' || p.book.bestBid === 50_000));
    expect(wrong.map((p) => [p.book?.symbol, p.book?.bestBid, p.book?.sequence])).toEqual([]);
  } finally {
    console.warn = warn;
    unsubscribe();
    store.dispose();
  }
});
