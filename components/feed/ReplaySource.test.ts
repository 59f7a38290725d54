import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ConnectionState } from './FrameSource';
import { readRecording } from './recording';
import { RecordingTap } from './RecordingTap';
import { ReplaySource, type ReplayProgress } from './ReplaySource';

const bytes = new Uint8Array(readFileSync(path.resolve(__dirname, '../../stories/fixtures/sim-usd.tfrec')));
const frames = readRecording(bytes).frames;

async function started(opts: Partial<ConstructorParameters<typeof ReplaySource>[0]> = {}) {
  const got: Uint8Array[] = [];
  const states: ConnectionState[] = [];
  const src = new ReplaySource({ recording: bytes, ...opts });
  const progress: ReplayProgress[] = [];
  src.subscribe(() => progress.push(src.getProgress()));
  src.start({ frame: (d) => got.push(new Uint8Array(d)), state: (s) => states.push(s) });
  await vi.advanceTimersByTimeAsync(0);
  return { src, got, states, progress };
}

describe('ReplaySource', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('plays at recorded timing, scaled by speed', async () => {
    const { src, got } = await started();
    const gap = frames[1].receivedMs - frames[0].receivedMs;
    expect(got).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(gap);
    expect(got).toHaveLength(2);
    src.setSpeed(4);
    await vi.advanceTimersByTimeAsync(frames[2].receivedMs - frames[1].receivedMs); // next one at the old speed
    await vi.advanceTimersByTimeAsync(Math.ceil((frames[3].receivedMs - frames[2].receivedMs) / 4));
    expect(got).toHaveLength(4);
    expect(got[3]).toEqual(frames[3].frame);
    src.setSpeed(100);
    expect(src.getProgress().speed).toBe(16); // clamped to 0.25–16
    src.stop();
  });

  it('pause, step, seek and loop, with progress', async () => {
    const { src, got, states, progress } = await started({ loop: true });
    src.pause();
    const n = got.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(got).toHaveLength(n);
    src.step();
    expect(got).toHaveLength(n + 1);
    expect(progress.at(-1)).toMatchObject({ index: n + 1, playing: false, count: frames.length });
    src.seek(1000); // one second in
    let at = 0;
    while (at + 1 < frames.length && frames[at + 1].receivedMs <= frames[0].receivedMs + 1000) at++;
    expect(got.at(-1)).toEqual(frames[at].frame);
    expect(states.filter((s) => s === 'open').length).toBeGreaterThanOrEqual(2); // a seek restarts sequences
    src.seek(1e9);
    expect(got.at(-1)).toEqual(frames.at(-1)!.frame);
    src.play();
    await vi.advanceTimersByTimeAsync(1);
    expect(got.at(-1)).toEqual(frames[0].frame); // looped back to the start
    expect(progress.at(-1)!.durationMs).toBe(frames.at(-1)!.receivedMs - frames[0].receivedMs);
    src.stop();
  });

  it("'max' speed plays everything at once without loop", async () => {
    const { got, progress } = await started({ speed: 'max', loop: false });
    await vi.advanceTimersByTimeAsync(100);
    expect(got).toHaveLength(frames.length);
    expect(progress.at(-1)!.playing).toBe(false);
  });

  it('RecordingTap records what a source delivered into a file ReplaySource reads back', async () => {
    const tap = new RecordingTap(new ReplaySource({ recording: bytes, speed: 'max', loop: false }));
    tap.record({ symbol: 'SIM-USD', tick_size: 0.01, lot_size: 0.0001, tick_hz: 50, schema_hash: '0' });
    const seen: number[] = [];
    tap.start({ frame: (d) => seen.push(d.byteLength), state: () => {} });
    await vi.advanceTimersByTimeAsync(100);
    const file = tap.finish()!;
    const back = readRecording(file);
    expect(back.frames).toHaveLength(frames.length);
    expect(back.frames.map((f) => f.frame)).toEqual(frames.map((f) => f.frame));
    expect(tap.recording).toBe(false);
  });
});
