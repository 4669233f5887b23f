#!/usr/bin/env bash
# Builds the till's Debian package with cargo-deb and checks what a store PC would get: the
# package's name and dependencies, every file in its place with its mode, the desktop entries
# valid (desktop-file-validate), the scripts parse, and (as root, with apt) that it installs on
# this Debian with its dependencies resolved and its postinst run, then removes it again.
#   scripts/check-till-deb.sh            release build (what you ship; what the README tells)
#   scripts/check-till-deb.sh dev        packs the debug binary the workspace test build already made
#                                        (.ci/run: no second build of the till)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-release}
command -v cargo-deb >/dev/null || cargo install --locked cargo-deb --version 3.8.0
build=()
[ "$profile" = dev ] && build=(--no-build)
# cargo-deb prints the .deb's path last.
deb=$(cargo deb -p pos-terminal-app --profile "$profile" "${build[@]}" | tail -n 1)
[ -f "$deb" ] || { echo "cargo deb made no package (got: $deb)" >&2; exit 1; }
echo "package: $deb ($(du -h "$deb" | cut -f1))"
fail() { echo "check-till-deb: $*" >&2; exit 1; }

info=$(dpkg-deb -I "$deb")
grep -q '^ Package: trastienda-till$' <<<"$info" || fail "package name: $info"
grep -q '^ Depends: .*libxkbcommon0' <<<"$info" || fail "Depends lacks libxkbcommon0: $info"
grep -q '^ Recommends: cage' <<<"$info" || fail "Recommends lacks cage: $info"

listing=$(dpkg-deb -c "$deb")
for f in \
    "-rwxr-xr-x ./usr/lib/trastienda-till/pos-terminal" \
    "-rwxr-xr-x ./usr/lib/trastienda-till/kiosk-loop" \
    "-rwxr-xr-x ./usr/bin/trastienda-till" \
    "-rw-r--r-- ./usr/share/applications/trastienda-till.desktop" \
    "-rw-r--r-- ./usr/share/icons/hicolor/scalable/apps/trastienda-till.svg" \
    "-rw-r--r-- ./usr/share/wayland-sessions/trastienda-till-kiosk.desktop" \
    "-rw-r--r-- ./lib/systemd/system/trastienda-till-kiosk@.service" \
    "-rw-r--r-- ./lib/udev/rules.d/70-trastienda-till.rules"; do
    mode=${f%% *}
    path=${f#* }
    line=$(grep -F " $path" <<<"$listing" | head -n 1 || true)
    [ "${line%% *}" = "$mode" ] || fail "missing or wrong mode: $f (got: $line)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/root"
dpkg-deb -e "$deb" "$tmp/control"
[ -x "$tmp/control/postinst" ] || fail "no postinst"
for s in "$tmp/root/usr/bin/trastienda-till" "$tmp/root/usr/lib/trastienda-till/kiosk-loop" "$tmp/control/postinst"; do
    sh -n "$s" || fail "$s does not parse"
done
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$tmp/root/usr/share/applications/trastienda-till.desktop"
    desktop-file-validate "$tmp/root/usr/share/wayland-sessions/trastienda-till-kiosk.desktop"
else
    echo "skipped: desktop-file-validate (desktop-file-utils) is not installed"
fi
# The launcher puts the ledger in the user's data directory and passes its arguments on.
grep -q 'XDG_DATA_HOME:-$HOME/.local/share}/trastienda-till/ledger.db' "$tmp/root/usr/bin/trastienda-till" \
    || fail "launcher: ledger path"
# Every rule line is KEY==/KEY+= pairs and tags the device for the seat's user.
grep -vE '^(#|$)' "$tmp/root/lib/udev/rules.d/70-trastienda-till.rules" | while read -r line; do
    grep -qE 'TAG\+="uaccess"$' <<<"$line" || fail "udev rule without uaccess: $line"
done

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "${TILL_DEB_INSTALL:-1}" = 1 ]; then
    cp "$deb" "$tmp/trastienda-till.deb"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tmp/trastienda-till.deb" >/dev/null
    [ -x /usr/lib/trastienda-till/pos-terminal ] || fail "not installed"
    dpkg -s trastienda-till | grep -q '^Status: install ok installed' || fail "dpkg status"
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq trastienda-till >/dev/null
    [ ! -e /usr/bin/trastienda-till ] || fail "not removed"
    echo "installed and removed with apt-get"
fi
echo "till package ok"
