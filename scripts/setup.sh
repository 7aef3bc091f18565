#!/usr/bin/env bash
# npm run setup: everything QUIC lab needs on a fresh Debian/Ubuntu machine, idempotently:
# Debian packages, npm dependencies, the native helpers built from native/, the CLI built to
# JavaScript (build/), and the lab PKI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the lab uses (see README "What setup installs").
PACKAGES=(
  ngtcp2-server ngtcp2-client   # HTTP/3 server and client (gtlsserver, gtlsclient), 1.x: from bookworm-backports on Debian 12 (see below)
  libgnutls28-dev               # headers for the CA-verification shim for gtlsclient
  build-essential               # cc and make for native/
  iproute2 iputils-ping iperf3  # lab network, probes, TCP reference
  nftables                      # nft: the lab's egress to remote targets (--via-lab), NAT and a fence in the host's namespace
  tcpdump                       # kernel timestamps in the link bench
  samba smbclient               # SMB 3 over TCP: smbd in the server namespace, smbclient in the client's
  curl                          # native TCP+TLS client (HTTP/1.1, HTTP/2), timings from --write-out
  tshark                        # reads captures (harness/capture); its debconf question install-setuid takes its default (no) when noninteractive
  chromium                      # headless browser: checks that HTML reports open offline
  clang libclang-rt-dev         # libFuzzer (and its sanitizers) for the link emulator's fuzz targets (make -C native/link-emulator fuzz)
  cmake g++                     # the quiche peer's BoringSSL (boring-sys builds it with cmake; clang above gives bindgen its libclang)
)

say() { printf 'setup: %s\n' "$*" >&2; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "this is not a Debian/Ubuntu system (no dpkg/apt-get)."
  say "install these packages (Debian names) with your system's package manager: ${PACKAGES[*]}"
  say "then run: npm install && make -C native/link-emulator && make -C native/gnutls-lab-trust && make -C native/udp-buffers && npm run build && npm run certs"
  exit 1
fi

# ngtcp2 1.x: Debian 12 (bookworm) ships 0.12 (2023); bookworm-backports has 1.x. Only these
# packages (and the libraries they are built on) may come from backports: apt pinning keeps every
# other package on bookworm. Newer releases (trixie and later) have 1.x in their own suite.
NGTCP2_PACKAGES=(ngtcp2-server ngtcp2-client)
NGTCP2_MIN_VERSION=1
BACKPORTS_PINNED='ngtcp2-server ngtcp2-client libngtcp2-* libngtcp2-crypto-* libnghttp3-*'
BACKPORTS_SOURCES=/etc/apt/sources.list.d/quic-lab-backports.sources
BACKPORTS_PREFERENCES=/etc/apt/preferences.d/quic-lab-backports

codename=$( (. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}") || true)
use_backports=false
[[ "$codename" == bookworm ]] && use_backports=true

# True when bookworm-backports is already a source (ours or the system's own).
backports_configured() {
  grep -rqsE '(^|[[:space:]])bookworm-backports([[:space:]]|$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

# The URI and keyring of the system's bookworm (main) entry, so backports comes from the same mirror.
bookworm_source() {
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    # deb822 stanzas are separated by blank lines; take the one whose Suites list "bookworm".
    awk 'BEGIN { RS = ""; FS = "\n" }
      {
        uri = ""; key = ""; suite = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { uri = $i; sub(/^URIs:[ \t]*/, "", uri); sub(/[ \t].*/, "", uri) }
          if ($i ~ /^Signed-By:/) { key = $i; sub(/^Signed-By:[ \t]*/, "", key) }
          if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) suite = 1
        }
        if (suite && uri != "") { print uri "\t" key; exit }
      }' "$file"
  done
}

configure_backports() {
  local changed=false
  if [[ ! -f "$BACKPORTS_PREFERENCES" ]] || ! grep -qF "Package: $BACKPORTS_PINNED" "$BACKPORTS_PREFERENCES"; then
    say "pinning bookworm-backports: only $BACKPORTS_PINNED come from it ($BACKPORTS_PREFERENCES)"
    cat >"$BACKPORTS_PREFERENCES" <<PREF
# Written by QUIC lab's npm run setup: bookworm-backports is used for ngtcp2 1.x and the
# libraries it is built on only; every other package stays on bookworm.
Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100

Package: $BACKPORTS_PINNED
Pin: release n=bookworm-backports
Pin-Priority: 990
PREF
    changed=true
  fi
  if ! backports_configured; then
    local line uri key
    line=$(bookworm_source | head -n 1 || true)
    uri=${line%%$'\t'*}
    key=${line#*$'\t'}
    [[ -n "$uri" ]] || uri=http://deb.debian.org/debian
    [[ -n "$key" && "$key" != "$line" ]] || key=/usr/share/keyrings/debian-archive-keyring.gpg
    say "adding bookworm-backports from $uri ($BACKPORTS_SOURCES)"
    cat >"$BACKPORTS_SOURCES" <<SRC
# Written by QUIC lab's npm run setup: ngtcp2 1.x (see $BACKPORTS_PREFERENCES for the pinning).
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: $key
SRC
    changed=true
  fi
  $changed
}

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$package")
done
# An installed ngtcp2 older than 1.x (bookworm's 0.12) is upgraded.
for package in "${NGTCP2_PACKAGES[@]}"; do
  version=$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null || true)
  if [[ -n "$version" ]] && dpkg --compare-versions "$version" lt "$NGTCP2_MIN_VERSION" && [[ " ${missing[*]} " != *" $package "* ]]; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}"
    say "install them as root: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    $use_backports && say "(ngtcp2 1.x on Debian 12 comes from bookworm-backports: run npm run setup as root once, which adds that suite pinned to the ngtcp2 packages only)"
    say "(the lab also needs root at run time for network namespaces)"
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if $use_backports; then configure_backports || true; fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for package in "${NGTCP2_PACKAGES[@]}"; do
    version=$(dpkg-query -W -f='${Version}' "$package")
    if dpkg --compare-versions "$version" lt "$NGTCP2_MIN_VERSION"; then
      say "$package $version was installed, but the lab needs ngtcp2 $NGTCP2_MIN_VERSION.x or later (Debian 12: from bookworm-backports)"
      exit 1
    fi
  done
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
# tap builds its plugin set (.taprc: tsx in place of its TypeScript loader) on first use; until
# then a fresh clone's first test run loads the default set too and takes twice as long.
npx tap build >/dev/null

for dir in native/*/; do
  if [[ -f "$dir/Makefile" ]]; then
    say "building $dir"
    make -s -C "$dir"
  fi
done

say "the lab's own QUIC peers and build tools (peers/*/build.sh, tools/*/build.sh, cached by their pins)"
bash scripts/build-peers.sh

say "building the CLI"
node bin/build-cli.mjs

say "certificates"
node bin/quic-lab.mjs certs
say "done"
