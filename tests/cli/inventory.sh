# zrzy inventory against an independent computation of the same rules in PostGIS (a throw-away
# server on a Unix socket): every state-owned parcel's VALUE must agree to the cent.
. "$(dirname "$0")/lib.inc"
top=$(cd "$(dirname "$0")/../.." && pwd)
"$Z" demo-data --out "$T" --parcels 1500 --km2 120 --seed 9 >/dev/null || bad "demo-data"
"$Z" import -q "$T/store.gpkg" "$T/county.gpkg" 2>/dev/null || bad "import"
"$Z" inventory --parcels "$T/store.gpkg" --prices "$T/county.gpkg" --price-index "$T/price_index.csv" \
    --out "$T/inv" 2>"$T/err" || bad "inventory: $(cat "$T/err")"
# the same inputs as Excel and a desktop GIS hand them over: the price index with a BOM, CRLF
# and 2023/12/31 dates; the price zones as a shapefile with JZRQ as a date field
printf '\357\273\277' >"$T/index-excel.csv"
sed -e 's/\([0-9]\{4\}\)-\([0-9][0-9]\)-\([0-9][0-9]\)/\1\/\2\/\3/' -e 's/$/\r/' "$T/price_index.csv" >>"$T/index-excel.csv"
ogr2ogr -f "ESRI Shapefile" "$T/jzdj" "$T/county.gpkg" -nln JZDJ -dialect OGRSQL -sql "SELECT TDYT, JB, JG, CAST(JZRQ AS date) AS JZRQ FROM JZDJ" 2>/dev/null || bad "JZDJ to shapefile"
"$Z" inventory --parcels "$T/county.gpkg" --prices "$T/jzdj/JZDJ.shp" --price-index "$T/index-excel.csv" \
    --no-pdf --out "$T/inv-excel" 2>"$T/err" || bad "inventory from Excel/shapefile inputs: $(cat "$T/err")"
cmp -s "$T/inv/parcels.csv" "$T/inv-excel/parcels.csv" && ok || bad "Excel/shapefile inputs give other values"
[ ! -e "$T/inv-excel/report.pdf" ] && ok || bad "--no-pdf wrote report.pdf"
# a shapefile of price zones named anything: its one layer is the zones
for e in shp shx dbf prj; do cp "$T/jzdj/JZDJ.$e" "$T/jzdj/价格分区.$e"; done
"$Z" inventory --parcels "$T/county.gpkg" --prices "$T/jzdj/价格分区.shp" --price-index "$T/index-excel.csv" \
    --no-pdf --out "$T/inv-named" 2>"$T/err" || bad "zones shapefile by another name: $(cat "$T/err")"
cmp -s "$T/inv/parcels.csv" "$T/inv-named/parcels.csv" && ok || bad "zones shapefile by another name: other values"
# minerals and reserve land with Chinese headers, in GBK with a BOM and CRLF, thousands
# separators: the same values as with the code headers
"$Z" inventory --parcels "$T/county.gpkg" --prices "$T/county.gpkg" --price-index "$T/price_index.csv" \
    --minerals "$T/minerals.csv" --reserve "$T/reserve.csv" --no-pdf --out "$T/inv-codes" 2>/dev/null || bad "inventory with minerals"
{
    echo '矿区编号,矿种,保有资源储量,单位,X,Y,价格,年产量,采矿权权益系数,折现率,评估年限'
    tail -n +2 "$T/minerals.csv"
} | sed 's/$/\r/' | iconv -f UTF-8 -t GB18030 >"$T/minerals-cn.csv"
{
    echo '地块编号,地块面积,土地取得费,土地开发费,税费,利息率,开发周期,利润率,土地增值收益率'
    tail -n +2 "$T/reserve.csv" | awk -F, 'BEGIN { OFS = "," } {
        split($3, p, "."); i = p[1]; o = ""
        while (length(i) > 3) { o = "," substr(i, length(i) - 2) o; i = substr(i, 1, length(i) - 3) }
        $3 = "\"" i o "." p[2] "\""; print }'
} | sed 's/$/\r/' >"$T/reserve-cn.csv"
"$Z" inventory --parcels "$T/county.gpkg" --prices "$T/county.gpkg" --price-index "$T/price_index.csv" \
    --minerals "$T/minerals-cn.csv" --reserve "$T/reserve-cn.csv" --no-pdf --out "$T/inv-cn" 2>"$T/err" || bad "Chinese headers: $(cat "$T/err")"
cmp -s "$T/inv-codes/minerals.csv" "$T/inv-cn/minerals.csv" && ok || bad "minerals differ with Chinese GBK headers"
cmp -s "$T/inv-codes/reserve.csv" "$T/inv-cn/reserve.csv" && ok || bad "reserve land differs with Chinese headers and 1,234.56"
expect_exit "missing --out" 2 "$Z" inventory --parcels "$T/store.gpkg"
expect_exit "missing index file" 2 "$Z" inventory --parcels "$T/store.gpkg" --prices "$T/county.gpkg" \
    --price-index "$T/nope.csv" --out "$T/x"
# conflicting price-index rows: exit 2 naming both lines, nothing written
{ cat "$T/price_index.csv"; echo "5,2023/12/31,1.00"; } >"$T/index-conflict.csv"
expect_exit "conflicting index rows" 2 "$Z" inventory --parcels "$T/store.gpkg" --prices "$T/county.gpkg" \
    --price-index "$T/index-conflict.csv" --out "$T/x"
