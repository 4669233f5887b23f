#!/usr/bin/env bash
# Retakes the dashboard screenshots shown in the README (needs chromium and chromium-driver):
# a scratch database seeded as `demo` seeds it (90 days of trade), served on 127.0.0.1, photographed headless.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q --release -p trastienda-tests --bin dashboard-screenshots -- assets/screenshots
