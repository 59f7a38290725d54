import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { readRecording, RecordingWriter } from './recording';
import { OrderbookFrame } from '../../schema/generated/ts/tickframe/schema';
import * as flatbuffers from 'flatbuffers';

const vectors = path.resolve(__dirname, '../../schema/test-vectors');
const vector = new Uint8Array(readFileSync(path.join(vectors, 'recording-v2.tfrec')));

describe('recording format (committed test vector written by the Rust writer)', () => {
  it('reads the header and every record', () => {
    const rec = readRecording(vector);
    expect(rec.header).toEqual({
      symbol: 'SIM-USD',
      tick_size: 0.01,
      lot_size: 0.0001,
      created_ms: 1_767_225_600_000,
      tick_hz: 50,
      schema_hash: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(rec.stopped).toBeNull();
    expect(rec.frames.map((f) => f.receivedMs)).toEqual([1_767_225_600_000, 1_767_225_600_021, 1_767_225_600_042]);
    const seqs = rec.frames.map((f) => Number(OrderbookFrame.getRootAsOrderbookFrame(new flatbuffers.ByteBuffer(f.frame)).sequence()));
    expect(seqs).toEqual([1, 2, 3]);
  });

  it('the TypeScript writer produces the same bytes as the Rust writer', () => {
    const rec = readRecording(vector);
    const w = new RecordingWriter(rec.header);
    for (const f of rec.frames) w.append(f.receivedMs, f.frame);
    expect(w.toBytes()).toEqual(vector);
  });

  it('keeps every whole record of a truncated or corrupted file and says where it stopped', () => {
    const truncated = readRecording(vector.slice(0, vector.length - 10));
    expect(truncated.frames).toHaveLength(2);
    expect(truncated.stopped?.reason).toBe('truncated');
    const corrupt = vector.slice();
    corrupt[corrupt.length - 5] ^= 0xff;
    const c = readRecording(corrupt);
    expect(c.frames).toHaveLength(2);
    expect(c.stopped).toEqual({ reason: 'bad-checksum', offset: truncated.stopped!.offset });
    expect(() => readRecording(new Uint8Array(32))).toThrow(/bad magic/);
  });

  it('reads version 1 files (CRC over the frame only) to the same records', () => {
    const v1 = readRecording(new Uint8Array(readFileSync(path.join(vectors, 'recording-v1.tfrec'))));
    expect(v1.frames).toEqual(readRecording(vector).frames);
    expect(v1.stopped).toBeNull();
  });

  it('accepts and refuses exactly what the Rust reader does (shared bad-file vectors), with a clear error', () => {
    const expected = JSON.parse(readFileSync(path.join(vectors, 'bad/expected.json'), 'utf8')) as Record<
      string,
      { error?: string; records?: number; stopped?: string; offset?: number }
    >;
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(10);
    for (const [name, want] of Object.entries(expected)) {
      const bytes = new Uint8Array(readFileSync(path.join(vectors, 'bad', name)));
      if (want.error) {
        expect(() => readRecording(bytes), name).toThrow(new RegExp(`^${want.error}`));
      } else {
        const r = readRecording(bytes);
        expect([r.frames.length, r.stopped?.reason, r.stopped?.offset], name).toEqual([want.records, want.stopped, want.offset]);
      }
    }
  });

  it('the writer stops at its size cap instead of growing without bound', () => {
    const rec = readRecording(vector);
    // Room for the header and the first record (16 bytes of prefix and its frame), not the second.
    const cap = new RecordingWriter(rec.header).toBytes().length + 16 + rec.frames[0].frame.length + 8;
    const w = new RecordingWriter(rec.header, cap);
    const results = rec.frames.map((f) => w.append(f.receivedMs, f.frame));
    expect(results).toEqual([true, false, false]);
    expect(readRecording(w.toBytes()).frames).toHaveLength(1);
  });
});

describe('reader limits: what a recording may make the page hold', () => {
  const header = { symbol: 'X', tick_size: 0.01, lot_size: 1, created_ms: 0, tick_hz: 50, schema_hash: 'h' };

  it('past the byte limit: a clear error before anything is parsed', () => {
    const w = new RecordingWriter(header);
    for (let i = 0; i < 100; i++) w.append(i, new Uint8Array(1000));
    expect(() => readRecording(w.toBytes(), { maxBytes: 50_000 })).toThrow(/too large.*limit/);
  });

  it('past the record limit: the records before it, and why it stopped', () => {
    const w = new RecordingWriter(header);
    for (let i = 0; i < 5000; i++) w.append(i, new Uint8Array(1)); // tiny records: the heap cost is per record
    const rec = readRecording(w.toBytes(), { maxRecords: 1000 });
    expect(rec.frames).toHaveLength(1000);
    expect(rec.stopped?.reason).toBe('record-limit');
  });
});
