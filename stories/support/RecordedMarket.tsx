import type { ReactNode } from 'react';

import { ReplaySource, type MarketStore, useMarketStore } from '../../components';
import recordingUrl from '../fixtures/sim-usd.tfrec?url';

/** Renders `children(store)` with a store replaying the committed simulator recording. */
export function RecordedMarket({ speed = 1, children }: { speed?: number; children: (store: MarketStore) => ReactNode }) {
  const store = useMarketStore(() => new ReplaySource({ recording: recordingUrl, speed }), [speed]);
  return store ? <>{children(store)}</> : null;
}
