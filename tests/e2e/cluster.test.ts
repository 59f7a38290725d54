/**
 * The kit in a browser's place on a real cluster (nats-server, an ingest node, two edges): the same
 * frames on both edges, and a store whose edge is killed carries on from the other one without ever
 * showing a wrong or frozen book as live.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import * as flatbuffers from 'flatbuffers';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { initEngineSync } from '../../components/engine/initEngine';
import { WebSocketSource } from '../../components/feed/WebSocketSource';
import { createMarketStore } from '../../components/store/createMarketStore';
import type { MarketState } from '../../components/store/createMarketStore';
import { OrderbookFrame } from '../../schema/generated/ts/tickframe/schema';
import { startNats, type NatsServer } from '../support/natsServer';
import { root, startServer, stopGroup } from './harness';

type Node = Awaited<ReturnType<typeof startServer>>;
let nats: NatsServer;
let ingest: Node;
let standby: Node;
let edgeA: Node;
let edgeB: Node;

async function until(what: string, withinMs: number, cond: () => boolean | Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

const metric = async (addr: string, name: string) => {
  const text = await (await fetch(`http://${addr}/metrics`)).text();
  return Number(text.match(new RegExp(`^tickframe_${name} (\\d+)$`, 'm'))?.[1] ?? NaN);
};

beforeAll(async () => {
  nats = await startNats();
  ingest = await startServer(['--publish', nats.url, '--node-name', 'ingest-e2e']);
  await until('the ingest node holds the lease', 15_000, async () => (await metric(ingest.addr, 'lease_held')) === 1);
  standby = await startServer(['--publish', nats.url, '--node-name', 'standby-e2e']);
  [edgeA, edgeB] = await Promise.all([startServer(['--source', nats.url]), startServer(['--source', nats.url])]);
});

afterAll(async () => {
  await Promise.all([edgeA, edgeB, ingest, standby].map((n) => stopGroup(n?.proc)));
  await nats?.stop();
});

/** Raw frames a socket receives, by sequence. */
function collect(url: string): { frames: Map<bigint, Uint8Array>; close(): void } {
  const frames = new Map<bigint, Uint8Array>();
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev: MessageEvent) => {
    const bytes = new Uint8Array(ev.data as ArrayBuffer);
    frames.set(OrderbookFrame.getRootAsOrderbookFrame(new flatbuffers.ByteBuffer(bytes)).sequence(), bytes);
  };
  return { frames, close: () => ws.close() };
}

it('two edges send the same frame bytes under the same sequences', async () => {
  const a = collect(`ws://${edgeA.addr}/ws`);
  const b = collect(`ws://${edgeB.addr}/ws`);
  try {
    await until('50 frames on each edge', 20_000, () => a.frames.size >= 50 && b.frames.size >= 50);
    const common = [...a.frames.keys()].filter((s) => b.frames.has(s));
    expect(common.length).toBeGreaterThanOrEqual(40);
    for (const s of common) expect(Buffer.from(b.frames.get(s)!).equals(Buffer.from(a.frames.get(s)!))).toBe(true);
    expect(common.every((s) => s >> 33n >= 1n)).toBe(true); // the ingest node's epoch: see server/src/bus/stream_epoch.rs
  } finally {
    a.close();
    b.close();
  }
});

it('a store whose edge dies carries on from the other edge, never showing a wrong book as live', async () => {
  initEngineSync(readFileSync(path.join(root, 'engine-wasm/pkg/tickframe_engine_bg.wasm')));
  const pipeline = new WebSocketSource({ url: [`ws://${edgeA.addr}/ws`, `ws://${edgeB.addr}/ws`], initialBackoffMs: 100, maxBackoffMs: 500 });
  const store = createMarketStore({ source: pipeline });
  const seen: { at: number; state: MarketState }[] = [];
  const unsubscribe = store.subscribe((state) => seen.push({ at: Date.now(), state }));
  const showsLive = (s: MarketState) => s.connection === 'open' && !s.stale && s.book?.status === 'live';
  try {
    await store.ready;
    await until('a live book from edge A', 20_000, () => showsLive(store.getState()));
    const before = store.getState().book!;
    await stopGroup(edgeA.proc, 'SIGKILL');
    // Live again from edge B: a newer frame of the same stream, fresh. (Frames edge A had already
    // sent before it died can still arrive and be newer than `before`: the store must be on B.)
    const took = await until('live from edge B', 10_000, () => {
      const s = store.getState();
      return (
        pipeline.currentUrl() === `ws://${edgeB.addr}/ws` &&
        showsLive(s) &&
        s.book!.sequence > before.sequence &&
        Date.now() - s.book!.timestampMs < 1_000
      );
    });
    console.log(`store live again on edge B ${took} ms after edge A was killed`);
    expect(pipeline.currentUrl()).toBe(`ws://${edgeB.addr}/ws`);
    const s = store.getState();
    expect(s.stats.restarts).toBe(0); // the same stream on both edges: continued, not restarted
    // While it moved: never a crossed book shown as live, and live pictures only go forward.
    const live = seen.filter((p) => showsLive(p.state)).map((p) => p.state.book!);
    for (const b of live) expect(b.bestBid).toBeLessThan(b.bestAsk);
    for (let i = 1; i < live.length; i++) expect(live[i].sequence).toBeGreaterThanOrEqual(live[i - 1].sequence);
  } finally {
    unsubscribe();
    store.dispose();
  }
});

it("when the ingest node dies the store takes the standby's frames as a restart, and never freezes", async () => {
  const pipeline = new WebSocketSource({ url: `ws://${edgeB.addr}/ws` });
  const store = createMarketStore({ source: pipeline });
  const showsLive = (s: MarketState) => s.connection === 'open' && !s.stale && s.book?.status === 'live';
  try {
    await store.ready;
    await until('a live book', 20_000, () => showsLive(store.getState()));
    const before = store.getState();
    await stopGroup(ingest.proc, 'SIGKILL');
    // The standby's frames are a new epoch: the engine counts a restart and shows them (within the
    // 4 s failover bound, plus room for a busy machine), rather than dropping them as out of order.
    const took = await until('live from the standby', 10_000, () => {
      const s = store.getState();
      return showsLive(s) && s.stats.restarts > before.stats.restarts && Date.now() - s.book!.timestampMs < 1_000;
    });
    console.log(`store live again ${took} ms after the active ingest node was killed`);
    expect(store.getState().book!.sequence).toBeGreaterThan(before.book!.sequence);
    expect(await metric(standby.addr, 'lease_held')).toBe(1);
  } finally {
    store.dispose();
  }
});
