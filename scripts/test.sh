#!/usr/bin/env bash
# `npm test`: set up (bootstrap), build, and run every test — Rust, unit, stories in Chromium, end-to-end.
# Ends with one line "tests: N passed, N failed".
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_all
cd "$TICKFRAME_ROOT"
mkdir -p test-results

step "cargo test --workspace (Rust: schema, server, engine)"
cargo test --workspace --quiet 2>&1 | tee test-results/cargo.txt
rust_passed=$(awk '/^test result:/{for(i=1;i<=NF;i++) if($i ~ /^passed;?$/) s+=$(i-1)} END{print s+0}' test-results/cargo.txt)
rust_failed=$(awk '/^test result:/{for(i=1;i<=NF;i++) if($i ~ /^failed;?$/) s+=$(i-1)} END{print s+0}' test-results/cargo.txt)

bash scripts/build-wasm.sh
step "cargo build --release -p tickframe-server (for the end-to-end tests)"
cargo build --release --quiet -p tickframe-server
step "storybook build (the end-to-end tests serve it as plain files)"
npx storybook build -o storybook-static --quiet >test-results/storybook-build.txt 2>&1 || { cat test-results/storybook-build.txt; exit 1; }

step "vitest: unit (jsdom + real WASM), storybook (Chromium), e2e (server + Chromium)"
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
vitest_rc=$?
set -e
read -r js_passed js_failed < <(node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
  console.log(r.numPassedTests, r.numFailedTests + (r.numTotalTests === 0 ? 1 : 0));
' 2>/dev/null || echo "0 1")

echo
echo "Rust: $rust_passed passed, $rust_failed failed; JS/browser: $js_passed passed, $js_failed failed"
echo "tests: $((rust_passed + js_passed)) passed, $((rust_failed + js_failed)) failed"
[ "$vitest_rc" = 0 ] && [ "$rust_failed" = 0 ] && [ "$js_failed" = 0 ]
