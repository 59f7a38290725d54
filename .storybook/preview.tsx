import type { Preview } from '@storybook/react-vite';
import { isCommonAssetRequest } from 'msw';
import { setupWorker } from 'msw/browser';
import { mswLoader } from 'msw-storybook-addon/csf3';
import { configure } from 'storybook/test';

import { MarketChoice } from '../stories/support/MarketChoice';
import { DEFAULT_MARKET, MARKETS, type MarketId } from '../stories/support/markets';

// Play functions wait for what they query (findBy…, waitFor). On a busy 2-core machine a first frame can
// take seconds to appear; these are upper bounds on waiting, not timing checks.
configure({ asyncUtilTimeout: 10_000 });

/** Storybook's own requests (as the addon's default setup skips them) and the recordings and wasm the
 * stories fetch for real: known, unmocked, not worth a warning. */
const KNOWN_UNMOCKED =
  /\.eot$|\.mdx$|sb-common-assets|__webpack_hmr|iframe\.html|sb-vite|@vite|@react-refresh|\/virtual:|\.stories\.|\.tfrec$|\.wasm$/;

const preview: Preview = {
  loaders: [
    // The addon's default setup, plus our recordings and the live socket as known, unmocked traffic.
    // Any other HTTP request that reaches the network unmocked still warns.
    mswLoader(async () => {
      const worker = setupWorker();
      await worker.start({
        quiet: true,
        onUnhandledFrame({ frame, defaults }) {
          // HTTP: Storybook's and our real files pass quietly. WebSocket: an unmocked socket is a
          // story talking to the real local server (Live), which is the point of that story.
          if (frame.protocol !== 'http') return;
          const request = (frame.data as { request: Request }).request;
          if (isCommonAssetRequest(request) || KNOWN_UNMOCKED.test(new URL(request.url).pathname)) return;
          defaults.warn();
        },
      });
      return worker;
    }),
  ],
  globalTypes: {
    market: {
      description: 'The recorded market every recorded story replays',
      toolbar: {
        title: 'Market',
        icon: 'globe',
        items: Object.entries(MARKETS).map(([value, m]) => ({ value, title: m.title })),
        dynamicTitle: true,
      },
    },
    theme: {
      description: 'Colour theme of the components',
      toolbar: { title: 'Theme', icon: 'mirror', items: ['dark', 'light'], dynamicTitle: true },
    },
  },
  initialGlobals: { theme: 'dark', market: DEFAULT_MARKET },
  decorators: [
    (Story, { globals }) => (
      <MarketChoice.Provider value={(globals.market ?? DEFAULT_MARKET) as MarketId}>
        <div data-theme={globals.theme ?? 'dark'} style={{ padding: 12, background: 'var(--tf-bg)', color: 'var(--tf-fg)', display: 'inline-block' }}>
          <Story />
        </div>
      </MarketChoice.Provider>
    ),
  ],
  parameters: {
    // Accessibility violations fail the story's test.
    a11y: { test: 'error' },
    layout: 'padded',
  },
};
export default preview;
