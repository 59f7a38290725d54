/**
 * tickframe/core: the framework-free half of the kit — engine, feeds, recordings, the vanilla store
 * and formatting. No React, no CSS; safe to import in Node, workers and other frameworks.
 */
export { initEngine, initEngineSync, type EngineSource } from './engine/initEngine.js';
export { FramingCheck, MAX_FRAME_BYTES, type ParseOutcome } from './engine/FramingCheck.js';
/** @deprecated Renamed {@link FramingCheck} (it checks framing, then hands the frame to the engine); this alias goes in the next release. */
export { FramingCheck as BinaryFrameParser } from './engine/FramingCheck.js';
export type { ConnectionState, FrameSource, FrameSourceEvents } from './feed/FrameSource.js';
export { WebSocketSource, type WebSocketSourceOptions } from './feed/WebSocketSource.js';
/** @deprecated Renamed {@link WebSocketSource} (beside `ReplaySource`: both are a `FrameSource`); this alias goes in the next release. */
export { WebSocketSource as WebSocketPipeline, type WebSocketSourceOptions as WebSocketPipelineOptions } from './feed/WebSocketSource.js';
export { ReplaySource, type ReplayProgress, type ReplaySourceOptions } from './feed/ReplaySource.js';
export { ReplayClock, type ReplaySpeed } from './feed/replayClock.js';
export {
  estimateClockOffset,
  bestOffset,
  ntpOffset,
  timeUrlFor,
  type ClockOffset,
  type ClockSample,
  type EstimateClockOffsetOptions,
} from './feed/clockOffset.js';
export { RecordingTap } from './feed/RecordingTap.js';
export {
  readRecording,
  RecordingWriter,
  crc32,
  type Recording,
  type RecordingHeader,
  type RecordedFrame,
  type ReadRecordingLimits,
} from './feed/recording.js';
export {
  createMarketStore,
  type HeatmapAccess,
  type ImbalanceWindow,
  type MarketStore,
  type MarketStoreOptions,
  type MarketState,
} from './store/createMarketStore.js';
export type { HeatPaint, HeatReadout, HeatState, HeatViewport } from './store/heatPicture.js';
export { imbalanceKey } from './store/imbalanceWindow.js';
export type { BookPicture, BookStatus, FeedStats, Level } from './store/bookPicture.js';
/** @deprecated Renamed {@link BookPicture} ("snapshot" is the exchange's word for a whole book it sends); this alias goes in the next release. */
export type { BookPicture as BookSnapshot } from './store/bookPicture.js';
export { barMax } from './store/bookPicture.js';
export { tradeRow, tradeRows, type TapePicture, type TapeView, type TradeRow, type TradeSide } from './store/tapePicture.js';
export { showsLive } from './store/showsLive.js';
export { LatencyTracker, LatencyWindow, LATENCY_WINDOW_MS, type Latency, type LatencySegment } from './store/latency.js';
export { decimalsOf, fixedFormatter } from './format/priceFormat.js';
export { formatClock } from './format/timeFormat.js';
/** TradeTape's model: which rows it draws and their notional bars, for a renderer of your own. */
export { tapeModel, type TapeModel, type TapeRowModel } from './TradeTape/tapeModel.js';
/** DepthChart's model: every coordinate it draws, for a renderer of your own (canvas, another framework). */
export { depthModel, nearestPoint, stepPoint, type DepthGeometry, type DepthModel, type DepthPoint, type AxisMark } from './DepthChart/depthModel.js';
/** LiquidityHeatmap's model and palette: the price window it asks the engine for, and the theme's colour map. */
export { followWindow, panWindow, priceOfY, yOfPrice, heatSummary, readoutText, type PriceWindow } from './LiquidityHeatmap/heatmapModel.js';
export { buildPalette, parseColour, DEFAULT_STOPS, DEFAULT_HATCH, type Rgba } from './LiquidityHeatmap/heatPalette.js';
