import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';

import { ConnectionStatus } from '../components';
import { RecordedMarket } from './support/RecordedMarket';

function RecordedStatus({ defaultExpanded = false }: { defaultExpanded?: boolean }) {
  return <RecordedMarket>{(store) => <ConnectionStatus store={store} defaultExpanded={defaultExpanded} />}</RecordedMarket>;
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

/** The latency segments as recorded: exchange → server from the frames (Coinbase's own times), no
 * server → browser segment (a replay was never measured against this browser's clock). */
export const LatencyAsRecorded: StoryObj<typeof meta> = {
  args: { defaultExpanded: true },
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    const details = await c.findByTestId('latency-details', {}, { timeout: 10_000 });
    const row = (key: string) => details.querySelector(`tr[data-segment=${key}]`)!;
    await waitFor(() => expect(row('exchangeToServer').textContent).toMatch(/exchange → server(-?[\d.]+ (ms|s)|clock uncertain)/), {
      timeout: 10_000,
    });
    await expect(row('serverToBrowser').textContent).toBe('server → browser——');
    await expect(c.getByTestId('clock-offset').textContent).toBe('replay: server → browser was not measured here');
    // Collapsible, by keyboard.
    const toggle = c.getByRole('button', { name: 'hide latency' });
    await expect(toggle.getAttribute('aria-expanded')).toBe('true');
    toggle.focus();
    await userEvent.keyboard('{Enter}');
    await expect(c.queryByTestId('latency-details')).toBeNull();
  },
};
