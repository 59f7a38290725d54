#!/usr/bin/env bash
# `npm run fuzz`: the fuzz targets for longer than `npm test` runs them (which is ~2 s each).
#   FUZZ_SECONDS per Rust target (default 60), FUZZ_RUNS per TypeScript target (default 20000),
#   TICKFRAME_FUZZ_SEED to replay a run. A failure prints its seed; make it a named regression test.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_all
cd "$TICKFRAME_ROOT"
bash scripts/build-wasm.sh
step "Rust: venues, capture reader, recording reader, WebSocket edge (${FUZZ_SECONDS:-60} s each)"
TICKFRAME_FUZZ_SECONDS="${FUZZ_SECONDS:-60}" cargo test --release -p tickframe-server --test fuzz_inputs -- --nocapture --test-threads 1
step "Rust: client-frame parser against tungstenite's, differential (${FUZZ_SECONDS:-60} s)"
TICKFRAME_FUZZ_SECONDS="${FUZZ_SECONDS:-60}" cargo test --release -p tickframe-server --test ws_differential -- --nocapture --test-threads 1
step "Rust: frame verifier (fast path never accepts what the FlatBuffers verifier rejects)"
cargo test --release -p tickframe-schema --test frame_verifier -- --nocapture
step "TypeScript: recording reader, frame parser + engine (${FUZZ_RUNS:-20000} runs each)"
FUZZ_RUNS="${FUZZ_RUNS:-20000}" npx vitest run --project unit tests/unit/fuzz.property.test.ts components/feed/recording.test.ts
