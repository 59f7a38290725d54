/**
 * tickframe/core: the framework-free half of the kit — engine, feeds, recordings, the vanilla store
 * and formatting. No React, no CSS; safe to import in Node, workers and other frameworks.
 */
export { initEngine, initEngineSync, type EngineSource } from './engine/initEngine.js';
export { BinaryFrameParser, MAX_FRAME_BYTES, type ParseOutcome } from './feed/BinaryFrameParser.js';
export type { ConnectionState, FrameSource, FrameSourceEvents } from './feed/FrameSource.js';
export { WebSocketPipeline, type WebSocketPipelineOptions } from './feed/WebSocketPipeline.js';
export { ReplaySource, type ReplayProgress, type ReplaySourceOptions } from './feed/ReplaySource.js';
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
export { createMarketStore, type ImbalanceWindow, type MarketStore, type MarketStoreOptions, type MarketState } from './store/createMarketStore.js';
export { imbalanceKey } from './store/imbalanceWindow.js';
export type { BookSnapshot, BookStatus, FeedStats, Level } from './store/bookSnapshot.js';
export { barMax } from './store/bookSnapshot.js';
export { showsLive } from './store/showsLive.js';
export { decimalsOf, fixedFormatter } from './format/priceFormat.js';
