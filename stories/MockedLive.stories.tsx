import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';

import { WebSocketSource, useMarketStore } from '../components';
import { AllComponents as ComponentsLayout } from './support/AllComponents';
import { mockFeed, MOCK_FEED_URL } from './support/mockFeed';

/** Every component on a WebSocketSource whose socket msw answers with a recording. */
function MockedLive() {
  const store = useMarketStore(() => new WebSocketSource({ url: MOCK_FEED_URL }));
  if (!store) return null;
  return <ComponentsLayout store={store} />;
}

const meta = {
  title: 'Live/Mocked with msw',
  component: MockedLive,
  parameters: { msw: [mockFeed()] },
} satisfies Meta<typeof MockedLive>;
export default meta;

/** The live code path, no server: msw's `ws` API serves the committed recording over the mocked socket. */
export const AllComponents: StoryObj<typeof meta> = {
  play: async ({ canvasElement }) => {
    const c = within(canvasElement);
    await c.findByTestId('best-bid', {}, { timeout: 10_000 });
    await waitFor(() => expect(c.getByRole('status').getAttribute('data-health')).toBe('live'), { timeout: 15_000 });
    const seq = () => Number(canvasElement.querySelector('.tf-ladder')!.getAttribute('data-sequence'));
    const first = seq();
    await waitFor(() => expect(seq()).toBeGreaterThan(first + 3), { timeout: 15_000 });
  },
};
