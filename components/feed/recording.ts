/**
 * Reader for tickframe recordings (format: schema/README.md). Returns every whole, checksum-valid
 * record of a truncated or corrupted file and says where it stopped.
 */
export interface RecordingHeader {
  symbol: string;
  tick_size: number;
  lot_size: number;
  created_ms: number;
  tick_hz: number;
  schema_hash: string;
  /** Where the frames came from, as given to the server's `--source` (absent in older recordings). */
  source?: string;
}

export interface RecordedFrame {
  receivedMs: number;
  frame: Uint8Array;
}

export interface Recording {
  header: RecordingHeader;
  frames: RecordedFrame[];
  /**
   * Set when reading stopped early: why, and the byte offset of the first unread record.
   * `'record-limit'`: the file holds more records than `maxRecords` (see {@link ReadRecordingLimits}).
   */
  stopped: { reason: 'truncated' | 'bad-checksum' | 'oversized' | 'record-limit'; offset: number } | null;
}

const MAGIC = 'TKFRREC\0';
/** Version written. 2: a record's CRC covers its receive time and frame; 1 (frame only) is still read. */
const VERSION = 2;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_FRAME_BYTES = 1 << 20;

let crcTable: Uint32Array | null = null;
/** CRC-32 (IEEE), as the Rust writer's crc32fast; `seed` continues an earlier call's result. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A record's CRC: over the receive time's 8 bytes and the frame (v2), or the frame only (v1). */
function recordCrc(version: number, time: Uint8Array, frame: Uint8Array): number {
  return crc32(frame, version >= 2 ? crc32(time) : 0);
}

/** The header checks every reader makes (the Rust reader makes the same ones). */
function checkHeader(json: Uint8Array): RecordingHeader {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(json));
  } catch (e) {
    throw new Error(`bad recording header: not JSON: ${e instanceof Error ? e.message : e}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('bad recording header: not a JSON object');
  const h = value as Record<string, unknown>;
  const need = (name: string, type: 'string' | 'number') => {
    if (typeof h[name] !== type) throw new Error(`bad recording header: ${name} must be a ${type}`);
  };
  need('symbol', 'string');
  need('schema_hash', 'string');
  for (const name of ['tick_size', 'lot_size', 'created_ms', 'tick_hz']) need(name, 'number');
  for (const name of ['created_ms', 'tick_hz']) {
    if (!Number.isInteger(h[name]) || (h[name] as number) < 0) throw new Error(`bad recording header: ${name} must be a whole number ≥ 0`);
  }
  for (const name of ['tick_size', 'lot_size']) {
    const v = h[name] as number;
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`bad recording header: ${name} must be a positive number, not ${v}`);
  }
  if (h.source !== undefined && typeof h.source !== 'string') throw new Error('bad recording header: source must be a string');
  return h as unknown as RecordingHeader;
}

/** Limits of {@link readRecording}: what one recording may make the page hold. */
export interface ReadRecordingLimits {
  /**
   * Largest recording read, in bytes: past it, a clear error before anything is parsed. Default
   * 256 MiB (about 50 minutes of a 50-level book at 50 Hz; longer sessions are split into files).
   */
  maxBytes?: number;
  /**
   * Most records read. Each costs an object on the heap (~240 bytes besides its frame), so a file of
   * millions of tiny records would cost gigabytes; past the cap reading stops (`stopped.reason`
   * `'record-limit'`) with the records before it. Default 500 000 (2.8 hours at 50 Hz).
   */
  maxRecords?: number;
}

export const DEFAULT_MAX_RECORDING_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_RECORDS = 500_000;

export function readRecording(buffer: ArrayBuffer | Uint8Array, limits: ReadRecordingLimits = {}): Recording {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const { maxBytes = DEFAULT_MAX_RECORDING_BYTES, maxRecords = DEFAULT_MAX_RECORDS } = limits;
  if (bytes.length > maxBytes)
    throw new Error(
      `recording too large: ${(bytes.length / 2 ** 20).toFixed(1)} MiB is over the reader's limit of ${(maxBytes / 2 ** 20).toFixed(1)} MiB (readRecording's maxBytes)`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16 || String.fromCharCode(...bytes.subarray(0, 8)) !== MAGIC) throw new Error('not a tickframe recording (bad magic)');
  const version = view.getUint16(8, true);
  if (version < 1 || version > VERSION) throw new Error(`unsupported recording version ${version}`);
  const hlen = view.getUint32(12, true);
  if (hlen > MAX_HEADER_BYTES || bytes.length < 16 + hlen) throw new Error(`bad recording header: header length ${hlen} out of range`);
  const header = checkHeader(bytes.subarray(16, 16 + hlen));
  const frames: RecordedFrame[] = [];
  let at = 16 + hlen;
  let stopped: Recording['stopped'] = null;
  while (at < bytes.length) {
    if (frames.length >= maxRecords) {
      stopped = { reason: 'record-limit', offset: at };
      break;
    }
    if (at + 16 > bytes.length) {
      stopped = { reason: 'truncated', offset: at };
      break;
    }
    const len = view.getUint32(at, true);
    if (len > MAX_FRAME_BYTES) {
      stopped = { reason: 'oversized', offset: at };
      break;
    }
    if (at + 16 + len > bytes.length) {
      stopped = { reason: 'truncated', offset: at };
      break;
    }
    const frame = bytes.subarray(at + 16, at + 16 + len);
    if (recordCrc(version, bytes.subarray(at + 8, at + 16), frame) !== view.getUint32(at + 4, true)) {
      stopped = { reason: 'bad-checksum', offset: at };
      break;
    }
    frames.push({ receivedMs: view.getFloat64(at + 8, true), frame });
    at += 16 + len;
  }
  return { header, frames, stopped };
}

/**
 * Writes the recording format in memory (the browser-side recorder). Byte-identical to the Rust
 * writer for the same header and records (checked against committed test vectors).
 */
export class RecordingWriter {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  /** Refuse to grow past this many bytes (a tab recording all day must not eat the machine). */
  constructor(
    header: RecordingHeader,
    private readonly maxBytes = 256 * 1024 * 1024,
  ) {
    const json = new TextEncoder().encode(
      JSON.stringify({
        symbol: header.symbol,
        tick_size: header.tick_size,
        lot_size: header.lot_size,
        created_ms: header.created_ms,
        tick_hz: header.tick_hz,
        schema_hash: header.schema_hash,
        ...(header.source === undefined ? {} : { source: header.source }),
      }),
    );
    const head = new Uint8Array(16 + json.length);
    head.set(new TextEncoder().encode(MAGIC));
    const v = new DataView(head.buffer);
    v.setUint16(8, VERSION, true);
    v.setUint16(10, 0, true);
    v.setUint32(12, json.length, true);
    head.set(json, 16);
    this.push(head);
  }

  /** Append one frame; returns false (and records nothing) once the size cap is reached. */
  append(receivedMs: number, frame: Uint8Array): boolean {
    if (frame.length > MAX_FRAME_BYTES || this.bytes + 16 + frame.length > this.maxBytes) return false;
    const rec = new Uint8Array(16 + frame.length);
    const v = new DataView(rec.buffer);
    v.setUint32(0, frame.length, true);
    v.setFloat64(8, receivedMs, true);
    v.setUint32(4, recordCrc(VERSION, rec.subarray(8, 16), frame), true);
    rec.set(frame, 16);
    this.push(rec);
    return true;
  }

  get size(): number {
    return this.bytes;
  }

  /** The recording so far as one buffer. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private push(chunk: Uint8Array) {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }
}
