/** `tickframe-server --record` writes what it broadcasts, in the format the TypeScript reader reads. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as flatbuffers from 'flatbuffers';
import { expect, it } from 'vitest';

import { readRecording } from '../../components/feed/recording';
import { OrderbookFrame } from '../../schema/generated/ts/tickframe/schema';
import { startServer, stopGroup } from './harness';

it('records broadcast frames to a file that replays', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tickframe-rec-')), 'live.tfrec');
  const { proc } = await startServer(['--record', file, '--tick-hz', '50']);
  try {
    // Until more than 20 whole frames are on disk (a reader keeps every whole record of a file cut short).
    await expect
      .poll(() => (existsSync(file) ? readRecording(readFileSync(file)).frames.length : 0), { timeout: 30_000, interval: 50 })
      .toBeGreaterThan(20);
  } finally {
    await stopGroup(proc, 'SIGKILL'); // a crash: the file must still hold every whole record
  }
  const rec = readRecording(readFileSync(file));
  expect(rec.header.symbol).toBe('SIM-USD');
  expect(rec.header.tick_hz).toBe(50);
  expect(rec.frames.length).toBeGreaterThan(20);
  const seqs = rec.frames.map((f) => Number(OrderbookFrame.getRootAsOrderbookFrame(new flatbuffers.ByteBuffer(f.frame)).sequence()));
  seqs.forEach((s, i) => expect(s).toBe(seqs[0] + i)); // every broadcast frame, in order
});
