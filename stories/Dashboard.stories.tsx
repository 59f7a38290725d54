import type { Meta, StoryObj } from '@storybook/react-vite';
import { useState } from 'react';
import { expect, userEvent, within } from 'storybook/test';

import type { DepthPoint } from '../components';
import { AllComponents } from './support/AllComponents';
import { priceShape } from './support/expectMarketPrice';
import { storyMarket } from './support/markets';
import { RecordedMarket } from './support/RecordedMarket';

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

/** Every component on one recorded feed (the toolbar's Market); change the ladder's grouping and every price follows it. */
export const Recorded: StoryObj<typeof meta> = {
  play: async ({ canvasElement, globals }) => {
    const canvas = within(canvasElement);
    await canvas.findByTestId('best-bid', {}, { timeout: 15_000 });
    await userEvent.selectOptions(canvas.getByRole('combobox'), '10');
    // Grouped by ten ticks: the ladder's prices carry one decimal fewer than the tick's.
    const decimals = Math.max(0, storyMarket(globals.market).priceDecimals - 1);
    const shape = priceShape(decimals);
    await expect(await canvas.findByText(shape, { selector: '[data-testid="best-bid"] .tf-ladder__price' }, { timeout: 15_000 })).toBeTruthy();
  },
};
