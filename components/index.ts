'use client';
/** tickframe: market UI components fed by a WASM order-book engine (React bindings over `./core`). */
export * from './core.js';
export { useMarket } from './store/useMarket.js';
export { useMarketStore } from './store/useMarketStore.js';
export { useTrades } from './store/useTrades.js';
export { useLatency } from './store/useLatency.js';
export { OrderbookLadder, type OrderbookLadderProps, type LevelClick } from './OrderbookLadder/OrderbookLadder.js';
export { SpreadGauge, spreadLevel, type SpreadGaugeProps, type SpreadLevel } from './SpreadGauge/SpreadGauge.js';
export { ImbalanceBar, type ImbalanceBarProps } from './ImbalanceBar/ImbalanceBar.js';
export { ConnectionStatus, feedHealth, type ConnectionStatusProps, type FeedHealth } from './ConnectionStatus/ConnectionStatus.js';
export { ReplayControls, type ReplayControlsProps } from './ReplayControls/ReplayControls.js';
export { DepthChart, type DepthChartProps } from './DepthChart/DepthChart.js';
export { stepPath } from './DepthChart/depthModel.js';
export { TradeTape, type TradeTapeProps } from './TradeTape/TradeTape.js';
export { LiquidityHeatmap, type LiquidityHeatmapProps } from './LiquidityHeatmap/LiquidityHeatmap.js';
