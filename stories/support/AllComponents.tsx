import {
  ConnectionStatus,
  DepthChart,
  ImbalanceBar,
  OrderbookLadder,
  SpreadGauge,
  TradeTape,
  type DepthPoint,
  type MarketStore,
} from '../../components';

/** Every component on one store, side by side — the book, its tape, the gauges: the layout of the live, mocked and dashboard stories. */
export function AllComponents({ store, depth = 10, onHover }: { store: MarketStore; depth?: number; onHover?: (p: DepthPoint | null) => void }) {
  return (
    <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
      <OrderbookLadder store={store} depth={depth} height={300} />
      <TradeTape store={store} height={300} minNotionals={[]} />
      <div style={{ display: 'grid', gap: 8 }}>
        <ConnectionStatus store={store} />
        <SpreadGauge store={store} tightBps={0.5} wideBps={2} />
        <ImbalanceBar store={store} window={{ levels: 10 }} />
        <DepthChart store={store} onHover={onHover} />
      </div>
    </div>
  );
}
