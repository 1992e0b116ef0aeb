# Shared by the CLI tests: assertions that count, and the closing "N passed, N failed" line.
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect_eq() { # what got want
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
expect_contains() { # what haystack needle
    case "$2" in *"$3"*) ok ;; *) bad "$1: '$3' not in: $2" ;; esac
}
expect_exit() { # what want-code command...
    what=$1 want=$2
    shift 2
    "$@" >/dev/null 2>"$T/stderr"
    got=$?
    if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, want $want: $(cat "$T/stderr")"; fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}
Z=${ZRZY_BIN:?ZRZY_BIN}
T=${ZRZY_TMP:?ZRZY_TMP}
rm -rf "$T" && mkdir -p "$T"
