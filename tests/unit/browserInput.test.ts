/**
 * Browser input bounded (#21): the market never changes under a user, a flood of bad frames is
 * counted but not logged line by line, numbers no market has are never shown, and a recording
 * cannot make the page hold more than its limits.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { FramingCheck, WARNING_BURST, WARNING_WINDOW_MS, WarningThrottle } from '../../components/engine/FramingCheck';
import { readRecording, RecordingWriter } from '../../components/feed/recording';
import { withSymbol } from '../../components/feed/WebSocketSource';
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

  it('a pipeline given a symbol asks every edge for it, and a store on it holds to it', async () => {
    expect(withSymbol('ws://a:1/ws', 'BTC/USD')).toBe('ws://a:1/ws?symbol=BTC%2FUSD');
    expect(withSymbol('ws://a:1/ws?x=1', 'SIM-USD')).toBe('ws://a:1/ws?x=1&symbol=SIM-USD');
    expect(withSymbol('ws://a:1/ws?symbol=ETH-USD', 'SIM-USD')).toBe('ws://a:1/ws?symbol=ETH-USD');
    expect(withSymbol('ws://a:1/ws', undefined)).toBe('ws://a:1/ws');
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

describe('warnings', () => {
  it('a flood of rejected frames is counted in full but logged a few lines per window', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let t = 0;
    const throttle = new WarningThrottle(() => t);
    for (let i = 0; i < 55_000; i++) {
      t = i / 55; // 55 000 a second
      throttle.warn('garbage');
    }
    const windows = Math.ceil(1000 / WARNING_WINDOW_MS);
    expect(warn.mock.calls.length).toBeLessThanOrEqual((WARNING_BURST + 1) * windows + 1);
    t += WARNING_WINDOW_MS;
    throttle.warn('garbage');
    expect(warn.mock.calls.some((c) => String(c[0]).includes('more frames rejected'))).toBe(true);
  });

  it('the framing check counts every rejection whatever it logs', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const framing = new FramingCheck(loadEngineForParser());
    for (let i = 0; i < 10_000; i++) framing.ingest(new Uint8Array(4), 0);
    expect(framing.rejected).toBe(10_000);
    expect(warn.mock.calls.length).toBeLessThanOrEqual(WARNING_BURST + 1);
  });
});

function loadEngineForParser() {
  // The framing check rejects these before they reach the engine: any engine will do.
  return {} as never;
}

describe('recordings', () => {
  const header = { symbol: 'X', tick_size: 0.01, lot_size: 1, created_ms: 0, tick_hz: 50, schema_hash: 'h' };

  it('past the byte limit: a clear error before anything is parsed', () => {
    const w = new RecordingWriter(header);
    for (let i = 0; i < 100; i++) w.append(i, new Uint8Array(1000));
    expect(() => readRecording(w.toBytes(), { maxBytes: 50_000 })).toThrow(/too large.*limit/);
  });

  it('past the record limit: the records before it, and why it stopped', () => {
    const w = new RecordingWriter(header);
    for (let i = 0; i < 5000; i++) w.append(i, new Uint8Array(1)); // tiny records: the heap cost is per record
    const rec = readRecording(w.toBytes(), { maxRecords: 1000 });
    expect(rec.frames).toHaveLength(1000);
    expect(rec.stopped?.reason).toBe('record-limit');
  });
});

describe('renamed this release', () => {
  it('the deprecated names are the new ones', async () => {
    const core = await import('../../components/core');
    expect(core.WebSocketPipeline).toBe(core.WebSocketSource);
    expect(core.BinaryFrameParser).toBe(core.FramingCheck);
  });
});
