/** TradeTape over the real engine: frames carrying a window of prints, pushed by the test. */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { buildFrameTs, loadEngine } from '../../tests/support/engineFixtures';
import { printsFrom, type TestPrint } from '../../tests/support/buildFrame';
import { startStore } from '../../tests/support/manualSource';
import { advance, installPaintClock, nextPaint } from '../../tests/support/paintClock';
import { ReplaySource } from '../feed/ReplaySource';
import { readRecording } from '../feed/recording';
import { createMarketStore } from '../store/createMarketStore';
import { recordingBytes } from '../../tests/support/engineFixtures';
import { OrderbookLadder } from '../OrderbookLadder/OrderbookLadder';
import { tradeRows } from '../store/tapePicture';
import { useTrades } from '../store/useTrades';
import type { MarketStore } from '../store/createMarketStore';
import { TradeTape } from './TradeTape';

loadEngine();
installPaintClock();
afterEach(cleanup);

/** 2026-07-01 12:00:00.000 UTC */
const print = printsFrom(Date.UTC(2026, 6, 1, 12, 0, 0));
/** A frame of a one-level book (tick 0.01, lot 0.001) carrying `trades` as its window. */
const frame = (sequence: number, trades: TestPrint[]) => buildFrameTs({ sequence, bids: [[100, 5]], asks: [[100.01, 5]], trades });

const rows = () =>
  within(screen.getByRole('grid', { name: /Trades/ }))
    .getAllByRole('row')
    .slice(1);

async function setup() {
  const started = await startStore();
  render(<TradeTape store={started.store} locale="en-US" />);
  return started;
}

describe('TradeTape', () => {
  it('shows each print once, newest first, in the exchange time with milliseconds, the side in colour and words', async () => {
    const { push, store } = await setup();
    const a = print(1, 5, 100.01, 0.5, true);
    const b = print(2, 7, 100, 0.25, false);
    const c = print(3, 1_234, 100.01, 1, true);
    // Every frame repeats the window; a frame read twice, or skipped, changes nothing.
    await push(frame(1, [a]), frame(2, [a, b]));
    await push(frame(3, [a, b, c]), frame(4, [a, b, c]));
    const r = rows();
    expect(r.map((el) => el.getAttribute('data-seq'))).toEqual(['3', '2', '1']);
    expect(r[0].textContent).toContain('12:00:01.234');
    expect(r[0].textContent).toContain('100.01');
    expect(r[0].textContent).toContain('1.000');
    expect(r[0].getAttribute('data-side')).toBe('buy');
    expect(r[1].getAttribute('data-side')).toBe('sell');
    expect(r[1].getAttribute('aria-label')).toBe('sell 0.250 at 100.00, 12:00:00.007');
    expect(store.getState().tape?.tradeSeq).toBe(3);
    // The server's running totals: buys 0.5 + 1, sells 0.25, delta +1.25, exactly.
    expect(screen.getByTestId('tape-totals').textContent).toBe('Buy 1.500Sell 0.250Δ +1.250');
    store.dispose();
  });

  it('aggregates and filters by the controls, computed in the engine', async () => {
    const { push, store } = await setup();
    await push(
      frame(1, [
        print(1, 0, 100.01, 1, true),
        print(2, 40, 100.02, 2, true),
        print(3, 60, 100, 0.5, false), // an opposite print closes the run
        print(4, 90, 100.01, 30, true),
      ]),
    );
    expect(rows()).toHaveLength(4);
    fireEvent.change(screen.getByLabelText('Aggregate'), { target: { value: '100' } });
    await push();
    expect(rows().map((el) => el.getAttribute('data-seq'))).toEqual(['4', '3', '1']);
    expect(rows()[2].textContent).toContain('×2');
    expect(rows()[2].textContent).toContain('100.02'); // the run's last price
    expect(rows()[2].textContent).toContain('3.000');
    fireEvent.change(screen.getByLabelText('Min notional'), { target: { value: '1000' } });
    await push();
    // Only the 30 × 100.01 = 3000.30 buy is at least 1,000.
    expect(rows().map((el) => el.getAttribute('data-seq'))).toEqual(['4']);
    expect(store.getState().tapeView).toMatchObject({ windowMs: 100, minNotional: 1000 });
    store.dispose();
  });

  it('emphasises large prints, announces them, and marks where prints are missing', async () => {
    const { push, store } = await setup();
    const small = Array.from({ length: 30 }, (_, i) => print(i + 1, i, 100, 0.01, i % 2 === 0));
    // Prints 31..39 never reached this client (a long outage); print 40 is a wall.
    await push(frame(1, small));
    await push(frame(9, [print(40, 100, 100.01, 50, true), print(41, 101, 100, 0.01, false, 2 /* the venue's ids skipped */)]));
    const r = rows();
    expect(r[0].getAttribute('data-gap')).toBe('true');
    expect(r[1].getAttribute('data-gap')).toBe('true');
    expect(r[1].getAttribute('data-large')).toBe('true');
    expect(r[1].getAttribute('aria-label')).toMatch(/^Large buy 50\.000 at 100\.01/);
    expect(r.filter((el) => el.getAttribute('data-large'))).toHaveLength(1);
    expect(store.getState().tape?.missed).toBe(9);
    expect(document.querySelector('.tf-tape [aria-live]')?.textContent).toBe('Large buy 50.000 at 100.01');
    store.dispose();
  });

  it('renders only the rows in view of a full ring, moves with the keyboard and greys when stale', async () => {
    const { push, store, source } = await setup();
    const many = Array.from({ length: 256 }, (_, i) => print(i + 1, i, 100, 0.001 * (i + 1), true));
    await push(frame(1, many));
    expect(store.getState().tape?.count).toBe(256);
    expect(rows().length).toBeLessThan(40); // virtualised: 360 px of 20 px rows plus overscan
    const first = rows()[0];
    first.focus();
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    expect(document.activeElement?.getAttribute('data-seq')).toBe('255');
    fireEvent.keyDown(document.activeElement!, { key: 'End' });
    await push();
    expect(document.activeElement?.getAttribute('data-seq')).toBe('1');
    await act(async () => source.events!.state('reconnecting'));
    expect(document.querySelector('.tf-tape')?.getAttribute('data-stale')).toBe('true');
    store.dispose();
  });

  it('a seek back (the stream starts over) rebuilds the tape', async () => {
    const { push, store, source } = await setup();
    await push(frame(10, [print(8, 0, 100, 1, true), print(9, 1, 100, 1, true), print(10, 2, 100, 1, false)]));
    await act(async () => source.events!.state('open')); // what ReplaySource announces on seek
    await push(frame(2, [print(1, 0, 100, 2, false), print(2, 1, 100.01, 3, true)]));
    expect(rows().map((el) => el.getAttribute('data-seq'))).toEqual(['2', '1']);
    expect(tradeRows(store.getState().tape!).map((r) => r.size)).toEqual([3, 2]);
    store.dispose();
  });
});

