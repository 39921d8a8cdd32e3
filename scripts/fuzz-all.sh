#!/usr/bin/env bash
# Runs every fuzz target for RUNS inputs (default 1 000 000) one after another and prints a line of
# figures per target (for docs/RELIABILITY.md). Builds the fuzzer first (make fuzz's build step).
#   scripts/fuzz-all.sh [RUNS] [TARGET…]
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-1000000}; shift || true
TARGETS=${*:-jpeg png dicom image manifest report safetensors theme pdu}
make -s fuzz RUNS=0 TARGET=jpeg >/dev/null 2>&1 || { echo "fuzz-all: the fuzzer does not build (make fuzz)" >&2; exit 2; }
mkdir -p .build-fuzz/logs
status=0
for target in $TARGETS; do
  start=$(date +%s)
  make -s fuzz TARGET=$target RUNS=$RUNS >.build-fuzz/logs/$target.log 2>&1   # the same run line as by hand
  rc=$?
  seconds=$(( $(date +%s) - start ))
  executed=$(grep -o 'number_of_executed_units: [0-9]*' .build-fuzz/logs/$target.log | tail -1 | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' .build-fuzz/logs/$target.log | tail -1 | grep -o '[0-9]*$')
  corpus=$(ls .build-fuzz/corpus/$target | wc -l)
  verdict=$([[ $rc -eq 0 ]] && echo "no crash, no hang" || echo "FOUND (see .build-fuzz/logs/$target.log and .build-fuzz/artifacts)")
  printf '%-12s %9s inputs in %5s s (%6s/s), edges %5s, corpus %5s: %s\n' "$target" "${executed:-?}" "$seconds" \
    "$(( ${executed:-0} / (seconds > 0 ? seconds : 1) ))" "${cov:-?}" "$corpus" "$verdict"
  [[ $rc -eq 0 ]] || status=1
done
exit $status
