#!/usr/bin/env bash
# `npm test`: set up (bootstrap), build, and run every test — Rust, unit, stories in Chromium, end-to-end.
# Ends with one line "tests: N passed, N failed".
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_all
cd "$TICKFRAME_ROOT"
mkdir -p test-results
# Every process the suite starts inherits this mark; tests/orphans.test.mjs finds any left at the end.
export TICKFRAME_TEST_RUN="${TICKFRAME_TEST_RUN:-$(date +%s)-$$}"

step "npm run lint (rustfmt, clippy -D warnings, ESLint, Prettier)"
bash scripts/lint.sh

step "cargo test --workspace (Rust: schema, server, engine)"
cargo test --workspace --quiet 2>&1 | tee test-results/cargo.txt
rust_passed=$(awk '/^test result:/{for(i=1;i<=NF;i++) if($i ~ /^passed;?$/) s+=$(i-1)} END{print s+0}' test-results/cargo.txt)
rust_failed=$(awk '/^test result:/{for(i=1;i<=NF;i++) if($i ~ /^failed;?$/) s+=$(i-1)} END{print s+0}' test-results/cargo.txt)

bash scripts/build-wasm.sh
step "cargo build --release -p tickframe-server (for the end-to-end tests)"
cargo build --release --quiet -p tickframe-server
step "storybook build (the end-to-end tests serve it as plain files)"
npx storybook build -o storybook-static --quiet >test-results/storybook-build.txt 2>&1 || { cat test-results/storybook-build.txt; exit 1; }

step "tsc --noEmit (types of components, stories, tests)"
npx tsc --noEmit -p .

step "vitest: unit (jsdom + real WASM) and storybook (stories in Chromium)"
set +e
npx vitest run --project unit --project storybook --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
vitest_rc=$?
# End-to-end on its own: its timing checks should not compete with the browser tests for 2 cores.
step "vitest: e2e (tickframe-server + built Storybook + Chromium)"
npx vitest run --project e2e --reporter=default --reporter=json --outputFile.json=test-results/vitest-e2e.json
e2e_rc=$?
step "no process started by the suite is left (node --test tests/orphans.test.mjs)"
# No pipe here: a `tee` beside it would be a process of the suite still running.
node --test --test-reporter=spec tests/orphans.test.mjs >test-results/orphans.txt 2>&1
orphans_rc=$?
cat test-results/orphans.txt
set -e
read -r js_passed js_failed < <(node -e '
  let p = 0, f = 0;
  for (const file of ["test-results/vitest.json", "test-results/vitest-e2e.json"]) {
    const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests + (r.numTotalTests === 0 ? 1 : 0);
  }
  if (process.argv[1] === "0") p += 1; else f += 1; // the orphan check
  console.log(p, f);
' "$orphans_rc" 2>/dev/null || echo "0 1")

echo
echo "Rust: $rust_passed passed, $rust_failed failed; JS/browser: $js_passed passed, $js_failed failed"
echo "tests: $((rust_passed + js_passed)) passed, $((rust_failed + js_failed)) failed"
[ "$vitest_rc" = 0 ] && [ "$e2e_rc" = 0 ] && [ "$orphans_rc" = 0 ] && [ "$rust_failed" = 0 ] && [ "$js_failed" = 0 ]
