#!/usr/bin/env bash
# `npm run bench:server`: set up, then sweep tickframe-server under tickframe-loadgen (reports in bench-reports/).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_node
bootstrap_npm
bootstrap_bun # the uWebSockets relay contestant
cd "$TICKFRAME_ROOT"
# 5000 clients need 5000+ sockets per process (the load generator holds one per client).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
node bench/server/run.ts
node bench/server/window.ts
