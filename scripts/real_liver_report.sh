#!/usr/bin/env bash
# Scores ../shared/real-liver (33 screenshots from one clinic's ECUBE 15, graded by its operator) with a
# model, before and after test-time adaptation to that scanner and after calibration on its grades
# (steato calibrate, cross-validated), and prints the mean score per operator
# grade and the AUROC of normal against graded. For checking only: never train or tune on these images.
# usage: scripts/real_liver_report.sh [MODEL] [FOLDER]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STEATO=${STEATO:-$ROOT/.build/release/steato}
MODEL=${1:-}
FOLDER=${2:-$ROOT/../shared/real-liver}
[[ -d "$FOLDER" ]] || { echo "real-liver: $FOLDER is absent" >&2; exit 1; }
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
export STEATO_DB="$WORK/cases.sqlite"
[[ -n "$MODEL" ]] && export STEATO_MODEL="$MODEL"
# One study per screenshot, the operator's grade as the report grade.
{
  echo "image,patient_id,study_id,scanner,report_grade"
  tail -n +2 "$FOLDER/labels.csv" | while IFS=, read -r image grade _; do
    id=${image%.jpg}
    echo "$FOLDER/$image,$id,$id,ECUBE 15,$grade"
  done
} >"$WORK/manifest.csv"
"$STEATO" import "$WORK/manifest.csv" >/dev/null 2>&1 || true   # the one image filed under two grades is a duplicate
summarise() {
  "$STEATO" export --json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
refused = [r for r in rows if r.get("score") is None]
print(f"  refused (no result): {len(refused)} of {len(rows)}")
rows = [r for r in rows if r.get("score") is not None]
by = {}
for r in rows: by.setdefault(r["references"]["report_grade"], []).append(r["score"])
for g in sorted(by): print(f"  operator grade {g}: mean score {sum(by[g])/len(by[g]):.2f} (n={len(by[g])})")
pos = [r["score"] for r in rows if r["references"]["report_grade"] > 0]
neg = [r["score"] for r in rows if r["references"]["report_grade"] == 0]
wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
print(f"  AUROC normal vs graded: {wins / (len(pos) * len(neg)):.3f} ({len(neg)} normal, {len(pos)} graded)")
'
}
"$STEATO" score --all >/dev/null
echo "before adaptation:"; summarise
"$STEATO" adapt "ECUBE 15" >/dev/null
"$STEATO" score --all >/dev/null
echo "after adaptation to ECUBE 15:"; summarise
# The site learning from its own grades (issue 14's real-scanner illustration): steato calibrate fits
# the scanner's monotone map on these studies and reports five-fold cross-validated bias and limits
# of agreement against the operator's grade (too few images to fine-tune: that needs 40 patients).
echo "calibrated to ECUBE 15 on the operator's grades (5-fold cross-validation):"
"$STEATO" calibrate --scanner "ECUBE 15" 2>&1 | sed 's/^/  /'
"$STEATO" score --all >/dev/null
summarise
