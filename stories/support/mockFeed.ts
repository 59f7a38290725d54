import { ws } from 'msw';

import { readRecording } from '../../components';
import recordingUrl from '../fixtures/sim-usd.tfrec?url';

/** The URL the mocked stories connect to: msw intercepts it, no server runs. */
export const MOCK_FEED_URL = 'ws://tickframe.mock/ws';

/**
 * An msw WebSocket handler that behaves like tickframe-server: each client gets the recording's
 * frames as binary messages at their recorded timing, looping. Components run their live path
 * (WebSocketSource → parser → engine → store) unchanged.
 */
export function mockFeed(url = MOCK_FEED_URL) {
  const link = ws.link(url);
  const frames = fetch(recordingUrl)
    .then((r) => r.arrayBuffer())
    .then((b) => readRecording(b).frames);
  return link.addEventListener('connection', async ({ client }) => {
    const all = await frames;
    let i = 0;
    let timer: ReturnType<typeof setTimeout>;
    const next = () => {
      const f = all[i % all.length];
      client.send(f.frame.slice().buffer);
      const gap = i + 1 < all.length ? all[i + 1].receivedMs - f.receivedMs : 20;
      i = (i + 1) % all.length;
      timer = setTimeout(next, Math.max(1, gap));
    };
    next();
    client.addEventListener('close', () => clearTimeout(timer));
  });
}
