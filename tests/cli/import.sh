# zrzy import from every supported source kind: GeoPackage, Shapefile in GBK or UTF-8 (with and
# without .cpg and language id), FlatGeobuf via GDAL, GeoJSON in EPSG:4490; GDAL round trips.
. "$(dirname "$0")/lib.inc"
q() { sqlite3 -batch -noheader "$@"; }

"$Z" demo-data --out "$T" --parcels 400 --km2 6 --seed 3 >/dev/null || bad "demo-data"
"$Z" import -q "$T/store.gpkg" "$T/county.gpkg" || bad "import gpkg"
want_names=$(q "$T/store.gpkg" "select group_concat(ZLDWMC || QSDWMC, '|') from (select * from DLTB order by BSM limit 50)")
want_area=$(q "$T/store.gpkg" "select sum(round(TBMJ*100)) from DLTB")
expect_contains "names are Chinese" "$want_names" "村"

# Shapefiles: GBK with .cpg, GBK without .cpg (language id 0 and 0x4D), UTF-8 without .cpg
ogr2ogr -f "ESRI Shapefile" "$T/gbk.shp" "$T/store.gpkg" DLTB -lco ENCODING=CP936 2>/dev/null
ogr2ogr -f "ESRI Shapefile" "$T/utf8.shp" "$T/store.gpkg" DLTB -lco ENCODING=UTF-8 2>/dev/null
for f in gbk nocpg-gbk ldid-gbk nocpg-utf8; do
    case $f in
    nocpg-gbk | ldid-gbk) src=gbk ;;
    nocpg-utf8) src=utf8 ;;
    *) src=$f ;;
    esac
    if [ "$f" != "$src" ]; then
        for e in shp shx dbf prj; do cp "$T/$src.$e" "$T/$f.$e"; done
        case $f in
        ldid-gbk) printf '\115' | dd of="$T/$f.dbf" bs=1 seek=29 conv=notrunc 2>/dev/null ;;
        *) printf '\000' | dd of="$T/$f.dbf" bs=1 seek=29 conv=notrunc 2>/dev/null ;;
        esac
    fi
    rm -f "$T/s-$f.gpkg"
    "$Z" import -q "$T/s-$f.gpkg" "$T/$f.shp" 2>"$T/err" || bad "import $f.shp: $(cat "$T/err")"
    got=$(q "$T/s-$f.gpkg" "select group_concat(ZLDWMC || QSDWMC, '|') from (select * from DLTB order by BSM limit 50)")
    expect_eq "$f.shp text" "$got" "$want_names"
    expect_eq "$f.shp area" "$(q "$T/s-$f.gpkg" "select sum(round(TBMJ*100)) from DLTB")" "$want_area"
done

# a 6-degree zone with the zone number (EPSG:4497, zone 19) from an ESRI .prj: the same areas
# to the cent but for reprojection noise (≤ 1 cent a parcel)
ogr2ogr -f "ESRI Shapefile" -t_srs EPSG:4497 "$T/six.shp" "$T/store.gpkg" DLTB 2>/dev/null
rm -f "$T/s-six.gpkg"
"$Z" import -q "$T/s-six.gpkg" "$T/six.shp" 2>"$T/err" || bad "import of a 6-degree zone: $(cat "$T/err")"
expect_eq "6-degree zone recognised" "$(q "$T/s-six.gpkg" "select srs_id from gpkg_geometry_columns where table_name = 'DLTB'")" "4497"
sixdiff=$(sqlite3 -batch -noheader "$T/s-six.gpkg" "attach '$T/store.gpkg' as a; select cast(max(abs(round(s.TBMJ*100) - round(o.TBMJ*100))) as integer) from DLTB s join a.DLTB o using (BSM)")
[ "${sixdiff:-9}" -le 1 ] && ok || bad "6-degree zone areas differ by $sixdiff cents"

