# Simulate a small cohort, import it and the committed SampleStudies: manifests, references and ROIs arrive whole.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$HERE/../.." && pwd)

out=$("$STEATO" simulate --out "$WORK/cohort" --patients 3 --seed 4 --images-per-view 2 --studies-per-patient 2 --first-patient 100); rc=$?
expect_eq "simulate rc" "$rc" 0
expect_contains "simulate summary" "$out" "36 images of 6 studies written to $WORK/cohort"
expect_eq "manifest rows" "$(($(wc -l <"$WORK/cohort/manifest.csv") - 1))" 36
out=$("$STEATO" import "$WORK/cohort" 2>/dev/null); rc=$?
expect_eq "import rc" "$rc" 0
expect_eq "import summary" "$out" "36 images imported in 6 studies, 0 duplicates, 0 rejected"
expect_eq "studies with references" "$(sql "SELECT COUNT(*) FROM reference WHERE histologyFatPct IS NOT NULL AND reportGrade IS NOT NULL AND capDbm IS NOT NULL")" 6
expect_eq "views tagged" "$(sql "SELECT COUNT(*) FROM image WHERE view IS NULL")" 0

out=$("$STEATO" import "$ROOT/SampleStudies" 2>/dev/null); rc=$?
expect_eq "samples rc" "$rc" 0
expect_eq "samples summary" "$out" "90 images imported in 10 studies, 0 duplicates, 0 rejected"
expect_eq "sample grades" "$(sql "SELECT COUNT(DISTINCT CASE WHEN histologyFatPct < 5 THEN 0 WHEN histologyFatPct < 33 THEN 1 WHEN histologyFatPct < 66 THEN 2 ELSE 3 END) FROM reference JOIN study ON study.id = reference.studyId WHERE studyKey < 'SIM00100'")" 4
expect_contains "samples listed" "$("$STEATO" list --filter SIM00010)" "RI3 SC3 LL3"
expect_eq "sample ROIs" "$( [[ $(sql "SELECT COUNT(*) FROM roi") -gt 0 ]] && echo yes)" yes
bad=$("$STEATO" simulate --out "$WORK/x" --scanners nosuch 2>&1); rc=$?
expect_eq "bad scanner" "$rc" 1
expect_contains "bad scanner message" "$bad" "unknown scanner 'nosuch'"
finish
