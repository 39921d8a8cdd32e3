#!/usr/bin/env bash
# Runs every end-to-end script against the real binary and prints 'N passed, N failed'.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export STEATO=${STEATO:-$HERE/../../.build/debug/steato}
[[ -x "$STEATO" ]] || { echo "e2e: $STEATO is not built" >&2; exit 1; }
passed=0; failed=0
for script in "$HERE"/test_*.sh; do
  name=$(basename "$script" .sh)
  start=$(date +%s)
  if bash "$script" >"/tmp/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "e2e ok   $name ($(( $(date +%s) - start ))s)"
    grep '^SKIP:' "/tmp/$name.log" | sed "s/^/    $name: /"
  else
    failed=$((failed + 1)); echo "e2e FAIL $name"; sed 's/^/    /' "/tmp/$name.log"
  fi
done
echo "e2e: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
