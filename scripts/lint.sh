#!/usr/bin/env bash
# `npm run lint`: Rust (rustfmt, clippy with warnings as errors) and TypeScript (ESLint, Prettier).
# Generated code is excluded by configuration: #[rustfmt::skip]/#[allow] on the generated modules,
# ignores in eslint.config.js and .prettierignore.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "lint: cargo fmt --check"
cargo fmt --all --check
echo "lint: cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "lint: eslint"
npx eslint --max-warnings 0 .
echo "lint: prettier --check"
npx prettier --check --log-level warn .
echo "lint: clean"
