#!/usr/bin/env bash
# npm run setup: everything QUIC lab needs on a fresh Debian/Ubuntu machine, idempotently:
# Debian packages, npm dependencies, the native helpers built from native/, the CLI built to
# JavaScript (build/), and the lab PKI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the lab uses (see README "What setup installs").
PACKAGES=(
  ngtcp2-server ngtcp2-client   # HTTP/3 server and client (gtlsserver, gtlsclient)
  libgnutls28-dev               # headers for the CA-verification shim for gtlsclient
  build-essential               # cc and make for native/
  iproute2 iputils-ping iperf3  # lab network, probes, TCP reference
  tcpdump                       # kernel timestamps in the link bench
  samba smbclient               # SMB 3 over TCP: smbd in the server namespace, smbclient in the client's
  curl                          # native TCP+TLS client (HTTP/1.1, HTTP/2), timings from --write-out
  tshark                        # reads captures (harness/capture); its debconf question install-setuid takes its default (no) when noninteractive
  chromium                      # headless browser: checks that HTML reports open offline
  clang libclang-rt-dev         # libFuzzer (and its sanitizers) for the link emulator's fuzz targets (make -C native/link-emulator fuzz)
)

say() { printf 'setup: %s\n' "$*" >&2; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "this is not a Debian/Ubuntu system (no dpkg/apt-get)."
  say "install these packages (Debian names) with your system's package manager: ${PACKAGES[*]}"
  say "then run: npm install && make -C native/link-emulator && make -C native/gnutls-lab-trust && make -C native/udp-buffers && npm run build && npm run certs"
  exit 1
fi

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}"
    say "install them as root: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    say "(the lab also needs root at run time for network namespaces)"
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's samba package starts system-wide services (smbd on 445); the lab runs its own
  # instances, so the services it just installed are stopped. (Caddy is built from its Go
  # modules as peers/caddy, not installed.)
  stop_installed_service() { # package service
    if [[ " ${missing[*]} " == *" $1 "* ]] && command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$2" 2>/dev/null; then
      say "stopping and disabling the $2 service that installing $1 started (the lab starts its own per run)"
      systemctl disable --now "$2" >/dev/null 2>&1 || true
    fi
  }
  stop_installed_service samba smbd
  stop_installed_service samba nmbd
fi

# The unprivileged system user the lab runs what needs no root as (tcpdump after -Z, tshark,
# the headless browser): harness/process/unprivileged.ts names it. No home, no login, no password.
LAB_USER=quic-lab
if ! getent passwd "$LAB_USER" >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    say "the unprivileged user $LAB_USER is missing; create it as root: sudo useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $LAB_USER"
    exit 1
  fi
  say "creating the unprivileged system user $LAB_USER"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$LAB_USER"
fi

say "npm dependencies"
npm install --no-audit --no-fund --loglevel=error

for dir in native/*/; do
  if [[ -f "$dir/Makefile" ]]; then
    say "building $dir"
    make -s -C "$dir"
  fi
done

say "the lab's own QUIC peers (peers/*/build.sh, cached by their pins)"
bash scripts/build-peers.sh

say "building the CLI"
node bin/build-cli.mjs

say "certificates"
node bin/quic-lab.mjs certs
say "done"