# import → GDAL export → import gives identical rows (GeoPackage via GDAL's writer; FlatGeobuf)
cols="BSM,YSDM,TBYBH,TBBH,DLBM,DLMC,QSXZ,QSDWDM,QSDWMC,ZLDWDM,ZLDWMC,TBMJ,KCDLBM,KCXS,KCMJ,TBDLMJ,GDLX,GDPDJB,XZDWKD,TBXHDM,TBXHMC,ZZSXDM,ZZSXMC,GDDB,FRDBS,CZCSXM,SJNF,MSSM,HDMC,BZ,hex(geom)"
q "$T/store.gpkg" "select $cols from DLTB order by BSM" >"$T/rows-1.txt"
ogr2ogr -f GPKG "$T/export.gpkg" "$T/store.gpkg" DLTB XZQ 2>/dev/null
"$Z" import -q "$T/store2.gpkg" "$T/export.gpkg" || bad "re-import of GDAL's GeoPackage"
q "$T/store2.gpkg" "select $cols from DLTB order by BSM" >"$T/rows-2.txt"
if cmp -s "$T/rows-1.txt" "$T/rows-2.txt"; then ok; else bad "GPKG round trip rows differ"; fi
ogr2ogr -f FlatGeobuf "$T/export.fgb" "$T/store.gpkg" DLTB 2>/dev/null
"$Z" import -q "$T/store3.gpkg" "$T/export.fgb" || bad "import FlatGeobuf"
q "$T/store3.gpkg" "select $cols from DLTB order by BSM" >"$T/rows-3.txt"
if cmp -s "$T/rows-1.txt" "$T/rows-3.txt"; then ok; else bad "FlatGeobuf round trip rows differ"; fi

# GeoJSON in CGCS2000 geographic: the 1°×1° cell of the area formula's test vector
cat >"$T/cell.geojson" <<'JSON'
{"type": "FeatureCollection",
 "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
 "features": [{"type": "Feature",
   "properties": {"BSM": "1", "DLBM": "0103", "QSXZ": "30", "ZLDWDM": "3715211000010000000",
                  "KCXS": 0.1195, "TBMJ": 1},
   "geometry": {"type": "Polygon", "coordinates": [[[100,30],[101,30],[101,31],[100,31],[100,30]]]}}]}
JSON
"$Z" import -q "$T/cell.gpkg" "$T/cell.geojson" 2>"$T/err" || bad "import geojson: $(cat "$T/err")"
expect_eq "cell TBMJ/KCMJ/TBDLMJ" "$(q "$T/cell.gpkg" "select printf('%.2f %.2f %.2f', TBMJ, KCMJ, TBDLMJ) from DLTB")" \
    "10642393438.71 1271766015.93 9370627422.78"
expect_contains "report lists the stated TBMJ" "$(cat "$T/cell.import-report.csv")" "1,TBMJ,1.00,10642393438.71"

# --year fills SJNF where the source has none
"$Z" import -q "$T/cell2.gpkg" "$T/cell.geojson" --year 2023 2>/dev/null || bad "import --year"
expect_eq "SJNF from --year" "$(q "$T/cell2.gpkg" "select SJNF from DLTB")" "2023"

# info: layers, counts, CRS and Σ TBMJ by village and land class, also as JSON
info=$("$Z" info "$T/store.gpkg")
expect_contains "info lists DLTB" "$info" "DLTB"
expect_contains "info names the CRS" "$info" "EPSG:4527"
expect_contains "info by village" "$info" "by village"
json=$("$Z" info "$T/store.gpkg" --json)
total=$(q "$T/store.gpkg" "select printf('%.2f', sum(round(TBMJ * 100)) / 100.0) from DLTB")
expect_contains "info --json total" "$json" "\"tbmj\": \"$total\""
expect_contains "info --json parcels" "$json" "\"parcels\": $(q "$T/store.gpkg" "select count(*) from DLTB")"
expect_contains "info --json land classes" "$json" "\"by_land_class\""
expect_exit "info on a missing store" 2 "$Z" info "$T/none.gpkg"

# usage and input errors exit 2 and name the problem
expect_exit "no arguments" 2 "$Z" import
expect_exit "unknown option" 2 "$Z" import --bogus a b
expect_exit "missing source" 2 "$Z" import "$T/x.gpkg" "$T/nope.shp"
expect_contains "missing source message" "$(cat "$T/stderr")" "nope.shp"
[ ! -e "$T/x.gpkg" ] && ok || bad "a refused import created the store"
printf 'not a shapefile' >"$T/junk.shp"
expect_exit "junk source" 2 "$Z" import "$T/x.gpkg" "$T/junk.shp"
finish
