import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';

import { ConnectionStatus, DepthChart, ImbalanceBar, OrderbookLadder, SpreadGauge, WebSocketPipeline } from '../components';
import { mockFeed, MOCK_FEED_URL } from './support/mockFeed';
import { useStoryStore } from './support/useStoryStore';

/** Every component on a WebSocketPipeline whose socket msw answers with a recording. */
function MockedLive() {
  const store = useStoryStore(() => new WebSocketPipeline({ url: MOCK_FEED_URL }));
  if (!store) return null;
  return (
    <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
      <OrderbookLadder store={store} depth={10} height={300} />
      <div style={{ display: 'grid', gap: 8 }}>
        <ConnectionStatus store={store} />
        <SpreadGauge store={store} tightBps={0.5} wideBps={2} />
        <ImbalanceBar store={store} />
        <DepthChart store={store} />
      </div>
    </div>
  );
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
    await waitFor(() => expect(c.getByRole('status').getAttribute('data-health')).toBe('live'), { timeout: 5000 });
    const seq = () => Number(canvasElement.querySelector('.tf-ladder')!.getAttribute('data-sequence'));
    const first = seq();
    await waitFor(() => expect(seq()).toBeGreaterThan(first + 3), { timeout: 5000 });
  },
};
