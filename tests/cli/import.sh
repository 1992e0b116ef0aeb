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

# ---- all or nothing ----
listing() { (cd "$1" && ls -A | sort | tr '\n' ' '); }

# an empty DLTB is refused (exit 2, the store untouched) unless --allow-empty
cp "$T/county.gpkg" "$T/empty.gpkg"
sqlite3 "$T/empty.gpkg" "select 'drop trigger ' || name || ';' from sqlite_master where type = 'trigger'" | sqlite3 "$T/empty.gpkg"
sqlite3 "$T/empty.gpkg" "delete from DLTB"
cp "$T/store.gpkg" "$T/e-store.gpkg"
expect_exit "empty DLTB refused" 2 "$Z" import -q "$T/e-store.gpkg" "$T/empty.gpkg"
expect_contains "empty DLTB message" "$(cat "$T/stderr")" "--allow-empty"
cmp -s "$T/store.gpkg" "$T/e-store.gpkg" && ok || bad "a refused empty import changed the store"
expect_exit "--allow-empty" 0 "$Z" import -q --allow-empty "$T/e-store.gpkg" "$T/empty.gpkg"
expect_eq "--allow-empty empties DLTB" "$(q "$T/e-store.gpkg" "select count(*) from DLTB")" "0"

# invalid UTF-8 in a GeoPackage: refused under --strict naming fid, BSM and field; else stored
# with U+FFFD and listed in the report
cp "$T/county.gpkg" "$T/latin.gpkg"
# (the R*Tree triggers need GeoPackage functions the sqlite3 shell lacks; a source needs no index)
sqlite3 "$T/latin.gpkg" "select 'drop trigger ' || name || ';' from sqlite_master where type = 'trigger'" | sqlite3 "$T/latin.gpkg"
sqlite3 "$T/latin.gpkg" "update DLTB set QSDWMC = cast(x'41FF42' as text) where fid = 3"
bsm3=$(q "$T/latin.gpkg" "select BSM from DLTB where fid = 3")
expect_exit "invalid UTF-8 under --strict" 2 "$Z" import -q --strict "$T/l-store.gpkg" "$T/latin.gpkg"
expect_contains "invalid UTF-8 message" "$(cat "$T/stderr")" "fid=3 BSM=$bsm3: field QSDWMC: text is not valid UTF-8"
[ ! -e "$T/l-store.gpkg" ] && ok || bad "a refused import created the store"
"$Z" import "$T/l-store.gpkg" "$T/latin.gpkg" 2>"$T/err" || bad "invalid UTF-8 without --strict: $(cat "$T/err")"
expect_contains "repaired text counted" "$(cat "$T/err")" "1 text values were not valid UTF-8"
expect_eq "U+FFFD stored" "$(q "$T/l-store.gpkg" "select hex(QSDWMC) from DLTB where fid = 3")" "41EFBFBD42"
expect_contains "report lists the text" "$(cat "$T/l-store.import-report.csv")" "$bsm3,QSDWMC,A\\xFFB,A"

# SIGINT during an import into an existing store: exit 130, the store and its report
# byte-identical, nothing else left in the folder
"$Z" demo-data --out "$T/big" --parcels 30000 --km2 300 --seed 4 >/dev/null || bad "demo-data big"
mkdir -p "$T/int"
cp "$T/store.gpkg" "$T/int/store.gpkg"
printf 'BSM,FIELD,STATED,COMPUTED\n' >"$T/int/store.import-report.csv"
before=$(listing "$T/int")
cp "$T/int/store.gpkg" "$T/int-orig.gpkg"
interrupted=0
for delay in 0.2 0.1 0; do
    "$Z" import -q "$T/int/store.gpkg" "$T/big/county.gpkg" 2>"$T/err" &
    pid=$!
    # once the writer holds the store (its lock file exists) the SIGINT handler is in place: a
    # background job of sh starts with SIGINT ignored, so an earlier signal would be lost
    i=0
    while [ $i -lt 200 ] && [ ! -e "$T/int/store.gpkg.zrzy-lock" ]; do sleep 0.05; i=$((i + 1)); done
    sleep $delay
    kill -INT $pid
    wait $pid
    rc=$?
    if [ $rc = 0 ]; then # finished first: put the store back, try sooner
        cp "$T/int-orig.gpkg" "$T/int/store.gpkg"
        printf 'BSM,FIELD,STATED,COMPUTED\n' >"$T/int/store.import-report.csv"
        continue
    fi
    interrupted=1
    expect_eq "SIGINT exit code" "$rc" "130"
    cmp -s "$T/int-orig.gpkg" "$T/int/store.gpkg" && ok || bad "SIGINT changed the store"
    expect_eq "SIGINT report" "$(cat "$T/int/store.import-report.csv")" "BSM,FIELD,STATED,COMPUTED"
    expect_eq "SIGINT leaves nothing behind" "$(listing "$T/int")" "$before"
    "$Z" info "$T/int/store.gpkg" >/dev/null 2>&1 && ok || bad "the store is not readable after SIGINT"
    break
