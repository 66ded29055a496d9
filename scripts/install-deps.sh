#!/bin/sh
# install-deps.sh: installs every Debian package faultline's build, tests and
# built-in suites need. Idempotent: packages already present are skipped, and
# nothing is installed when everything is there. Services in the packages
# (etcd, sshd, ...) are kept from starting on the host while installing:
# faultline starts what it needs on its own nodes.
#
# Usage: scripts/install-deps.sh [--check]   (--check: exit 1 if anything is missing)
set -eu

PACKAGES="
build-essential pkg-config clang llvm libclang-rt-14-dev clang-format
libjansson-dev libxxhash-dev libcurl4-openssl-dev libssh-dev
libmicrohttpd-dev libnetfilter-queue-dev libmnl-dev libfuse3-dev fuse3
gnuplot-nox graphviz
iproute2 iptables nftables procps psmisc util-linux
etcd-server etcd-client openssh-server openssh-client
libzookeeper-java default-jre-headless libzookeeper-mt-dev
postgresql-15 libpq-dev
redis-server redis-sentinel libhiredis-dev
chromium chromium-driver nodejs curl python3
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "missing packages:$missing" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-deps.sh: need root to install:$missing" >&2
    exit 1
fi

echo "install-deps.sh: installing:$missing" >&2
# Keep packages from starting their services on this host (invoke-rc.d
# consults policy-rc.d; 101 means "action forbidden").
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ "$had_policy" = 0 ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT INT TERM
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update
    apt-get install -y --no-install-recommends $missing
fi
# Some packages enable their units anyway; make sure none is left running
# or enabled on the host.
for svc in etcd ssh postgresql redis-server redis-sentinel; do
    if command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now "$svc" >/dev/null 2>&1 || true
    fi
done
exit 0
