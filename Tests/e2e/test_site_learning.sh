#!/usr/bin/env bash
# Learning from a site's own labelled studies: steato calibrate fits the scanner's map (refusing too
# few studies, saying how many it needs), scores then carry it; steato train --init fine-tunes the
# shipped model (refusing too few patients) and writes a model that scores.
source "$(dirname "$0")/lib.sh"
export STEATO_MODEL="$HERE/../../Models/steatoscope-default.safetensors"
"$STEATO" simulate --out "$WORK/site" --patients 24 --seed 31 --scanners outlier-x7 --images-per-view 1 --first-patient 700 >/dev/null
"$STEATO" import "$WORK/site" >/dev/null 2>&1
"$STEATO" simulate --out "$WORK/few" --patients 5 --seed 32 --scanners lumen-l5 --images-per-view 1 --first-patient 800 >/dev/null
"$STEATO" import "$WORK/few" >/dev/null 2>&1

out=$("$STEATO" calibrate --scanner lumen-l5 2>&1); rc=$?
expect_eq "too few studies: rc" "$rc" 1
expect_contains "too few studies: says how many" "$out" "needs at least 20 scored studies with a report reference; it has 5"
out=$("$STEATO" calibrate --scanner outlier-x7 2>&1); rc=$?
expect_eq "calibrate rc" "$rc" 0
expect_contains "calibrate reports agreement" "$out" "cross-validated bias"
expect_eq "stored for the scanner" "$(sql "SELECT scanner || ' ' || studies FROM calibration")" "outlier-x7 24"
scored=$("$STEATO" score --all --json)
expect_contains "scores carry the calibration" "$(grep SIM00700 <<<"$scored")" "scanner-calibrated"
expect_not_contains "other scanners untouched" "$(grep SIM00800 <<<"$scored")" "scanner-calibrated"

out=$("$STEATO" train --from-db --init "$STEATO_MODEL" --out "$WORK/tuned.safetensors" --epochs 1 2>&1); rc=$?
expect_eq "too few patients to fine-tune: rc" "$rc" 1
expect_contains "too few patients to fine-tune: says how many" "$out" "needs labelled images from at least 40 patients; there are 29"
"$STEATO" simulate --out "$WORK/more" --patients 16 --seed 33 --scanners outlier-x7 --images-per-view 1 --first-patient 900 >/dev/null
"$STEATO" import "$WORK/more" >/dev/null 2>&1
out=$("$STEATO" train --from-db --init "$STEATO_MODEL" --out "$WORK/tuned.safetensors" --epochs 2 --batch 16 --validation 0.25 2>&1); rc=$?
expect_eq "fine-tune rc" "$rc" 0
expect_contains "fine-tune says from what" "$out" "fine-tuning steatoscope-sim"
expect_contains "fine-tune wrote" "$out" "model written to $WORK/tuned.safetensors"
out=$("$STEATO" score --all --json --model "$WORK/tuned.safetensors"); rc=$?
expect_eq "the fine-tuned model scores" "$rc" 0
expect_eq "every study" "$(wc -l <<<"$out")" "45"
finish
