# make install lays out a working steato: binary, shared files, man page, completions; the installed
# binary runs from any folder, finds its model and SampleStudies, and records its version with scores.
source "$(dirname "$0")/lib.sh"
REPO=$(cd "$HERE/../.." && pwd)
PREFIX="$WORK/prefix"
out=$(make -C "$REPO" install PREFIX="$PREFIX" CONFIG=debug 2>&1); rc=$?
expect_eq "make install rc" "$rc" 0
[[ $rc -eq 0 ]] || { echo "$out" | tail -20; finish; }
for f in bin/steato share/steatoscope/Models/steatoscope-default.safetensors share/steatoscope/Themes/default.theme \
         share/steatoscope/SampleStudies/manifest.csv share/man/man1/steato.1 share/bash-completion/completions/steato \
         share/zsh/site-functions/_steato share/fish/vendor_completions.d/steato.fish; do
  check "installed $f" test -s "$PREFIX/$f"
done

cd "$WORK"   # anywhere but the source tree
version=$("$PREFIX/bin/steato" --version)
expect_eq "version matches the build" "$version" "$("$STEATO" --version)"
expect_contains "version names the release and build" "$version" "steato 0.12.0 ("
# Completions and the man page know the commands and the option values.
expect_contains "bash completion: sort values" "$(cat "$PREFIX/share/bash-completion/completions/steato")" "triage"
expect_contains "bash completion: views" "$(cat "$PREFIX/share/bash-completion/completions/steato")" "right-intercostal"
expect_contains "fish completion: developer commands" "$(cat "$PREFIX/share/fish/vendor_completions.d/steato.fish")" "fuzz-dicom"
expect_contains "man page" "$(cat "$PREFIX/share/man/man1/steato.1")" "Score studies with the model"
help=$("$PREFIX/bin/steato" --help)
expect_contains "help groups developer commands" "$help" "DEVELOPER SUBCOMMANDS"

# The installed binary scores with its installed model and stamps its version on every score.
out=$(env -u STEATO_MODEL "$PREFIX/bin/steato" import "$PREFIX/share/steatoscope/SampleStudies/SIM00003" 2>&1); rc=$?
expect_eq "import rc" "$rc" 0
json=$(env -u STEATO_MODEL "$PREFIX/bin/steato" score --all --json); rc=$?
expect_eq "score rc" "$rc" 0
expect_contains "score json software" "$json" "\"software\":\"${version#steato }\""
expect_contains "score json model" "$json" "\"name\":\"steatoscope-sim-v4\""
expect_eq "stored software" "$(sql "SELECT software FROM studyScore")" "${version#steato }"
out=$(env -u STEATO_MODEL "$PREFIX/bin/steato" bench score --iterations 1 2>&1); rc=$?
expect_eq "bench score from another folder rc" "$rc" 0
expect_contains "bench score" "$out" "network alone"
finish
