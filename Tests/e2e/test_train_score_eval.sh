# The scoring pipeline end to end on a tiny simulated cohort: train, score (text and JSON), adapt, evaluate.
source "$(dirname "$0")/lib.sh"

"$STEATO" simulate --out "$WORK/train" --patients 16 --seed 6 --scanners meridian-c5,lumen-l5 --images-per-view 2 --first-patient 100 >/dev/null
"$STEATO" simulate --out "$WORK/test" --patients 8 --seed 7 --scanners vega-p4 --images-per-view 2 --first-patient 200 >/dev/null
out=$("$STEATO" train --data "$WORK/train" --out "$WORK/model.safetensors" --epochs 1 --batch 16 --validation 0.25 2>&1); rc=$?
expect_eq "train rc" "$rc" 0
expect_contains "train epoch line" "$out" "epoch 1/1: train loss"
expect_contains "train wrote model" "$out" "model written to $WORK/model.safetensors"
check "checkpoint written" test -f "$WORK/model.safetensors.checkpoint"
out=$("$STEATO" train --data "$WORK/train" --out "$WORK/model.safetensors" --epochs 2 --batch 16 --validation 0.25 --resume 2>&1); rc=$?
expect_eq "resume rc" "$rc" 0
expect_contains "resumed" "$out" "resuming after epoch 1"
expect_contains "second epoch" "$out" "epoch 2/2"
# Refitting the cut-offs needs the training run's validation split, which the seed draws.
out=$("$STEATO" train --data "$WORK/train" --validation 0.25 --seed 9 --refit "$WORK/model.safetensors" --out "$WORK/refit.safetensors" 2>&1); rc=$?
expect_eq "refit on another split rc" "$rc" 1
expect_contains "refit names the seed" "$out" "refit with --seed 1"
check "no refitted file" test ! -e "$WORK/refit.safetensors"
out=$("$STEATO" train --data "$WORK/train" --validation 0.25 --refit "$WORK/model.safetensors" --out "$WORK/refit.safetensors" 2>&1); rc=$?
expect_eq "refit rc" "$rc" 0
expect_contains "refit fits the rule" "$out" "score rule on"
# Two intensity planes (median and spread, ranks): trained, recorded in the file, scored by it.
out=$("$STEATO" train --data "$WORK/train" --out "$WORK/both.safetensors" --epochs 1 --batch 16 --validation 0.25 --intensity both 2>&1); rc=$?
expect_eq "train both rc" "$rc" 0
"$PY" - "$WORK/both.safetensors" <<'PY' || fail "both: preprocessing or architecture not recorded"
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
meta = json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]])["__metadata__"]
assert "intensity ranked per image" in meta["preprocessing"] and "intensity normalised per image" in meta["preprocessing"], meta["preprocessing"]
assert json.loads(meta["architecture"])["input_channels"] == 3, meta["architecture"]
PY

"$STEATO" import "$WORK/test" >/dev/null 2>&1
export STEATO_MODEL="$WORK/model.safetensors"
out=$("$STEATO" score --all --json); rc=$?
expect_eq "score rc" "$rc" 0
expect_eq "score lines" "$(wc -l <<<"$out")" 8
first=$(head -1 <<<"$out")
for key in '"study_id"' '"patient_id"' '"score"' '"grade"' '"fat_pct"' '"views"' '"images"' '"model"' '"flags"' '"view_suggested"' '"probs"' '"quality"' '"sha256"'; do
  expect_contains "score JSON $key" "$first" "$key"
done
expect_eq "stored scores" "$(sql "SELECT COUNT(*) FROM studyScore")" 8
out=$(STEATO_MODEL="$WORK/both.safetensors" "$STEATO" score --all --json); rc=$?
expect_eq "score with both rc" "$rc" 0
expect_eq "score with both lines" "$(wc -l <<<"$out")" 8
expect_eq "status scored" "$(sql "SELECT COUNT(*) FROM study WHERE status = 'scored'")" 8
out=$("$STEATO" adapt vega-p4); rc=$?
expect_eq "adapt rc" "$rc" 0
expect_contains "adapt message" "$out" "adapted"
expect_contains "adapted scores flagged" "$("$STEATO" score --all --json | head -1)" "scanner-adapted"
out=$("$STEATO" eval --reference histology); rc=$?
expect_eq "eval rc" "$rc" 0
expect_contains "eval table" "$out" "AUROC (95% CI)"
expect_contains "eval icc" "$out" "ICC(2,1) of single images"
out=$("$STEATO" score --all --model "$WORK/nowhere.safetensors" 2>&1); rc=$?
expect_eq "missing model rc" "$rc" 1
expect_contains "missing model message" "$out" "nowhere.safetensors: cannot read the model file (no such file)"
head -c 100 "$WORK/model.safetensors" >"$WORK/cut.safetensors"
out=$("$STEATO" score --all --model "$WORK/cut.safetensors" 2>&1); rc=$?
expect_eq "truncated model rc" "$rc" 1
expect_contains "truncated model message" "$out" "cut.safetensors: truncated model file"
finish
