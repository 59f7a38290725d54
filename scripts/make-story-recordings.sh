#!/usr/bin/env bash
# Regenerate the stories' real-market recordings (stories/fixtures/*.tfrec) from the third-party
# exchange captures in ../shared/fixtures/exchange (or $TICKFRAME_EXCHANGE_FIXTURES), through the
# project's own pipeline: tickframe-server replays each capture at its recorded pace (venue adapter →
# exact book → engine → frames) and --record writes the frames it broadcast. The captures themselves
# never enter the repository. See stories/fixtures/README.md.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$TICKFRAME_ROOT"
# Relative, so the recordings' headers name the capture, not this machine's paths.
captures="${TICKFRAME_EXCHANGE_FIXTURES:-../shared/fixtures/exchange}"
[ -d "$captures" ] || { echo "no captures at $captures" >&2; exit 1; }
cargo build --release -p tickframe-server
server="$TICKFRAME_ROOT/target/release/tickframe-server"
# capture file | symbol | recording | levels a side (a few hundred KB per recording)
recordings=(
  "coinbase-advanced-2026.capture.jsonl|BTC-USD|coinbase-btc-usd.tfrec|25"
  "coinbase-advanced-2026.capture.jsonl|ETH-USD|coinbase-eth-usd.tfrec|25"
  "kraken-v1-2021.capture.jsonl|BTC-CHF|kraken-btc-chf.tfrec|20"
  "kraken-v1-2021.capture.jsonl|SC-EUR|kraken-sc-eur.tfrec|20"
  "binance-spot-2021.capture.jsonl|NKN-USDT|binance-nkn-usdt.tfrec|20"
  "binance-usdm-2021.capture.jsonl|SUSHI-USDT-PERP|binance-usdm-sushi-usdt.tfrec|20"
)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
for r in "${recordings[@]}"; do
  IFS='|' read -r file symbol out depth <<<"$r"
  "$server" --listen 127.0.0.1:0 --source "capture:$captures/$file" --capture-symbols "$symbol" \
    --depth "$depth" --record "stories/fixtures/$out" >/dev/null 2>"/tmp/tickframe-record-$out.log" &
  pids+=("$!")
done
# The captures span ~25–31 s at their recorded pace; then the servers stop (SIGINT flushes the files).
sleep "${RECORD_SECONDS:-34}"
for p in "${pids[@]}"; do kill -INT "$p"; done
for p in "${pids[@]}"; do wait "$p" || true; done
pids=()
for r in "${recordings[@]}"; do
  IFS='|' read -r _ _ out _ <<<"$r"
  step "stories/fixtures/$out: $(wc -c <"stories/fixtures/$out") bytes"
done
