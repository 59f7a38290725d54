/**
 * The README's hero image: every component on a real recorded market (Recorded markets › Coinbase BTC-USD, with its tape), from the built Storybook
 * served as plain files, in headless Chromium. `npm run hero` builds Storybook and runs this.
 */
import path from 'node:path';

import { chromium } from 'playwright';
import { expect, it } from 'vitest';

import { chromiumLaunch, root, serveStatic } from '../../tests/e2e/harness';

it('writes docs/hero.png: every component on Coinbase BTC-USD', async () => {
  const site = await serveStatic(path.join(root, 'storybook-static'));
  const browser = await chromium.launch(chromiumLaunch);
  try {
    const page = await browser.newPage({ viewport: { width: 1180, height: 420 }, deviceScaleFactor: 2 });
    await page.goto(`${site.url}/iframe.html?id=recorded-markets--coinbase-btc-usd&viewMode=story&globals=theme:dark`);
    await page.getByTestId('best-bid').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(3000); // a few seconds into the recording: flashes, eased gauges
    const shot = page.locator('[data-theme]').first();
    await shot.screenshot({ path: path.join(root, 'docs/hero.png') });
    expect(await page.getByTestId('best-bid').locator('.tf-ladder__price').textContent()).toMatch(/^65,0\d{2}\.\d{2}$/);
    expect(await page.locator('.tf-tape__row').count()).toBeGreaterThan(5);
  } finally {
    await browser.close();
    await site.close();
  }
});
