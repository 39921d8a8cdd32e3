#!/usr/bin/env bash
# steato labels: grades read from report text (quoted CSV with commas and line breaks), JSON out,
# --apply stores them as report references with an audit entry naming the words; a report whose
# study is not in the database is named and the command fails without losing the others.
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
out=$("$STEATO" labels "$WORK/missing.csv" 2>&1); rc=$?
expect_eq "missing file fails" "$rc" "1"
expect_contains "missing file named" "$out" "missing.csv"
finish
