#!/bin/sh
# zrzy benchmarks against the peers' pipelines (../shared/anchors) on the same data in the same
# run, on two counties: the eastern one (PARCELS, default 100000: small parcels of 33 points,
# 48 nested price zones) and a western one (WEST_PARCELS, default 22000: 48 vertices a parcel,
# 350 price zones of 9 uses, 40 % state-owned, 40 villages, zone 29 with the county 1.2° east
# of its central meridian). Usage: bench/run.sh [BUILD_DIR]   env: COUNTIES ("east west"),
# PARCELS, WEST_PARCELS, RUNS (3), BIG=N to also stream an N-parcel county (e.g. BIG=10000000)
# and report peak RSS.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
Z=$build/zrzy
parcels=${PARCELS:-100000}
west_parcels=${WEST_PARCELS:-22000}
counties=${COUNTIES:-east west}
runs=${RUNS:-3}
anchors=$top/../shared/anchors
work=${BENCH_DIR:-$top/build/bench-data}
mkdir -p "$work"
now() { date +%s.%N; }
best_of() { # command…: prints the best wall time of $runs runs
    best=""
    i=0
    while [ $i -lt "$runs" ]; do
        t0=$(now)
        "$@" >/dev/null 2>&1
        t1=$(now)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
        i=$((i + 1))
    done
    printf '%.3f' "$best"
}

bench_county() { # name tag demo-data-args…
    name=$1 tag=$2
    t_job="" t_inv_pdf="" t_job_store=""
    shift 2
    county=$work/county-$tag.gpkg
    dir100=$work/gen-$tag
    if [ ! -f "$county" ] || [ ! -f "$dir100/price_index.csv" ]; then
        "$Z" demo-data --out "$dir100" "$@" >/dev/null
        cp "$dir100/county.gpkg" "$county"
    fi
    echo
    echo "== $name county: zrzy demo-data $*"
    verts=$(sqlite3 "$county" "select round(avg((length(geom) - 40 - 22) / 16.0), 1) from DLTB")
    echo "== data: $county ($(sqlite3 "$county" 'select count(*) from DLTB') parcels, ≈$verts points each; $(sqlite3 "$county" "select count(*) from DLTB where QSXZ in ('10', '20')") state-owned; $(sqlite3 "$county" 'select count(*) from JZDJ') price zones; $(sqlite3 "$county" 'select count(*) from XZQ') villages; EPSG:$(sqlite3 "$county" 'select srs_id from gpkg_geometry_columns where table_name = '"'DLTB'"))"

    import_once() { rm -f "$work/store.gpkg"; "$Z" import --quiet "$work/store.gpkg" "$county"; }
    t_zrzy=$(best_of import_once)
    import_once 2>"$work/import.log" || true
    echo "zrzy import (load + ellipsoidal areas + R*Tree): ${t_zrzy} s best of $runs; $(grep -o 'peak RSS [0-9]* MB' "$work/import.log")"

    # the anchors' job: from the survey file, overlay, value, write every output but the PDF
    inv_job() {
        "$Z" inventory --parcels "$county" --prices "$county" --price-index "$dir100/price_index.csv" \
            --no-pdf --out "$work/inv"
    }
    inv_pdf() {
        "$Z" inventory --parcels "$county" --prices "$county" --price-index "$dir100/price_index.csv" \
            --out "$work/inv"
    }
    inv_store() {
        "$Z" inventory --parcels "$work/store.gpkg" --prices "$county" --price-index "$dir100/price_index.csv" \
            --no-pdf --out "$work/inv"
    }
    if [ -f "$dir100/price_index.csv" ]; then
        t_job=$(best_of inv_job)
        t_inv_pdf=$(best_of inv_pdf)
        job_store() { import_once && inv_store; }
        t_job_store=$(best_of job_store)
        echo "zrzy inventory from the survey file (overlay + valuation + all outputs but the PDF): ${t_job} s; with report.pdf: ${t_inv_pdf} s; import into a store + inventory: ${t_job_store} s"
    fi
    check_once() { "$Z" check "$county" --out "$work/qc"; }
    t_check=$(best_of check_once)
    echo "zrzy check (whole catalogue, 17 rules, + errors.gpkg, XLSX, PDF): ${t_check} s best of $runs"
    ratio() { echo "$1 / $2" | bc -l | xargs printf '%.1f'; }

    if [ -n "$pg" ]; then
        RUNS_SAVE=$runs
        runs=1
        t_pg=$(best_of bash "$anchors/anchor_import_postgis.sh" "$county")
        echo "PostGIS anchor_import_postgis.sh (ogr2ogr + ST_Area(geography)): ${t_pg} s; PostGIS / zrzy import: $(ratio "$t_pg" "$t_zrzy")×"
        t_pgqc=$(best_of bash "$anchors/anchor_qc_postgis.sh" "$county" "$work/qc-pg")
        if [ -n "${t_job:-}" ]; then
            t_pginv=$(best_of bash "$anchors/anchor_inventory_postgis.sh" "$county" "$dir100/price_index.csv" "$work/inv-pg")
            echo "PostGIS anchor_inventory_postgis.sh: ${t_pginv} s; PostGIS / zrzy inventory: $(ratio "$t_pginv" "$t_job")×"
        fi
        echo "PostGIS anchor_qc_postgis.sh (validity + overlaps + gaps): ${t_pgqc} s; PostGIS / zrzy check: $(ratio "$t_pgqc" "$t_check")×"
        runs=$RUNS_SAVE
    else
        echo "PostGIS: not installed (scripts/setup.sh installs postgresql-15-postgis-3)"
    fi
    RUNS_SAVE=$runs
    runs=1
    t_gdqc=$(best_of bash "$anchors/anchor_qc_gdal.sh" "$county" "$work/qc-gdal")
    if [ -n "${t_job:-}" ]; then
        t_gdinv=$(best_of bash "$anchors/anchor_inventory_gdal.sh" "$county" "$dir100/price_index.csv" "$work/inv-gdal")
        echo "GDAL anchor_inventory_gdal.sh: ${t_gdinv} s; GDAL / zrzy inventory: $(ratio "$t_gdinv" "$t_job")×"
    fi
    runs=$RUNS_SAVE
    echo "GDAL anchor_qc_gdal.sh (validity + overlaps, SQLite dialect): ${t_gdqc} s; GDAL / zrzy check: $(ratio "$t_gdqc" "$t_check")×"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
pg=""
if command -v /usr/lib/postgresql/15/bin/initdb >/dev/null 2>&1; then
    pgdir=$(mktemp -d /tmp/zrzy-bench-pg.XXXXXX)
    eval "$("$top/scripts/pg-temp.sh" start "$pgdir")"
    trap '"$top/scripts/pg-temp.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT
    pg=1
fi
for c in $counties; do
    case $c in
        east) bench_county eastern "$parcels" --parcels "$parcels" ;;
        west) bench_county western "west-$west_parcels" --parcels "$west_parcels" --county 652302 \
            --zone 29 --offset 1.2 --lat 44.15 --km2 4000 --vertices 48 --price-zones 350 \
            --price-uses 9 --state-share 40 --villages 40 ;;
        *) echo "bench: unknown county $c (east, west)" >&2; exit 2 ;;
    esac
