/** A frame source a test drives by hand, and a market store on it. */
import { act } from '@testing-library/react';

import { createMarketStore, type MarketStoreOptions } from '../../components/store/createMarketStore';
import type { FrameSource, FrameSourceEvents } from '../../components/feed/FrameSource';
import { nextPaint } from './paintClock';

/** A source the test pushes frames into by hand; frames arrive at `Date.now()` (the fake clock's). */
export class ManualSource implements FrameSource {
  events: FrameSourceEvents | null = null;
  start(events: FrameSourceEvents) {
    this.events = events;
    events.state('open');
  }
  stop() {
    this.events = null;
  }
  push(frame: Uint8Array | ArrayBuffer) {
    const buf = frame instanceof Uint8Array ? frame.slice().buffer : frame;
    this.events?.frame(buf, Date.now());
  }
}

/**
 * A market store on a {@link ManualSource}, ready to use, under `installPaintClock()`. `push` delivers
 * frames and runs the next paint inside `act`, so the published picture has rendered.
 */
export async function startStore(options: Omit<MarketStoreOptions, 'source'> = {}) {
  const source = new ManualSource();
  const store = createMarketStore({ source, ...options });
  await store.ready;
  const push = (...frames: (Uint8Array | ArrayBuffer)[]) => {
    act(() => frames.forEach((f) => source.push(f)));
    nextPaint();
  };
  return { source, store, push };
}

/** A hand-driven source whose clock the test sets (as a replay's is): the store reads time from `now`. */
export class ClockedSource extends ManualSource {
  clock = 1_000_000;
  now = () => this.clock;
  stopped = 0;
  override stop() {
    this.stopped += 1;
    super.stop();
  }
  /** Deliver a frame received at the source's clock. */
  at(data: Uint8Array) {
    this.events?.frame(data.slice().buffer, this.clock);
  }
}
