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
pids=()
cleanup() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "tickframe: stopped server and Storybook"
}
trap cleanup INT TERM EXIT
# If whoever started us (npm) dies without passing the signal on, stop too instead of leaving orphans.
parent=$PPID
( while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM $$ 2>/dev/null ) &
pids+=($!)

./target/release/tickframe-server --listen "$SERVER_ADDR" &
pids+=($!)
npx storybook dev -p "$SB_PORT" --host 127.0.0.1 --no-open --ci --quiet &
pids+=($!)

# Wait for Storybook to answer, then print both URLs.
for _ in $(seq 1 240); do
  curl -fs "http://127.0.0.1:$SB_PORT" >/dev/null 2>&1 && break
  sleep 0.5
done
cat <<MSG

  tickframe is running
    Storybook:        http://127.0.0.1:$SB_PORT
    Live ladder:      http://127.0.0.1:$SB_PORT/?path=/story/live-orderbookladder--live
    tickframe-server: http://$SERVER_ADDR  (WebSocket ws://$SERVER_ADDR/ws, /metrics, /healthz)
  Press Ctrl-C to stop both.

MSG
wait -n "${pids[@]}"
