#!/usr/bin/env bash
# steato labels: grades read from report text (quoted CSV with commas and line breaks), JSON out,
# --apply stores them as report references with an audit entry naming the words; a report whose
# study is not in the database is named and the command fails without losing the others; reports
# imported with the studies (DICOM SR, report.txt) are read with --from-db.
source "$(dirname "$0")/lib.sh"
"$STEATO" import "$HERE/../../SampleStudies" >/dev/null 2>&1 || { fail "import"; finish; }
cat >"$WORK/reports.csv" <<'CSV'
patient_id,study_id,report
SIM00001,SIM00001-1,"Liver: normal size, normal echotexture. No focal lesion."
SIM00002,SIM00002-1,"FINDINGS: Liver 15 cm, echogenic.
IMPRESSION: Moderate hepatic steatosis, previously mild."
SIM00003,SIM00003-1,"Possible mild fatty infiltration; limited study."
SIM00004,SIM00004-1,"Steatosis cannot be excluded."
NOBODY,X-1,"Severe fatty liver."
CSV
json=$("$STEATO" labels "$WORK/reports.csv" --json)
expect_eq "five reports" "$(wc -l <<<"$json")" "5"
expect_contains "normal is 0" "$json" '"grade":0,"hedged":false,"patient_id":"SIM00001"'
expect_contains "impression, current state" "$json" '"grade":2,"hedged":false,"patient_id":"SIM00002","phrase":"IMPRESSION: Moderate hepatic steatosis, previously mild"'
expect_contains "hedged" "$json" '"grade":1,"hedged":true,"patient_id":"SIM00003"'
expect_contains "indeterminate" "$json" '"grade":null,"hedged":true,"patient_id":"SIM00004"'
out=$("$STEATO" labels "$WORK/reports.csv" --apply 2>&1); rc=$?
expect_eq "a missing study fails the run" "$rc" "1"
expect_contains "names the row" "$out" "row 5: no study X-1 of patient NOBODY"
expect_contains "the rest stored" "$out" "4 report grades stored"
expect_eq "stored grades" "$(sql "SELECT group_concat(ifnull(reportGrade,'-'),' ') FROM (SELECT r.reportGrade FROM reference r JOIN study s ON s.id = r.studyId JOIN patient p ON p.id = s.patientId WHERE p.patientKey IN ('SIM00001','SIM00002','SIM00003','SIM00004') ORDER BY p.patientKey)")" "0 2 1 -"
expect_contains "audited with the words" "$(sql "SELECT newValue FROM audit WHERE action = 'report-grade'")" '2 from "IMPRESSION: Moderate hepatic steatosis, previously mild"'
# Reports that arrive as files: a DICOM SR from the reporting system (sent after the images: it joins
# their study by Patient ID and accession) and a report.txt beside a study's images.
sed -e 's/PSR1/SIM00005/; s/ACC-SR-1/SIM00005-1/' "$HERE/../Fixtures/reports/basic-text-sr.dump" >"$WORK/sr.dump"
mkdir -p "$WORK/ris" && dump2dcm "$WORK/sr.dump" "$WORK/ris/sr5" 2>/dev/null || fail "dump2dcm"
out=$("$STEATO" import "$WORK/ris" 2>&1); rc=$?
expect_eq "an SR joins its study" "$rc" "0"
expect_contains "an SR is counted" "$out" "1 report stored"
"$PY" "$HERE/make_images.py" "$WORK/site" --images 1 --prefix P9X --seed 9
printf 'CLINICAL: raised ALT.\nIMPRESSION: Severe diffuse hepatic steatosis.\n' >"$WORK/site/P9X000/S000-0/report.txt"
"$STEATO" import "$WORK/site" >/dev/null 2>&1 || fail "import with report.txt"
json=$("$STEATO" labels --from-db --json)
expect_contains "SR: the impression, improved to mild" "$json" '"grade":1,"hedged":false,"patient_id":"SIM00005","phrase":"Impression: Mild hepatic steatosis, improved"'
expect_contains "text report" "$json" '"grade":3,"hedged":false,"patient_id":"P9X000"'
"$STEATO" labels --from-db --apply >/dev/null 2>&1 || fail "labels --from-db --apply"
expect_eq "stored from the SR" "$(sql "SELECT r.reportGrade FROM reference r JOIN study s ON s.id = r.studyId WHERE s.studyKey = 'SIM00005-1'")" "1"
out=$("$STEATO" labels --from-db "$WORK/reports.csv" 2>&1); rc=$?
expect_eq "a file and --from-db together is a usage error" "$rc" "64"
out=$("$STEATO" labels "$WORK/missing.csv" 2>&1); rc=$?
expect_eq "missing file fails" "$rc" "1"
expect_contains "missing file named" "$out" "missing.csv"
finish
