#!/usr/bin/env bash
# Proves the README's quick start on a clean Debian root filesystem: makes one with debootstrap,
# runs the README's set-up lines in it (apt-get, the oracles' virtualenv), builds and runs the whole
# test suite there, then starts `demo` and opens its sign-in page. Run as root on a Debian host:
#
#   scripts/prove-readme-setup.sh /work/deb12 [bookworm] [--skip-demo]
#
# rustup's own download cannot be reached from every machine (it is not a package registry), so
# this machine's Rust toolchain is copied in instead of running the README's `curl … sh.rustup.rs`
# line; everything else (apt, cargo install cargo-nextest, pip in the virtualenv, crates) comes from
# the registries as on a fresh machine. PostgreSQL is the host's (127.0.0.1:5432): the README's
# set-up installs only its client. A log of each step goes to ROOT/proof/*.log.
set -euo pipefail
root=${1:?usage: prove-readme-setup.sh ROOTFS [SUITE] [--skip-demo]}
suite=${2:-bookworm}
skip_demo=${3:-}
repo=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x "$root/usr/bin/apt-get" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
  debootstrap --variant=minbase "$suite" "$root" http://deb.debian.org/debian
fi
mkdir -p "$root/proof"
for m in proc sys dev dev/pts; do
  mountpoint -q "$root/$m" || mount --bind "/$m" "$root/$m"
done
trap 'for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done' EXIT
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Where the registries are reached through an egress proxy with its own CA, the root needs the host's
# extra CAs (the README's machine would not): copied in and trusted once ca-certificates is there.
mkdir -p "$root/usr/local/share/ca-certificates"
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true

# The toolchain, as rustup would have left it in ~/.rustup and ~/.cargo/bin.
if [ ! -x "$root/root/.cargo/bin/cargo" ]; then
  tc=$(rustup show active-toolchain | cut -d' ' -f1)
  mkdir -p "$root/root/.rustup/toolchains" "$root/root/.cargo/bin"
  cp -a "$HOME/.rustup/toolchains/$tc" "$root/root/.rustup/toolchains/"
  printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\n' "$tc" >"$root/root/.rustup/settings.toml"
  cp -a "$HOME/.cargo/bin/rustup" "$root/root/.cargo/bin/"
  for p in cargo rustc rustdoc rustfmt cargo-fmt cargo-clippy clippy-driver; do
    ln -sf rustup "$root/root/.cargo/bin/$p"
  done
  printf 'export PATH="$HOME/.cargo/bin:$PATH"\n' >"$root/root/.cargo/env"
fi

# A clean clone of this repository's committed state.
rm -rf "$root/root/trastienda"
git clone -q "$repo" "$root/root/trastienda"

# The README's quick-start block, as written, minus the rustup download and the long-running demo.
awk '/^## Quick start/{q=1} q&&/^```sh/{f=1;next} f&&/^```/{exit} f' "$repo/README.md" |
  grep -v 'sh.rustup.rs' | grep -v -- '-- demo' | grep -v '^cargo nextest run' >"$root/proof/setup.sh"

chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -euo pipefail -c '
  apt-get update -qq
  # a fresh Debian machine has sudo and git (the clone came from it) and ca-certificates
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sudo git ca-certificates >/dev/null
  update-ca-certificates >/dev/null
  cd /root/trastienda
  export DEBIAN_FRONTEND=noninteractive PIP_CERT=/etc/ssl/certs/ca-certificates.crt
  # Each line as a person types it; the oracles script fails loudly inside eval "$(…)", which
  # would hide it, so its output is checked too.
  set +e
  bash -euo pipefail -x /proof/setup.sh >/proof/setup.log 2>&1
  rc=$?
  set -e
  if [ $rc -ne 0 ] || ! grep -q "TRASTIENDA_PYTHON" /proof/setup.log; then
    echo "set-up failed (exit $rc): /proof/setup.log"; tail -20 /proof/setup.log; exit 1
  fi
  echo "set-up done"
'

# The README's test command, with the PostgreSQL half pointed at the host's server.
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
  TRASTIENDA_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres bash -euo pipefail -c '
  . "$HOME/.cargo/env"
  cd /root/trastienda
  eval "$(scripts/install-test-oracles.sh)"
  cargo nextest run --workspace --no-fail-fast
' >"$root/proof/test.log" 2>&1 && echo "tests passed" || echo "tests FAILED"
grep -E '^\s+Summary' "$root/proof/test.log" || tail -5 "$root/proof/test.log"

# The README's run command: demo starts and serves its sign-in page.
if [ "$skip_demo" != --skip-demo ]; then
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -euo pipefail -c '
    . "$HOME/.cargo/env"
    cd /root/trastienda
    rm -rf data
    cargo run --release -p back-office-server -- demo --listen 127.0.0.1:18181 >/proof/demo.log 2>&1 &
    pid=$!
    for _ in $(seq 1 1800); do
      curl -fsS http://127.0.0.1:18181/dashboard/login >/proof/login.html 2>/dev/null && break
      kill -0 $pid 2>/dev/null || { echo "demo exited"; tail -20 /proof/demo.log; exit 1; }
      sleep 1
    done
    kill $pid; wait $pid || true
    grep -q "<form" /proof/login.html && echo "demo served its sign-in page"
  '
fi
