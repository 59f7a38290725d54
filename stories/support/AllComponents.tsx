import {
  ConnectionStatus,
  DepthChart,
  ImbalanceBar,
  LiquidityHeatmap,
  OrderbookLadder,
  SpreadGauge,
  TradeTape,
  type DepthPoint,
  type MarketStore,
} from '../../components';

/** Every component on one store — the book, its tape, the gauges, and the book over time under them: the layout of the live, mocked, replay and dashboard stories. */
export function AllComponents({ store, depth = 10, onHover }: { store: MarketStore; depth?: number; onHover?: (p: DepthPoint | null) => void }) {
  return (
    <div style={{ display: 'grid', gap: 12 }}>
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
      <LiquidityHeatmap store={store} width={720} height={200} />
    </div>
  );
}
