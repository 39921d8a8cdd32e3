# Shared helpers for the end-to-end scripts: each test_*.sh sources this file.
set -u
: "${STEATO:?STEATO must name the steato binary}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/steato-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export STEATO_DB="$WORK/db/cases.sqlite"
export STEATO_USER=e2e
FAILURES=0

fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }
check() { local what=$1; shift; if "$@"; then :; else fail "$what"; fi; }
expect_eq() { [[ "$2" == "$3" ]] || fail "$1: expected '$3', got '$2'"; }
expect_contains() { grep -qF -- "$3" <<<"$2" || fail "$1: '$3' not in output:"$'\n'"$2"; }
expect_not_contains() { ! grep -qF -- "$3" <<<"$2" || fail "$1: '$3' should not be in output"; }
make_images() { "$PY" "$HERE/make_images.py" "$@"; }
sql() { "$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join("|".join(map(str,r)) for r in c.execute(sys.argv[2])))' "$STEATO_DB" "$1"; }
finish() { [[ $FAILURES -eq 0 ]]; exit $?; }
