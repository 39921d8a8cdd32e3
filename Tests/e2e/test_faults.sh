# Faults on purpose: a full disk during import, export, backup, model save and database growth; a
# read-only database; a damaged image store; broken model files; a path with spaces and non-ASCII.
# Each must give one clear line, exit non-zero, and leave everything else whole.
source "$(dirname "$0")/lib.sh"
ROOT_DIR=$(cd "$HERE/../.." && pwd)
SAMPLES="$ROOT_DIR/SampleStudies"
MODEL="$ROOT_DIR/Models/steatoscope-default.safetensors"

FULL="$WORK/full"; RO="$WORK/ro"
mkdir -p "$FULL" "$RO"
if [[ $(id -u) -ne 0 ]] || ! mount -t tmpfs -o size=3m,mode=0700 tmpfs "$FULL" 2>/dev/null; then
  echo "SKIP: the full-disk and read-only cases need root to mount a small tmpfs (the rest still ran)"
  MOUNTED=0
else
  MOUNTED=1
  mount -t tmpfs -o size=20m,mode=0700 tmpfs "$RO"
  trap 'umount "$FULL" "$RO" 2>/dev/null; rm -rf "$WORK"' EXIT
fi

# Nothing but the expected files: no temporary or partial file left beside a failed write.
no_partials() { local found; found=$(find "$1" -name '.*tmp-*' -o -name '*.partial-*' | head -3); expect_eq "$2: partial files" "$found" ""; }
lines() { grep -c . <<<"$1"; }

# --- A path with spaces and non-ASCII characters, used for everything below that is not on a full disk.
export STEATO_DB="$WORK/dé jà vu/cases db.sqlite"
out=$("$STEATO" import "$SAMPLES" 2>&1); rc=$?
expect_eq "unicode path: import rc" "$rc" 0
expect_contains "unicode path: import" "$out" "90 images imported in 10 studies"
expect_contains "unicode path: list" "$("$STEATO" list)" "SIM00010-1"
expect_eq "unicode path: tag rc" "$("$STEATO" tag 1 subcostal >/dev/null 2>&1; echo $?)" 0
out=$("$STEATO" score SIM00001-1 --json 2>&1); rc=$?
expect_eq "unicode path: score rc" "$rc" 0
expect_contains "unicode path: score" "$out" '"study_id":"SIM00001-1"'
expect_eq "unicode path: check rc" "$("$STEATO" check >/dev/null 2>&1; echo $?)" 0
expect_eq "unicode path: mode" "$(stat -c %a "$STEATO_DB")" 600

# --- The image store damaged: found by hash when read, named, nothing else affected.
altered=$(sql "SELECT sha256 FROM image WHERE id = 5"); missing=$(sql "SELECT sha256 FROM image WHERE id = 14")
altered_path="$WORK/dé jà vu/images/${altered:0:2}/${altered:2}"
missing_path="$WORK/dé jà vu/images/${missing:0:2}/${missing:2}"
printf '\x00' | dd of="$altered_path" bs=1 seek=100 conv=notrunc status=none
rm "$missing_path"
out=$("$STEATO" check 2>&1); rc=$?
expect_eq "damaged store: check rc" "$rc" 1
expect_contains "damaged store: altered named" "$out" "image 5 of study SIM00001-1: $altered_path: image altered or damaged"
expect_contains "damaged store: missing named" "$out" "image 14 of study SIM00002-1: $missing_path: image missing"
expect_contains "damaged store: count" "$out" "2 problems"
out=$("$STEATO" score SIM00001-1 2>&1); rc=$?
[[ $rc -ne 0 ]] || fail "damaged store: scoring a study with an altered image succeeded"
expect_contains "damaged store: score names the file" "$out" "$altered_path: image altered or damaged"
out=$("$STEATO" export --png "$WORK/png" 2>&1); rc=$?
expect_eq "damaged store: export rc" "$rc" 1
expect_contains "damaged store: export names it" "$out" "$altered_path: image altered or damaged"
expect_contains "damaged store: the rest exported" "$out" "88 PNGs written"
expect_eq "damaged store: integrity" "$(sql "PRAGMA integrity_check")" "ok"

# --- Broken model files: one line naming the file, nothing stored.
scores_before=$(sql "SELECT COUNT(*) FROM studyScore")
for case in missing truncated garbage; do
  bad="$WORK/model-$case.safetensors"
  case $case in
    truncated) head -c 100000 "$MODEL" >"$bad" ;;
    garbage) head -c 4096 /dev/urandom >"$bad" ;;
  esac
  out=$("$STEATO" score SIM00003-1 --model "$bad" 2>&1); rc=$?
  expect_eq "$case model: rc" "$rc" 1
  expect_eq "$case model: one line" "$(lines "$out")" 1
  expect_contains "$case model: names the file" "$out" "$bad"
done
expect_eq "broken models: nothing stored" "$(sql "SELECT COUNT(*) FROM studyScore")" "$scores_before"

[[ $MOUNTED -eq 1 ]] || finish