expect_contains "conflicting index rows named" "$(cat "$T/stderr")" "both give the index of TDYT 05 on 2023-12-31"
[ ! -e "$T/x" ] && ok || bad "a refused run created its results folder"
# SIGINT once the parcels stream: exit 130, the earlier results as they were, nothing left over
cp "$T/inv/parcels.csv" "$T/parcels-before.csv"
cp "$T/inv/summary.csv" "$T/summary-before.csv"
ZRZY_TIMING=1 "$Z" inventory --parcels "$T/store.gpkg" --prices "$T/county.gpkg" --price-index "$T/price_index.csv" \
    --batch-rows 50 --out "$T/inv" 2>"$T/int.err" &
pid=$!
i=0
while [ $i -lt 500 ] && ! grep -q "timing: open" "$T/int.err" 2>/dev/null; do sleep 0.01; i=$((i + 1)); done
kill -INT $pid
wait $pid
expect_eq "SIGINT exit code" "$?" 130
cmp -s "$T/inv/parcels.csv" "$T/parcels-before.csv" && cmp -s "$T/inv/summary.csv" "$T/summary-before.csv" && ok ||
    bad "an interrupted run changed the results"
left=$(find "$T" -maxdepth 2 \( -name '*.part' -o -name '.*zrzy-stage*' \) | head -3)
[ -z "$left" ] && ok || bad "left behind: $left"

pg=$(cd "$T" && pwd)/pg
eval "$(sh "$top/scripts/pg-temp.sh" start "$pg")" || { bad "cannot start PostgreSQL"; finish; exit 1; }
trap 'sh "$top/scripts/pg-temp.sh" stop "$pg"' EXIT
export PGOPTIONS="-c client_min_messages=warning"
createdb inv && psql -q inv -c "create extension postgis" >/dev/null || bad "createdb"
ogr2ogr -f PostgreSQL PG:dbname=inv "$T/store.gpkg" DLTB -lco GEOMETRY_NAME=geom 2>/dev/null || bad "load DLTB"
ogr2ogr -f PostgreSQL PG:dbname=inv "$T/county.gpkg" JZDJ -lco GEOMETRY_NAME=geom 2>/dev/null || bad "load JZDJ"
psql -q inv -c "create table idx(tdyt text, rq text, zs numeric)" -c "\copy idx from '$T/price_index.csv' csv header" >/dev/null
# the rules of docs/inventory.md, independently: pieces by ST_Intersection, TBDLMJ shared by
# largest remainder (ties: larger piece, then zone order, the uncovered rest last), prices by
# the index ratio rounded to the cent, value rounded once per parcel
psql -q -v ON_ERROR_STOP=1 -At inv >"$T/pg.csv" <<'SQL' || bad "PostGIS SQL"
with p as (
  select fid, bsm, dlbm, round(tbdlmj::numeric * 100) t, geom, ST_Area(geom) pa,
         case when dlbm in ('0303','0304','0306','0402','0603','1105','1106','1108') then '00' else substr(dlbm, 1, 2) end tdyt
  from dltb where qsxz in ('10', '20')),
z as (
  select fid zfid, tdyt, geom, round(round(jg::numeric * 100) * (select zs from idx i where i.tdyt = j.tdyt and i.rq = '2023-12-31')
                                     / (select zs from idx i where i.tdyt = j.tdyt and i.rq = j.jzrq)) price
  from jzdj j),
hit as (
  select p.fid, z.zfid, z.price, ST_Area(ST_Intersection(p.geom, z.geom)) a
  from p join z on z.tdyt = p.tdyt and ST_Intersects(p.geom, z.geom)
  where p.dlbm not in ('1006', '1107', '1203')),
pieces as (
  select fid, zfid, price, a::numeric a, 0 last from hit where a > 0
  union all
  select p.fid, null, 0, greatest(p.pa - coalesce(h.s, 0), 0)::numeric, 1
  from p left join (select fid, sum(a) s, count(*) n from hit where a > 0 group by fid) h using (fid)
  where h.n is null or p.pa - h.s > p.pa * 1e-9),
w as (
  select pieces.*, p.t, sum(a) over (partition by fid) aa from pieces join p using (fid)),
s as (
  select w.*, case when aa > 0 then floor(t * a / aa) else case when last = 1 then t else 0 end end base,
         case when aa > 0 then t * a / aa - floor(t * a / aa) else 0 end rem from w),
r as (
  select s.*, t - sum(base) over (partition by fid) lft,
         row_number() over (partition by fid order by rem desc, a desc, last, zfid) rk from s)
select p.bsm, round(coalesce(sum((base + case when rk <= lft then 1 else 0 end) * price), 0) / 100) v
from p left join r using (fid) group by p.bsm order by p.bsm collate "C";
SQL
tail -n +2 "$T/inv/parcels.csv" | awk -F, '{ v = $6; sub(/\./, "", v); sub(/^0+/, "", v); if (v == "") v = 0; print $1 "|" v }' | LC_ALL=C sort >"$T/zrzy.csv"
n=$(wc -l <"$T/zrzy.csv")
[ "$n" -gt 50 ] && ok || bad "too few state-owned parcels: $n"
if cmp -s "$T/zrzy.csv" "$T/pg.csv"; then ok; else
    bad "zrzy and PostGIS disagree on $(diff "$T/zrzy.csv" "$T/pg.csv" | grep -c '^<') of $n parcels: $(diff "$T/zrzy.csv" "$T/pg.csv" | head -6 | tr '\n' ' ')"
fi
finish
