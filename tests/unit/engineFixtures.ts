/** Test helpers: the real WASM engine, loaded synchronously, and real frames. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { act } from '@testing-library/react';

import { initEngineSync } from '../../components/engine/initEngine';
import { createMarketStore, type MarketStoreOptions } from '../../components/store/createMarketStore';
import type { FrameSource, FrameSourceEvents } from '../../components/feed/FrameSource';
import { readRecording } from '../../components/feed/recording';
export { buildFrameTs } from '../support/buildFrame';

const root = path.resolve(__dirname, '../..');

export function loadEngine() {
  return initEngineSync(readFileSync(path.join(root, 'engine-wasm/pkg/tickframe_engine_bg.wasm')));
}

/** The committed simulator recording's frames. */
export function recordedFrames(): Uint8Array[] {
  return readRecording(readFileSync(path.join(root, 'stories/fixtures/sim-usd.tfrec'))).frames.map((f) => f.frame);
}

/** A source the test pushes frames into by hand. */
export class ManualSource implements FrameSource {
  events: FrameSourceEvents | null = null;
  start(events: FrameSourceEvents) {
    this.events = events;
    events.state('open');
  }
  stop() {
    this.events = null;
  }
  push(frame: Uint8Array | ArrayBuffer) {
    const buf = frame instanceof Uint8Array ? frame.slice().buffer : frame;
    this.events?.frame(buf, Date.now());
  }
}

/**
 * A market store on a {@link ManualSource}, ready to use. `push` delivers frames and waits one
 * animation frame inside `act`, so the published snapshot has rendered.
 */
export async function startStore(options: Omit<MarketStoreOptions, 'source'> = {}) {
  const source = new ManualSource();
  const store = createMarketStore({ source, ...options });
  await store.ready;
  const push = async (...frames: (Uint8Array | ArrayBuffer)[]) => {
    await act(async () => {
      frames.forEach((f) => source.push(f));
      await new Promise((r) => setTimeout(r, 40));
    });
  };
  return { source, store, push };
}
