#!/usr/bin/env bash
# Prints the search figures of issue 4 (a benchmark, not a test): on a generated 10,000-case site
# and on the real corpus (../shared/corpus), with headless Chromium for bytes and latency.
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium lays out Chinese text with a font that has its glyphs, as on a reader's machine. With
# none installed it looks for a fallback at every character: the results' layout took 12–14 ms
# instead of 2 ms, and a typed search 18–20 ms instead of 5 ms after the debounce.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh family 2>/dev/null)" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "No Chinese font is installed: installing fonts-wqy-microhei …"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null; } ||
    echo "warning: no Chinese font could be installed; the browser latencies below will be slower than a reader's" >&2
fi

cargo build --release --example search_bench
./target/release/examples/search_bench generated "${1:-10000}" --browser
./target/release/examples/search_bench corpus --browser
