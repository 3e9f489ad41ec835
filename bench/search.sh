#!/usr/bin/env bash
# Prints the search figures of issue 4 (a benchmark, not a test): on a generated 10,000-case site
# and on the real corpus (../shared/corpus), with headless Chromium for bytes and latency.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example search_bench
./target/release/examples/search_bench generated "${1:-10000}" --browser
./target/release/examples/search_bench corpus --browser
