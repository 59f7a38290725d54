/**
 * Replay time: recorded time that advances at the playback speed while playing and stands still
 * while paused. Pure over a wall clock it is handed (`Date.now` by default), so it is tested alone;
 * `ReplaySource` delivers frames by it.
 */

/** Playback speed: a multiplier, or `'max'` (as fast as frames can be delivered; the clock jumps frame to frame). */
export type ReplaySpeed = number | 'max';

export const MIN_SPEED = 0.25;
export const MAX_SPEED = 16;

/** Speeds outside 0.25–16 are clamped; `'max'` stays. */
export function clampSpeed(speed: ReplaySpeed): ReplaySpeed {
  return speed === 'max' ? 'max' : Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
}

export class ReplayClock {
  /** Recorded time at `wallMs`: where the clock was when it last changed. */
  private recordedMs = 0;
  private wallMs = 0;
  private running = false;
  private rate: ReplaySpeed;

  constructor(
    speed: ReplaySpeed = 1,
    private readonly wall: () => number = Date.now,
  ) {
    this.rate = clampSpeed(speed);
  }

  get playing(): boolean {
    return this.running;
  }

  get speed(): ReplaySpeed {
    return this.rate;
  }

  /** Recorded time now. */
  now(): number {
    if (!this.running || this.rate === 'max') return this.recordedMs;
    return this.recordedMs + (this.wall() - this.wallMs) * this.rate;
  }

  /** Start running from where it stands (paused time does not count). */
  play(): void {
    this.mark(this.recordedMs);
    this.running = true;
  }

  /** Stand still at the current recorded time. */
  pause(): void {
    this.mark(this.now());
    this.running = false;
  }

  /** Change speed; the time so far ran at the old one. Returns the speed in effect (clamped). */
  setSpeed(speed: ReplaySpeed): ReplaySpeed {
    this.mark(this.now());
    this.rate = clampSpeed(speed);
    return this.rate;
  }

  /** A frame recorded at `recordedMs` was just delivered: the clock is at it. */
  setTo(recordedMs: number): void {
    this.mark(recordedMs);
  }

  /** Wall ms from now until recorded time `recordedMs` at this speed (0 at `'max'` or when it is past). */
  delayUntil(recordedMs: number): number {
    if (this.rate === 'max') return 0;
    return Math.max(0, (recordedMs - this.now()) / this.rate);
  }

  private mark(recordedMs: number): void {
    this.recordedMs = recordedMs;
    this.wallMs = this.wall();
  }
}
