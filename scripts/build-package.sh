#!/usr/bin/env bash
# Build the npm package into dist/ (runs as `prepack`, so `npm pack` and `npm publish` always ship a fresh build):
#   dist/index.js      'use client' entry: everything, React bindings and components (ESM, React external)
#   dist/core.js       framework-free entry: engine, feeds, recordings, vanilla store, formatting
#   dist/index.css     every component's styles and the theme variables (import 'tickframe/styles.css')
#   dist/tickframe_engine_bg.wasm   found by the engine at new URL(..., import.meta.url); bundlers copy it
#   dist/types/        declarations (tsc), CSS side-effect imports stripped
set -euo pipefail
here="$(dirname "$0")"
bash "$here/build-wasm.sh"
source "$here/bootstrap.sh"
cd "$TICKFRAME_ROOT"
step "package: esbuild bundle + tsc declarations → dist/"
rm -rf dist
# Code shared by both entries goes to a chunk beside them, so the engine's relative wasm URL still holds.
npx esbuild components/index.ts components/core.ts --bundle --format=esm --splitting --outdir=dist \
  --platform=neutral --target=es2022 --jsx=automatic --log-level=warning \
  --external:react --external:react-dom --external:react/jsx-runtime --external:zustand --external:'zustand/*' \
  --chunk-names='[name]-[hash]' --legal-comments=none
cp engine-wasm/pkg/tickframe_engine_bg.wasm dist/
npx tsc -p tsconfig.build.json
mkdir -p dist/types/engine-wasm/pkg
cp engine-wasm/pkg/tickframe_engine.d.ts dist/types/engine-wasm/pkg/
find dist/types -name '*.d.ts' -exec sed -i "/^import '[^']*\.css';$/d" {} +
step "package: $(ls dist | tr '\n' ' ')"
