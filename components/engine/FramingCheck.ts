/**
 * The engine's gate: every message from a socket or a recording gets cheap framing checks (binary,
 * a size in range, the file identifier) before the WASM engine runs the full FlatBuffers verifier.
 * Bad input is counted and reported, never thrown past here.
 */
import type { Engine } from './initEngine.js';
import { EngineInput } from './engineMemory.js';

/** Largest frame accepted (1000 levels a side is ~32 KiB; anything near this is not ours). */
export const MAX_FRAME_BYTES = 1 << 20;
const IDENTIFIER = [0x54, 0x4b, 0x46, 0x52]; // "TKFR" at offset 4

/** What became of a message (the engine's `IngestOutcome`, plus rejection). */
export type ParseOutcome = 'applied' | 'applied-after-gap' | 'duplicate' | 'out-of-order' | 'rejected';
const OUTCOMES: ParseOutcome[] = ['applied', 'applied-after-gap', 'duplicate', 'out-of-order'];

/** Why `bytes` cannot be a tickframe frame by size or identifier, or null. */
function framingError(bytes: Uint8Array): string | null {
  if (bytes.byteLength < 8 || bytes.byteLength > MAX_FRAME_BYTES) return `frame size ${bytes.byteLength} out of range`;
  if (bytes[4] !== IDENTIFIER[0] || bytes[5] !== IDENTIFIER[1] || bytes[6] !== IDENTIFIER[2] || bytes[7] !== IDENTIFIER[3])
    return 'not a tickframe frame (identifier)';
  return null;
}

export class FramingCheck {
  /** Frames rejected before or by the engine. */
  rejected = 0;
  /** Why the last rejected frame was rejected. */
  lastError: string | null = null;

  /** Frames copied straight into the engine's memory, when it was given. */
  private readonly input: EngineInput | null;

  /**
   * @param engine The engine frames go to.
   * @param memory The engine's memory. Given, frames are copied straight into a reused buffer inside
   *   it (no allocation per frame); without it, `ingest_frame` copies through wasm-bindgen.
   */
  constructor(
    private readonly engine: Engine,
    memory?: WebAssembly.Memory,
  ) {
    this.input = memory ? new EngineInput(engine, memory) : null;
  }

  /**
   * Hand one message to the engine. Text messages, oversized or foreign buffers are rejected
   * without reaching it; the engine verifies the rest. On rejection the last good book stays.
   */
  ingest(data: unknown, receivedMs: number): ParseOutcome {
    // A Uint8Array (replays, tests) is used as it is; other input gets one byte view.
    const bytes =
      data instanceof Uint8Array
        ? data
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : ArrayBuffer.isView(data)
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
            : null;
    if (!bytes) return this.reject(`expected a binary frame, got ${typeof data}`);
    const framing = framingError(bytes);
    if (framing) return this.reject(framing);
    try {
      const code = this.input ? this.input.ingest(bytes, receivedMs) : this.engine.ingest_frame(bytes, receivedMs);
      if (typeof code === 'string') return this.reject(code);
      return OUTCOMES[code] ?? 'applied';
    } catch (e) {
      return this.reject(e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * Only a frame's heat columns and prints, into the heatmap's history (a replay seek rebuilding the
   * minutes before the point it shows). The same checks; a frame that fails them is counted.
   */
  ingestHeat(bytes: Uint8Array): boolean {
    const why = framingError(bytes) ?? (this.input ? this.input.ingestHeat(bytes) : 'no engine memory to write into');
    if (typeof why === 'string') this.reject(why);
    return typeof why !== 'string';
  }

  /** @deprecated Renamed {@link FramingCheck.ingest}; goes with the `BinaryFrameParser` alias. */
  parse(data: unknown, receivedMs: number): ParseOutcome {
    return this.ingest(data, receivedMs);
  }

  private reject(why: string): ParseOutcome {
    this.rejected += 1;
    this.lastError = why;
    this.warnings.warn(why);
    return 'rejected';
  }

  private readonly warnings = new WarningThrottle();
}

/** Warnings let through per window, and the window (ms). */
export const WARNING_BURST = 5;
export const WARNING_WINDOW_MS = 10_000;

/**
 * A feed that turns bad sends thousands of frames a second: one console line each would flood the
 * console (and slow the page) while saying nothing new. A burst goes through, then one line per
 * window says how many were held back; the counters (`rejected`) still count every one.
 */
export class WarningThrottle {
  private windowStart = -Infinity;
  private inWindow = 0;
  private suppressed = 0;

  constructor(private readonly now: () => number = Date.now) {}

  warn(why: string) {
    if (typeof console === 'undefined') return;
    const t = this.now();
    if (t - this.windowStart >= WARNING_WINDOW_MS) {
      if (this.suppressed > 0)
        console.warn(`tickframe: ${this.suppressed} more frames rejected in the last ${WARNING_WINDOW_MS / 1000} s (not logged)`);
      this.windowStart = t;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    if (this.inWindow < WARNING_BURST) {
      this.inWindow += 1;
      console.warn(`tickframe: frame rejected: ${why}`);
    } else {
      this.suppressed += 1;
    }
  }
}
