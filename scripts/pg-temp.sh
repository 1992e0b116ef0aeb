#!/bin/sh
# A throw-away PostgreSQL 15 + PostGIS server on a Unix socket in DIR (no TCP), for benchmarks
# and tests that compare with PostGIS.
#   pg-temp.sh start DIR   → prints the PGHOST/PGPORT/PGUSER settings to eval
#   pg-temp.sh stop DIR
set -eu
cmd=$1 dir=$2
bin=/usr/lib/postgresql/15/bin
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $cmd in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        run "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
    fi
    run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-k $dir -c listen_addresses= -p 55432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c max_wal_size=4GB" start >/dev/null
    echo "export PGHOST=$dir PGPORT=55432 PGUSER=postgres"
    ;;
stop)
    run "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
