// @vitest-environment node
/** Importing the kit and server-rendering every component touches no browser global. */
import { renderToString } from 'react-dom/server';
import { expect, it } from 'vitest';

it('imports and renders on the server without window or document', async () => {
  expect(typeof window).toBe('undefined');
  expect(typeof document).toBe('undefined');
  const kit = await import('../../components');
  const source = { start() {}, stop() {} };
  const store = kit.createMarketStore({ source, autoStart: false });
  const html = renderToString(
    <>
      <kit.OrderbookLadder store={store} />
      <kit.SpreadGauge store={store} />
      <kit.ImbalanceBar store={store} />
      <kit.DepthChart store={store} />
      <kit.ConnectionStatus store={store} />
      <kit.TradeTape store={store} />
      <kit.LiquidityHeatmap store={store} />
    </>,
  );
  expect(html).toContain('Waiting for data');
  expect(html).toContain('Waiting for a two-sided book');
  expect(html).toContain('aria-label="Trades"');
  expect(html).toContain('aria-label="Liquidity heatmap"');
  store.dispose();
});
