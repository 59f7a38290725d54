#!/usr/bin/env bash
# Build engine-wasm/pkg (wasm-pack, --target web) and shrink it with npm binaryen's wasm-opt.
# Skips the build when the engine's and schema's sources are unchanged since the last one.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
[ -n "${TICKFRAME_WASM_PATH+x}" ] || { bootstrap_node && bootstrap_npm && bootstrap_wasm_target && bootstrap_wasm_tools; }
cd "$TICKFRAME_ROOT"
pkg=engine-wasm/pkg
stamp="$pkg/.source-hash"
want="$(hash_of Cargo.lock engine-wasm/Cargo.toml $(find engine-wasm/src schema/src schema/generated/rust -type f | sort))"
if [ -f "$pkg/tickframe_engine_bg.wasm" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  step "engine-wasm/pkg is up to date"
  exit 0
fi
step "wasm-pack build engine-wasm (release, --target web)"
# The Debian route puts /usr/bin (rustc-web with the wasm32 std) first for this build only.
PATH="${TICKFRAME_WASM_PATH:+$TICKFRAME_WASM_PATH:}$PATH" CARGO_TARGET_DIR="$TICKFRAME_ROOT/target/wasm" \
  wasm-pack --quiet build engine-wasm --release --target web --out-dir pkg --no-pack >&2
step "wasm-opt -O3 (npm binaryen)"
wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  "$pkg/tickframe_engine_bg.wasm" -o "$pkg/tickframe_engine_bg.wasm"
echo "$want" >"$stamp"
step "engine-wasm/pkg: $(wc -c <"$pkg/tickframe_engine_bg.wasm") bytes of wasm"