done
[ $interrupted = 1 ] && ok || bad "every import finished before SIGINT"

# a new store interrupted once its temporary file exists: no file under its name
mkdir -p "$T/int2"
wait_tmp() { # wait (up to 5 s) until the import's temporary store appears
    i=0
    while [ $i -lt 100 ] && ! ls -A "$T/int2" | grep -q zrzy-new; do sleep 0.05; i=$((i + 1)); done
}
"$Z" import -q "$T/int2/new.gpkg" "$T/big/county.gpkg" 2>/dev/null &
pid=$!
wait_tmp
kill -INT $pid
wait $pid
expect_eq "SIGINT (new store) exit code" "$?" "130"
expect_eq "SIGINT (new store) leaves nothing" "$(listing "$T/int2")" ""

# kill -9 during an import into a new store: no half-made store under its name; the next import
# completes and sweeps the dead process's temporary store
"$Z" import -q "$T/int2/new.gpkg" "$T/big/county.gpkg" 2>/dev/null &
pid=$!
wait_tmp
kill -9 $pid
wait $pid 2>/dev/null
[ ! -e "$T/int2/new.gpkg" ] && ok || bad "kill -9 left a half-made store"
expect_contains "kill -9 leaves its temporary store" "$(listing "$T/int2")" ".new.gpkg.zrzy-new-$pid."
"$Z" import -q "$T/int2/new.gpkg" "$T/county.gpkg" || bad "import after kill -9"
expect_eq "kill -9 leftovers swept" "$(listing "$T/int2")" "new.gpkg new.import-report.csv "

# a full disk: exit 1, "nothing was changed" is true (a small tmpfs when this user may mount
# one, else a file size limit, which the kernel reports as EFBIG like a full disk)
mkdir -p "$T/full"
if mount -t tmpfs -o size=6m tmpfs "$T/full" 2>/dev/null; then
    mounted=1
    limit() { "$@"; }
else
    mounted=0
    limit() { (trap '' XFSZ; ulimit -f 6000; "$@"); }
fi
cp "$T/store.gpkg" "$T/full/store.gpkg" 2>/dev/null || true
printf 'BSM,FIELD,STATED,COMPUTED\n' >"$T/full/store.import-report.csv"
fbefore=$(listing "$T/full")
cp "$T/full/store.gpkg" "$T/full-orig.gpkg"
limit "$Z" import -q "$T/full/store.gpkg" "$T/big/county.gpkg" >/dev/null 2>"$T/err"
expect_eq "full disk (existing store) exit code" "$?" "1"
expect_contains "full disk message" "$(cat "$T/err")" "nothing was changed"
cmp -s "$T/full-orig.gpkg" "$T/full/store.gpkg" && ok || bad "a full disk changed the store"
expect_eq "full disk leaves nothing behind" "$(listing "$T/full")" "$fbefore"
limit "$Z" import -q "$T/full/new.gpkg" "$T/big/county.gpkg" >/dev/null 2>"$T/err"
expect_eq "full disk (new store) exit code" "$?" "1"
expect_eq "full disk (new store) leaves nothing" "$(listing "$T/full")" "$fbefore"
[ $mounted = 1 ] && umount "$T/full"
# a deduction coefficient outside [0, 1) is refused (a negative KCXS once gave TBDLMJ > TBMJ)
for kx in -0.5 1.5 1e300; do
    cp "$T/county.gpkg" "$T/kcxs.gpkg"
    sqlite3 "$T/kcxs.gpkg" "select 'drop trigger ' || name || ';' from sqlite_master where type = 'trigger'" | sqlite3 "$T/kcxs.gpkg"
    sqlite3 "$T/kcxs.gpkg" "update DLTB set KCXS = $kx where fid = 4"
    rm -f "$T/kcxs-store.gpkg"
    expect_exit "KCXS $kx refused" 2 "$Z" import -q "$T/kcxs-store.gpkg" "$T/kcxs.gpkg"
    expect_contains "KCXS $kx named" "$(cat "$T/stderr")" "field KCXS"
    [ ! -e "$T/kcxs-store.gpkg" ] && ok || bad "KCXS $kx: a store was left"
done
finish
