import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';

import { buildFrameTs, loadEngine } from '../../tests/support/engineFixtures';
import { startStore } from '../../tests/support/manualSource';
import { installPaintClock } from '../../tests/support/paintClock';
import { SpreadGauge, spreadLevel } from './SpreadGauge';

loadEngine();
installPaintClock();
afterEach(cleanup);

it('shows the spread as price, bps and percent from a real frame, classified by thresholds', async () => {
  const { store, push } = await startStore();
  render(<SpreadGauge store={store} tightBps={2} wideBps={10} locale="en-US" />);
  await push(buildFrameTs({ sequence: 1, bids: [[99.95, 1]], asks: [[100.05, 1]] }));
  expect(screen.getByTestId('spread-price').textContent).toBe('0.10');
  expect(screen.getByTestId('spread-bps').textContent).toBe('10.00');
  expect(screen.getByTestId('spread-pct').textContent).toBe('0.1000');
  const meter = screen.getByRole('meter', { name: 'Spread in basis points' });
  expect(meter.getAttribute('aria-valuenow')).toBe('10');
  expect(meter.getAttribute('aria-valuetext')).toContain('wide');
  expect(spreadLevel(1, 2, 10)).toBe('tight');
  expect(spreadLevel(5, 2, 10)).toBe('normal');
  store.dispose();
});
