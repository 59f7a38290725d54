/** Anything that delivers binary frames: a live socket (`WebSocketSource`) or a recording (`ReplaySource`). */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What a replay is doing, for views that say so instead of showing live latency. */
export interface ReplayState {
  playing: boolean;
  speed: number | 'max';
}

export interface FrameSourceEvents {
  /** A binary message arrived. `receivedMs` is on the source's clock (`FrameSource.now`; wall-clock `Date.now()` by default). */
  frame(data: ArrayBuffer, receivedMs: number): void;
  /** The transport's state changed. A new `open` may be a restarted server: sequences restart. */
  state(state: ConnectionState): void;
  /** A replay started, paused or changed speed (replays only). */
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
}
