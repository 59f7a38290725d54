/**
 * A framework-free market store (zustand vanilla), one per feed, so several books can share a page.
 * It composes three parts: the market's engine (`engineSession.ts`), one publish per animation frame
 * (`paintScheduler.ts`) so numbers and bars always come from the same frame, and the staleness rule
 * (`staleness.ts`). Frames go to the engine as they arrive; the store publishes snapshots.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';

import type { EngineSource } from '../engine/initEngine.js';
import type { ConnectionState, FrameSource, ReplayState } from '../feed/FrameSource.js';
import type { BookPicture, FeedStats } from './bookPicture.js';
import { EngineSession } from './engineSession.js';
import { ImbalanceWindows, type ImbalanceWindow } from './imbalanceWindow.js';
import { LatencyTracker, type Latency } from './latency.js';
import { createPaintScheduler } from './paintScheduler.js';
import { isStale, watchStaleness } from './staleness.js';
import type { TapePicture, TapeView } from './tapePicture.js';
import type { HeatPaint, HeatReadout, HeatState, HeatViewport } from './heatPicture.js';

export type { ImbalanceWindow, TapePicture, TapeView };

/**
 * The heatmap's way into the store's engine (`LiquidityHeatmap` uses it; so can a custom view).
 * Every call is a no-op returning null until the engine has loaded, and after `dispose()`.
 */
export interface HeatmapAccess {
  /** Paint the history into the engine's pixel buffer and read back what to draw. */
  paint(viewport: HeatViewport): HeatPaint | null;
  /** What is under (x, y) of the last paint. */
  readout(x: number, y: number): HeatReadout | null;
  /** The history as the last frame left it, without painting. */
  state(): HeatState | null;
  /** The colours: 256 RGBA entries low to high, then the hatching's (1028 bytes). */
  setPalette(rgba: Uint8Array): void;
  /** Keep the last `n` columns (default 600, at most 3600); forgets the history. */
  setCapacity(n: number): void;
}

export interface MarketState {
  /** Transport state of the source. */
  connection: ConnectionState;
  /** The newest coherent book, or null before the first frame. */
  book: BookPicture | null;
  /** True when no frame arrived for `staleAfterMs` while connected, or the connection is not open. */
  stale: boolean;
  stats: FeedStats;
  /** Frames rejected by the framing check or the engine (malformed, foreign, oversized, another market's). */
  rejected: number;
  /** Current grouping, in ticks per bucket (1 = levels as sent). */
  grouping: number;
  /** The window the engine measures `book.windowImbalance` over. */
  imbalanceWindow: ImbalanceWindow;
  lastError: string | null;
  /** What a replay source is doing (null for a live feed): views show it instead of live latency. */
  replay: ReplayState | null;
  /** The prints the frames carried (each once) in the store's `tapeView`, and the server's
   * running totals; null before the first frame. A new object only when the tape changed. */
  tape: TapePicture | null;
  /** How the engine aggregates, filters and flags `tape`. */
  tapeView: TapeView;
  /** The newest frame's way to the screen in three segments, now and p99 (`useLatency`); null
   * before the first paint. A new object only when a new frame was painted. */
  latency: Latency | null;
}

export interface MarketStoreOptions {
  /** Where frames come from: a `WebSocketSource` or a `ReplaySource`. */
  source: FrameSource;
  /** Silence (ms) after which an open feed's book counts as stale. Default 3000 (the server heartbeats every 1 s). */
  staleAfterMs?: number;
  /** Where the engine's `.wasm` is, if not beside its JS (see `initEngine`). */
  engineSource?: EngineSource;
  /** Start the source immediately. Default true. */
  autoStart?: boolean;
  /**
   * The market this store shows, e.g. `'BTC-USD'` (compared as the server compares `?symbol=`: case,
   * separators, `XBT`/`BTC` and a `PERP` suffix aside). Frames of any other symbol are dropped and
   * counted (`stats.otherSymbol`, `lastError`), so a failover to a server whose default market
   * differs never shows another market under this one's name. Without one, a change of
   * symbol mid-stream then starts a new stream under the new name (`stats.restarts`). Default: the
   * source's `symbol` (a `WebSocketSource` given one), else any.
   */
  symbol?: string;
  /**
   * The window the engine measures the windowed imbalance over (`book.windowImbalance`, eased in
   * `book.smoothWindowImbalance`; `ImbalanceBar` shows it). Default `{ levels: 10 }`.
   */
  imbalanceWindow?: ImbalanceWindow;
  /**
   * How the engine aggregates, filters and flags the tape (`tape`; `TradeTape` shows it). Default
   * `{ windowMs: 0, minNotional: 0, largeNotional: 0, capacity: 500 }`: every print, the newest 500,
   * the view's own 95th percentile flagged large.
   */
  tapeView?: TapeView;
}

export interface MarketStore extends StoreApi<MarketState> {
  /** Resolves once the engine is loaded and the source started. */
  ready: Promise<void>;
  /** Group levels into buckets of `multiple` ticks (bids floor, asks ceil, exact). 1 = as sent. */
  setGrouping(multiple: number): void;
  /**
   * Have the engine measure the imbalance over `window` in every snapshot (`book.imbalances`, by
   * `imbalanceKey(window)`) — for a view showing a window other than `imbalanceWindow`. Returns the
   * function that stops it.
   */
  measureImbalance(window: ImbalanceWindow): () => void;
  /** Change how the tape is aggregated, filtered and flagged (merged into the current `tapeView`). */
  setTapeView(view: TapeView): void;
  /** The heatmap's history and painter in this store's engine. */
  heatmap: HeatmapAccess;
  /** Stop the source, timers and animation frames and free the engine's memory. */
  dispose(): void;
}

