import type { Meta, StoryObj } from '@storybook/react-vite';

import { useRef, useState } from 'react';

import { RecordingTap, WebSocketSource, useMarket, type MarketStore, useMarketStore } from '../components';
import { AllComponents } from './support/AllComponents';

/**
 * Default local server; `?ws=` on the story's iframe URL overrides it (the end-to-end test does).
 * `npm run cluster` prints a URL with both edges and the market:
 * `?ws=ws://127.0.0.1:9011/ws,ws://127.0.0.1:9012/ws&symbol=SIM-USD`.
 */
function liveUrl(fallback: string): string {
  if (typeof window === 'undefined') return fallback;
  return new URLSearchParams(window.location.search).get('ws') ?? fallback;
}

function ConnectionHint({ store, url }: { store: MarketStore; url: string }) {
  const connection = useMarket(store, (s) => s.connection);
  const hasBook = useMarket(store, (s) => s.book !== null);
  if (connection === 'open' && hasBook) return null;
  return (
    <p role="status" style={{ fontFamily: 'sans-serif', fontSize: 13 }}>
      {connection === 'open' ? 'Connected, waiting for the first frame…' : `Not connected to ${url}. `}
      {connection !== 'open' && (
        <>
          Start the local server with <code>npm start</code> (or <code>cargo run --release -p tickframe-server</code>).
        </>
      )}
    </p>
  );
}

/** Records what this live view received and offers it as a file download (replay it on the Replay page). */
function Recorder({ tap, store }: { tap: RecordingTap; store: MarketStore }) {
  const [recording, setRecording] = useState(false);
  const toggle = () => {
    if (!recording) {
      const book = store.getState().book;
      tap.record({ symbol: book?.symbol ?? '', tick_size: book?.tickSize ?? 0, lot_size: book?.lotSize ?? 0, tick_hz: 0, schema_hash: '' });
      setRecording(true);
      return;
    }
    const bytes = tap.finish();
    setRecording(false);
    if (!bytes) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    a.download = `tickframe-${new Date().toISOString().replace(/[:.]/g, '-')}.tfrec`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  return (
    <button type="button" onClick={toggle} aria-pressed={recording}>
      {recording ? 'Stop and download recording' : 'Record'}
    </button>
  );
}

/** `?symbol=` on the story's iframe URL: the market to show (asked of every edge, and held to). */
function liveSymbol(): string | undefined {
  if (typeof window === 'undefined') return undefined;
  return new URLSearchParams(window.location.search).get('symbol') ?? undefined;
}

function LiveLadder({ url, depth }: { url: string; depth: number }) {
  const resolved = liveUrl(url);
  const symbol = liveSymbol();
  const tap = useRef<RecordingTap | null>(null);
  // Several comma-separated URLs are the edges of a cluster (`npm run cluster`): it moves on when one dies.
  const urls = resolved.split(',').map((u) => u.trim());
  const store = useMarketStore(() => (tap.current = new RecordingTap(new WebSocketSource({ url: urls, symbol }))), [resolved, symbol]);
  // The tap is made with the store (in useMarketStore's effect), which re-renders this once it exists.
  /* eslint-disable react-hooks/refs */
  if (!store || !tap.current) return null;
  return (
    <div>
      <ConnectionHint store={store} url={resolved} />
      <Recorder tap={tap.current} store={store} />
      <AllComponents store={store} depth={depth} />
    </div>
  );
}
/* eslint-enable react-hooks/refs */

const meta = {
  title: 'Live/OrderbookLadder',
  component: LiveLadder,
  args: { url: 'ws://127.0.0.1:9001/ws', depth: 12 },
} satisfies Meta<typeof LiveLadder>;
export default meta;

/** Connected to `tickframe-server` on this machine (`npm start` runs it). */
export const Live: StoryObj<typeof meta> = {};
