#!/usr/bin/env bash
# Builds the cargo-fuzz targets in fuzz/ and runs each one for N seconds (default 60), starting from
# the seed corpus in fuzz/corpus/<target>/ (new inputs go to the build folder, not the repo).
# Prints runs per target; exits 1 if any target crashed, leaving the reproducer in
# fuzz/artifacts/<target>/ (add it to fuzz/corpus/<target>/ once fixed, with a regression test).
#
#   scripts/fuzz.sh            # 60 s per target (CI's bounded run)
#   scripts/fuzz.sh 600        # 10 minutes per target
#   scripts/fuzz.sh 60 nif     # only the named targets
#
# Works on the stable toolchain: it passes libFuzzer's coverage flags itself (what `cargo fuzz`
# does, without AddressSanitizer, which needs nightly; the code has no `unsafe`). Debug assertions
# and overflow checks are on, so an arithmetic overflow is a crash. With cargo-fuzz and nightly
# installed, `cd fuzz && cargo +nightly fuzz run <target>` works too.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
all=(wire_push_request wire_changes_page document_json ticket_totals barcode nif money_parse catalog_csv)
targets=("${@:-${all[@]}}")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

host="$(rustc -vV | sed -n 's/^host: //p')"
out="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"
export CARGO_TARGET_DIR="$out"
# --target keeps these flags off build scripts and proc macros (they run on the host uninstrumented).
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
build_start=$(date +%s)
cargo build --release --manifest-path fuzz/Cargo.toml --target "$host" --bins ${targets[@]/#/--bin } >&2
echo "built in $(( $(date +%s) - build_start )) s" >&2

bin="$out/$host/release"
failed=0
printf '%-20s %12s %8s %s\n' target runs seconds result
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t" "fuzz/artifacts/$t"
  log="$out/$t.log"
  set +e
  "$bin/$t" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="fuzz/artifacts/$t/" "$out/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/.*Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="CRASH (exit $rc): see $log and fuzz/artifacts/$t/"
    failed=1
  fi
  printf '%-20s %12s %8s %s\n' "$t" "${runs:-?}" "${took:-$secs}" "$result"
done
exit "$failed"
