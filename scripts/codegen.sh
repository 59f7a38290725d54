#!/usr/bin/env bash
# Regenerate schema/generated/{rust,ts} from schema/orderbook.fbs, and the example engine's
# server/examples/trades_ticker/trades_generated.rs from its trades.fbs, with the pinned flatc.
# With --check DIR: generate into DIR instead (the drift test compares it with the committed code).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
[ -n "${TICKFRAME_FLATC:-}" ] || bootstrap_flatc
out="$TICKFRAME_ROOT/schema/generated"
example="$TICKFRAME_ROOT/server/examples/trades_ticker"
example_out="$example"
if [ "${1:-}" = "--check" ]; then out="$2/schema"; example_out="$2/example"; fi
rm -rf "$out/rust" "$out/ts"
"$TICKFRAME_FLATC" --rust -o "$out/rust" "$TICKFRAME_ROOT/schema/orderbook.fbs"
"$TICKFRAME_FLATC" --ts -o "$out/ts" "$TICKFRAME_ROOT/schema/orderbook.fbs"
"$TICKFRAME_FLATC" --rust -o "$example_out" "$example/trades.fbs"
step "generated Rust and TypeScript into $out"
node "$TICKFRAME_ROOT/scripts/gen-engine-layout.mjs"
