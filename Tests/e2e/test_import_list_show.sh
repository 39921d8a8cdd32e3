# Import a folder of JPEGs and a manifest, then list, show, tag and export: what was imported is what is shown.
source "$(dirname "$0")/lib.sh"

make_images "$WORK/scans" --patients 2 --studies 1 --images 3 --format jpeg --seed 11
out=$("$STEATO" import "$WORK/scans" 2>"$WORK/err"); rc=$?
expect_eq "import rc" "$rc" 0
expect_eq "import summary" "$out" "6 images imported in 2 studies, 0 duplicates, 0 rejected"
expect_eq "database mode" "$(stat -c %a "$STEATO_DB")" 600

list=$("$STEATO" list)
expect_contains "list header" "$list" "STUDY  PATIENT"
expect_contains "list P000" "$list" "P000"
expect_contains "list S001-0" "$list" "S001-0"
expect_eq "list rows" "$(wc -l <<<"$list")" 3
expect_eq "no-argument, piped: the worklist table" "$("$STEATO")" "$list"
expect_eq "json rows" "$("$STEATO" list --json | wc -l)" 2

show=$("$STEATO" show S000-0)
expect_contains "show patient" "$show" "patient P000"
for f in img0.jpg img1.jpg img2.jpg; do expect_contains "show $f" "$show" "$f"; done
expect_contains "show size" "$show" "96×96"

# A manifest with a quoted name holding a comma, references and views.
mkdir -p "$WORK/cohort"
make_images "$WORK/cohort" --patients 1 --studies 1 --images 2 --seed 12 --prefix M
cat >"$WORK/cohort/manifest.csv" <<'CSV'
image,patient_id,study_id,patient_name,study_date,scanner,view,histology_fat_pct,report_grade,cap_dbm
M000/S000-0/img0.png,PX1,EXAM-7,"Kowalski, Anna",2026-03-04,Aplio i800,right-intercostal,40,2,301
M000/S000-0/img1.png,PX1,EXAM-7,"Kowalski, Anna",2026-03-04,Aplio i800,subcostal,40,2,301
CSV
out=$("$STEATO" import "$WORK/cohort/manifest.csv" 2>&1); rc=$?
expect_eq "manifest rc" "$rc" 0
expect_contains "manifest summary" "$out" "2 images imported in 1 study"
show=$("$STEATO" show EXAM-7)
expect_contains "name with comma" "$show" "Kowalski, Anna"
expect_contains "histology" "$show" "histology 40.0 % fat (moderate)"
expect_contains "report grade" "$show" "report grade 2 (moderate)"
expect_contains "CAP" "$show" "CAP 301 dB/m"
expect_contains "view tag" "$show" "right-intercostal"
expect_contains "worklist coverage" "$("$STEATO" list --filter kowalski)" "RI1 SC1 LL-"

# Importing the same files again: all duplicates, nothing new, exit 0.
out=$("$STEATO" import "$WORK/scans" 2>/dev/null); rc=$?
expect_eq "reimport rc" "$rc" 0
expect_eq "reimport summary" "$out" "0 images imported in 0 studies, 6 duplicates, 0 rejected"

# A bad file: one line naming it, the rest imported, non-zero exit.
mkdir -p "$WORK/bad/P9/S9"
make_images "$WORK/bad" --patients 1 --studies 1 --images 1 --seed 13 --prefix Q
printf 'not an image' >"$WORK/bad/Q000/S000-0/notes.jpg"
head -c 200 "$WORK/scans/P000/S000-0/img0.jpg" >"$WORK/bad/Q000/S000-0/cut.jpg"
out=$("$STEATO" import "$WORK/bad" 2>"$WORK/err"); rc=$?
expect_eq "bad rc" "$rc" 1
expect_contains "bad summary" "$out" "1 image imported in 1 study, 0 duplicates, 2 rejected"
expect_contains "notes named" "$(cat "$WORK/err")" "Q000/S000-0/notes.jpg: not a JPEG, PNG or DICOM image"
expect_contains "cut named" "$(cat "$WORK/err")" "Q000/S000-0/cut.jpg: corrupt or truncated image"

# Tagging writes the view and the audit log.
id=$("$STEATO" show P000/S000-0 | awk '$2 == "img1.jpg" {print $1}')
out=$("$STEATO" tag "$id" left-lobe)
expect_eq "tag output" "$out" "image $id (img1.jpg): untagged → left-lobe"
expect_eq "audit" "$(sql "SELECT who, action, newValue FROM audit WHERE entity='image' AND entityId=$id")" "e2e|tag|left-lobe"
out=$("$STEATO" tag "$id" sideways 2>&1); rc=$?
# The parser knows the views: a usage error (exit 64) that lists them.
expect_eq "bad view rc" "$rc" 64
expect_contains "bad view message" "$out" "The value 'sideways' is invalid for '<view>'. Please provide one of 'right-intercostal', 'subcostal', 'left-lobe', 'other' or 'none'."

# Export: names only when not anonymised.
expect_contains "export csv name" "$("$STEATO" export --csv)" '"Kowalski, Anna"'
anon=$("$STEATO" export --json --anonymize)
expect_not_contains "anonymous name" "$anon" "Kowalski"
expect_not_contains "anonymous id" "$anon" "PX1"
expect_contains "anonymous pseudonym" "$anon" '"patient_id":"ANON-0001"'

# Missing study and a database that is not one: one line each, non-zero.
out=$("$STEATO" show NOPE 2>&1); rc=$?
expect_eq "missing study" "$out|$rc" "steato: study NOPE: not found|1"
printf 'garbage%.0s' {1..200} >"$WORK/junk.sqlite"
out=$("$STEATO" list --db "$WORK/junk.sqlite" 2>&1); rc=$?
expect_eq "junk db" "$out|$rc" "steato: $WORK/junk.sqlite: cannot open the case database (the file is not a SQLite database)|1"

# A database locked by another program: a clear line after the busy timeout, nothing lost.
"$PY" -c 'import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("BEGIN EXCLUSIVE"); print("locked", flush=True); time.sleep(6)' "$STEATO_DB" >"$WORK/lock" &
locker=$!
for _ in $(seq 50); do grep -q locked "$WORK/lock" && break; sleep 0.1; done
out=$(STEATO_BUSY_TIMEOUT=1 "$STEATO" tag "$id" subcostal 2>&1); rc=$?
expect_eq "locked rc" "$rc" 1
expect_contains "locked message" "$out" "the case database is locked by another program"
wait $locker
expect_eq "tag kept after lock" "$(sql "SELECT view FROM image WHERE id=$id")" "left-lobe"

finish
