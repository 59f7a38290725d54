/**
 * First stop for every message from a socket or a recording: cheap framing checks before the WASM
 * engine runs the full FlatBuffers verifier. Bad input is counted and reported, never thrown past here.
 */
import { rejectedCode, type Engine } from '../engine/initEngine.js';

/** Largest frame accepted (1000 levels a side is ~32 KiB; anything near this is not ours). */
export const MAX_FRAME_BYTES = 1 << 20;
const IDENTIFIER = [0x54, 0x4b, 0x46, 0x52]; // "TKFR" at offset 4

/** Result codes of a parse (the engine's `IngestOutcome`, plus rejection). */
export type ParseOutcome = 'applied' | 'applied-after-gap' | 'duplicate' | 'out-of-order' | 'rejected';
const OUTCOMES: ParseOutcome[] = ['applied', 'applied-after-gap', 'duplicate', 'out-of-order'];

export class BinaryFrameParser {
  /** Frames rejected before or by the engine. */
  rejected = 0;
  /** Why the last rejected frame was rejected. */
  lastError: string | null = null;

  /**
   * @param engine The engine frames go to.
   * @param memory The engine's memory. Given, frames are copied straight into a reused buffer inside
   *   it (no allocation per frame); without it, `ingest_frame` copies through wasm-bindgen.
   */
  /** A view over the engine's input buffer, reused while memory and buffer stay put (no garbage per frame). */
  private input: Uint8Array | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly memory?: WebAssembly.Memory,
  ) {}

  /**
   * Hand one message to the engine. Text messages, oversized or foreign buffers are rejected
   * without reaching it; the engine verifies the rest. On rejection the last good book stays.
   */
  parse(data: unknown, receivedMs: number): ParseOutcome {
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
    if (bytes.byteLength < 8 || bytes.byteLength > MAX_FRAME_BYTES) return this.reject(`frame size ${bytes.byteLength} out of range`);
    if (bytes[4] !== IDENTIFIER[0] || bytes[5] !== IDENTIFIER[1] || bytes[6] !== IDENTIFIER[2] || bytes[7] !== IDENTIFIER[3])
      return this.reject('not a tickframe frame (identifier)');
    try {
      let code: number;
      if (this.memory) {
        // The engine's input buffer only grows and stays put until it does, so in steady state the
        // frame goes straight into the view from last time: one call into the engine per frame.
        let input = this.input;
        if (!input || input.buffer !== this.memory.buffer || input.length < bytes.byteLength) {
          // Grow (or find) the buffer first: that call may move it or grow (detach) memory.
          const ptr = this.engine.input_buffer(bytes.byteLength);
          input = this.input = new Uint8Array(this.memory.buffer, ptr, Math.max(bytes.byteLength, input?.length ?? 0));
        }
        input.set(bytes);
        code = this.engine.ingest_input(bytes.byteLength, receivedMs);
        if (code === rejectedCode()) return this.reject(this.engine.last_error());
      } else {
        code = this.engine.ingest_frame(bytes, receivedMs);
      }
      return OUTCOMES[code] ?? 'applied';
    } catch (e) {
      return this.reject(e instanceof Error ? e.message : String(e));
    }
  }

  private reject(why: string): ParseOutcome {
    this.rejected += 1;
    this.lastError = why;
    if (typeof console !== 'undefined') console.warn(`tickframe: frame rejected: ${why}`);
    return 'rejected';
  }
}
