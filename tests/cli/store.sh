# zrzy verify and zrzy backup; a store after kill -9 / SIGINT of a writer; a newer store refused;
# a source overwritten while it is checked.
. "$(dirname "$0")/lib.inc"
q() { sqlite3 -batch -noheader "$@"; }

"$Z" demo-data --out "$T" --parcels 400 --km2 6 --seed 3 >/dev/null || bad "demo-data"
"$Z" import -q "$T/store.gpkg" "$T/county.gpkg" || bad "import"
n0=$(q "$T/store.gpkg" "select count(*) from DLTB")

# verify: a clean store passes, text and JSON
out=$("$Z" verify "$T/store.gpkg")
expect_eq "verify clean: exit" "$?" "0"
expect_contains "verify clean: summary" "$out" "5 checks"
expect_contains "verify clean: ok" "$out" ": ok (0 failures)"
json=$("$Z" verify --json "$T/store.gpkg")
expect_contains "verify --json ok" "$json" '"ok": true'
expect_contains "verify --json parcels" "$json" "\"parcels\": $n0"
[ -e "$T/store.gpkg-wal" ] && bad "a reader left store.gpkg-wal behind" || ok

# planted corruption, each named: TBMJ (through GDAL, which knows the R*Tree triggers' functions),
# an R*Tree box, a page
cp "$T/store.gpkg" "$T/bad.gpkg"
bsm=$(q "$T/bad.gpkg" "select BSM from DLTB where fid = 7")
tb=$(q "$T/bad.gpkg" "select printf('%.2f', TBMJ) from DLTB where fid = 7")
ogrinfo -q "$T/bad.gpkg" -sql "UPDATE DLTB SET TBMJ = TBMJ + 1 WHERE fid = 7" >/dev/null 2>&1
q "$T/bad.gpkg" "update rtree_DLTB_geom set maxy = maxy + 500 where id = 11"
out=$("$Z" verify "$T/bad.gpkg")
expect_eq "verify planted: exit" "$?" "1"
expect_contains "verify names the TBMJ" "$out" "FAIL area: DLTB fid=7 BSM=$bsm field TBMJ: expected $tb, found"
expect_contains "verify names the box" "$out" "FAIL rtree-box: DLTB fid=11"
expect_contains "verify names the box side" "$out" "field maxy"
expect_contains "verify counts" "$out" "FAILED (2 failures)"
json=$("$Z" verify --json "$T/bad.gpkg")
expect_contains "verify --json failed" "$json" '"ok": false'
expect_contains "verify --json field" "$json" '"field": "TBMJ"'

# a GeoPackage written by GDAL (its own R*Tree rounding) verifies too
ogr2ogr -f GPKG "$T/gdal.gpkg" "$T/store.gpkg" DLTB XZQ 2>/dev/null
expect_exit "verify GDAL's GeoPackage" 0 "$Z" verify "$T/gdal.gpkg"

cp "$T/store.gpkg" "$T/page.gpkg"
ps=$(q "$T/page.gpkg" "pragma page_size")
pg=$(q "$T/page.gpkg" "select pageno from dbstat where name = 'DLTB' and pagetype = 'leaf' order by pageno limit 1 offset 1")
[ -n "$pg" ] || pg=$(($(q "$T/page.gpkg" "pragma page_count") / 2))
head -c 8192 /dev/urandom | dd of="$T/page.gpkg" bs=1 seek=$(((pg - 1) * ps)) conv=notrunc 2>/dev/null
out=$("$Z" verify "$T/page.gpkg" 2>&1)
expect_eq "verify corrupt page: exit" "$?" "1"
expect_contains "verify corrupt page: integrity" "$out" "FAIL integrity"
expect_exit "verify of a missing file" 2 "$Z" verify "$T/nosuch.gpkg"

