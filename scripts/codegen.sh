#!/usr/bin/env bash
# Regenerate schema/generated/{rust,ts} from schema/orderbook.fbs with the pinned flatc.
# With --check DIR: generate into DIR instead (the drift test compares it with the committed code).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
[ -n "${TICKFRAME_FLATC:-}" ] || bootstrap_flatc
out="$TICKFRAME_ROOT/schema/generated"
[ "${1:-}" = "--check" ] && out="$2"
rm -rf "$out/rust" "$out/ts"
"$TICKFRAME_FLATC" --rust -o "$out/rust" "$TICKFRAME_ROOT/schema/orderbook.fbs"
"$TICKFRAME_FLATC" --ts -o "$out/ts" "$TICKFRAME_ROOT/schema/orderbook.fbs"
step "generated Rust and TypeScript into $out"
