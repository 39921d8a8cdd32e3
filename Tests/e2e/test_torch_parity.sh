#!/usr/bin/env bash
# PyTorch and steato are one network: scripts/train_torch.py computes the same logits as steato's
# runtime (within 1e-4) on the shipped model's weights and on random ones, and a model trained in
# PyTorch from `steato train --export-samples` has the tensors and metadata of one trained by
# `steato train`, takes its cut-offs from `steato train --refit`, and scores. Skipped (and said so)
# when no Python here has PyTorch.
source "$(dirname "$0")/lib.sh"
TORCH_PY=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import torch, numpy' 2>/dev/null; then TORCH_PY=$candidate; break; fi
done
if [[ -z "$TORCH_PY" ]]; then echo "SKIP: PyTorch is not installed (pip install torch numpy)"; finish; fi
SCRIPTS="$HERE/../../scripts"
compare() {  # max |a - b| of two files' 'logits', below 1e-4
  "$TORCH_PY" - "$1" "$2" <<'PY'
import os, sys; sys.path.insert(0, os.environ["SCRIPTS"])
import numpy as np, safetensors_np as st
a, b = (st.read(p)[0]["logits"] for p in sys.argv[1:3])
d = float(np.abs(a - b).max()); print(f"{d:.2e}")
sys.exit(0 if a.shape == b.shape and d < 1e-4 else 1)
PY
}
export SCRIPTS
# A batch of inputs (normalised intensities and a depth channel) with every view condition.
"$TORCH_PY" - "$WORK/input.safetensors" <<'PY'
import os, sys; sys.path.insert(0, os.environ["SCRIPTS"])
import numpy as np, safetensors_np as st
rng = np.random.default_rng(5)
x = rng.normal(0, 1, (8, 2, 128, 128)).astype(np.float32)
x[:, 1] = np.linspace(0.0, 0.8, 128, dtype=np.float32)[None, :, None]
st.write(sys.argv[1], {"input": x, "conditions": np.array([0, 1, 2, 3, 3, 2, 1, 0], np.float32)})
PY
# The shipped model's first network (trained FiLM, batch statistics), as a single-network file.
"$TORCH_PY" - "$HERE/../../Models/steatoscope-default.safetensors" "$WORK/member0.safetensors" <<'PY'
import os, sys; sys.path.insert(0, os.environ["SCRIPTS"])
import safetensors_np as st
t, meta = st.read(sys.argv[1])
st.write(sys.argv[2], {k[len("member0."):]: v for k, v in t.items() if k.startswith("member0.")}, {"architecture": meta["architecture"]})
PY
"$STEATO" bench model --write-model "$WORK/random.safetensors" >/dev/null
for model in member0 random; do
  "$STEATO" bench model --model "$WORK/$model.safetensors" --input "$WORK/input.safetensors" --output "$WORK/$model.steato" >/dev/null \
    || fail "steato forward on $model"
  "$TORCH_PY" "$SCRIPTS/train_torch.py" --forward "$WORK/$model.safetensors" "$WORK/input.safetensors" "$WORK/$model.torch" \
    || fail "torch forward on $model"
  d=$(compare "$WORK/$model.steato" "$WORK/$model.torch") || fail "logits differ on $model: max $d"
  echo "parity on $model: max |steato − torch| = $d"
done

# Training in PyTorch from steato's prepared samples, cut-offs fitted by steato, scoring by steato.
"$STEATO" simulate --out "$WORK/sim" --patients 12 --seed 41 --random-scanners --images-per-view 1 --other-studies 3 >/dev/null
out=$("$STEATO" train --data "$WORK/sim" --export-samples "$WORK/samples" 2>&1) || fail "export samples: $out"
expect_contains "samples written" "$out" "samples written to"
OMP_NUM_THREADS=2 "$TORCH_PY" "$SCRIPTS/train_torch.py" "$WORK/samples" --out "$WORK/torch.safetensors" --epochs 1 --batch 8 \
  >"$WORK/torch.log" 2>&1 || { fail "train_torch.py"; cat "$WORK/torch.log" >&2; }
out=$("$STEATO" train --data "$WORK/sim" --refit "$WORK/torch.safetensors" --out "$WORK/refit.safetensors" 2>&1) || fail "refit: $out"
expect_contains "refit fits the score rule" "$out" "score rule on"
"$STEATO" train --data "$WORK/sim" --out "$WORK/steato.safetensors" --epochs 1 --batch 8 >/dev/null 2>&1 || fail "steato train"
"$TORCH_PY" - "$WORK/refit.safetensors" "$WORK/steato.safetensors" <<'PY' || fail "formats differ"
import json, os, sys; sys.path.insert(0, os.environ["SCRIPTS"])
import safetensors_np as st
(a, ma), (b, mb) = st.read(sys.argv[1]), st.read(sys.argv[2])
assert {k: v.shape for k, v in a.items()} == {k: v.shape for k, v in b.items()}, "tensor names or shapes differ"
for key in ("architecture", "preprocessing", "score_rule", "name", "labels"):
    assert key in ma and key in mb, f"metadata {key} missing"
assert json.loads(ma["architecture"]) == json.loads(mb["architecture"]) and ma["preprocessing"] == mb["preprocessing"]
assert ma["trainer"].startswith("pytorch")
print(f"{len(a)} tensors, same names and shapes; metadata {sorted(ma)}")
PY
# The torch-trained weights (FiLM no longer zero) give the same logits in both runtimes.
"$STEATO" bench model --model "$WORK/refit.safetensors" --input "$WORK/input.safetensors" --output "$WORK/trained.steato" >/dev/null || fail "steato forward on the torch model"
"$TORCH_PY" "$SCRIPTS/train_torch.py" --forward "$WORK/refit.safetensors" "$WORK/input.safetensors" "$WORK/trained.torch" || fail "torch forward"
d=$(compare "$WORK/trained.steato" "$WORK/trained.torch") || fail "logits differ on the torch-trained model: max $d"
"$STEATO" import "$WORK/sim" >/dev/null 2>&1
out=$("$STEATO" score --all --json --model "$WORK/refit.safetensors" 2>&1) || fail "scoring with the torch-trained model: $out"
expect_contains "scores" "$out" '"model"'
finish
