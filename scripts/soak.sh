#!/usr/bin/env bash
# `npm run soak`: tickframe-server for SOAK_MINUTES (default 10) under churn, stalled clients,
# slowloris connections and a faulting source; report in bench-reports/soak.{json,md,svg}.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_node
bootstrap_npm
cd "$TICKFRAME_ROOT"
step "cargo build --release -p tickframe-server (server + load generator)"
cargo build --release --quiet -p tickframe-server --bins
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
node bench/soak/run.ts
