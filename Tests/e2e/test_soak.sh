# A short soak (scripts/soak.sh, 45 s): two workstations, a batch scorer, an importer and the DICOM
# listener on one database with kill -9 of a random writer every few seconds; afterwards integrity,
# whole studies, every confirmed keystroke audited once, nobody saw "database is locked".
source "$(dirname "$0")/lib.sh"
for tool in tmux storescu dcmodify; do command -v $tool >/dev/null || { fail "$tool is not installed"; finish; }; done
out=$("$HERE/../../scripts/soak.sh" 45 "$STEATO" 2>&1); rc=$?
echo "$out"
expect_eq "soak exit status" "$rc" 0
expect_contains "soak verdict" "$out" "soak: passed"
finish
