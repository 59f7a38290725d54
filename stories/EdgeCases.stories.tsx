import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';

import { ConnectionStatus, DepthChart, OrderbookLadder, SpreadGauge, type ConnectionState, useMarketStore, ImbalanceBar } from '../components';
import { BookStatus, buildFrameTs } from '../tests/support/buildFrame';
import { computedColor } from './support/cssColor';
import { ScriptedSource } from './support/ScriptedSource';

type Book = [number, number][];
const levels = (n: number, from: number, step: number, size = 1): Book =>
  Array.from({ length: n }, (_, i) => [Math.round((from + i * step) * 1e8) / 1e8, size + (i % 7)]);

interface EdgeArgs {
  frames: () => Uint8Array[];
  then?: ConnectionState;
  depth?: number;
  /** The store's silence threshold (ms), for the stale story. */
  staleAfterMs?: number;
}

function Edge({ frames, then, depth = 10, staleAfterMs }: EdgeArgs) {
  const store = useMarketStore(() => new ScriptedSource(frames(), then), [], { staleAfterMs });
  if (!store) return null;
  return (
    <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
      <OrderbookLadder store={store} depth={depth} height={300} groupings={[]} />
      <div style={{ display: 'grid', gap: 8 }}>
        <ConnectionStatus store={store} />
        <SpreadGauge store={store} />
        <ImbalanceBar store={store} />
        <DepthChart store={store} width={300} height={140} />
      </div>
    </div>
  );
}

const meta = { title: 'Edge cases/Book', component: Edge } satisfies Meta<typeof Edge>;
export default meta;
type Story = StoryObj<typeof meta>;

const health = (el: HTMLElement) => within(el).getByRole('status').getAttribute('data-health');

export const EmptyBook: Story = {
  args: { frames: () => [buildFrameTs({ sequence: 1, bids: [], asks: [] })] },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await waitFor(() => expect(c.getByTestId('spread-row').textContent).toContain('—'));
    await expect(c.queryByTestId('best-bid')).toBeNull();
    await expect(c.getByText(/Waiting for a two-sided book/)).toBeTruthy();
  },
};

export const OneSidedBook: Story = {
  args: { frames: () => [buildFrameTs({ sequence: 1, bids: levels(10, 100, -0.01), asks: [] })] },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await c.findByTestId('best-bid');
    await expect(c.queryByTestId('best-ask')).toBeNull();
    await expect(c.getByTestId('spread-price').textContent).toBe('—');
  },
};

export const CrossedBook: Story = {
  args: { frames: () => [buildFrameTs({ sequence: 1, bids: [[100.05, 1]], asks: [[100.01, 1]] })] },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent(/Crossed book/);
  },
};

export const GapAndResync: Story = {
  args: {
    frames: () => [
      buildFrameTs({ sequence: 1, bids: levels(5, 100, -0.01), asks: levels(5, 100.01, 0.01) }),
      buildFrameTs({ sequence: 4, bids: levels(5, 100, -0.01), asks: levels(5, 100.01, 0.01), status: BookStatus.Resyncing }),
    ],
  },
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(health(canvasElement)).toBe('resyncing'));
    await expect(within(canvasElement).getByRole('status')).toHaveTextContent('1 gaps');
    await expect(canvasElement.querySelector('.tf-ladder')!.getAttribute('data-stale')).toBe('true');
    // Every component shows it the same way: the depth chart and the gauge are dimmed too.
    await expect(canvasElement.querySelector('.tf-depth--stale')).not.toBeNull();
    await expect(canvasElement.querySelector('.tf-gauge--stale')).not.toBeNull();
  },
};

