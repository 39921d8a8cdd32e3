# Two processes importing into one database at once both succeed, and no study is split or lost.
source "$(dirname "$0")/lib.sh"

make_images "$WORK/a" --patients 15 --studies 2 --images 3 --seed 21 --prefix A
make_images "$WORK/b" --patients 15 --studies 2 --images 3 --seed 22 --prefix B
# Both also bring studies of one shared patient, so they race on the same patient row.
make_images "$WORK/a" --patients 1 --studies 2 --images 3 --seed 23 --prefix SHARED
make_images "$WORK/b/x" --patients 1 --studies 1 --images 3 --seed 24 --prefix SHARED
mv "$WORK/b/x/SHARED000/S000-0" "$WORK/b/x/SHARED000/S000-9"
mv "$WORK/b/x/SHARED000" "$WORK/b/SHARED000" && rmdir "$WORK/b/x"

"$STEATO" import "$WORK/a" >"$WORK/a.out" 2>&1 & pa=$!
"$STEATO" import "$WORK/b" >"$WORK/b.out" 2>&1 & pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
expect_eq "first import rc" "$ra" 0
expect_eq "second import rc" "$rb" 0
expect_contains "first summary" "$(cat "$WORK/a.out")" "96 images imported in 32 studies"
expect_contains "second summary" "$(cat "$WORK/b.out")" "93 images imported in 31 studies"
expect_eq "integrity" "$(sql "PRAGMA integrity_check")" "ok"
expect_eq "studies" "$(sql "SELECT COUNT(*) FROM study")" 63
expect_eq "images" "$(sql "SELECT COUNT(*) FROM image")" 189
expect_eq "shared patient once" "$(sql "SELECT COUNT(*) FROM patient WHERE patientKey='SHARED000'")" 1
expect_eq "shared patient studies" "$(sql "SELECT COUNT(*) FROM study JOIN patient ON patient.id=study.patientId WHERE patientKey='SHARED000'")" 3
expect_eq "every study whole" "$(sql "SELECT COUNT(*) FROM study WHERE imageCount != 3 OR imageCount != (SELECT COUNT(*) FROM image WHERE studyId = study.id)")" 0
finish
