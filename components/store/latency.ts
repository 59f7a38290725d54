/**
 * Latency a person can read: three segments of a frame's way to the screen, each now and as the
 * 99th percentile over a recent window.
 *
 * - **exchange → server**: when the server read the book's newest message minus the exchange's
 *   own time in it (both in the frame; the two clocks are the exchange's and the server's);
 * - **server → browser**: when the frame arrived minus when the server built it, with the browser's
 *   clock moved onto the server's by the estimated offset (`FrameSource.clockOffset`);
 * - **received → painted**: the paint's time minus the frame's arrival (one clock: the browser's).
 *
 * A segment that comes out negative by more than its clocks' known error is not a fast network but
 * clocks that disagree: it says `clockUncertain` instead of a number clamped to zero. A replay
 * shows what was recorded — exchange → server from the frames — and no server → browser segment,
 * which was never a wall-clock measurement of this browser.
 */
import type { ClockOffset } from '../feed/clockOffset.js';
import type { BookPicture } from './bookPicture.js';

/** One segment: the newest sample and the window's 99th percentile, in ms. */
export interface LatencySegment {
  /** The newest frame's value (ms), or `null` when it cannot be measured (a replay, no exchange time). */
  nowMs: number | null;
  /** 99th percentile over the window (ms), `null` until a sample. */
  p99Ms: number | null;
  /** The newest value is negative beyond what the clocks' error explains: the clocks disagree. */
  clockUncertain: boolean;
}

/** What `useLatency` returns: the three segments and the clock they were measured with. */
export interface Latency {
  exchangeToServer: LatencySegment;
  serverToBrowser: LatencySegment;
  receivedToPainted: LatencySegment;
  /** The browser's estimated offset to the server (`null`: not estimated; server → browser is
   * then on the browser's own clock). */
  clock: ClockOffset | null;
  /** A replay: segments as recorded, none measured against this browser's wall clock. */
  recorded: boolean;
  /** How long the book had been unchanged when its newest frame was built, ms. */
  unchangedMs: number;
}

/** Samples kept per segment, and how far back they count (on the source's clock). */
const WINDOW_SAMPLES = 512;
export const LATENCY_WINDOW_MS = 10_000;
/** Percentiles are recomputed at most this often (sorting on every paint would be waste). */
const P99_EVERY_MS = 250;

/** A bounded window of (time, value) samples with its 99th percentile. */
export class LatencyWindow {
  private readonly at = new Float64Array(WINDOW_SAMPLES);
  private readonly values = new Float64Array(WINDOW_SAMPLES);
  private readonly scratch = new Float64Array(WINDOW_SAMPLES);
  private next = 0;
  private count = 0;

  push(atMs: number, value: number): void {
    this.at[this.next] = atMs;
    this.values[this.next] = value;
    this.next = (this.next + 1) % WINDOW_SAMPLES;
    this.count = Math.min(this.count + 1, WINDOW_SAMPLES);
  }

  /** The 99th percentile (nearest rank) of the samples within `LATENCY_WINDOW_MS` of `nowMs`. */
  p99(nowMs: number): number | null {
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      if (nowMs - this.at[i] <= LATENCY_WINDOW_MS) this.scratch[n++] = this.values[i];
    }
    if (n === 0) return null;
    const kept = this.scratch.subarray(0, n).sort();
    return kept[Math.min(n - 1, Math.ceil(0.99 * n) - 1)];
  }

  clear(): void {
    this.next = this.count = 0;
  }
}

/** Follows a store's frames and paints and says its `Latency` (a new object only when it changed). */
export class LatencyTracker {
  private readonly windows = [new LatencyWindow(), new LatencyWindow(), new LatencyWindow()] as const;
  private lastSequence = -1;
  private lastReceived = -1;
  private p99s: [number | null, number | null, number | null] = [null, null, null];
  private p99At = -Infinity;
  private current: Latency | null = null;

  /**
   * A paint at `paintedMs` (the source's clock) showing `book`. Samples are taken once per frame
   * (a repaint of the same frame adds none).
   */
  painted(book: BookPicture, paintedMs: number, clock: ClockOffset | null, recorded: boolean): Latency | null {
    if (book.sequence === this.lastSequence && book.receivedMs === this.lastReceived) return this.current;
    this.lastSequence = book.sequence;
    this.lastReceived = book.receivedMs;
    const exchange = Number.isFinite(book.exchangeLatencyMs) ? book.exchangeLatencyMs : null;
    // The arrival on the server's clock; a replay's is its recorded time, not this browser's.
    const serverToBrowser = recorded ? null : book.receivedMs + (clock?.offsetMs ?? 0) - book.timestampMs;
    const painted = paintedMs - book.receivedMs;
    const values = [exchange, serverToBrowser, painted] as const;
    values.forEach((v, i) => {
      if (v !== null) this.windows[i].push(paintedMs, v);
    });
    if (paintedMs - this.p99At >= P99_EVERY_MS) {
      this.p99s = [this.windows[0].p99(paintedMs), this.windows[1].p99(paintedMs), this.windows[2].p99(paintedMs)];
      this.p99At = paintedMs;
    }
    const segment = (i: 0 | 1 | 2, errorMs: number): LatencySegment => ({
      nowMs: values[i],
      p99Ms: this.p99s[i],
      clockUncertain: values[i] !== null && (values[i] as number) < -errorMs,
    });
    this.current = {
      // The exchange's and the server's clocks: no estimate of their error, so below zero is uncertain.
      exchangeToServer: segment(0, 0),
      // Without an estimate the browser's clock is trusted to a few ms at best.
      serverToBrowser: segment(1, clock ? clock.errorMs : 0),
      receivedToPainted: segment(2, 0),
      clock,
      recorded,
      unchangedMs: book.unchangedMs,
    };
    return this.current;
  }

  /** A new stream (a reconnect to another server, a replay's seek): the windows start over. */
  reset(): void {
    for (const w of this.windows) w.clear();
    this.lastSequence = this.lastReceived = -1;
    this.p99s = [null, null, null];
    this.p99At = -Infinity;
    this.current = null;
  }
}
