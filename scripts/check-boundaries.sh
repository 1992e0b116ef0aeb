#!/bin/sh
# Each third-party header is included in exactly one folder (docs/architecture.md).
cd "$(dirname "$0")/.." || exit 1
fail=0
check() { # header folder
    bad=$(grep -rl "#include <$1" src --include='*.c' --include='*.h' | grep -v "^src/$2/")
    if [ -n "$bad" ]; then echo "boundary: <$1> outside src/$2/: $bad"; fail=1; fi
}
check geos_c.h geo
check proj.h geo
check sqlite3.h store
check gdal.h io
check ogr_api.h io
check zlib.h io
check jansson.h cli
check xlsxwriter.h report
check cairo report
check pango report
check microhttpd.h server
[ $fail = 0 ] && echo "boundaries: ok"
exit $fail
