import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';

import { SpreadGauge } from '../components';
import { priceShape } from './support/expectMarketPrice';
import { storyMarket } from './support/markets';
import { RecordedMarket } from './support/RecordedMarket';

function RecordedGauge(props: { tightBps: number; wideBps: number }) {
  return <RecordedMarket>{(store) => <SpreadGauge store={store} {...props} />}</RecordedMarket>;
}

const meta = {
  title: 'Components/SpreadGauge',
  component: RecordedGauge,
  tags: ['autodocs'],
  args: { tightBps: 0.5, wideBps: 2 },
} satisfies Meta<typeof RecordedGauge>;
export default meta;

/** Spread of the replayed book (the toolbar's Market) as price, bps and %. */
export const Recorded: StoryObj<typeof meta> = {
  play: async ({ canvasElement, globals }) => {
    const canvas = within(canvasElement);
    // The spread in the market's own tick decimals.
    const decimals = storyMarket(globals.market).priceDecimals;
    const shape = priceShape(decimals);
    await expect(await canvas.findByText(shape, { selector: '[data-testid="spread-price"]' }, { timeout: 15_000 })).toBeTruthy();
    const bps = Number(canvas.getByTestId('spread-bps').textContent);
    await expect(bps).toBeGreaterThan(0);
  },
};
