#!/usr/bin/env bash
# `npm run audit`: cargo-deny over the Cargo workspace — licences (permissive only), sources
# (crates.io only), bans (no wildcard versions), and advisories (RustSec) — plus `npm audit` for the
# npm package's runtime dependencies.
#
# Works offline once the advisory database is cached (~/.cargo/advisory-dbs, written by
# `cargo deny fetch`). Without a cached database it tries to fetch one; if that fails, it checks
# everything else and exits 2, saying advisories were not checked (never a silent pass).
set -uo pipefail
source "$(dirname "$0")/bootstrap.sh"
bootstrap_node || exit 1
cd "$TICKFRAME_ROOT"

deny_root="$TICKFRAME_TOOLS/cargo-deny"
deny="$deny_root/bin/cargo-deny"
if [ ! -x "$deny" ]; then
  step "cargo install cargo-deny (once, a few minutes)"
  cargo install --quiet --locked cargo-deny --root "$deny_root" || cargo install --quiet cargo-deny --root "$deny_root" || exit 1
fi

rc=0
step "cargo deny check licenses bans sources (offline)"
"$deny" --offline check licenses bans sources || rc=1

db="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if ! ls "$db"/*/crates >/dev/null 2>&1; then
  step "no cached advisory database: cargo deny fetch"
  timeout 120 "$deny" fetch db || true
fi
if ls "$db"/*/crates >/dev/null 2>&1; then
  step "cargo deny check advisories (cached database, offline)"
  "$deny" --offline check advisories || rc=1
else
  echo "audit: advisories NOT checked — no RustSec database could be fetched or found in $db." >&2
  echo "audit: on a machine with network access run '$deny fetch db' once; later runs work offline." >&2
  [ "$rc" = 0 ] && rc=2
fi

step "npm audit --omit=dev (the package's runtime dependencies)"
if ! npm audit --omit=dev --audit-level=high; then
  echo "audit: npm audit failed or found high-severity advisories (it needs the npm registry)." >&2
  [ "$rc" = 0 ] && rc=1
fi
exit "$rc"
