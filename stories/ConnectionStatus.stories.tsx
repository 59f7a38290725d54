import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';

import { ConnectionStatus } from '../components';
import { RecordedMarket } from './support/RecordedMarket';

function RecordedStatus() {
  return <RecordedMarket>{(store) => <ConnectionStatus store={store} />}</RecordedMarket>;
}

const meta = { title: 'Components/ConnectionStatus', component: RecordedStatus, tags: ['autodocs'] } satisfies Meta<typeof RecordedStatus>;
export default meta;

export const Recorded: StoryObj<typeof meta> = {
  play: async ({ canvasElement }) => {
    // The status renders once the recording's first frame is in: wait for it.
    const status = await within(canvasElement).findByRole('status', {}, { timeout: 10_000 });
    await expect(status.textContent).not.toBe('');
  },
};
