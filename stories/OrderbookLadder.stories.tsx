import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect } from 'react';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';

import { OrderbookLadder, ReplaySource, type OrderbookLadderProps, useMarketStore } from '../components';
import { useStoryMarket } from './support/MarketChoice';
import { expectMarketPrice, priceShape } from './support/expectMarketPrice';
import { storyMarket } from './support/markets';

type Args = Omit<OrderbookLadderProps, 'store'> & { speed: number; grouping: number };

function RecordedLadder({ speed, grouping, ...props }: Args) {
  const { recording } = useStoryMarket();
  const store = useMarketStore(() => new ReplaySource({ recording, speed }), [speed, recording]);
  useEffect(() => store?.setGrouping(grouping), [store, grouping]);
  return store ? <OrderbookLadder store={store} {...props} /> : null;
}

const meta = {
  title: 'Components/OrderbookLadder',
  component: RecordedLadder,
  tags: ['autodocs'],
  args: { depth: 12, barMode: 'cumulative', speed: 1, grouping: 1, onLevelClick: fn() },
  argTypes: {
    grouping: { control: 'select', options: [1, 5, 10, 50, 100], description: 'Ticks per price bucket (store.setGrouping)' },
    barMode: { control: 'inline-radio', options: ['size', 'cumulative'] },
    depth: { control: { type: 'range', min: 1, max: 50 } },
    speed: { control: { type: 'select' }, options: [0.25, 0.5, 1, 2, 4, 16] },
  },
} satisfies Meta<typeof RecordedLadder>;
export default meta;
type Story = StoryObj<typeof meta>;

/** The market picked in the toolbar (Market; a real exchange's by default), recorded by tickframe-server from a capture and replayed through the real parser → WASM engine → store path. */
export const RealMarket: Story = {
  play: async ({ canvasElement, globals }) => {
    const market = storyMarket(globals.market);
    const canvas = within(canvasElement);
    const cell = (await canvas.findByTestId('best-bid', {}, { timeout: 15_000 })).querySelector('.tf-ladder__price')!;
    await expectMarketPrice(cell.textContent, market);
  },
};

/** A recording made from the built-in simulator (`tickframe-server record-sim`), replayed through the real parser → WASM engine → store path. */
export const Recorded: Story = {
  globals: { market: 'sim' },
  play: async ({ canvasElement, args }) => {
    const canvas = within(canvasElement);
    const bestBid = await canvas.findByTestId('best-bid', {}, { timeout: 15_000 });
    const bestAsk = canvas.getByTestId('best-ask');
    // Prices from the engine, formatted with the tick's 2 decimals; the book is never crossed.
    const price = (el: HTMLElement) => Number(el.querySelector('.tf-ladder__price')!.textContent!.replace(/,/g, ''));
    await expect(bestBid.querySelector('.tf-ladder__price')!.textContent).toMatch(priceShape(2));
    await expect(price(bestBid)).toBeLessThan(price(bestAsk));
    await expect(canvas.getAllByRole('row').length).toBe(12 * 2 + 2);

    // Keyboard: focus the best bid, move down one level, activate with Enter.
    await waitFor(() => expect(canvasElement.querySelector('[data-stale]')).toBeNull(), { timeout: 15_000 });
    const rows = canvas.getAllByRole('row').filter((r) => r.classList.contains('tf-ladder__row'));
    rows[12].focus();
    await userEvent.keyboard('{ArrowDown}');
    await expect(document.activeElement).toBe(rows[13]);
    const shown = Number(rows[13].querySelector('.tf-ladder__price')!.textContent!.replace(/,/g, ''));
    await userEvent.keyboard('{Enter}');
    await expect(args.onLevelClick).toHaveBeenCalledTimes(1);
    const call = (args.onLevelClick as ReturnType<typeof fn>).mock.calls[0][0];
    await expect(call.side).toBe('bid');
    // The frame may have moved between reading and pressing; the price is a real level on a tick.
    await expect(Math.abs(call.price - shown)).toBeLessThan(5);
    await expect(Math.round(call.price * 100) / 100).toBe(call.price);

    // A click reports the clicked level's exact values as shown in its row.
    const ask = canvas.getByTestId('best-ask');
    const cells = () => [...ask.querySelectorAll('[role="gridcell"]')].map((c) => Number(c.textContent!.replace(/,/g, '')));
    // The book moves at 50 Hz: compare with the row as it was at the moment of the click (a native
    // listener on the row runs before React's delegated onClick), not with two reads around it.
    let atClick: number[] = [];
    ask.addEventListener('click', () => (atClick = cells()), { capture: true, once: true });
    await userEvent.click(ask);
    const clicked = (args.onLevelClick as ReturnType<typeof fn>).mock.calls.at(-1)![0];
    await expect(clicked.side).toBe('ask');
    await expect(atClick).toEqual([clicked.price, clicked.size, clicked.cumulative]);
  },
};

/** Grouped by 10 ticks (0.10): prices floor/ceil exactly and print with one decimal. */
export const Grouped: Story = {
  args: { grouping: 10 },
  play: async ({ canvasElement, globals }) => {
    const canvas = within(canvasElement);
    // Ten ticks a bucket: one decimal fewer than the market's tick.
    const decimals = Math.max(0, storyMarket(globals.market).priceDecimals - 1);
    const shape = priceShape(decimals);
    await waitFor(() => expect(canvas.getByTestId('best-bid').querySelector('.tf-ladder__price')!.textContent).toMatch(shape), {
      timeout: 15_000,
    });
  },
};

/** Depth bars proportional to each level's own size. */
export const SizeBars: Story = { args: { barMode: 'size' } };