# --- Backup, then read-only: opens for reading, says so, refuses changes in one line.
"$STEATO" backup "$RO/cases.sqlite" >/dev/null 2>&1
mount -o remount,ro "$RO"
out=$("$STEATO" --db "$RO/cases.sqlite" list 2>&1); rc=$?
expect_eq "read-only: list rc" "$rc" 0
expect_contains "read-only: says so" "$out" "read-only: opened for reading"
expect_contains "read-only: lists" "$out" "SIM00010-1"
out=$("$STEATO" --db "$RO/cases.sqlite" tag 2 subcostal 2>&1); rc=$?
expect_eq "read-only: tag rc" "$rc" 1
expect_eq "read-only: tag one line" "$(lines "$out")" 1
expect_contains "read-only: tag refused" "$out" "the case database is read-only"
out=$("$STEATO" --db "$RO/cases.sqlite" import "$SAMPLES" 2>&1); rc=$?
expect_eq "read-only: import rc" "$rc" 1
expect_eq "read-only: import one line" "$(lines "$out")" 1
out=$("$STEATO" --db "$RO/cases.sqlite" check 2>&1); rc=$?
expect_eq "read-only: check rc (2 damaged images came along: not copied)" "$rc" 1
expect_contains "read-only: check reads every image" "$out" "90 stored files (5.1 MB) checked, 2 problems"

# --- Full disk during import: one line says so, the import stops, every study in the database is whole.
export STEATO_DB="$FULL/db/cases.sqlite"
out=$("$STEATO" import "$SAMPLES" 2>&1 >/dev/null); rc=$?
expect_eq "full import: rc" "$rc" 1
expect_contains "full import: says why" "$out" "import stopped: the disk is full"
# The study that failed, then the stop; the studies after it are not tried one by one.
expect_eq "full import: lines about it" "$(grep -c "disk is full" <<<"$out")" 2
expect_eq "full import: studies failed" "$(grep -c "not imported" <<<"$out")" 1
n=$(sql "SELECT COUNT(*) FROM study")
[[ $n -ge 1 && $n -lt 10 ]] || fail "full import: $n studies in (the disk should fill part way)"
expect_eq "full import: whole studies" "$(sql "SELECT COUNT(*) FROM study WHERE imageCount != 9 OR imageCount != (SELECT COUNT(*) FROM image WHERE studyId = study.id)")" 0
expect_eq "full import: integrity" "$(sql "PRAGMA integrity_check")" "ok"
out=$("$STEATO" check 2>&1)
expect_not_contains "full import: no damaged image" "$out" "altered"
expect_not_contains "full import: no missing image" "$out" "missing"
no_partials "$FULL" "full import"

# --- Full disk during export (JSON, PNG, DICOM) and backup: one line, nothing half-written.
out=$("$STEATO" export --json -o "$FULL/export.json" 2>&1); rc=$?
expect_eq "full export: rc" "$rc" 1
expect_eq "full export: one line" "$(lines "$out")" 1
expect_contains "full export: says why" "$out" "export.json: cannot write (No space left on device)"
[[ ! -e "$FULL/export.json" ]] || fail "full export: a partial export.json was left"
out=$("$STEATO" export --png "$FULL/png" 2>&1); rc=$?
expect_eq "full PNG export: rc" "$rc" 1
expect_contains "full PNG export: stops" "$out" "disk full; stopped after"
out=$("$STEATO" export --dicom "$FULL/dicom" --anonymize 2>&1); rc=$?
expect_eq "full DICOM export: rc" "$rc" 1
expect_contains "full DICOM export: stops" "$out" "disk full; stopped after"
out=$("$STEATO" backup "$FULL/backup/copy.sqlite" 2>&1); rc=$?
expect_eq "full backup: rc" "$rc" 1
expect_eq "full backup: one line" "$(lines "$out")" 1
[[ ! -e "$FULL/backup" ]] || fail "full backup: something was left at the destination"
no_partials "$FULL" "full export and backup"

# --- Full disk when saving a model: the previous model stays, no partial file.
echo "previous model" >"$FULL/model.safetensors" 2>/dev/null || true
out=$("$STEATO" train --data "$SAMPLES" --epochs 1 --out "$FULL/model.safetensors" 2>&1 >/dev/null); rc=$?
expect_eq "full model save: rc" "$rc" 1
expect_contains "full model save: says why" "$out" "No space left on device"
no_partials "$FULL" "full model save"

# --- Full disk as the database grows: every tag either commits whole or fails with one line.
dd if=/dev/zero of="$FULL/filler" bs=4k status=none 2>/dev/null
ok=0; refused=0
for id in $(sql "SELECT id FROM image ORDER BY id"); do
  out=$("$STEATO" tag "$id" left-lobe 2>&1); rc=$?
  if [[ $rc -eq 0 ]]; then ok=$((ok + 1)); else
    refused=$((refused + 1))
    expect_contains "full database: tag $id says why" "$out" "the disk is full"
    expect_eq "full database: tag $id one line" "$(lines "$out")" 1
  fi
done
echo "full database: $ok tags committed, $refused refused"
[[ $refused -ge 1 ]] || fail "full database: the disk never filled"
rm -f "$FULL/filler"
expect_eq "full database: integrity" "$(sql "PRAGMA integrity_check")" "ok"
expect_eq "full database: committed tags all there" "$(sql "SELECT COUNT(*) FROM image WHERE view = 'left-lobe'")" "$ok"
expect_eq "full database: one audit entry per committed tag" "$(sql "SELECT COUNT(*) FROM audit WHERE newValue = 'left-lobe'")" "$ok"
finish
