#!/bin/sh
# Installs every Debian package zrzy needs to build, test, demo and benchmark.
# Idempotent: does nothing when everything is present. Runs as root or via sudo.
set -eu
PKGS="build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
 libgeos-dev libproj-dev proj-data proj-bin libgdal-dev gdal-bin libsqlite3-dev sqlite3 zlib1g-dev
 libjansson-dev libxlsxwriter-dev libcairo2-dev libpango1.0-dev fonts-wqy-microhei fonts-noto-cjk
 postgresql-15 postgresql-15-postgis-3 valgrind bc"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
