#!/bin/sh
# Interleaved A/B timing on a shared machine: runs binary A and binary B alternately N times
# with the same arguments, wall clock per process, and prints mean, median and min of each, so
# both see the same moments of a VM whose speed drifts.
#   bench/ab.sh N BIN_A BIN_B ARGS…      e.g.
#   bench/ab.sh 20 /tmp/old/build/zrzy build/zrzy check build/bench-data/county-100000.gpkg --out /tmp/qc
set -eu
n=$1 a=$2 b=$3
shift 3
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
i=0
while [ $i -lt "$n" ]; do
    for x in "$a" "$b"; do
        t0=$(date +%s.%N)
        "$x" "$@" >/dev/null 2>&1 || true
        t1=$(date +%s.%N)
        echo "$x $(echo "$t1 - $t0" | bc -l)" >>"$raw"
    done
    i=$((i + 1))
done
for x in "$a" "$b"; do
    grep "^$x " "$raw" | awk '{print $2}' | sort -n |
        awk -v x="$x" '{v[NR] = $1; s += $1} END {
            printf "%s: mean %.3f s, median %.3f s, min %.3f s (%d runs)\n",
                x, s / NR, v[int((NR + 1) / 2)], v[1], NR }'
done
