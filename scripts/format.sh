#!/bin/sh
# clang-format every tracked C file: `format.sh` rewrites, `format.sh check` only checks.
cd "$(dirname "$0")/.." || exit 1
files=$(git ls-files '*.c' '*.h')
if [ "${1:-}" = check ]; then
    exec clang-format --dry-run --Werror $files
fi
exec clang-format -i $files
