import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';

import type { DepthPoint } from '../components';
import { AllComponents } from './support/AllComponents';
import { priceShape } from './support/expectMarketPrice';
import { storyMarket } from './support/markets';
import { RecordedMarket } from './support/RecordedMarket';
import { tapeRows } from './support/tapeRows';

function Dashboard() {
  const [hover, setHover] = useState<DepthPoint | null>(null);
  return (
    <RecordedMarket>
      {(store) => (
        <div>
          <AllComponents store={store} onHover={setHover} />
          <span aria-live="off">{hover ? `linked: ${hover.side} ${hover.price}` : ''}</span>
        </div>
      )}
    </RecordedMarket>
  );
}

const meta = { title: 'Dashboard/All components', component: Dashboard } satisfies Meta<typeof Dashboard>;
export default meta;

/** Every component on one recorded feed (the toolbar's Market), the tape beside the book; change the ladder's grouping and every price follows it. */
export const Recorded: StoryObj<typeof meta> = {
  play: async ({ canvasElement, globals }) => {
    const canvas = within(canvasElement);
    await canvas.findByTestId('best-bid', {}, { timeout: 15_000 });
    await userEvent.selectOptions(canvas.getByRole('combobox', { name: 'Group' }), '10');
    // Grouped by ten ticks: the ladder's prices carry one decimal fewer than the tick's.
    const decimals = Math.max(0, storyMarket(globals.market).priceDecimals - 1);
    const shape = priceShape(decimals);
    await expect(await canvas.findByText(shape, { selector: '[data-testid="best-bid"] .tf-ladder__price' }, { timeout: 15_000 })).toBeTruthy();
    // The tape beside the book shows the market's prints (where the recording has any).
    if (storyMarket(globals.market).prints > 0) await waitFor(() => expect(tapeRows(canvasElement).length).toBeGreaterThan(0), { timeout: 15_000 });
  },
};
