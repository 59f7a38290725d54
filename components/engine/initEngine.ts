/**
 * Loads the WASM engine once per page. Nothing runs at import time (SSR-safe): call `initEngine()`
 * before creating a store, or let `createMarketStore` do it.
 */
import init, { Engine, initSync, rejected_code } from '../../engine-wasm/pkg/tickframe_engine.js';

export { Engine };

/** What `initEngine` accepts: a URL to the `.wasm` (custom hosting), its bytes, or a compiled module. */
export type EngineSource = string | URL | BufferSource | WebAssembly.Module;

let ready: Promise<WebAssembly.Memory> | null = null;
let memory: WebAssembly.Memory | null = null;

/**
 * Initialise the engine. Idempotent: later calls return the first call's promise.
 * @param source Where the `.wasm` is. Defaults to the file beside the engine's JS (`import.meta.url`).
 */
export function initEngine(source?: EngineSource): Promise<WebAssembly.Memory> {
  ready ??= init(source === undefined ? undefined : { module_or_path: source }).then((out) => (memory = out.memory));
  return ready;
}

/** Synchronous initialisation from bytes or a compiled module (tests, workers). */
export function initEngineSync(source: BufferSource | WebAssembly.Module): WebAssembly.Memory {
  if (!memory) {
    memory = initSync({ module: source }).memory;
    ready = Promise.resolve(memory);
  }
  return memory;
}

/** The engine's linear memory; throws if the engine is not initialised yet. */
export function engineMemory(): WebAssembly.Memory {
  if (!memory) throw new Error('tickframe: call initEngine() before using the engine');
  return memory;
}

let rejected: number | undefined;
/** The code `Engine.ingest_input` returns for a frame that failed verification. */
export function rejectedCode(): number {
  return (rejected ??= rejected_code());
}
