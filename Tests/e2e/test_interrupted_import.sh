# kill -9 and Ctrl-C during a large import leave a sound database holding only whole studies.
source "$(dirname "$0")/lib.sh"

make_images "$WORK/big" --patients 60 --studies 1 --images 6 --size 256 --seed 31

whole_studies_only() {
  expect_eq "$1: integrity" "$(sql "PRAGMA integrity_check")" "ok"
  expect_eq "$1: partial studies" "$(sql "SELECT COUNT(*) FROM study WHERE imageCount != 6 OR imageCount != (SELECT COUNT(*) FROM image WHERE studyId = study.id)")" 0
  expect_eq "$1: orphan images" "$(sql "SELECT COUNT(*) FROM image WHERE studyId NOT IN (SELECT id FROM study)")" 0
}

"$STEATO" import "$WORK/big" >/dev/null 2>&1 & pid=$!
# Kill once some studies are in but not all.
for _ in $(seq 200); do
  n=$(sql "SELECT COUNT(*) FROM study" 2>/dev/null || echo 0)
  [[ "${n:-0}" -ge 5 ]] && break
  sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
n=$(sql "SELECT COUNT(*) FROM study")
echo "studies after kill -9: $n of 60"
[[ $n -ge 1 && $n -lt 60 ]] || fail "kill -9 landed outside the import ($n studies)"
whole_studies_only "kill -9"

# Ctrl-C: the study in progress finishes, the import stops with status 130.
rm -rf "$WORK/db"
"$STEATO" import "$WORK/big" >"$WORK/int.out" 2>&1 & pid=$!
for _ in $(seq 200); do
  n=$(sql "SELECT COUNT(*) FROM study" 2>/dev/null || echo 0)
  [[ "${n:-0}" -ge 5 ]] && break
  sleep 0.05
done
kill -INT $pid; wait $pid; rc=$?
expect_eq "Ctrl-C rc" "$rc" 130
expect_contains "Ctrl-C message" "$(cat "$WORK/int.out")" "import interrupted"
whole_studies_only "Ctrl-C"

# Importing again completes the rest; what was in is reported as duplicates.
out=$("$STEATO" import "$WORK/big" 2>/dev/null); rc=$?
expect_eq "resume rc" "$rc" 0
expect_eq "all studies" "$(sql "SELECT COUNT(*) FROM study")" 60
whole_studies_only "resumed"
finish
