import type { ConnectionState, FrameSource, FrameSourceEvents, ReplayProgress } from './FrameSource.js';
import { DEFAULT_MAX_RECORDING_BYTES, readRecording, type ReadRecordingLimits, type Recording } from './recording.js';
import { ReplayClock, type ReplaySpeed } from './replayClock.js';

export type { ReplayProgress } from './FrameSource.js';

/** Frames delivered per task at speed 'max'. */
const MAX_SPEED_BATCH = 64;

/** Options for {@link ReplaySource}. */
export interface ReplaySourceOptions {
  /** The recording: its bytes, or a URL to fetch them from. */
  recording: ArrayBuffer | Uint8Array | string | URL;
  /** Playback speed multiplier (0.25–16), or `'max'` for as fast as possible. Default 1. */
  speed?: number | 'max';
  /** Start again from the first frame after the last. Default true. */
  loop?: boolean;
  /** Start playing as soon as the recording is loaded. Default true. */
  autoplay?: boolean;
  /** What the recording may make the page hold (bytes, records); see {@link ReadRecordingLimits}. */
  limits?: ReadRecordingLimits;
  /**
   * How far back (recorded ms) a seek hands the frames before its point to views that show the past
   * (the heatmap rebuilds its columns from them). Default 60000: a default heatmap's history.
   */
  historyMs?: number;
}

const DEFAULT_HISTORY_MS = 60_000;

/**
 * Plays a recording through the same path as a live socket (`frame` events into the parser), at the
 * recorded timing scaled by `speed`. Frames keep their recorded receive time and the source's clock
 * (`now()`) is replay time, so latency reads as it did when recorded (never wall clock minus a timestamp
 * from months ago) and a paused replay is paused, not stale. Controls: play, pause, speed, loop, seek, step.
 */
export class ReplaySource implements FrameSource {
  private recording: Recording | null = null;
  private index = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private events: FrameSourceEvents | null = null;
  private readonly clock: ReplayClock;
  private loop: boolean;
  private readonly listeners = new Set<() => void>();
  /** The current progress, replaced (never mutated) on every change, as `useSyncExternalStore` needs. */
  private snapshot: ReplayProgress;

  constructor(private readonly options: ReplaySourceOptions) {
    this.clock = new ReplayClock(options.speed ?? 1);
    this.loop = options.loop ?? true;
    this.snapshot = this.measure();
  }

