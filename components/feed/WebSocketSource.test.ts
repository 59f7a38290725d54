import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ConnectionState } from './FrameSource';
import { WebSocketSource, withSymbol } from './WebSocketSource';

/** A controllable stand-in for the browser WebSocket: the test opens, messages and closes it. */
class FakeSocket {
  static all: FakeSocket[] = [];
  binaryType = 'blob';
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    this.closed = true;
  }
  /** The peer or network closes the socket. */
  drop() {
    this.closed = true;
    this.onclose?.();
  }
  get live() {
    return !this.closed;
  }
}

describe('WebSocketSource', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
  });
  afterEach(() => vi.useRealTimers());

  const make = (random = () => 0.5) =>
    new WebSocketSource({
      url: 'ws://x/ws',
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
      random,
      initialBackoffMs: 100,
      maxBackoffMs: 1000,
    });

  it('moves on to the next URL when a connection closes or fails (several edges of a cluster)', () => {
    const p = new WebSocketSource({
      url: ['ws://a/ws', 'ws://b/ws'],
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
      random: () => 0,
    });
    p.start({ frame: () => {}, state: () => {} });
    FakeSocket.all[0].onopen!();
    FakeSocket.all[0].drop(); // edge A dies
    vi.runOnlyPendingTimers();
    FakeSocket.all[1].drop(); // edge B refuses
    vi.runOnlyPendingTimers();
    expect(FakeSocket.all.map((s) => s.url)).toEqual(['ws://a/ws', 'ws://b/ws', 'ws://a/ws']);
    p.stop();
  });

  it('asks for binary frames as ArrayBuffer and delivers only binary messages', () => {
    const frames: ArrayBuffer[] = [];
    const p = make();
    p.start({ frame: (d) => frames.push(d), state: () => {} });
    const s = FakeSocket.all[0];
    expect(s.binaryType).toBe('arraybuffer');
    s.onopen!();
    s.onmessage!({ data: new ArrayBuffer(8) });
    s.onmessage!({ data: 'text' });
    expect(frames).toHaveLength(1);
    p.stop();
  });

  it('reconnects with exponential backoff and full jitter, capped, and resets after a success', () => {
    const p = make(() => 1); // worst-case jitter shows the ceiling
    expect([0, 1, 2, 3, 4, 5].map((n) => p.backoffMs(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(make(() => 0.25).backoffMs(3)).toBe(200);

    const states: ConnectionState[] = [];
    p.start({ frame: () => {}, state: (s) => states.push(s) });
    FakeSocket.all[0].drop(); // attempt 0 failed → wait 100
    vi.advanceTimersByTime(99);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].drop(); // → wait 200
    vi.advanceTimersByTime(199);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.all[2].onopen!();
    expect(states.at(-1)).toBe('open');
    FakeSocket.all[2].drop(); // success reset the backoff → 100 again
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(4);
    expect(states).toContain('reconnecting');
    p.stop();
  });

  it('never has two live sockets when stop/start race a pending reconnect or a late open', () => {
    const p = make();
    const events = { frame: vi.fn(), state: () => {} };
    p.start(events);
    const first = FakeSocket.all[0];
    first.drop(); // reconnect scheduled
    p.start(events); // restart while the timer is pending
    vi.advanceTimersByTime(10_000); // the old timer must not fire a second connect
    expect(FakeSocket.all.filter((s) => s.live)).toHaveLength(1);
    const current = FakeSocket.all.at(-1)!;
    p.stop();
    p.start(events);
    current.onopen?.(); // a late open of the stopped socket
    current.onmessage?.({ data: new ArrayBuffer(8) });
    expect(events.frame).not.toHaveBeenCalled();
    expect(FakeSocket.all.filter((s) => s.live)).toHaveLength(1);
    p.stop();
    expect(FakeSocket.all.filter((s) => s.live)).toHaveLength(0);
  });
});

describe('withSymbol', () => {
  it('asks every URL of a cluster for the source’s market, unless the URL names one', () => {
    expect(withSymbol('ws://a:1/ws', 'BTC/USD')).toBe('ws://a:1/ws?symbol=BTC%2FUSD');
    expect(withSymbol('ws://a:1/ws?x=1', 'SIM-USD')).toBe('ws://a:1/ws?x=1&symbol=SIM-USD');
    expect(withSymbol('ws://a:1/ws?symbol=ETH-USD', 'SIM-USD')).toBe('ws://a:1/ws?symbol=ETH-USD');
    expect(withSymbol('ws://a:1/ws', undefined)).toBe('ws://a:1/ws');
  });
});
