# zrzy check: exit codes, outputs, unusable input.
. "$(dirname "$0")/lib.inc"
"$Z" demo-data --out "$T" --parcels 600 --km2 9 --seed 5 >/dev/null || bad "demo-data"
expect_exit "clean county passes" 0 "$Z" check "$T/county.gpkg" --out "$T/qc"
for f in errors.csv errors.gpkg report.xlsx report.pdf; do
    [ -s "$T/qc/$f" ] && ok || bad "missing $f"
done
expect_eq "clean county has no findings" "$(wc -l <"$T/qc/errors.csv")" "1"
# a store checks the same as its source
"$Z" import -q "$T/store.gpkg" "$T/county.gpkg" 2>/dev/null
expect_exit "store passes" 0 "$Z" check "$T/store.gpkg" --out "$T/qc2"
# plant: a duplicated BSM and an unknown land class → severity 1 → exit 3
cp "$T/county.gpkg" "$T/bad.gpkg"
sqlite3 "$T/bad.gpkg" "drop trigger rtree_DLTB_geom_update3; drop trigger rtree_DLTB_geom_update4;
    update DLTB set BSM = (select BSM from DLTB where fid = 2) where fid = 1;
    update DLTB set DLBM = '0100' where fid = 3;"
expect_exit "planted defects fail" 3 "$Z" check "$T/bad.gpkg" --out "$T/qc3"
expect_eq "A04 rows" "$(grep -c '^A04,' "$T/qc3/errors.csv")" "2"
expect_contains "A01 row" "$(grep '^A01,' "$T/qc3/errors.csv")" "0100"
# the same inputs give the same bytes
"$Z" check "$T/bad.gpkg" --out "$T/qc4" 2>/dev/null
cmp -s "$T/qc3/errors.csv" "$T/qc4/errors.csv" && ok || bad "errors.csv differs between runs"
cmp -s "$T/qc3/report.pdf" "$T/qc4/report.pdf" && ok || bad "report.pdf differs between runs"
# results are staged and swapped in with one rename: a rerun replaces them whole, keeps the
# user's own files in the folder, and leaves no stage behind; a failed run changes nothing
echo keep >"$T/qc4/notes.txt"
"$Z" check "$T/county.gpkg" --out "$T/qc4" 2>/dev/null
expect_eq "rerun: clean findings replace the planted ones" "$(wc -l <"$T/qc4/errors.csv")" "1"
expect_eq "rerun: the user's file is kept" "$(cat "$T/qc4/notes.txt")" "keep"
expect_eq "no stage left" "$(ls -a "$T" | grep -c zrzy-stage)" "0"
cp -r "$T/qc4" "$T/qc4.before"
expect_exit "a failed run" 2 "$Z" check "$T/bad.gpkg" --boundary NOPE --out "$T/qc4"
diff -r "$T/qc4" "$T/qc4.before" >/dev/null && ok || bad "a failed run changed the results"
# streamed by tiles through the R*Tree: the same findings, byte for byte
"$Z" check "$T/bad.gpkg" --tile-parcels 40 --out "$T/qc8" 2>/dev/null
cmp -s "$T/qc3/errors.csv" "$T/qc8/errors.csv" && ok || bad "tiled errors.csv differs from held mode"
expect_exit "tile size must be positive" 2 "$Z" check "$T/bad.gpkg" --tile-parcels 0 --out "$T/qc9"
# shapefiles as a contractor hands them over: GBK without .cpg, XZQ.shp beside DLTB.shp
ogr2ogr -f "ESRI Shapefile" -lco ENCODING=CP936 "$T/shp" "$T/county.gpkg" DLTB 2>/dev/null
ogr2ogr -f "ESRI Shapefile" -lco ENCODING=CP936 "$T/shp" "$T/county.gpkg" XZQ 2>/dev/null
rm -f "$T/shp/"*.cpg
expect_exit "GBK shapefiles pass" 0 "$Z" check "$T/shp/DLTB.shp" --out "$T/qc11"
expect_eq "GBK shapefiles: no findings (names decoded, villages found)" "$(wc -l <"$T/qc11/errors.csv")" "1"
expect_exit "boundary as a file of its own" 0 "$Z" check "$T/county.gpkg" --boundary "$T/shp/XZQ.shp" --out "$T/qc12"
# GDAL is opened only for other formats: without it a GeoPackage checks the same, a shapefile
# is refused with the reason
expect_exit "a GeoPackage needs no GDAL" 0 env ZRZY_GDAL=/nonexistent/libgdal.so "$Z" check "$T/county.gpkg" --out "$T/qc13"
cmp -s "$T/qc/errors.csv" "$T/qc13/errors.csv" && ok || bad "errors.csv differs without GDAL"
expect_exit "a shapefile without GDAL: unusable input" 2 env ZRZY_GDAL=/nonexistent/libgdal.so "$Z" check "$T/shp/DLTB.shp" --out "$T/qc14"
expect_contains "the refusal names GDAL" "$(cat "$T/stderr")" "cannot be read without GDAL"
# a GeoPackage without a spatial index cannot be tiled: refused with the way out
cp "$T/county.gpkg" "$T/noidx.gpkg"
sqlite3 "$T/noidx.gpkg" "drop table rtree_DLTB_geom"
expect_exit "no R*Tree: tiles refused" 2 "$Z" check "$T/noidx.gpkg" --tile-parcels 40 --out "$T/qc15"
expect_contains "refusal names the index" "$(cat "$T/stderr")" "R*Tree"
expect_exit "no R*Tree: held mode works" 0 "$Z" check "$T/noidx.gpkg" --out "$T/qc16"
# a shapefile cannot be tiled (no R*Tree): refused with the way out
expect_exit "tiled shapefile refused" 2 "$Z" check "$T/shp/DLTB.shp" --tile-parcels 40 --out "$T/qc10"
expect_contains "refusal says import" "$(cat "$T/stderr")" "zrzy import"
# a parcel without geometry is a finding (G01), not a reason to stop; by tiles the same
cp "$T/county.gpkg" "$T/nogeom.gpkg"
sqlite3 "$T/nogeom.gpkg" "drop trigger rtree_DLTB_geom_update1; drop trigger rtree_DLTB_geom_update2;
    drop trigger rtree_DLTB_geom_update3; drop trigger rtree_DLTB_geom_update4;
    update DLTB set geom = NULL where fid = 7;"
