#!/bin/sh
# zrzy demo-data: the default county is the same data as before the shape options existed
# (hashes from the binary of commit eabd1e9), the western shape has the asked-for shape, a run
# is deterministic and all or nothing, bad options exit 2.
. "$(dirname "$0")/lib.inc"

# every row of every layer the generator writes (blobs as hex), in fid order
content() { # gpkg
    for t in DLTB XZQ ZD JZDJ TKXS; do
        sqlite3 -batch -cmd ".mode quote" "$1" "select * from $t order by rowid"
    done | sha256sum | cut -c1-64
}
# the file's bytes with gpkg_contents' last_change timestamps masked
masked() { # file
    LC_ALL=C sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z/XXXX-XX-XXTXX:XX:XX.XXXZ/g' "$1" |
        sha256sum | cut -c1-64
}

# 1. the default county (no options): the same rows and tables as the session-3 generator
"$Z" demo-data --out "$T/default" >/dev/null || bad "demo-data default"
expect_eq "default county.gpkg content" "$(content "$T/default/county.gpkg")" \
    acbfc68a206b9352ad74e5fed32c8a5bc8e5587ea33333c5ea6d23ecb0c0a48a
expect_eq "default price_index.csv" "$(sha256sum <"$T/default/price_index.csv" | cut -c1-64)" \
    2789562fd26391e27976a5d1dd2572d083d444b4384428ffd2a445ce798329c1
expect_eq "default far.csv" "$(sha256sum <"$T/default/far.csv" | cut -c1-64)" \
    4d24b6cef6e15afb2211d0a955ff2140a9a274fd997eddc0a3241fae169ba05f
expect_eq "default minerals.csv" "$(sha256sum <"$T/default/minerals.csv" | cut -c1-64)" \
    b541b037d1c217f7398cf2e58cb9121b8b26cc326d41f2b1555fb27b23b2b63c
expect_eq "default reserve.csv" "$(sha256sum <"$T/default/reserve.csv" | cut -c1-64)" \
    fdc924244e53771e440d7aac16f8e4aa656c4c5b06408b7d9861869ce283dd39

# 2. a western county (the bench's shape at a tenth of the size), twice: the same bytes
west="--parcels 2200 --county 652302 --zone 29 --offset 1.2 --lat 44.15 --km2 400 --vertices 48
      --price-zones 350 --price-uses 9 --state-share 40 --villages 40"
# shellcheck disable=SC2086
out=$("$Z" demo-data --out "$T/west1" $west) || bad "demo-data west"
expect_contains "west summary" "$out" "40 villages, EPSG:4517"
# shellcheck disable=SC2086
"$Z" demo-data --out "$T/west2" $west >/dev/null || bad "demo-data west again"
expect_eq "west county.gpkg same bytes" "$(masked "$T/west2/county.gpkg")" "$(masked "$T/west1/county.gpkg")"
for f in price_index.csv far.csv minerals.csv reserve.csv; do
    expect_eq "west $f same bytes" "$(sha256sum <"$T/west2/$f")" "$(sha256sum <"$T/west1/$f")"
done
g=$T/west1/county.gpkg
expect_eq "west: 48 vertices + the closing point" \
    "$(sqlite3 "$g" "select min((length(geom) - 40 - 22) / 16), max((length(geom) - 40 - 22) / 16) from DLTB")" "49|49"
share=$(sqlite3 "$g" "select round(100.0 * sum(QSXZ in ('10', '20')) / count(*)) from DLTB")
expect_eq "west: 40 % state-owned" "$share" "40.0"
expect_eq "west: 350 zones of 9 uses, levels 1-4" \
    "$(sqlite3 "$g" "select count(*), count(distinct TDYT), min(JB), max(JB) from JZDJ")" "350|9|1|4"
expect_eq "west: price index for the 9 priced uses" \
    "$(tail -n +2 "$T/west1/price_index.csv" | cut -d, -f1 | sort -u | tr '\n' ' ')" "01 03 04 05 06 07 08 10 11 "
expect_eq "west: 40 villages" "$(sqlite3 "$g" "select count(*) from XZQ")" "40"
expect_eq "west: zone 29 (EPSG:4517), centre 1.2° east of 87°E" \
    "$(sqlite3 "$g" "select distinct srs_id from gpkg_geometry_columns")" "4517"
x=$(sqlite3 "$g" "select round((min(minx) + max(maxx)) / 2 / 1000) from rtree_DLTB_geom")
# 29 500 km + 1.2° of longitude at 44.15°N ≈ 96 km
case $x in 29594.0 | 29595.0 | 29596.0 | 29597.0 | 29598.0) ok ;; *) bad "west: centre easting $x km" ;; esac
# the zones of one use tile the parcels: every parcel's centre lies in exactly one zone of use 05
n=$(sqlite3 "$g" "select count(*) from DLTB d join rtree_DLTB_geom r on r.id = d.fid
    where (select count(*) from JZDJ z join rtree_JZDJ_geom q on q.id = z.fid where z.TDYT = '05'
           and (r.minx + r.maxx) / 2 between q.minx and q.maxx
           and (r.miny + r.maxy) / 2 between q.miny and q.maxy) != 1")
expect_eq "west: each parcel in exactly one zone of use 05" "$n" "0"
# clean tessellation: the whole catalogue finds nothing
expect_exit "west: check passes" 0 "$Z" check "$g" --out "$T/west1/qc"
expect_eq "west: no findings" "$(tail -n +2 "$T/west1/qc/errors.csv" | wc -l)" "0"

# 3. all or nothing: a run that fails leaves the folder as it was; a run that succeeds keeps
# the files that are not its own
before=$(masked "$T/west1/county.gpkg")
expect_exit "state share beyond the land uses" 2 "$Z" demo-data --out "$T/west1" --parcels 500 \
    --state-share 99
expect_eq "failed run left county.gpkg" "$(masked "$T/west1/county.gpkg")" "$before"
expect_eq "failed run left no stage" "$(ls -a "$T" "$T/west1" | grep -c zrzy-stage)" "0"
"$Z" demo-data --out "$T/west1" --parcels 500 >/dev/null || bad "demo-data over west1"
expect_eq "other files kept" "$(ls "$T/west1/qc/errors.csv" 2>/dev/null)" "$T/west1/qc/errors.csv"
expect_eq "new county in place" "$(sqlite3 "$T/west1/county.gpkg" "select srs_id from gpkg_geometry_columns limit 1")" "4527"

# 4. bad options: exit 2, nothing written
for args in "--vertices 3" "--vertices x" "--price-zones 5" "--price-uses 13" "--state-share 101" \
    "--villages 5000" "--zone 50" "--offset 3.5" "--zone 29 --lon 120" "--km2 -1" "--seed 0"; do
    # shellcheck disable=SC2086
    expect_exit "demo-data $args" 2 "$Z" demo-data --out "$T/bad" --parcels 500 $args
done
expect_eq "bad options wrote nothing" "$(ls -d "$T/bad" 2>/dev/null | wc -l)" "0"
# the folder may be the working folder: files go in one by one, the folder itself stays
mkdir -p "$T/cwd" && touch "$T/cwd/mine.txt"
(cd "$T/cwd" && "$Z" demo-data --out . --parcels 300 >/dev/null) || bad "demo-data --out ."
expect_eq "--out . keeps the folder's files" "$(ls "$T/cwd" | tr '\n' ' ')" \
    "county.gpkg far.csv mine.txt minerals.csv price_index.csv reserve.csv "
expect_eq "--out . leaves no stage" "$(ls -a "$T/cwd" | grep -c zrzy-stage)" "0"
finish
