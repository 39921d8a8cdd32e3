#!/usr/bin/env bash
# Cross-scanner agreement as in MODEL_CARD.md: a cohort of patients each scanned on two scanners is
# imported, scored, evaluated (steato eval reports the between-scanner Bland–Altman), then each
# scanner's statistics are re-estimated with `steato adapt` and the cohort is scored and evaluated again.
# usage: scripts/evaluate_agreement.sh MODEL COHORT_FOLDER SCANNER…
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STEATO=${STEATO:-$ROOT/.build/release/steato}
MODEL=$1; COHORT=$2; shift 2
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
export STEATO_DB="$WORK/cases.sqlite" STEATO_MODEL="$MODEL"
"$STEATO" import "$COHORT" >/dev/null 2>&1
"$STEATO" score --all >/dev/null
echo "== without adaptation"
"$STEATO" eval --reference histology
for scanner in "$@"; do "$STEATO" adapt "$scanner" >/dev/null; done
"$STEATO" score --all >/dev/null
echo "== after steato adapt $*"
"$STEATO" eval --reference histology
