import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';

import { SpreadGauge } from '../components';
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

/** Spread of the replayed simulator book as price, bps and %. */
export const Recorded: StoryObj<typeof meta> = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByText(/^\d+\.\d{2}$/, { selector: '[data-testid="spread-price"]' }, { timeout: 15_000 })).toBeTruthy();
    const bps = Number(canvas.getByTestId('spread-bps').textContent);
    await expect(bps).toBeGreaterThan(0);
  },
};
