#!/usr/bin/env bash
# `npm run cluster`: a local cluster on 127.0.0.1 — nats-server (JetStream on, data in a temp dir),
# two ingest nodes on the simulator (one publishes, one stands by) and two edges — plus Storybook,
# with the URLs printed. Ctrl-C stops everything.
#
# Ports (override with the environment): NATS 4222, ingest 9101/9102, edges 9011/9012, Storybook 6006.
# CLUSTER_STORYBOOK=0 starts no Storybook.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_node && bootstrap_npm && bootstrap_nats
cd "$TICKFRAME_ROOT"
if [ "${CLUSTER_STORYBOOK:-1}" != 0 ]; then
  bootstrap_wasm_target && bootstrap_wasm_tools && bash scripts/build-wasm.sh
fi
step "cargo build --release -p tickframe-server"
cargo build --release --quiet -p tickframe-server
source scripts/supervise.sh

NATS_PORT="${TICKFRAME_NATS_PORT:-4222}"
INGEST_PORTS=("${TICKFRAME_INGEST_A_PORT:-9101}" "${TICKFRAME_INGEST_B_PORT:-9102}")
EDGE_PORTS=("${TICKFRAME_EDGE_A_PORT:-9011}" "${TICKFRAME_EDGE_B_PORT:-9012}")
SB_PORT="${STORYBOOK_PORT:-6006}"
NATS_URL="nats://127.0.0.1:$NATS_PORT"
data="$(mktemp -d "${TMPDIR:-/tmp}/tickframe-cluster.XXXXXX")"
on_stop "rm -rf '$data'"

supervise "$TICKFRAME_NATS_SERVER" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$data/jetstream" -l "$data/nats.log"
wait_for_port "$NATS_PORT" || { echo "nats-server did not start: see $data/nats.log" >&2; exit 1; }
for i in 0 1; do
  supervise ./target/release/tickframe-server --listen "127.0.0.1:${INGEST_PORTS[$i]}" --publish "$NATS_URL" --node-name "ingest-$((i + 1))"
  wait_for_port "${INGEST_PORTS[$i]}" || exit 1
done
# Edges load the newest frames when they start: start them once an ingest node publishes.
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:${INGEST_PORTS[0]}/metrics" "http://127.0.0.1:${INGEST_PORTS[1]}/metrics" 2>/dev/null | grep -q '^tickframe_lease_held 1' && break
  sleep 0.1
done
for i in 0 1; do
  supervise ./target/release/tickframe-server --listen "127.0.0.1:${EDGE_PORTS[$i]}" --source "$NATS_URL"
done
for p in "${EDGE_PORTS[@]}"; do wait_for_port "$p" || exit 1; done
# URLs name their market: every edge serves the same default, but a URL that says which market it
# wants can never be switched to another by a failover.
symbol="$(curl -fs "http://127.0.0.1:${INGEST_PORTS[0]}/symbols" | sed -n 's/^\["\([^"]*\)".*/\1/p')"
symbol="${symbol:-SIM-USD}"
query="?symbol=$(printf '%s' "$symbol" | sed 's#/#%2F#g')"
edges="ws://127.0.0.1:${EDGE_PORTS[0]}/ws,ws://127.0.0.1:${EDGE_PORTS[1]}/ws"
storybook_line=""
if [ "${CLUSTER_STORYBOOK:-1}" != 0 ]; then
  supervise npx storybook dev -p "$SB_PORT" --host 127.0.0.1 --no-open --ci --quiet
  wait_for_http "http://127.0.0.1:$SB_PORT" || true
  storybook_line="    Live story on both edges: http://127.0.0.1:$SB_PORT/iframe.html?id=live-orderbookladder--live&viewMode=story&ws=$edges&symbol=$symbol"
fi
cat <<MSG

  tickframe cluster is running
    NATS:          $NATS_URL (JetStream data in $data)
    ingest nodes:  http://127.0.0.1:${INGEST_PORTS[0]}  http://127.0.0.1:${INGEST_PORTS[1]}  (one publishes; /metrics: tickframe_lease_held)
    edges:         ws://127.0.0.1:${EDGE_PORTS[0]}/ws$query  ws://127.0.0.1:${EDGE_PORTS[1]}/ws$query  (/symbols, /healthz, /metrics)
$storybook_line
  Press Ctrl-C to stop everything.

MSG
wait_any
