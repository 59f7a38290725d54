#!/usr/bin/env bash
# `npm start`: set up, build, run tickframe-server on its simulator and Storybook; Ctrl-C stops both.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_node && bootstrap_npm && bootstrap_wasm_target && bootstrap_wasm_tools
cd "$TICKFRAME_ROOT"
bash scripts/build-wasm.sh
step "cargo build --release -p tickframe-server"
cargo build --release --quiet -p tickframe-server

SERVER_ADDR="${TICKFRAME_LISTEN:-127.0.0.1:9001}"
SB_PORT="${STORYBOOK_PORT:-6006}"
source scripts/supervise.sh

supervise ./target/release/tickframe-server --listen "$SERVER_ADDR"
supervise npx storybook dev -p "$SB_PORT" --host 127.0.0.1 --no-open --ci --quiet
# Wait for Storybook to answer, then print both URLs.
wait_for_http "http://127.0.0.1:$SB_PORT" || true
cat <<MSG

  tickframe is running
    Storybook:        http://127.0.0.1:$SB_PORT
    Live ladder:      http://127.0.0.1:$SB_PORT/?path=/story/live-orderbookladder--live
    tickframe-server: http://$SERVER_ADDR  (WebSocket ws://$SERVER_ADDR/ws, /metrics, /healthz)
  Press Ctrl-C to stop both.

MSG
wait_any
