#!/usr/bin/env bash
# `npm run bench:client`: set up, build the engine, run bench/client in headless Chromium (reports in bench-reports/).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_all
cd "$TICKFRAME_ROOT"
bash scripts/build-wasm.sh
node bench/client/run.ts
