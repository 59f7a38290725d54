import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, within } from 'storybook/test';

import { DepthChart, type DepthPoint } from '../components';
import { pricePattern } from './support/expectMarketPrice';
import { storyMarket } from './support/markets';
import { RecordedMarket } from './support/RecordedMarket';

function RecordedDepth(props: { width: number; height: number; onHover?: (p: DepthPoint | null) => void }) {
  return <RecordedMarket>{(store) => <DepthChart store={store} {...props} />}</RecordedMarket>;
}

const meta = {
  title: 'Components/DepthChart',
  component: RecordedDepth,
  tags: ['autodocs'],
  args: { width: 360, height: 180, onHover: fn() },
} satisfies Meta<typeof RecordedDepth>;
export default meta;

export const Recorded: StoryObj<typeof meta> = {
  play: async ({ canvasElement, args, globals }) => {
    const canvas = within(canvasElement);
    const chart = await canvas.findByRole('img', {}, { timeout: 15_000 });
    // Both axes are labelled, every label inside the chart, prices rising left to right.
    const box = chart.getBoundingClientRect();
    for (const axis of ['depth-price-axis', 'depth-size-axis']) {
      const labels = [...canvas.getByTestId(axis).querySelectorAll('text')];
      await expect(labels.length).toBeGreaterThanOrEqual(2);
      for (const t of labels) {
        const r = t.getBoundingClientRect();
        await expect(r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1).toBe(true);
      }
    }
    const prices = [...canvas.getByTestId('depth-price-axis').querySelectorAll('text')].map((t) => Number(t.getAttribute('data-value')));
    await expect([...prices].sort((a, b) => a - b)).toEqual(prices);
    chart.focus();
    await userEvent.keyboard('{ArrowLeft}');
    await expect(args.onHover).toHaveBeenCalled();
    const point = (args.onHover as ReturnType<typeof fn>).mock.calls.at(-1)![0];
    await expect(point.side).toBe('bid');
    // Prices with the market's own tick decimals.
    const decimals = storyMarket(globals.market).priceDecimals;
    await expect(canvas.getByTestId('depth-readout').textContent).toMatch(new RegExp(`^Bid ${pricePattern(decimals)} · cumulative`));
  },
};
