/** Anything that delivers binary frames: a live socket (`WebSocketPipeline`) or a recording (`ReplaySource`). */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface FrameSourceEvents {
  /** A binary message arrived. `receivedMs` is wall-clock (Date.now()) time of arrival. */
  frame(data: ArrayBuffer, receivedMs: number): void;
  /** The transport's state changed. A new `open` may be a restarted server: sequences restart. */
  state(state: ConnectionState): void;
}

export interface FrameSource {
  start(events: FrameSourceEvents): void;
  stop(): void;
}
