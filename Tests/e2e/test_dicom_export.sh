#!/usr/bin/env bash
# DICOM through the real binary: import a folder of fixtures (files without extensions too), export
# every frame as PNG and compare its pixels with pydicom's reference hashes; anonymised export blanks
# outside the fan and writes no names, birth dates or original UIDs; broken files change nothing.
source "$(dirname "$0")/lib.sh"
FIX="$HERE/../Fixtures/dicom"
mkdir -p "$WORK/in"
for f in rgb-explicit rgb-planar implicit-vr big-endian-12bit rle-cine palette-8bit; do cp "$FIX/$f.dcm" "$WORK/in/$f"; done
cp "$FIX/no-preamble" "$WORK/in/"
out=$("$STEATO" import --frames all "$WORK/in" 2>&1); status=$?
expect_eq "import status" "$status" "0"
expect_contains "import summary" "$out" "8 images imported in 1 study"
expect_eq "grouped by the headers" "$(sql "SELECT patientKey FROM patient")" "DCMTEST01"
expect_eq "frames" "$(sql "SELECT COUNT(*) FROM image WHERE originalName = 'rle-cine'")" "2"

"$STEATO" export --png "$WORK/png" >/dev/null || fail "export --png failed"
expect_eq "PNG files" "$(ls "$WORK/png" | wc -l)" "8"
# Every exported PNG's pixels hash to pydicom's reference for its file and frame.
"$PY" - "$STEATO_DB" "$WORK/png" "$FIX/reference.json" <<'PYEOF' || fail "exported pixels differ from pydicom's"
import hashlib, json, sqlite3, sys
import numpy as np
from PIL import Image
db, folder, ref = sys.argv[1:4]
expected = {e["file"].replace(".dcm", ""): e["sha256"] for e in json.load(open(ref))["generated"] if not e["lossy"]}
bad = 0
for image_id, name, frame in sqlite3.connect(db).execute("SELECT id, originalName, frameNumber FROM image"):
    pixels = np.asarray(Image.open(f"{folder}/{image_id}.png"))
    if hashlib.sha256(pixels.tobytes()).hexdigest() != expected[name][frame]:
        print(f"{name} frame {frame}: pixels differ", file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
PYEOF

anon=$("$STEATO" export --json --anonymize)
expect_not_contains "no name" "$anon" "Kowalski"
birth=$(sql "SELECT birthDate FROM patient WHERE birthDate LIKE '1961%' LIMIT 1")
[[ -n "$birth" ]] || fail "the fixture's birth date (1961) was not imported"
# The whole date: its year alone can occur by chance inside a derived 2.25 UID.
expect_not_contains "no birth date" "$anon" "\"$birth\""
expect_not_contains "no birth date field" "$anon" "patient_birth_date"
expect_not_contains "no original study UID" "$anon" "1.2.826.0.1.3680043.8.498.1001"
expect_contains "derived UIDs" "$anon" '"study_instance_uid":"2.25.'

before=$(sql "SELECT COUNT(*) FROM image")
out=$("$STEATO" import "$FIX/bad" 2>&1); status=$?
expect_eq "bad files: non-zero exit" "$status" "1"
expect_contains "one line per file" "$out" "nested-deeply.dcm: DICOM: sequences nested more than 32 deep"
expect_eq "nothing added" "$(sql "SELECT COUNT(*) FROM image")" "$before"
expect_eq "integrity" "$(sql "PRAGMA integrity_check")" "ok"
finish
