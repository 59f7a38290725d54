import type { ConnectionState, FrameSource, FrameSourceEvents } from '../../components';

/** A source that opens, delivers the given frames, then optionally moves to another state (edge-case stories). */
export class ScriptedSource implements FrameSource {
  private timers: ReturnType<typeof setTimeout>[] = [];
  constructor(
    private readonly frames: Uint8Array[],
    private readonly then?: ConnectionState,
  ) {}
  start(events: FrameSourceEvents) {
    events.state('open');
    this.frames.forEach((f, i) => this.timers.push(setTimeout(() => events.frame(f.slice().buffer, Date.now()), 20 * i)));
    if (this.then) {
      const state = this.then;
      this.timers.push(setTimeout(() => events.state(state), 20 * this.frames.length + 50));
    }
  }
  stop() {
    this.timers.forEach(clearTimeout);
  }
}
