/** tickframe: market UI components fed by a WASM order-book engine. */
export { initEngine, initEngineSync, type EngineSource } from './engine/initEngine';
export { BinaryFrameParser, MAX_FRAME_BYTES, type ParseOutcome } from './feed/BinaryFrameParser';
export type { ConnectionState, FrameSource, FrameSourceEvents } from './feed/FrameSource';
export { WebSocketPipeline, type WebSocketPipelineOptions } from './feed/WebSocketPipeline';
export { ReplaySource, type ReplayProgress, type ReplaySourceOptions } from './feed/ReplaySource';
export { RecordingTap } from './feed/RecordingTap';
export { readRecording, RecordingWriter, crc32, type Recording, type RecordingHeader, type RecordedFrame } from './feed/recording';
export { createMarketStore, type MarketStore, type MarketStoreOptions, type MarketState } from './store/createMarketStore';
export type { BookSnapshot, BookStatus, FeedStats, Level } from './store/bookSnapshot';
export { useMarket } from './store/useMarket';
export { decimalsOf, fixedFormatter } from './format/priceFormat';
export { OrderbookLadder, type OrderbookLadderProps, type LevelClick } from './OrderbookLadder/OrderbookLadder';
export { SpreadGauge, spreadLevel, type SpreadGaugeProps, type SpreadLevel } from './SpreadGauge/SpreadGauge';
export { ImbalanceBar, windowImbalance, type ImbalanceBarProps, type ImbalanceWindow } from './ImbalanceBar/ImbalanceBar';
export { ConnectionStatus, feedHealth, type ConnectionStatusProps, type FeedHealth } from './ConnectionStatus/ConnectionStatus';
export { DepthChart, stepPath, type DepthChartProps, type DepthPoint } from './DepthChart/DepthChart';