# backup: a consistent single-file copy; never over the store itself
expect_exit "backup" 0 "$Z" backup "$T/store.gpkg" "$T/copy.gpkg"
expect_eq "backup integrity" "$(q "$T/copy.gpkg" "pragma integrity_check")" "ok"
expect_eq "backup rows" "$(q "$T/copy.gpkg" "select count(*) from DLTB")" "$n0"
expect_eq "backup journal mode" "$(q "$T/copy.gpkg" "pragma journal_mode")" "delete"
expect_exit "backup verifies" 0 "$Z" verify "$T/copy.gpkg"
before=$(cksum <"$T/store.gpkg")
expect_exit "backup onto the store" 2 "$Z" backup "$T/store.gpkg" "$T/store.gpkg"
expect_contains "backup onto the store: message" "$(cat "$T/stderr")" "the destination is the store itself"
expect_exit "backup onto the store by another path" 2 "$Z" backup "$T/store.gpkg" "$T/../cli_store/store.gpkg"
expect_eq "store untouched" "$(cksum <"$T/store.gpkg")" "$before"
expect_exit "backup into a missing folder" 2 "$Z" backup "$T/store.gpkg" "$T/no/such/copy.gpkg"
: >"$T/empty.gpkg"
expect_exit "backup of an empty file" 2 "$Z" backup "$T/empty.gpkg" "$T/empty-copy.gpkg"
expect_contains "backup of an empty file: message" "$(cat "$T/stderr")" "not a GeoPackage"
ls "$T" | grep -q zrzy-tmp && bad "backup left a temporary file" || ok

# backup while a writer works: imports run one after another into the store
"$Z" demo-data --out "$T/big" --parcels 6000 --km2 60 --seed 5 >/dev/null || bad "demo-data big"
(while :; do "$Z" import -q "$T/live.gpkg" "$T/big/county.gpkg" >/dev/null 2>&1; done) &
writer=$!
nbig=$(q "$T/big/county.gpkg" "select count(*) from DLTB")
i=0 # until the first import has committed (read-only: the sqlite3 shell would create the file)
while [ $i -lt 900 ] && [ "$(q -readonly "$T/live.gpkg" "select count(*) from DLTB" 2>/dev/null)" != "$nbig" ]; do
    sleep 0.1
    i=$((i + 1))
done
for k in 1 2 3; do
    rm -f "$T/live-copy.gpkg"
    "$Z" backup -q "$T/live.gpkg" "$T/live-copy.gpkg" 2>"$T/err" || bad "backup $k while writing: $(cat "$T/err")"
    expect_eq "live backup $k integrity" "$(q "$T/live-copy.gpkg" "pragma integrity_check")" "ok"
    "$Z" verify "$T/live-copy.gpkg" >"$T/out" 2>&1 || bad "live backup $k: verify: $(cat "$T/out")"
    expect_eq "live backup $k rows" "$(q "$T/live-copy.gpkg" "select count(*) from DLTB")" "$nbig"
    sleep 0.3
done
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null

# kill -9 and SIGINT during an import into an existing store: every reader sees the old store or
# the new one, never a broken one, at once and without repair
for sig in KILL INT; do
    rm -f "$T/k.gpkg"*
    cp "$T/store.gpkg" "$T/k.gpkg"
    "$Z" import -q "$T/k.gpkg" "$T/big/county.gpkg" >/dev/null 2>&1 &
    pid=$!
    sleep 0.4
    kill -s $sig $pid 2>/dev/null
    wait $pid 2>/dev/null
    n=$("$Z" info --json "$T/k.gpkg" 2>"$T/err" | sed -n 's/^  "parcels": \([0-9]*\),*$/\1/p')
    case "$n" in
    "$n0" | "$(q "$T/big/county.gpkg" "select count(*) from DLTB")") ok ;;
    *) bad "after SIG$sig: zrzy info reads '$n' parcels: $(cat "$T/err")" ;;
    esac
    [ -e "$T/k.gpkg.zrzy-lock" ] && bad "after SIG$sig: the writer's lock file is left" || ok
    ogrinfo -ro -so "$T/k.gpkg" DLTB >/dev/null 2>"$T/err" && ok || bad "after SIG$sig: ogrinfo -ro: $(cat "$T/err")"
    "$Z" verify "$T/k.gpkg" >"$T/out" 2>&1 && ok || bad "after SIG$sig: verify: $(cat "$T/out")"
    "$Z" check "$T/k.gpkg" --out "$T/kq" >/dev/null 2>"$T/err"
    [ $? -le 3 ] && ok || bad "after SIG$sig: check: $(cat "$T/err")"
done

