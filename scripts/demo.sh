#!/bin/sh
# The county job on a generated county: demo-data → import; prints where each result is.
set -eu
zrzy=$1 dir=$2 parcels=${3:-100000}
mkdir -p "$dir"
echo "== zrzy demo-data: a synthetic county of $parcels parcels"
"$zrzy" demo-data --out "$dir" --parcels "$parcels"
echo "== zrzy import: parcels into the store, with ellipsoidal areas"
rm -f "$dir/store.gpkg"
"$zrzy" import "$dir/store.gpkg" "$dir/county.gpkg" --year 2023
echo "== zrzy info"
"$zrzy" info "$dir/store.gpkg" | head -n 12
echo "   …"
echo
echo "Results:"
echo "  generated county:  $dir/county.gpkg   (layers DLTB, XZQ, TKXS; opens in QGIS)"
echo "  store:             $dir/store.gpkg    (zrzy info $dir/store.gpkg [--json])"
echo "  import report:     $dir/store.import-report.csv"
