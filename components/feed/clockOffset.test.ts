import { expect, it } from 'vitest';

import { bestOffset, estimateClockOffset, ntpOffset, timeUrlFor } from './clockOffset';

it('NTP’s rule: the offset whatever the browser’s clock, the delay without the server’s time', () => {
  // The server is 5000 ms ahead; 10 ms out, 2 ms in the server, 30 ms back.
  expect(ntpOffset({ t0: 0, t1: 5010, t2: 5012, t3: 42 })).toEqual({ offsetMs: 4990, delayMs: 40 });
  // True offset 5000 lies within ± delay/2 of the estimate: 4990 ± 20.
});

it('keeps the least-delay exchange and skips unusable ones', () => {
  const o = bestOffset(
    [
      { t0: 0, t1: 5010, t2: 5012, t3: 42 }, // delay 40
      { t0: 100, t1: 5101, t2: 5101, t3: 102 }, // delay 2: offset 5000 ± 1
      { t0: 200, t1: 5300, t2: 5200, t3: 210 }, // the server's reply before its receive: unusable
    ],
    300,
  );
  expect(o).toEqual({ offsetMs: 5000, errorMs: 1, samples: 3, measuredAtMs: 300 });
  expect(bestOffset([], 0)).toBeNull();
});

it('estimates over fetch with a skewed clock, and gives null when nothing answers', async () => {
  let browser = 1_000_000; // this browser's clock, 5 s behind a server at browser + 5000
  const now = () => browser;
  const fetch = (async () => {
    browser += 3; // on the way there
    const t = (browser + 5000) * 1000;
    browser += 3; // and back
    return new Response(JSON.stringify({ t1: t, t2: t }));
  }) as typeof globalThis.fetch;
  const o = await estimateClockOffset({ url: 'http://x/time', fetch, now, samples: 3 });
  expect(o?.offsetMs).toBe(5000);
  expect(o?.errorMs).toBe(3);
  const failing = (async () => {
    throw new Error('refused');
  }) as typeof globalThis.fetch;
  expect(await estimateClockOffset({ url: 'http://x/time', fetch: failing, now })).toBeNull();
});

it('finds /time beside the socket', () => {
  expect(timeUrlFor('ws://127.0.0.1:9001/ws?symbol=BTC-USD')).toBe('http://127.0.0.1:9001/time');
  expect(timeUrlFor('wss://edge.example/feed/ws')).toBe('https://edge.example/feed/time');
  expect(timeUrlFor('not a url')).toBeNull();
});
