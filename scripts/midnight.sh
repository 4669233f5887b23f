#!/usr/bin/env bash
# The test suite again with every test process's clock set to 00:20 in Madrid (23:20 UTC in winter,
# 22:20 in summer): the hour in which UTC's date is still yesterday's while HQ's business day, the
# stores' and every report's is already today's. A test or a feature that takes the UTC date for
# "today" fails here, at any hour CI happens to run, instead of only when CI runs in that hour.
#
#   scripts/midnight.sh [nextest filter arguments…]
#
# libfaketime (Debian `faketime`) fakes the wall clock of the test processes only (cargo and
# nextest keep the real one; the monotonic clock is left alone so timeouts still work). The
# suite must have been built by `cargo nextest run` first: this runs it, it does not build it.
set -euo pipefail
cd "$(dirname "$0")/.."

lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1 || true)
if [ -z "$lib" ]; then
  echo "midnight.sh: libfaketime is missing (apt-get install faketime)" >&2
  exit 1
fi
# Today's 00:20 in Madrid as an offset from now: every test process's clock runs from there, which
# leaves the suite 40 minutes inside the hour.
at=$(TZ=Europe/Madrid date -d "$(TZ=Europe/Madrid date +%F) 00:20" +%s)
offset=$((at - $(date +%s)))
echo "midnight.sh: test clocks set ${offset}s off, to $(date -u -d "@$at" '+%F %H:%M') UTC ($(TZ=Europe/Madrid date -d "@$at" '+%F %H:%M %Z') in Madrid)"

# libfaketime reads FAKETIME only where it is loaded, and it is loaded into the test binaries
# alone, through cargo's target runner (which nextest honours): LD_PRELOAD on nextest itself would
# fake cargo's clock too. The monotonic clock is left alone so timeouts still work.
export FAKETIME="$(printf '%+d' "$offset")s" FAKETIME_DONT_FAKE_MONOTONIC=1
# The browser the dashboard tests drive keeps the real clock: under libfaketime Chromium slows down
# until its renderer times out (seen once: 300 s), and only the server's clock matters to the tests.
export FAKETIME_SKIP_CMDS=chromium,chromedriver,chrome_crashpad_handler
host=$(rustc -vV | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')
export "CARGO_TARGET_${host}_RUNNER=env LD_PRELOAD=$lib"
cargo nextest run --workspace --no-fail-fast "$@"
