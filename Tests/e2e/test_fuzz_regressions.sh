# Every fuzz seed and every input a fuzzer once found (Tests/Fixtures/fuzz/regressions/TARGET/) goes
# through its target again: each must be read or refused, never crash.
source "$(dirname "$0")/lib.sh"
FUZZ="$(dirname "$STEATO")/steato-fuzz"
[[ -x "$FUZZ" ]] || { fail "$FUZZ is not built"; finish; }
FIXTURES="$HERE/../Fixtures/fuzz"
total=0
for folder in "$FIXTURES"/seeds/* "$FIXTURES"/regressions/*; do
  [[ -d "$folder" ]] || continue
  target=$(basename "$folder")
  files=("$folder"/*)
  [[ -e "${files[0]}" ]] || continue
  out=$("$FUZZ" "$target" "${files[@]}" 2>&1); rc=$?
  expect_eq "$target ($(basename "$(dirname "$folder")")): exit status" "$rc" 0
  total=$((total + ${#files[@]}))
done
echo "$total inputs replayed"
[[ $total -ge 20 ]] || fail "only $total inputs replayed"
finish
