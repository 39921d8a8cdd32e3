#!/usr/bin/env bash
# Evaluates a model on a held-out simulated cohort: imports it into a fresh database, scores every study,
# and prints steato eval against histology (overall and by view), as in MODEL_CARD.md. With --adapt,
# each named scanner's statistics are then re-estimated (`steato adapt`), the cohort is scored again
# and evaluated again: the cross-scanner agreement before and after adaptation.
# usage: scripts/evaluate_heldout.sh MODEL COHORT_FOLDER [--adapt SCANNER…]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STEATO=${STEATO:-$ROOT/.build/release/steato}
MODEL=$1; COHORT=$2; shift 2
ADAPT=()
if [[ ${1:-} == --adapt ]]; then shift; ADAPT=("$@"); fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
export STEATO_DB="$WORK/cases.sqlite" STEATO_MODEL="$MODEL"
"$STEATO" import "$COHORT" >/dev/null 2>&1
start=$(date +%s)
"$STEATO" score --all >/dev/null
echo "scored $("$STEATO" list | tail -n +2 | wc -l) studies in $(( $(date +%s) - start )) s"
"$STEATO" eval --reference histology
[[ ${#ADAPT[@]} -gt 0 ]] || exit 0
for scanner in "${ADAPT[@]}"; do "$STEATO" adapt "$scanner" >/dev/null; done
"$STEATO" score --all >/dev/null
echo "== after steato adapt ${ADAPT[*]}"
"$STEATO" eval --reference histology
