/** Test helpers: the real WASM engine, loaded synchronously, and real frames. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { initEngineSync } from '../../components/engine/initEngine';
import { readRecording } from '../../components/feed/recording';
export { buildFrameTs } from './buildFrame';

const root = path.resolve(__dirname, '../..');

export function loadEngine() {
  return initEngineSync(readFileSync(path.join(root, 'engine-wasm/pkg/tickframe_engine_bg.wasm')));
}

/** The committed simulator recording's bytes. */
export function recordingBytes(): Uint8Array {
  return new Uint8Array(readFileSync(path.join(root, 'stories/fixtures/sim-usd.tfrec')));
}

/** The committed simulator recording's frames. */
export function recordedFrames(): Uint8Array[] {
  return readRecording(recordingBytes()).frames.map((f) => f.frame);
}
