#!/usr/bin/env bash
# `npm run hero`: regenerate docs/hero.png (the README's picture) from the built Storybook.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_all
cd "$TICKFRAME_ROOT"
bash scripts/build-wasm.sh
npx storybook build -o storybook-static --quiet
npx vitest run --project docs
step "wrote docs/hero.png"
