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

# De-identified DICOM: each instance built afresh and read back by DCMTK; no name, birth date or
# original UID in any header; one study and one series UID per study; the pixels those of the
# anonymised PNG export (blanked outside the fan), as a second import of the files shows.
check "export --dicom --anonymize" "$STEATO" export --dicom "$WORK/dcm-anon" --anonymize
expect_eq "DICOM files" "$(find "$WORK/dcm-anon" -name '*.dcm' | wc -l)" "8"
headers=""
for f in $(find "$WORK/dcm-anon" -name '*.dcm'); do headers+=$(dcmdump "$f" 2>&1) || fail "dcmdump cannot read $f"; done
expect_not_contains "DICOM: no name" "$headers" "Kowalski"
expect_not_contains "DICOM: no birth date" "$headers" "[${birth//-/}]"
for uid in $(sql "SELECT DISTINCT sopInstanceUID FROM image UNION SELECT DISTINCT studyInstanceUID FROM study UNION SELECT DISTINCT seriesInstanceUID FROM image"); do
  expect_not_contains "DICOM: no original UID" "$headers" "$uid"
done
expect_contains "DICOM: identity removed" "$headers" "(0012,0062) CS [YES]"
# The fixtures' ultrasound regions declare 0.05 cm per pixel: the exported instances keep the scale.
expect_eq "DICOM: the original's scale" "$(grep -c 'PhysicalDeltaY' <<<"$headers") $(grep -c 'FD 0.05 ' <<<"$headers")" "8 16"
for folder in "$WORK"/dcm-anon/*/; do
  for tag in 0020,000d 0020,000e; do
    n=$(for f in "$folder"*.dcm; do dcmdump +P "$tag" "$f"; done | sort -u | wc -l)
    expect_eq "one ($tag) UID in $(basename "$folder")" "$n" "1"
  done
done
check "anonymised PNGs" "$STEATO" export --png "$WORK/png-anon" --anonymize
STEATO_DB="$WORK/again.sqlite" "$STEATO" import "$WORK/dcm-anon" >/dev/null || fail "the de-identified DICOM files do not import"
STEATO_DB="$WORK/again.sqlite" "$STEATO" export --png "$WORK/png-again" >/dev/null || fail "export of the reimported files"
"$PY" - "$STEATO_DB" "$WORK/again.sqlite" "$WORK/png-anon" "$WORK/png-again" <<'PYEOF' || fail "de-identified DICOM pixels differ from the anonymised PNGs"
import sqlite3, sys
import numpy as np
from PIL import Image
first, again, anon, back = sys.argv[1:5]
# The second import names each file IMAGE_ID.dcm after the first database's image.
pairs = [(int(name[:-4]), i) for i, name in sqlite3.connect(again).execute("SELECT id, originalName FROM image")]
assert len(pairs) == 8, pairs
for original, reimported in pairs:
    a = np.asarray(Image.open(f"{anon}/{original}.png")); b = np.asarray(Image.open(f"{back}/{reimported}.png"))
    assert a.shape == b.shape and (a == b).all(), f"image {original}"
PYEOF

# The physical scale travels: a simulated image's pixel spacing is its DICOM region's cm per pixel.
export STEATO_DB="$WORK/sim.sqlite"
"$STEATO" simulate --out "$WORK/sim" --patients 1 --seed 5 --scanners orca-cx --images-per-view 1 >/dev/null
"$STEATO" import "$WORK/sim/manifest.csv" >/dev/null || fail "simulated import"
check "simulated export --dicom" "$STEATO" export --dicom "$WORK/sim-dcm" --anonymize
while IFS='|' read -r id spacing; do
  delta=$(dcmdump +P 0018,602e "$WORK"/sim-dcm/*/"$id.dcm" | sed 's/.*FD \([0-9.e-]*\).*/\1/')
  "$PY" -c "import sys; sys.exit(abs(float('$delta') * 10 - $spacing) > 1e-9)" || fail "image $id: region $delta cm per pixel, manifest $spacing mm"
done < <(sql "SELECT id, pixelSpacingMm FROM image")
export STEATO_DB="$WORK/db/cases.sqlite"

before=$(sql "SELECT COUNT(*) FROM image")
out=$("$STEATO" import "$FIX/bad" 2>&1); status=$?
expect_eq "bad files: non-zero exit" "$status" "1"
expect_contains "one line per file" "$out" "nested-deeply.dcm: DICOM: sequences nested more than 32 deep"
expect_eq "nothing added" "$(sql "SELECT COUNT(*) FROM image")" "$before"
expect_eq "integrity" "$(sql "PRAGMA integrity_check")" "ok"
finish