/** The socket stays up but frames stop: after the store's silence threshold the book is stale, greyed, its clicks off. */
export const Stale: Story = {
  args: { frames: () => [buildFrameTs({ sequence: 1, bids: levels(5, 100, -0.01), asks: levels(5, 100.01, 0.01) })], staleAfterMs: 2000 },
  play: async ({ canvasElement }) => {
    // Live first (the frame arrived), then stale once the frames stop.
    await waitFor(() => expect(health(canvasElement)).toBe('live'));
    await waitFor(() => expect(health(canvasElement)).toBe('stale'));
    await expect(canvasElement.querySelector('.tf-ladder')!.getAttribute('data-stale')).toBe('true');
    await expect(within(canvasElement).getByTestId('last-update').textContent).toMatch(/^last update \d{2}:\d{2}:\d{2}/);
    // How long since, counting up while it stays stale.
    const ago = () => Number(/(\d+) s ago/.exec(within(canvasElement).getByTestId('stale-for').textContent!)?.[1]);
    const first = ago();
    await waitFor(() => expect(ago()).toBeGreaterThan(first), { timeout: 5000 });
    // Every component shows it the same way: drawn in the theme's stale colour.
    const staleFg = getComputedStyle(canvasElement.querySelector('[data-theme]')!).getPropertyValue('--tf-stale-fg').trim();
    const grey = computedColor(staleFg);
    const price = canvasElement.querySelector('.tf-ladder__row .tf-ladder__price')!;
    await expect(getComputedStyle(price).color).toBe(grey);
    await expect(getComputedStyle(canvasElement.querySelector('.tf-depth__line')!).stroke).toBe(grey);
    await expect(getComputedStyle(canvasElement.querySelector('.tf-gauge__fill')!).backgroundColor).toBe(grey);
    await expect(getComputedStyle(canvasElement.querySelector('.tf-imbalance__fill')!).backgroundColor).toBe(grey);
  },
};

/** The server says the book is stale (its exchange went silent past the data deadline). */
export const StaleAtTheServer: Story = {
  args: { frames: () => [buildFrameTs({ sequence: 1, bids: levels(5, 100, -0.01), asks: levels(5, 100.01, 0.01), status: BookStatus.Stale })] },
  play: async ({ canvasElement }) => {
    await within(canvasElement).findByTestId('best-bid');
    await waitFor(() => expect(health(canvasElement)).toBe('stale'));
    await expect(canvasElement.querySelector('.tf-ladder')!.getAttribute('data-stale')).toBe('true');
    await expect(canvasElement.querySelector('.tf-depth--stale')).not.toBeNull();
  },
};

export const Disconnected: Story = {
  args: { frames: () => [buildFrameTs({ sequence: 1, bids: levels(5, 100, -0.01), asks: levels(5, 100.01, 0.01) })], then: 'reconnecting' },
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(health(canvasElement)).toBe('reconnecting'));
    await expect(canvasElement.querySelector('.tf-ladder')!.getAttribute('data-stale')).toBe('true');
  },
};

export const ThousandLevelsASide: Story = {
  args: { depth: 1000, frames: () => [buildFrameTs({ sequence: 1, bids: levels(1000, 100, -0.01), asks: levels(1000, 100.01, 0.01) })] },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await c.findByTestId('best-bid');
    const rendered = canvasElement.querySelectorAll('.tf-ladder__row').length;
    await expect(rendered).toBeLessThan(100); // virtualized: 2000 levels, a screenful of rows
    await expect(c.getByRole('grid').getAttribute('aria-rowcount')).toBe('2002');
  },
};

export const TinyPrices: Story = {
  args: { frames: () => [buildFrameTs({ sequence: 1, tickSize: 1e-8, bids: levels(10, 0.00001234, -1e-8), asks: levels(10, 0.00001235, 1e-8) })] },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const bid = await c.findByTestId('best-bid');
    await expect(bid.querySelector('.tf-ladder__price')!.textContent).toBe('0.00001234');
    await expect(c.getByTestId('best-ask').querySelector('.tf-ladder__price')!.textContent).toBe('0.00001235');
  },
};

export const LargePrices: Story = {
  args: { frames: () => [buildFrameTs({ sequence: 1, tickSize: 0.5, bids: levels(10, 1e7, -0.5), asks: levels(10, 1e7 + 0.5, 0.5) })] },
  play: async ({ canvasElement }) => {
    const bid = await within(canvasElement).findByTestId('best-bid');
    await expect(bid.querySelector('.tf-ladder__price')!.textContent).toBe('10,000,000.0');
  },
};