# a full disk (a file-size limit stands in for it) during an import into an existing store: exit
# 1, and the store is the old one
cp "$T/store.gpkg" "$T/full.gpkg"
(
    trap '' XFSZ
    ulimit -f 3000
    exec "$Z" import -q "$T/full.gpkg" "$T/big/county.gpkg"
) >/dev/null 2>"$T/err"
expect_eq "full disk: exit" "$?" "1"
expect_contains "full disk: message" "$(cat "$T/err")" "is the disk full?"
expect_eq "full disk: old store" "$(q "$T/full.gpkg" "select count(*) from DLTB")" "$n0"
expect_exit "full disk: verify" 0 "$Z" verify "$T/full.gpkg"

# a second writer waits 5 s, then names the holder of the store (here a stand-in that takes the
# writer's lock file the way a zrzy writer does)
if command -v python3 >/dev/null; then
    python3 - "$T/store.gpkg.zrzy-lock" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.write(fd, b"pid=%d\ncommand=zrzy import store.gpkg other.shp\nsince=2026-01-02T03:04:05Z\n" % os.getpid())
time.sleep(30)
PY
    holder=$!
    i=0
    while [ $i -lt 100 ] && ! grep -q since "$T/store.gpkg.zrzy-lock" 2>/dev/null; do
        sleep 0.1
        i=$((i + 1))
    done
    expect_exit "second writer" 1 "$Z" import -q "$T/store.gpkg" "$T/county.gpkg"
    expect_contains "second writer: message" "$(cat "$T/stderr")" "store.gpkg is in use by pid $holder (zrzy import store.gpkg other.shp), since 2026-01-02T03:04:05Z"
    expect_exit "a reader meanwhile" 0 "$Z" info "$T/store.gpkg"
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
    rm -f "$T/store.gpkg.zrzy-lock"
fi

# a reader's long transaction does not hold up a writer (WAL)
cp "$T/store.gpkg" "$T/rd.gpkg"
q "$T/rd.gpkg" "BEGIN; SELECT count(*) FROM DLTB;" ".system sleep 6" "COMMIT;" >/dev/null &
reader=$!
sleep 0.5
expect_exit "import beside a long reader" 0 "$Z" import -q "$T/rd.gpkg" "$T/county.gpkg"
kill -0 "$reader" 2>/dev/null && ok || bad "the reader ended before the import (the test proves nothing)"
wait "$reader"

# a store written by a newer zrzy is refused, by name
cp "$T/store.gpkg" "$T/newer.gpkg"
q "$T/newer.gpkg" "update zrzy_meta set value = 99 where key = 'schema_version'"
expect_exit "newer store: info" 2 "$Z" info "$T/newer.gpkg"
expect_contains "newer store: message" "$(cat "$T/stderr")" "newer.gpkg was written by zrzy schema 99; this zrzy knows up to"
expect_exit "newer store: import" 2 "$Z" import -q "$T/newer.gpkg" "$T/county.gpkg"
expect_contains "newer store: import message" "$(cat "$T/stderr")" "was written by zrzy schema 99"
expect_eq "newer store untouched" "$(q "$T/newer.gpkg" "select value from zrzy_meta where key = 'schema_version'")" "99"

# a source overwritten while check reads it (the store's reader, and the hash of the input): an
# error or a result, never SIGBUS (exit 135)
for d in 0.2 0.4 0.7; do
    cp "$T/big/county.gpkg" "$T/src.gpkg"
    "$Z" check "$T/src.gpkg" --out "$T/q2" >/dev/null 2>"$T/err" &
    pid=$!
    sleep $d
    cp "$T/county.gpkg" "$T/src.gpkg"
    wait $pid
    rc=$?
    [ $rc -le 3 ] && ok || bad "check of a source overwritten after $d s: exit $rc: $(head -c 300 "$T/err")"
done

# a backup killed with -9 leaves DEST.zrzy-tmpPID (and its journal): the next backup removes them
: >"$T/bk2.gpkg.zrzy-tmp4194305"
: >"$T/bk2.gpkg.zrzy-tmp4194305-journal"
expect_exit "backup beside a dead backup's leftovers" 0 "$Z" backup "$T/store.gpkg" "$T/bk2.gpkg"
[ ! -e "$T/bk2.gpkg.zrzy-tmp4194305" ] && [ ! -e "$T/bk2.gpkg.zrzy-tmp4194305-journal" ] && ok ||
    bad "a dead backup's temporary files were left"

finish
