#!/usr/bin/env bash
# A new site's learning curve (MODEL_CARD.md): a scanner look outside every training range
# (outlier-x7), N report-labelled studies (25 / 50 / 100 / 200) to learn from and 100 held-out
# studies of the same site, and for each N: the shipped model, calibrated on the N studies
# (steato calibrate), fine-tuned on them (steato train --from-db --init), and both. Prints AUROC
# against histology, and bias and limits of agreement of the study score against the report grade.
# usage: scripts/site_learning_curve.sh [MODEL] [WORKDIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STEATO=${STEATO:-$ROOT/.build/release/steato}
MODEL=${1:-$ROOT/Models/steatoscope-default.safetensors}
WORK=${2:-$(mktemp -d)}
mkdir -p "$WORK"
[[ -d "$WORK/site-train" ]] || "$STEATO" simulate --out "$WORK/site-train" --patients 200 --seed 505 --scanners outlier-x7 --first-patient 80001 >/dev/null
[[ -d "$WORK/site-test" ]] || "$STEATO" simulate --out "$WORK/site-test" --patients 100 --seed 606 --scanners outlier-x7 --first-patient 81001 >/dev/null
summary() {   # summary DB MODEL → "AUROC a/b/c bias x limits y"
  STEATO_DB=$1 "$STEATO" score --all --json --model "$2" | /usr/bin/python3 -c '
import csv, json, sys
truth = {r["study_id"]: (float(r["histology_fat_pct"]), int(r["report_grade"])) for r in csv.DictReader(open(sys.argv[1]))}
rows = [json.loads(l) for l in sys.stdin]
rows = [r for r in rows if r["score"] is not None and r["study_id"] in truth]
def auc(k):
    pos = [r["score"] for r in rows if truth[r["study_id"]][0] >= (5, 33, 66)[k]]
    neg = [r["score"] for r in rows if truth[r["study_id"]][0] < (5, 33, 66)[k]]
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / max(1, len(pos) * len(neg))
d = [r["score"] - truth[r["study_id"]][1] for r in rows]
m = sum(d) / len(d); sd = (sum((x - m) ** 2 for x in d) / (len(d) - 1)) ** 0.5
print("AUROC %.3f / %.3f / %.3f  bias %+.2f  limits ±%.2f  (%d studies)" % (auc(0), auc(1), auc(2), m, 1.96 * sd, len(rows)))
' "$WORK/site-test/manifest.csv"
}
# The held-out studies without their references: nothing learns from them, the summary reads the truth.
/usr/bin/python3 - "$WORK" <<'PY'
import csv, sys
work = sys.argv[1]
rows = list(csv.DictReader(open(f"{work}/site-test/manifest.csv")))
with open(f"{work}/unlabelled-test.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=rows[0].keys()); w.writeheader()
    for r in rows:
        r["image"] = f"{work}/site-test/" + r["image"]
        for k in ("histology_fat_pct", "report_grade", "cap_dbm"): r[k] = ""
        w.writerow(r)
PY
for n in 25 50 100 200; do
  DB="$WORK/site-$n.sqlite"; rm -f "$DB"
  # The first n site studies, with report grades only (no histology to learn from), plus the held-out ones.
  /usr/bin/python3 - "$WORK" "$n" <<'PY'
import csv, sys
work, n = sys.argv[1], int(sys.argv[2])
rows = list(csv.DictReader(open(f"{work}/site-train/manifest.csv")))
keep = sorted({r["study_id"] for r in rows})[:n]
with open(f"{work}/labelled-{n}.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=rows[0].keys()); w.writeheader()
    for r in rows:
        if r["study_id"] in keep:
            r["image"] = f"{work}/site-train/" + r["image"]; r["histology_fat_pct"] = ""; r["cap_dbm"] = ""; w.writerow(r)
PY
  STEATO_DB=$DB "$STEATO" import "$WORK/labelled-$n.csv" "$WORK/unlabelled-test.csv" >/dev/null 2>&1
  echo "== $n labelled studies"
  echo "shipped:     $(summary "$DB" "$MODEL")"
  STEATO_DB=$DB "$STEATO" calibrate --scanner outlier-x7 --model "$MODEL" >/dev/null 2>&1 || echo "(calibration refused)"
  echo "calibrated:  $(summary "$DB" "$MODEL")"
  if STEATO_DB=$DB "$STEATO" train --from-db --init "$MODEL" --out "$WORK/tuned-$n.safetensors" --epochs 6 >"$WORK/tune-$n.log" 2>&1; then
    echo "fine-tuned:  $(summary "$DB" "$WORK/tuned-$n.safetensors")"
    STEATO_DB=$DB "$STEATO" calibrate --scanner outlier-x7 --model "$WORK/tuned-$n.safetensors" >/dev/null 2>&1 || true
    echo "both:        $(summary "$DB" "$WORK/tuned-$n.safetensors")"
  else
    echo "fine-tuned:  $(tail -1 "$WORK/tune-$n.log")"
  fi
done
