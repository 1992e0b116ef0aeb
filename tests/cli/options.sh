# Numeric options: text, negatives and out-of-range values are refused with exit 2 (never read as
# 0 or as a default), before any input is opened.
. "$(dirname "$0")/lib.inc"
expect_exit "check --threads text" 2 "$Z" check "$T/none.gpkg" --out "$T/q" --threads x
expect_exit "check --threads negative" 2 "$Z" check "$T/none.gpkg" --out "$T/q" --threads -1
expect_exit "check --allowed-rate text" 2 "$Z" check "$T/none.gpkg" --out "$T/q" --allowed-rate abc
expect_exit "check --allowed-rate negative" 2 "$Z" check "$T/none.gpkg" --out "$T/q" --allowed-rate -5
expect_exit "check --allowed-rate over 100" 2 "$Z" check "$T/none.gpkg" --out "$T/q" --allowed-rate 101
expect_exit "check --tile-parcels 0" 2 "$Z" check "$T/none.gpkg" --out "$T/q" --tile-parcels 0
expect_exit "import --threads 2x" 2 "$Z" import "$T/s.gpkg" "$T/none.gpkg" --threads 2x
expect_exit "import --year text" 2 "$Z" import "$T/s.gpkg" "$T/none.gpkg" --year abc
expect_exit "inventory --batch-rows text" 2 "$Z" inventory --parcels a --prices b --price-index c --out "$T/i" --batch-rows x
expect_exit "inventory --threads text" 2 "$Z" inventory --parcels a --prices b --price-index c --out "$T/i" --threads x
expect_exit "verify --max 0" 2 "$Z" verify "$T/none.gpkg" --max 0
"$Z" check "$T/none.gpkg" --out "$T/q" --threads x 2>"$T/msg"
expect_contains "the message names option and value" "$(cat "$T/msg")" "--threads x: needs a whole number"
[ ! -e "$T/q" ] && ok || bad "a refused option left an output folder"
# a source that does not exist is named as such (it said "unrecognised format or no reason given")
"$Z" check "$T/none.gpkg" --out "$T/q" 2>"$T/msg"
expect_eq "missing source: exit" "$?" "2"
expect_contains "missing source named" "$(cat "$T/msg")" "none.gpkg: no such file or folder"
finish