const emptyStats: FeedStats = { frames: 0, gaps: 0, duplicates: 0, outOfOrder: 0, restarts: 0, errors: 0, otherSymbol: 0 };

export function createMarketStore(options: MarketStoreOptions): MarketStore {
  const staleAfterMs = options.staleAfterMs ?? 3000;
  const store = createStore<MarketState>(() => ({
    connection: 'idle',
    book: null,
    stale: true,
    stats: emptyStats,
    rejected: 0,
    grouping: 1,
    imbalanceWindow: options.imbalanceWindow ?? { levels: 10 },
    lastError: null,
    replay: null,
    tape: null,
    tapeView: options.tapeView ?? {},
    latency: null,
  }));
  // Latency and staleness are measured on the source's clock: wall clock live, recorded time in a replay.
  const now = () => options.source.now?.() ?? Date.now();
  let session: EngineSession | null = null;
  /** Windows views asked to have measured (also before the engine loaded): the one registry. */
  const windows = new ImbalanceWindows();
  let disposed = false;
  /** A frame (or a setting) changed the picture since the last publish. */
  let dirty = false;

  const scheduler = createPaintScheduler(publish);
  const latency = new LatencyTracker();
  // A replay's frames were measured when recorded: never against this browser's wall clock.
  const recorded = options.source.getProgress !== undefined;

  function publish() {
    if (!session || disposed) return;
    // The engine's clock is the frames' receive clock (the source's), for easing and staleness alike.
    session.tick(now());
    // A quiet feed still paints until the eased values settle (one snapshot per animation frame).
    const read = session.read(dirty);
    if (!read || (!dirty && !read.easing)) return;
    dirty = false;
    const painted = read.book ? latency.painted(read.book, now(), options.source.clockOffset?.() ?? null, recorded) : null;
    store.setState({
      latency: painted,
      book: read.book,
      stats: read.stats,
      tape: read.tape,
      rejected: session.framing.rejected,
      lastError: session.framing.lastError,
      stale: isStale(store.getState().connection, read.engineStale),
    });
    if (read.easing) scheduler.request();
  }

  const changed = () => {
    dirty = true;
    scheduler.request();
  };

  const stopWatching = watchStaleness(staleAfterMs, () => {
    if (!session || disposed) return;
    session.tick(now());
    const s = store.getState();
    const stale = isStale(s.connection, session.engineStale());
    if (stale !== s.stale) store.setState({ stale });
  });

  const start = async () => {
    const { grouping, imbalanceWindow, tapeView } = store.getState();
    const opened = await EngineSession.open(options.engineSource, {
      staleAfterMs,
      grouping,
      imbalanceWindow,
      tapeView,
      symbol: options.symbol ?? options.source.symbol,
      windows,
    });
    if (disposed) {
      opened.free();
      return;
    }
    session = opened;
    options.source.start({
      frame(data, receivedMs) {
        session?.ingest(data, receivedMs);
        changed();
      },
      // Deprecated: a source's own replay events (ReplaySource's progress is followed above).
      replay(replay) {
        store.setState({ replay });
      },
      jumped(before) {
        session?.resetTape();
        session?.rebuildHeat(before ?? []);
        latency.reset();
        changed();
      },
      state(connection) {
        if (connection === 'open') session?.connectionOpened();
        store.setState({ connection, stale: isStale(connection, store.getState().stale) });
      },
    });
  };

  /** A replay's one observable progress: the store keeps only whether it plays and at what speed. */
  const followReplay = () => {
    const p = options.source.getProgress?.();
    if (!p || p.count === 0) return; // not loaded yet: not a replay state anyone can show
    const r = store.getState().replay;
    if (!r || r.playing !== p.playing || r.speed !== p.speed) store.setState({ replay: { playing: p.playing, speed: p.speed } });
  };
  const stopFollowing = options.source.subscribe?.(followReplay) ?? (() => {});

  const ready = options.autoStart === false ? Promise.resolve() : start();
  ready.catch((e) => store.setState({ lastError: `engine failed to load: ${e instanceof Error ? e.message : e}` }));

  // Palette and capacity asked for before the engine loaded are applied once it has.
  let heatPalette: Uint8Array | null = null;
  let heatCapacity: number | null = null;
  void ready.then(() => {
    if (heatCapacity !== null) session?.setHeatCapacity(heatCapacity);
    if (heatPalette) session?.setHeatPalette(heatPalette);
  });
  const heatmap: HeatmapAccess = {
    paint: (v) => (disposed ? null : (session?.paintHeat(v) ?? null)),
    readout: (x, y) => (disposed ? null : (session?.heatReadout(x, y) ?? null)),
    state: () => (disposed ? null : (session?.heatState() ?? null)),
    setPalette(rgba) {
      heatPalette = rgba;
      session?.setHeatPalette(rgba);
    },
    setCapacity(n) {
      heatCapacity = n;
      session?.setHeatCapacity(n);
    },
  };

  return Object.assign(store, {
    ready,
    heatmap,
    setGrouping(multiple: number) {
      const g = Math.max(1, Math.floor(multiple) || 1);
      store.setState({ grouping: g });
      if (!session) return;
      session.setGrouping(g);
      changed();
    },
    setTapeView(view: TapeView) {
      const tapeView = { ...store.getState().tapeView, ...view };
      store.setState({ tapeView });
      if (!session) return;
      session.setTapeView(tapeView);
      changed();
    },
    measureImbalance(window: ImbalanceWindow) {
      const stop = windows.add(window);
      changed();
      return stop;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      options.source.stop();
      stopFollowing();
      scheduler.cancel();
      stopWatching();
      session?.free();
      session = null;
      store.setState({ connection: 'closed', stale: true });
    },
  });
}
