#!/usr/bin/env bash
# `npm run bench:cluster`: single process vs ingest → NATS → 1 and 2 edges (reports in bench-reports/cluster.*).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_node
bootstrap_npm
bootstrap_nats
cd "$TICKFRAME_ROOT"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
node bench/cluster/run.ts
