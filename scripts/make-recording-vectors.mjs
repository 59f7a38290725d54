// Regenerates schema/test-vectors/bad/: recordings that are wrong in one way each, made from the
// good v2 vector, and expected.json saying what every reader must do with each (the Rust and
// TypeScript reader tests both read it); and recording-v1.tfrec, the same records in version 1
// (CRC over the frame only), which every reader must still read. Run: node scripts/make-recording-vectors.mjs
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../schema/test-vectors');
const good = new Uint8Array(readFileSync(path.join(dir, 'recording-v2.tfrec')));
const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const hlen = view(good).getUint32(12, true);
const records = good.subarray(16 + hlen);

/** The good file with another header JSON (and its length). */
function withHeader(json) {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(16 + text.length + records.length);
  out.set(good.subarray(0, 16));
  view(out).setUint32(12, text.length, true);
  out.set(text, 16);
  out.set(records, 16 + text.length);
  return out;
}
const header = JSON.parse(new TextDecoder().decode(good.subarray(16, 16 + hlen)));
const patched = (f) => {
  const b = good.slice();
  f(b, view(b));
  return b;
};
const firstRecordLen = view(good).getUint32(16 + hlen, true);
const secondRecord = 16 + hlen + 16 + firstRecordLen;

const cases = {
  'bad-magic.tfrec': [patched((b) => b.set(new TextEncoder().encode('NOTAREC\0'))), { error: 'not a tickframe recording' }],
  'too-short.tfrec': [good.slice(0, 10), { error: 'not a tickframe recording' }],
  'version-0.tfrec': [patched((_, v) => v.setUint16(8, 0, true)), { error: 'unsupported recording version 0' }],
  'version-99.tfrec': [patched((_, v) => v.setUint16(8, 99, true)), { error: 'unsupported recording version 99' }],
  'header-length-out-of-range.tfrec': [patched((_, v) => v.setUint32(12, 70000, true)), { error: 'bad recording header' }],
  'header-null.tfrec': [withHeader('null'), { error: 'bad recording header' }],
  'header-array.tfrec': [withHeader('[]'), { error: 'bad recording header' }],
  'header-not-json.tfrec': [withHeader('{"symbol":'), { error: 'bad recording header' }],
  'header-missing-tick.tfrec': [withHeader(JSON.stringify({ ...header, tick_size: undefined })), { error: 'bad recording header' }],
  'header-zero-tick.tfrec': [withHeader(JSON.stringify({ ...header, tick_size: 0 })), { error: 'bad recording header' }],
  'header-symbol-number.tfrec': [withHeader(JSON.stringify({ ...header, symbol: 7 })), { error: 'bad recording header' }],
  // Readable files that stop early: every whole, checksum-valid record before the fault is kept.
  'flipped-receive-time.tfrec': [patched((b) => (b[secondRecord + 8 + 3] ^= 0x10)), { records: 1, stopped: 'bad-checksum', offset: secondRecord }],
  'flipped-frame-byte.tfrec': [patched((b) => (b[secondRecord + 16 + 5] ^= 0x01)), { records: 1, stopped: 'bad-checksum', offset: secondRecord }],
  'truncated-record.tfrec': [good.slice(0, secondRecord + 20), { records: 1, stopped: 'truncated', offset: secondRecord }],
  'oversized-record.tfrec': [patched((_, v) => v.setUint32(secondRecord, 2 << 20, true)), { records: 1, stopped: 'oversized', offset: secondRecord }],
};

mkdirSync(path.join(dir, 'bad'), { recursive: true });
const expected = {};
for (const [name, [bytes, outcome]] of Object.entries(cases)) {
  writeFileSync(path.join(dir, 'bad', name), bytes);
  expected[name] = outcome;
}
writeFileSync(path.join(dir, 'bad', 'expected.json'), JSON.stringify(expected, null, 2) + '\n');
console.log(`wrote ${Object.keys(cases).length} files to ${path.join(dir, 'bad')}`);

/** CRC-32 (IEEE), as the recording format uses it. */
function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
// Version 1: the same header and records, each record's CRC over its frame only.
const v1 = good.slice();
view(v1).setUint16(8, 1, true);
for (let at = 16 + hlen; at < v1.length;) {
  const len = view(v1).getUint32(at, true);
  view(v1).setUint32(at + 4, crc32(v1.subarray(at + 16, at + 16 + len)), true);
  at += 16 + len;
}
writeFileSync(path.join(dir, 'recording-v1.tfrec'), v1);
console.log(`wrote ${path.join(dir, 'recording-v1.tfrec')}`);
