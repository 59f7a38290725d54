/**
 * The vanilla store on its own (no React), in the zustand manner: a real engine, a source the test
 * drives by hand, and animation frames and timers under the test's control.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { Engine } from '../engine/initEngine';
import { createMarketStore } from './createMarketStore';
import { stalenessCheckMs } from './staleness';
import { imbalanceKey } from './imbalanceWindow';
import { manualAnimationFrames } from '../../tests/support/animationFrames';
import { buildFrameTs, loadEngine } from '../../tests/support/engineFixtures';
import { ClockedSource } from '../../tests/support/manualSource';

loadEngine();

const frame = (sequence: number, bid = 100) => buildFrameTs({ sequence, bids: [[bid, 1]], asks: [[bid + 1, 1]] });

describe('createMarketStore (vanilla)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('publishes one snapshot per animation frame, from the newest frame, however many arrived', async () => {
    const frames = manualAnimationFrames();
    const source = new ClockedSource();
    const store = createMarketStore({ source });
    await store.ready;
    const published = vi.fn();
    store.subscribe(published);
    for (let seq = 1; seq <= 5; seq++) source.at(frame(seq, 100 + seq));
    expect(published).not.toHaveBeenCalled(); // nothing before the paint
    expect(frames.pending()).toBe(1); // five frames, one request
    frames.paint();
    expect(published).toHaveBeenCalledTimes(1);
    expect(store.getState().book?.sequence).toBe(5);
    expect(store.getState().book?.bestBid).toBe(105);
    frames.paint(); // a paint with nothing new publishes nothing
    expect(published).toHaveBeenCalledTimes(1);
    store.dispose();
  });

  it('dispose stops the source, the pending paint, the staleness timer and frees the engine', async () => {
    const frames = manualAnimationFrames();
    const free = vi.spyOn(Engine.prototype, 'free');
    const source = new ClockedSource();
    const store = createMarketStore({ source });
    await store.ready;
    source.at(frame(1));
    expect(frames.pending()).toBe(1);
    expect(vi.getTimerCount()).toBe(1); // the staleness watch
    store.dispose();
    expect(source.stopped).toBe(1);
    expect(frames.pending()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(free).toHaveBeenCalledTimes(1);
    expect(store.getState()).toMatchObject({ connection: 'closed', stale: true });
    store.dispose(); // twice is fine
    expect(free).toHaveBeenCalledTimes(1);
  });

  it('a store disposed before its engine loaded frees the engine when it arrives', async () => {
    const free = vi.spyOn(Engine.prototype, 'free');
    const store = createMarketStore({ source: new ClockedSource() });
    store.dispose();
    await store.ready;
    expect(free).toHaveBeenCalledTimes(1);
  });

  it('goes stale on the source clock when frames stop, and live again with the next frame', async () => {
    const frames = manualAnimationFrames();
    const source = new ClockedSource();
    const store = createMarketStore({ source, staleAfterMs: 2000 });
    await store.ready;
    source.at(frame(1));
    frames.paint();
    expect(store.getState().stale).toBe(false);
    // Silence: no frame, no paint. The watch notices on its own, by the source's clock.
    source.clock += 2500;
    vi.advanceTimersByTime(stalenessCheckMs(2000));
    expect(store.getState().stale).toBe(true);
    source.at(frame(2));
    frames.paint();
    expect(store.getState().stale).toBe(false);
    store.dispose();
  });

  it('a connection that is not open is stale whatever the engine says', async () => {
    const frames = manualAnimationFrames();
    const source = new ClockedSource();
    const store = createMarketStore({ source });
    await store.ready;
    source.at(frame(1));
    frames.paint();
    source.events?.state('reconnecting');
    expect(store.getState().stale).toBe(true);
    store.dispose();
  });

  it('measures any window a view asks for on the same picture, until the view stops asking', async () => {
    const frames = manualAnimationFrames();
    const source = new ClockedSource();
    const store = createMarketStore({ source, imbalanceWindow: { levels: 1 } });
    await store.ready;
    const stop = store.measureImbalance({ levels: 2 });
    source.at(
      buildFrameTs({
        sequence: 1,
        bids: [
          [100, 3],
          [99, 1],
        ],
        asks: [
          [101, 1],
          [102, 5],
        ],
      }),
    );
    frames.paint();
    const book = store.getState().book;
    expect(book?.imbalances[imbalanceKey({ levels: 2 })]).toBe((4 - 6) / 10); // exact lots, both levels
    expect(book?.windowImbalance).toBe((3 - 1) / 4); // the store's own window, unchanged
    stop();
    source.at(buildFrameTs({ sequence: 2, bids: [[100, 3]], asks: [[101, 1]] }));
    frames.paint();
    expect(store.getState().book?.imbalances).toEqual({});
    store.dispose();
  });
});
