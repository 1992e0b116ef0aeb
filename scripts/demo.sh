#!/bin/sh
# The county job on a generated county: demo-data → import → check → inventory; prints where
# each result is. Usage: scripts/demo.sh ZRZY DIR [PARCELS [demo-data options…]], e.g. the
# western bench county: scripts/demo.sh build/zrzy west 22000 --county 652302 --zone 29
#   --offset 1.2 --lat 44.15 --km2 4000 --vertices 48 --price-zones 350 --price-uses 9
#   --state-share 40 --villages 40
set -eu
zrzy=$1 dir=$2 parcels=${3:-100000}
shift $(($# < 3 ? $# : 3))
mkdir -p "$dir"
echo "== zrzy demo-data: a synthetic county of $parcels parcels"
"$zrzy" demo-data --out "$dir" --parcels "$parcels" "$@"
echo "== zrzy import: parcels into the store, with ellipsoidal areas"
rm -f "$dir/store.gpkg"
"$zrzy" import "$dir/store.gpkg" "$dir/county.gpkg" --year 2023
echo "== zrzy check: the quality-check catalogue"
rc=0
"$zrzy" check "$dir/store.gpkg" --out "$dir/check" || rc=$?
[ $rc -le 3 ] || exit $rc
echo "== zrzy inventory: value the state-owned assets"
"$zrzy" inventory --parcels "$dir/store.gpkg" --prices "$dir/county.gpkg" \
    --price-index "$dir/price_index.csv" --far "$dir/far.csv" --rights "$dir/county.gpkg" \
    --minerals "$dir/minerals.csv" --reserve "$dir/reserve.csv" --base-date 2023-12-31 \
    --out "$dir/inventory"
echo "== zrzy info"
"$zrzy" info "$dir/store.gpkg" | head -n 8
echo "   …"
echo
echo "Results:"
echo "  generated county:  $dir/county.gpkg (DLTB, XZQ, TKXS, JZDJ price zones, ZD rights)"
echo "                     $dir/price_index.csv far.csv minerals.csv reserve.csv"
echo "  store:             $dir/store.gpkg    (zrzy info $dir/store.gpkg [--json])"
echo "  import report:     $dir/store.import-report.csv"
echo "  quality check:     $dir/check/        (errors.csv errors.gpkg report.xlsx report.pdf)"
echo "  asset inventory:   $dir/inventory/    (parcels.csv summary.csv summary.xlsx inventory.gpkg"
echo "                                          rights.csv minerals.csv reserve.csv report.pdf manifest.txt)"