describe('TradeTape on a replay', () => {
  it('a seek forward rebuilds the tape from the frame shown: no prints from before the jump, no gap marked', async () => {
    const bytes = recordingBytes(); // the simulator's recording: it prints
    const rec = readRecording(bytes);
    const source = new ReplaySource({ recording: bytes });
    const store = createMarketStore({ source });
    await store.ready;
    render(<TradeTape store={store} />);
    await act(async () => {
      await Promise.resolve();
    });
    act(() => advance(500)); // half a second of playback
    act(() => nextPaint());
    expect(store.getState().tape?.prints).toBeGreaterThan(0);
    const target = rec.frames[0].receivedMs + 2500;
    act(() => source.seek(2500));
    act(() => nextPaint());
    const tape = store.getState().tape!;
    expect(tape.missed).toBe(0);
    const rows = tradeRows(tape);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.gapBefore)).toBe(false);
    // Only the shown frame's window: prints of the last second or so before the target.
    expect(Math.min(...rows.map((r) => r.timeMs))).toBeGreaterThan(target - 2000);
    store.dispose();
  });
});

describe('the ladder and custom views', () => {
  it('the ladder marks the last trade and shows the session volume per level; useTrades gives the totals', async () => {
    const { store, push } = await startStore();
    function Delta({ store }: { store: MarketStore }) {
      const delta = useTrades(store, (t) => t?.volumeDelta ?? 0);
      return <output aria-label="delta">{delta}</output>;
    }
    render(
      <>
        <OrderbookLadder store={store} showTraded groupings={[]} />
        <Delta store={store} />
      </>,
    );
    await push(frame(1, [print(1, 0, 100.01, 0.3, true), print(2, 1, 100, 0.1, false), print(3, 2, 100, 0.2, false)]));
    const bid = screen.getByTestId('best-bid');
    const ask = screen.getByTestId('best-ask');
    expect(bid.getAttribute('data-last-trade')).toBe('sell');
    expect(ask.getAttribute('data-last-trade')).toBeNull();
    expect(bid.querySelector('.tf-ladder__traded')?.textContent).toBe('0.300');
    expect(ask.querySelector('.tf-ladder__traded')?.textContent).toBe('0.300');
    // 0.3 − (0.1 + 0.2): exactly 0, not 5.55e-17.
    expect(screen.getByLabelText('delta').textContent).toBe('0');
    store.dispose();
  });
});
