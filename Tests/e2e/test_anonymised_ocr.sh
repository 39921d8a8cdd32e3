#!/usr/bin/env bash
# De-identification read back as an eavesdropper would: tesseract reads every anonymised PNG and
# every de-identified DICOM file's pixels (through DCMTK's dcm2pnm) of the real screenshots in
# ../shared/real-liver and the real DICOM files in ../shared/dicom, and finds none of the words that
# identify: the words it reads confidently on the original screen (names, dates, times, ids, the
# clinic's settings) and the DICOM header's names, ids, dates and places; nor does any de-identified
# DICOM header hold them.
source "$(dirname "$0")/lib.sh"
command -v tesseract >/dev/null || { fail "tesseract is not installed: run scripts/bootstrap"; finish; }
SHARED="$HERE/../../../shared"
folders=()
for name in real-liver dicom; do
  if [[ -d "$SHARED/$name" ]]; then folders+=("$name"); else echo "SKIP: ../shared/$name is absent: its images are not read"; fi
done
[[ ${#folders[@]} -gt 0 ]] || { echo "SKIP: no ../shared folders: nothing to read"; finish; }
for name in "${folders[@]}"; do
  mkdir -p "$WORK/in/$name"
  find "$SHARED/$name" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.dcm' \) -exec cp {} "$WORK/in/$name/" \;
  "$STEATO" import "$WORK/in/$name" >/dev/null 2>&1
done
check "plain PNG export" "$STEATO" export --png "$WORK/plain" -o /dev/null
check "anonymised PNG export" "$STEATO" export --png "$WORK/anon" --anonymize -o /dev/null
check "de-identified DICOM export" "$STEATO" export --dicom "$WORK/dicom" --anonymize
OCR="$HERE/ocr_words.py"
images=0 words=0
while IFS='|' read -r id original; do
  [[ -f "$WORK/anon/$id.png" ]] || { fail "image $id ($original): no anonymised PNG"; continue; }
  images=$((images + 1))
  "$PY" "$OCR" --sure "$WORK/plain/$id.png" >"$WORK/identifying"
  source_file=$(find "$WORK/in" -name "$original" | head -1)
  if [[ "$original" == *.dcm && -n "$source_file" ]]; then
    dcmdump +U8 "$source_file" >"$WORK/dump" 2>/dev/null
    "$PY" "$OCR" --header "$WORK/dump" >>"$WORK/identifying"
  fi
  sort -u -o "$WORK/identifying" "$WORK/identifying"
  words=$((words + $(wc -l <"$WORK/identifying")))
  "$PY" "$OCR" "$WORK/anon/$id.png" | sort -u >"$WORK/read"
  leaked=$(comm -12 "$WORK/identifying" "$WORK/read" | tr '\n' ' ')
  [[ -z "$leaked" ]] || fail "image $id ($original): the anonymised PNG still reads: $leaked"
  exported=$(find "$WORK/dicom" -name "$id.dcm")
  [[ -n "$exported" ]] || { fail "image $id ($original): no de-identified DICOM file"; continue; }
  dcm2pnm +on "$exported" "$WORK/frame.png" 2>/dev/null || fail "image $id: DCMTK cannot render $exported"
  "$PY" "$OCR" "$WORK/frame.png" | sort -u >"$WORK/read"
  dcmdump +U8 "$exported" >"$WORK/exported-dump" 2>/dev/null
  "$PY" "$OCR" --header-all "$WORK/exported-dump" | sort -u >>"$WORK/read"
  leaked=$(comm -12 "$WORK/identifying" <(sort -u "$WORK/read") | tr '\n' ' ')
  [[ -z "$leaked" ]] || fail "image $id ($original): the de-identified DICOM file still holds: $leaked"
done < <(sql "SELECT id, originalName FROM image ORDER BY id")
echo "$images images read by OCR as anonymised PNG and de-identified DICOM; $words identifying words on their originals, none found after"
[[ $images -ge 5 ]] || fail "only $images images exported"
# The check means something only if OCR reads the originals: their screens carry names, dates, settings.
[[ $words -ge $((3 * images)) ]] || fail "OCR read only $words identifying words on $images originals"
finish