  start(events: FrameSourceEvents): void {
    this.events = events;
    this.state('connecting');
    this.load().then(
      () => {
        if (!this.events) return;
        this.state('open');
        if (this.options.autoplay ?? true) this.play();
        else this.changed();
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

  play(): void {
    if (this.clock.playing || !this.events || !this.recording) return;
    this.clock.play();
    this.schedule(0);
    this.changed();
  }

  pause(): void {
    this.clock.pause();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.changed();
  }

  setSpeed(speed: ReplaySpeed): void {
    this.clock.setSpeed(speed);
    this.changed();
  }

  setLoop(loop: boolean): void {
    this.loop = loop;
    this.changed();
  }

  /** Show the frame at `ms` after the recording's start (the last frame at or before it) and continue from there. */
  seek(ms: number): void {
    const rec = this.recording;
    if (!rec || rec.frames.length === 0) return;
    const target = rec.frames[0].receivedMs + Math.max(0, ms);
    let i = 0;
    while (i + 1 < rec.frames.length && rec.frames[i + 1].receivedMs <= target) i++;
    // Going anywhere but forward by one restarts sequences: announce it like a reconnect, and as a
    // jump (the tape is rebuilt from the frame shown).
    this.state('open');
    this.events?.jumped?.(this.framesBefore(i));
    this.index = i;
    this.deliver();
    if (this.clock.playing) this.scheduleNext();
    this.changed();
  }

  /** Pause and show the next frame. */
  step(): void {
    this.pause();
    if (!this.recording || this.recording.frames.length === 0) return;
    if (this.index >= this.recording.frames.length) this.rewind();
    this.deliver();
    this.changed();
  }

  /** Replay time: recorded time, advancing at `speed` while playing, standing still while paused. */
  now(): number {
    return this.clock.now();
  }

  /** Subscribe to progress changes (every frame and every control change); returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Where playback is now: the same object until it changes. */
  getProgress = (): ReplayProgress => this.snapshot;

  /** @deprecated Use {@link ReplaySource.subscribe} and {@link ReplaySource.getProgress}; this goes in the next release. */
  onProgress(listener: (p: ReplayProgress) => void): () => void {
    return this.subscribe(() => listener(this.snapshot));
  }

  /** @deprecated Renamed {@link ReplaySource.getProgress}; this goes in the next release. */
  progress(): ReplayProgress {
    return this.snapshot;
  }

  /** The loaded recording (null until loaded). */
  get loaded(): Recording | null {
    return this.recording;
  }

  private async load(): Promise<void> {
    if (this.recording) return;
    const r = this.options.recording;
    const limits = this.options.limits ?? {};
    const maxBytes = limits.maxBytes ?? DEFAULT_MAX_RECORDING_BYTES;
    let bytes: ArrayBuffer | Uint8Array;
    if (typeof r === 'string' || r instanceof URL) {
      const res = await fetch(r);
      if (!res.ok) throw new Error(`recording ${String(r)}: HTTP ${res.status}`);
      // Refuse before downloading what the reader would refuse anyway.
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > maxBytes)
        throw new Error(
          `recording too large: ${(declared / 2 ** 20).toFixed(1)} MiB is over the reader's limit of ${(maxBytes / 2 ** 20).toFixed(1)} MiB`,
        );
      bytes = await res.arrayBuffer();
    } else {
      bytes = r;
    }
    this.recording = readRecording(bytes, limits);
    if (this.recording.stopped) {
      console.warn(
        `tickframe: recording ${this.recording.stopped.reason === 'record-limit' ? 'over its record limit' : this.recording.stopped.reason} at byte ${this.recording.stopped.offset}; playing the ${this.recording.frames.length} whole frames before it`,
      );
    }
  }

  /** The frames of the `historyMs` before frame `i` (what a seek hands views that show the past). */
  private framesBefore(i: number): Uint8Array[] {
    const rec = this.recording;
    if (!rec || i === 0) return [];
    const from = rec.frames[i].receivedMs - (this.options.historyMs ?? DEFAULT_HISTORY_MS);
    let j = i;
    while (j > 0 && rec.frames[j - 1].receivedMs >= from) j--;
    return rec.frames.slice(j, i).map((r) => r.frame);
  }

  private rewind(): void {
    this.index = 0;
    this.state('open'); // sequences restart
    this.events?.jumped?.();
  }

  /** Deliver the frame at `index` and advance. */
  private deliver(): void {
    const rec = this.recording;
    if (!rec || !this.events || this.index >= rec.frames.length) return;
    const record = rec.frames[this.index++];
    this.clock.setTo(record.receivedMs);
    // Copy out: consumers may keep or transfer the buffer.
    this.events.frame(record.frame.slice().buffer, record.receivedMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.playDue(), delayMs);
  }

  private scheduleNext(): void {
    const rec = this.recording;
    if (!rec) return;
    const next = rec.frames[this.index];
    this.schedule(next ? this.clock.delayUntil(next.receivedMs) : 0);
  }

  private playDue(): void {
    const rec = this.recording;
    if (!rec || !this.clock.playing || !this.events) return;
    // At 'max', deliver a batch per task: timers clamp to ~4 ms, which would cap playback at 250 fps.
    const batch = this.clock.speed === 'max' ? MAX_SPEED_BATCH : 1;
    for (let i = 0; i < batch; i++) {
      if (this.index >= rec.frames.length) {
        if (!this.loop || rec.frames.length === 0) return this.pause();
        this.rewind();
      }
      this.deliver();
    }
    this.scheduleNext();
    this.changed();
  }

  /** Playback moved or a control changed: a new progress value, and every subscriber told. */
  private changed(): void {
    this.snapshot = this.measure();
    this.listeners.forEach((l) => l());
  }

  private measure(): ReplayProgress {
    const frames = this.recording?.frames ?? [];
    const first = frames[0]?.receivedMs ?? 0;
    const last = frames[Math.max(0, this.index - 1)]?.receivedMs ?? first;
    return {
      index: this.index,
      count: frames.length,
      startMs: first,
      positionMs: last - first,
      durationMs: (frames[frames.length - 1]?.receivedMs ?? first) - first,
      playing: this.clock.playing,
      speed: this.clock.speed,
      loop: this.loop,
    };
  }

  private state(s: ConnectionState): void {
    this.events?.state(s);
  }
}
