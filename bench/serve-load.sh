#!/usr/bin/env bash
# Load on the preview server: 200 concurrent connections for 10 seconds (wrk) on a case page of a
# copy of the sample site, while that case is edited every second (so rebuilds happen under load).
# Prints wrk's figures (a failed request would show as "Socket errors" or "Non-2xx") and the
# server's rebuild lines. Needs wrk (Debian package `wrk`; installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null 2>&1 || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
site=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$site"' EXIT
cp -r exemplar.yaml content themes "$site/"
./target/release/exemplar serve "$site" --port 0 --lang en >"$site/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q "http://" "$site/serve.log" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$site/serve.log" | head -1)
( for i in $(seq 9); do sleep 1; sed -i "s/^title: .*/title: 压力测试第${i}版/" "$site/content/water-plant-quality.md"; done ) &
wrk -t2 -c200 -d10s "${url}cases/water-plant-quality/"
wait
grep -E "Rebuilt|errors" "$site/serve.log" || true