expect_exit "missing geometry is a severity-1 finding" 3 "$Z" check "$T/nogeom.gpkg" --out "$T/qc13"
expect_contains "G01 row for it" "$(grep '^G01,' "$T/qc13/errors.csv")" "geometry is missing"
"$Z" check "$T/nogeom.gpkg" --tile-parcels 50 --out "$T/qc14" 2>/dev/null
cmp -s "$T/qc13/errors.csv" "$T/qc14/errors.csv" && ok || bad "tiled errors.csv differs with a missing geometry"
# unusable input
expect_exit "missing file" 2 "$Z" check "$T/nope.gpkg" --out "$T/qc5"
expect_exit "missing boundary layer" 2 "$Z" check "$T/county.gpkg" --boundary NOPE --out "$T/qc6"
expect_exit "no --out" 2 "$Z" check "$T/county.gpkg"
printf 'version\tx\nQ01\tx\t1\t0\t1\n' >"$T/rules.tsv"
expect_exit "bad rules file" 2 "$Z" check "$T/county.gpkg" --rules "$T/rules.tsv" --out "$T/qc7"
expect_contains "bad rules message" "$(cat "$T/stderr")" "Q01"
# a KCXS outside 0…1 is an M02 finding (it passed unnoticed before)
cp "$T/county.gpkg" "$T/kcxs.gpkg"
sqlite3 "$T/kcxs.gpkg" "select 'drop trigger ' || name || ';' from sqlite_master where type = 'trigger'" | sqlite3 "$T/kcxs.gpkg"
sqlite3 "$T/kcxs.gpkg" "update DLTB set KCXS = 1.5 where fid = 4; update DLTB set KCXS = -0.2 where fid = 5"
"$Z" check "$T/kcxs.gpkg" --out "$T/qc-kcxs" >/dev/null 2>&1
expect_eq "KCXS out of range: two findings" "$(grep -c 'deduction coefficient' "$T/qc-kcxs/errors.csv")" "2"
finish
