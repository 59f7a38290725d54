/** Test helpers: the real WASM engine, loaded synchronously, and real frames. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { initEngineSync } from '../../components/engine/initEngine';
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

