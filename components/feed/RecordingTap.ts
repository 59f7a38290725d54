import type { FrameSource, FrameSourceEvents } from './FrameSource.js';
import { RecordingWriter, type RecordingHeader } from './recording.js';

/**
 * Wraps a source and records every frame it delivers while recording is on: the browser-side
 * recorder behind "record what this live view received".
 */
export class RecordingTap implements FrameSource {
  private writer: RecordingWriter | null = null;

  constructor(private readonly inner: FrameSource) {}

  get symbol(): string | undefined {
    return this.inner.symbol;
  }

  start(events: FrameSourceEvents): void {
    this.inner.start({
      frame: (data, receivedMs) => {
        this.writer?.append(receivedMs, new Uint8Array(data));
        events.frame(data, receivedMs);
      },
      state: (s) => events.state(s),
    });
  }

  stop(): void {
    this.inner.stop();
  }

  /** Start a new recording (discarding any unsaved one). */
  record(header: Omit<RecordingHeader, 'created_ms'>): void {
    this.writer = new RecordingWriter({ ...header, created_ms: Date.now() });
  }

  /** Stop recording and return the file's bytes (null if nothing was being recorded). */
  finish(): Uint8Array | null {
    const bytes = this.writer?.toBytes() ?? null;
    this.writer = null;
    return bytes;
  }

  get recording(): boolean {
    return this.writer !== null;
  }

  /** Bytes recorded so far. */
  get size(): number {
    return this.writer?.size ?? 0;
  }
}