done
echo

if [ -n "${BIG:-}" ]; then
    big=$work/county-$BIG.gpkg
    if [ ! -f "$big" ]; then
        t0=$(now)
        "$Z" demo-data --out "$work/gen-$BIG" --parcels "$BIG" --km2 "$(echo "$BIG * 0.0118 + 10" | bc)" >/dev/null  # survey-sized parcels (~1.2 ha), as the 100k county
        mv "$work/gen-$BIG/county.gpkg" "$big"
        echo "generated $BIG parcels in $(echo "$(now) - $t0" | bc -l | xargs printf '%.0f') s"
    fi
    rm -f "$work/big-store.gpkg"
    t0=$(now)
    "$Z" import --quiet "$work/big-store.gpkg" "$big" 2>"$work/big.log"
    echo "zrzy import of $BIG parcels: $(echo "$(now) - $t0" | bc -l | xargs printf '%.1f') s; $(grep -o 'peak RSS [0-9]* MB' "$work/big.log")"
    bigdir=$work/gen-$BIG
    [ -f "$bigdir/price_index.csv" ] || "$Z" demo-data --out "$bigdir" --parcels 1000 >/dev/null
    rss() { grep 'Maximum resident' "$1" | awk '{ printf "%.0f MB", $6 / 1024 }'; }
    t0=$(now)
    /usr/bin/time -v "$Z" check "$big" --out "$work/big-qc" >/dev/null 2>"$work/big-qc.log" || true
    echo "zrzy check of $BIG parcels (streamed; topology by tiles when the layer would not fit in memory): $(echo "$(now) - $t0" | bc -l | xargs printf '%.1f') s; peak RSS $(rss "$work/big-qc.log")"
    t0=$(now)
    /usr/bin/time -v "$Z" inventory --parcels "$big" --prices "$big" --price-index "$bigdir/price_index.csv" \
        --out "$work/big-inv" >/dev/null 2>"$work/big-inv.log"
    echo "zrzy inventory of $BIG parcels (streamed): $(echo "$(now) - $t0" | bc -l | xargs printf '%.1f') s; peak RSS $(rss "$work/big-inv.log")"
fi
