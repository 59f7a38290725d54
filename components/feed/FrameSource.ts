import type { ClockOffset } from './clockOffset.js';

/** Anything that delivers binary frames: a live socket (`WebSocketSource`) or a recording (`ReplaySource`). */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What a replay is doing, for views that say so instead of showing live latency. */
export interface ReplayState {
  playing: boolean;
  speed: number | 'max';
}

/** Where a replay's playback is: one observable value (`FrameSource.subscribe` / `getProgress`). */
export interface ReplayProgress extends ReplayState {
  /** Index of the next frame to play. */
  index: number;
  /** Frames in the recording (0 until it is loaded). */
  count: number;
  /** Recorded receive time (epoch ms) of the first frame: the recording's start. */
  startMs: number;
  /** Time of the last played frame since the first, in recorded ms. */
  positionMs: number;
  durationMs: number;
  loop: boolean;
}

export interface FrameSourceEvents {
  /** A binary message arrived. `receivedMs` is on the source's clock (`FrameSource.now`; wall-clock `Date.now()` by default). */
  frame(data: ArrayBuffer, receivedMs: number): void;
  /** The transport's state changed. A new `open` may be a restarted server: sequences restart. */
  state(state: ConnectionState): void;
  /**
   * The stream jumps to another point in time (a replay's seek or rewind): what was kept from the
   * frames before it — the tape of prints — is forgotten and rebuilt from the frames that follow. A
   * reconnect is not a jump: prints seen before it stay, each kept once. `before`: the frames
   * leading up to the jump point (a replay gives the last minute's), from which views that show
   * the past — the heatmap's columns — rebuild it.
   */
  jumped?(before?: readonly Uint8Array[]): void;
  /**
   * A replay started, paused or changed speed.
   * @deprecated A replay's state is its observable progress (`FrameSource.subscribe` / `getProgress`),
   *   which the store reads; a source calling this still works for this release.
   */
  replay?(state: ReplayState): void;
}

export interface FrameSource {
  /**
   * The one market this source delivers, when it was told (`WebSocketSource`'s `symbol`): a store
   * on it shows only that market's frames (see `MarketStoreOptions.symbol`).
   */
  readonly symbol?: string;
  start(events: FrameSourceEvents): void;
  stop(): void;
  /**
   * The clock `receivedMs` is on, in ms; latency and staleness are measured against it. Absent: the
   * wall clock (`Date.now()`). A replay's clock is recorded time, which stands still while paused, so a
   * frame recorded months ago reads with the latency it had then, and a paused replay is not stale.
   */
  now?(): number;
  /**
   * The server's clock minus `now()`'s, as last estimated (`WebSocketSource`: after each connect).
   * Absent or `null`: not known, and server→browser latency is measured on the browser's clock.
   */
  clockOffset?(): ClockOffset | null;
  /**
   * A replay's progress (`ReplaySource`): subscribe to changes, read the current value. One value
   * for every reader — the store takes whether it plays and at what speed from it, `ReplayControls`
   * reads it with `useSyncExternalStore`. `getProgress` returns the same object until it changes.
   */
  subscribe?(listener: () => void): () => void;
  getProgress?(): ReplayProgress;
}
