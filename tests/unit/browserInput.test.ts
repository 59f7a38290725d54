/**
 * Browser input across the store and the engine: the market never changes under a user, and numbers
 * no market has are never shown. (The framing check's warnings are tested beside it, in
 * `components/engine/FramingCheck.test.ts`; a recording's limits in `components/feed/recording.test.ts`.)
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { buildFrameTs, loadEngine } from '../support/engineFixtures';
import { startStore } from '../support/manualSource';
import { installPaintClock } from '../support/paintClock';

beforeAll(() => {
  loadEngine();
});

afterEach(() => {
  vi.restoreAllMocks();
});
installPaintClock();

const level = (p: number, q = 1): [number, number] => [p, q];

describe('an expected symbol', () => {
  it('drops and counts another market’s frames: the view keeps its own market', async () => {
    const { store, push } = await startStore({ symbol: 'sim-usd' });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await push(buildFrameTs({ sequence: 1, symbol: 'SIM-USD', bids: [level(100)], asks: [level(101)] }));
    expect(store.getState().book?.symbol).toBe('SIM-USD');
    // Failover to an edge whose default market is another: its frames never show under SIM-USD.
    await push(
      buildFrameTs({ sequence: 2, symbol: 'BTC-USD', bids: [level(50_000)], asks: [level(50_001)] }),
      buildFrameTs({ sequence: 3, symbol: 'BTC-USD', bids: [level(50_000)], asks: [level(50_001)] }),
    );
    const s = store.getState();
    expect(s.book?.symbol).toBe('SIM-USD');
    expect(s.book?.bestBid).toBe(100);
    expect(s.stats.otherSymbol).toBe(2);
    expect(s.rejected).toBe(2);
    expect(s.lastError).toContain('another symbol');
    // Another spelling of the same market is the same market.
    await push(buildFrameTs({ sequence: 4, symbol: 'SIM/USD', bids: [level(99)], asks: [level(101)] }));
    expect(store.getState().book?.bestBid).toBe(99);
    store.dispose();
  });

  it('a store on a source given a symbol holds to it', async () => {
    const { source, store, push } = await startStore();
    store.dispose();
    // The store takes its expected market from the source when it is given none.
    Object.defineProperty(source, 'symbol', { value: 'SIM-USD' });
    const { createMarketStore } = await import('../../components/store/createMarketStore');
    const held = createMarketStore({ source });
    await held.ready;
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await push(buildFrameTs({ sequence: 1, symbol: 'BTC-USD', bids: [level(50_000)], asks: [level(50_001)] }));
    expect(held.getState().stats.otherSymbol).toBe(1);
    expect(held.getState().book).toBeNull();
    held.dispose();
  });

  it('without one, a symbol change mid-stream is a new stream under the new name', async () => {
    const { store, push } = await startStore();
    await push(buildFrameTs({ sequence: 500, symbol: 'SIM-USD', bids: [level(100)], asks: [level(101)] }));
    await push(buildFrameTs({ sequence: 7, symbol: 'BTC-USD', bids: [level(50_000)], asks: [level(50_001)] }));
    const s = store.getState();
    expect(s.book?.symbol).toBe('BTC-USD');
    expect(s.book?.bestBid).toBe(50_000);
    expect(s.stats.restarts).toBe(1);
    store.dispose();
  });
});

describe('numbers no market has', () => {
  it('are rejected by the engine, counted, and never shown live', async () => {
    const { store, push } = await startStore();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await push(buildFrameTs({ sequence: 1, bids: [level(100)], asks: [level(101)] }));
    const bad = [
      { tickSize: NaN },
      { tickSize: Infinity },
      { tickSize: 0 },
      { tickSize: 1e-300 },
      { lotSize: -1 },
      { bids: [level(NaN)] },
      { bids: [level(Infinity)] },
      { bids: [level(0)] },
      { bids: [level(1e-300)] },
      { bids: [level(100, -3)] },
    ];
    bad.forEach((b, i) => void push(buildFrameTs({ sequence: 2 + i, bids: [level(100)], asks: [level(101)], ...b })));
    await push();
    const s = store.getState();
    expect(s.rejected).toBe(bad.length);
    expect(s.book?.bestBid).toBe(100);
    expect(s.book?.tickSize).toBe(0.01);
    store.dispose();
  });
});

describe('renamed this release', () => {
  it('the deprecated names are the new ones', async () => {
    const core = await import('../../components/core');
    expect(core.WebSocketPipeline).toBe(core.WebSocketSource);
    expect(core.BinaryFrameParser).toBe(core.FramingCheck);
  });
});
