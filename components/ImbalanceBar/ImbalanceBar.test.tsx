import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';

import { buildFrameTs, loadEngine } from '../../tests/support/engineFixtures';
import { startStore } from '../../tests/support/manualSource';
import { advance, installPaintClock } from '../../tests/support/paintClock';
import { ImbalanceBar } from './ImbalanceBar';

loadEngine();
installPaintClock();
afterEach(cleanup);

async function renderWith(window: Parameters<typeof ImbalanceBar>[0]['window']) {
  const { store, push } = await startStore();
  render(<ImbalanceBar store={store} window={window} />);
  // Top of book: 3 bid vs 1 ask. Deeper (beyond 2 levels / 10 bps): a big ask wall.
  await push(
    buildFrameTs({
      sequence: 1,
      bids: [
        [100, 2],
        [99.99, 1],
      ],
      asks: [
        [100.01, 1],
        [101, 100],
      ],
    }),
  );
  return store;
}

it('measures over the top N levels', async () => {
  const store = await renderWith({ levels: 1 });
  expect(screen.getByTestId('imbalance-value').textContent).toBe('+33%'); // (2-1)/(2+1)
  expect(screen.getByRole('meter', { name: 'Imbalance, top 1 levels' }).getAttribute('aria-valuenow')).toBe('33');
  store.dispose();
});

it('measures within X bps of mid', async () => {
  const store = await renderWith({ bps: 10 });
  expect(screen.getByTestId('imbalance-value').textContent).toBe('+50%'); // (3-1)/(3+1); the wall is 99 bps away
  store.dispose();
});

it('the whole visible book tips to the asks', async () => {
  const store = await renderWith({ levels: 10 });
  expect(screen.getByTestId('imbalance-value').textContent).toBe('-94%'); // (3-101)/104
  store.dispose();
});

it("by default shows the store's window, eased by the engine, and settles after the feed goes quiet", async () => {
  const { store, push } = await startStore({ imbalanceWindow: { levels: 1 } });
  render(<ImbalanceBar store={store} />);
  const shown = () => Number(screen.getByRole('meter').getAttribute('aria-valuenow'));
  await push(buildFrameTs({ sequence: 1, bids: [[100, 3]], asks: [[100.01, 1]] })); // +50 %
  expect(shown()).toBe(50); // the first picture starts where it is
  expect(screen.getByRole('meter', { name: 'Imbalance, top 1 levels' })).toBeTruthy();
  await push(buildFrameTs({ sequence: 2, bids: [[100, 1]], asks: [[100.01, 3]] })); // −50 %
  expect(shown()).toBeLessThan(50); // on its way…
  expect(shown()).toBeGreaterThan(-50); // …not there in one step
  advance(1500); // no more frames
  expect(shown()).toBe(-50); // the store kept painting until it settled
  store.dispose();
});
