#!/usr/bin/env bash
# Runs the real till window under Xvfb against a scratch demo HQ (the renderer a store PC without a
# GPU gets: wgpu on Mesa's software GL; TILL_BACKEND=tiny-skia forces the other one),
# drives it with xdotool like a cashier (enrol, PIN, quick keys, scans, search, cash payment,
# customer pick, refund, card terminal) and saves PNG screenshots (Spanish) to assets/screenshots/.
# Needs: apt-get install -y xvfb xdotool imagemagick x11-utils
# PROFILE=dev uses the debug build (CARGO_TARGET_DIR honoured, all bins built as the tests do).
# Also prints the till's cold start (exec → window mapped) and its memory (VmRSS/VmHWM).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-assets/screenshots}
profile=${PROFILE:-release}
mkdir -p "$out"

# All the workspace's bins, so the features match the test build (no rebuild of shared crates).
cargo build -q --profile "$profile" --workspace --bins
bin=${CARGO_TARGET_DIR:-target}/$([ "$profile" = dev ] && echo debug || echo "$profile")

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

# Scratch HQ with the demo franchise on a free port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/back-office-server" demo --database "sqlite://$tmp/hq.db" --listen "127.0.0.1:$port" > "$tmp/demo.txt" 2>"$tmp/demo.err" &
pids+=($!)
# Seeding takes a minute or two (longer in a debug build): wait for the line saying it serves.
for _ in $(seq 1 600); do grep -q '^Serving on' "$tmp/demo.txt" 2>/dev/null && break; sleep 0.5; done
code=$(awk '/^Enrol a till/{getline; print $NF; exit}' "$tmp/demo.txt")
cashier_pin=$(awk '/Staff PINs/{getline; getline; print $NF; exit}' "$tmp/demo.txt")
manager_pin=$(awk '/Staff PINs/{getline; print $NF; exit}' "$tmp/demo.txt")
echo "demo HQ on :$port, enrolment code $code, cashier PIN $cashier_pin, manager PIN $manager_pin"

display=:${DISPLAY_NUMBER:-93}
Xvfb "$display" -screen 0 1024x768x24 -nolisten tcp &
pids+=($!)
export DISPLAY=$display
for _ in $(seq 1 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

sqlite() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [print(*r) for r in c.execute(sys.argv[2])]' "$@"; }
shot() { sleep "${2:-0.6}"; import -window root "$out/till-$1.png"; echo "saved $out/till-$1.png"; }
keys() { xdotool key --delay 60 "$@"; }
# A touch: a click at x y of the 1024×768 screen.
tap() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-0.3}"; }
typ() { xdotool type --delay "${2:-8}" -- "$1"; }

start_till() {
  local t0 t1
  t0=$(date +%s%N)
  ICED_BACKEND=${TILL_BACKEND:-} RUST_LOG=warn "$bin/pos-terminal" "$tmp/till/ledger.db" 2>>"$tmp/till.err" &
  till=$!
  pids+=($till)
  wid=$(xdotool search --sync --onlyvisible --name 'Trastienda' | head -1)
  t1=$(date +%s%N)
  echo "cold start ($1): exec → window mapped in $(( (t1 - t0) / 1000000 )) ms"
  xdotool windowfocus --sync "$wid" 2>/dev/null || true
}

# First run: enrolment.
start_till "first run, empty ledger"
sleep 1
typ "http://127.0.0.1:$port"
keys Tab
typ "$code"
shot enrol 0.3
keys Return
# The first catalog pull (5,200 products) runs right after enrolment. The ledger is locked by the
# running till, so wait on time rather than peeking.
sleep "${CATALOG_WAIT:-8}"
n=$(sqlite "$tmp/hq.db" "select count(*) from products")
# Sales need an open shift: the manager logs in and lands on the float count (focus on the 1 cent
# coin); ten Tabs reach the 20 € notes, 5 of them, and Enter opens the shift with 100 €.
typ "$manager_pin"; keys Return
sleep 0.5
for _ in $(seq 10); do keys Tab; done
typ "5"; keys Return
sleep 0.5

# Restart: a later run opens straight on the PIN login. A card terminal is set up (an OPI
# listener on a free local port that takes the request and keeps the customer "at the terminal").
kill "$till"; wait "$till" 2>/dev/null || true
opi_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
held=[]
while True:
    c,_=s.accept(); held.append(c)' "$opi_port" &
pids+=($!)
printf '{"card_terminal": {"protocol": "opi", "address": "127.0.0.1:%s", "answer_timeout_secs": 600}}\n' "$opi_port" > "$tmp/till/settings.json"
start_till "enrolled ledger, $n products"
sleep 1.5
echo "memory at login: $(grep -E 'VmRSS|VmHWM' /proc/$till/status | tr -s ' \n' ' ')"
shot login 0.2
typ "$cashier_pin"; keys Return
sleep 0.5

# Quick keys: the drinks page, then its first key three times: the 3x2 takes the third.
tap "${QK_PAGE_X:-698}" "${QK_PAGE_Y:-224}"
for _ in 1 2 3; do tap "${QK_KEY_X:-690}" "${QK_KEY_Y:-288}"; done
shot quick-keys 0.8

# Three scans at scanner speed and a search by name.
mapfile -t codes < <(sqlite "$tmp/hq.db" "select b.code from barcodes b join products p on p.id = b.product_id order by p.id limit 3")
for c in "${codes[@]}"; do typ "$c" 4; keys Return; sleep 0.3; done
typ "$(printf '%s\n' "${codes[0]}")" 4; keys Return; sleep 0.3
shot sale 0.8
typ "aceite" 40
shot search 0.8
keys Escape
keys F2
sleep 0.5
typ "50"
shot payment 0.5
keys Return
sleep 1
echo "memory after a sale: $(grep -E 'VmRSS|VmHWM' /proc/$till/status | tr -s ' \n' ' ')"

# A full invoice for that ticket: F3, the directory searched as the cashier types.
keys F3
sleep 0.5
typ "luc" 40
shot customer 0.8
keys Escape
sleep 0.3

# Refund of that ticket: F8, its number, pick the lines, manager PIN.
series=$(sqlite "$tmp/hq.db" "select ticket_series from tills where enrolled_at is not null order by id limit 1")
ticket="$series-000001"
keys F8
sleep 0.5
typ "$ticket"; keys Return
sleep 0.5
shot refund 0.5
keys Escape
sleep 0.3

# A card payment: one scan, F2, "Cobrar con datáfono"; the terminal has the customer.
typ "${codes[1]}" 4; keys Return; sleep 0.3
keys F2
sleep 0.5
tap "${CARD_X:-215}" "${CARD_Y:-404}"
shot card 1
echo "done: ticket $ticket"
