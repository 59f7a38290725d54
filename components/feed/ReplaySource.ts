import type { ConnectionState, FrameSource, FrameSourceEvents } from './FrameSource';
import { readRecording, type Recording } from './recording';

/** Options for {@link ReplaySource}. */
export interface ReplaySourceOptions {
  /** The recording: its bytes, or a URL to fetch them from. */
  recording: ArrayBuffer | Uint8Array | string | URL;
  /** Playback speed multiplier (0.25–16), or `'max'` for as fast as possible. Default 1. */
  speed?: number | 'max';
  /** Start again from the first frame after the last. Default true. */
  loop?: boolean;
}

/**
 * Plays a recording through the same path as a live socket (`frame` events into the parser), at the
 * recorded timing scaled by `speed`. Frames are re-stamped with the current time on delivery, so
 * latency and staleness read as they did live.
 */
export class ReplaySource implements FrameSource {
  private recording: Recording | null = null;
  private index = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private events: FrameSourceEvents | null = null;
  private speed: number | 'max';
  private playing = false;

  constructor(private readonly options: ReplaySourceOptions) {
    this.speed = options.speed ?? 1;
  }

  start(events: FrameSourceEvents): void {
    this.events = events;
    this.playing = true;
    this.state('connecting');
    this.load().then(
      () => {
        if (!this.events) return;
        this.state('open');
        this.schedule(0);
      },
      (e) => {
        console.warn(`tickframe: cannot load recording: ${e instanceof Error ? e.message : e}`);
        this.state('closed');
      },
    );
  }

  stop(): void {
    this.pause();
    this.events?.state('closed');
    this.events = null;
  }

  pause(): void {
    this.playing = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  play(): void {
    if (this.playing || !this.events) return;
    this.playing = true;
    this.schedule(0);
  }

  setSpeed(speed: number | 'max'): void {
    this.speed = speed === 'max' ? 'max' : Math.min(16, Math.max(0.25, speed));
  }

  /** The loaded recording (null until loaded). */
  get loaded(): Recording | null {
    return this.recording;
  }

  private async load(): Promise<void> {
    if (this.recording) return;
    const r = this.options.recording;
    const bytes = typeof r === 'string' || r instanceof URL ? await (await fetch(r)).arrayBuffer() : r;
    this.recording = readRecording(bytes);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.emit(), delayMs);
  }

  private emit(): void {
    const rec = this.recording;
    if (!rec || !this.playing || !this.events) return;
    if (this.index >= rec.frames.length) {
      if (!(this.options.loop ?? true) || rec.frames.length === 0) return this.pause();
      this.index = 0;
      // A loop restarts sequences: announce it like a reconnect so the engine accepts them.
      this.state('open');
    }
    const { frame, receivedMs } = rec.frames[this.index++];
    // Copy out: consumers may keep or transfer the buffer.
    this.events.frame(frame.slice().buffer, Date.now());
    const next = rec.frames[this.index];
    const gap = next ? Math.max(0, next.receivedMs - receivedMs) : 0;
    this.schedule(this.speed === 'max' ? 0 : gap / this.speed);
  }

  private state(s: ConnectionState): void {
    this.events?.state(s);
  }
}
