import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';

import { ImbalanceBar, type ImbalanceWindow } from '../components';
import { RecordedMarket } from './support/RecordedMarket';

function RecordedImbalance({ window }: { window: ImbalanceWindow }) {
  return <RecordedMarket>{(store) => <ImbalanceBar store={store} window={window} />}</RecordedMarket>;
}

const meta = {
  title: 'Components/ImbalanceBar',
  component: RecordedImbalance,
  tags: ['autodocs'],
  args: { window: { levels: 10 } },
} satisfies Meta<typeof RecordedImbalance>;
export default meta;
type Story = StoryObj<typeof meta>;

export const TopLevels: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByText(/^[+-]?\d+%$/, {}, { timeout: 15_000 })).toBeTruthy();
  },
};
export const WithinBps: Story = { args: { window: { bps: 5 } } };
