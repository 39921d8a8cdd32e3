#!/usr/bin/env bash
# A real PACS on loopback: Debian's Orthanc with a test configuration (free ports, storage in a temp
# folder, stopped at the end). ../shared/dicom (when it is there) and a simulated liver study (JPEGs
# wrapped as DICOM with dcmtk's img2dcm) are pushed into it with storescu; steato pull finds and retrieves them
# (C-FIND, C-GET); the liver study is scored; steato send stores its SR and PDF back (C-STORE), and
# they are read back through Orthanc's REST API: the SR parses with dsrdump and references the scored
# images, the PDF (dcm2pdf) reads with pdftotext.
source "$(dirname "$0")/lib.sh"
SHARED="$HERE/../../../shared/dicom"
for tool in Orthanc storescu img2dcm dsrdump dcm2pdf pdftotext curl; do
  command -v "$tool" >/dev/null || { fail "$tool is not installed: run scripts/bootstrap"; finish; }
done
export STEATO_MODEL="$HERE/../../Models/steatoscope-default.safetensors"
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
DICOM_PORT=$(free_port); HTTP_PORT=$(free_port)
mkdir -p "$WORK/orthanc"
cat >"$WORK/orthanc/config.json" <<JSON
{ "Name": "steato-e2e", "StorageDirectory": "$WORK/orthanc/storage", "IndexDirectory": "$WORK/orthanc/storage",
  "HttpPort": $HTTP_PORT, "DicomPort": $DICOM_PORT, "DicomAet": "ORTHANC", "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false, "DicomCheckCalledAet": false, "DicomAlwaysAllowEcho": true,
  "DicomAlwaysAllowStore": true, "DicomAlwaysAllowFind": true, "DicomAlwaysAllowGet": true, "Plugins": [] }
JSON
Orthanc "$WORK/orthanc/config.json" >"$WORK/orthanc/log" 2>&1 &
ORTHANC=$!
trap 'kill $ORTHANC 2>/dev/null; wait $ORTHANC 2>/dev/null; rm -rf "$WORK"' EXIT
REST="http://127.0.0.1:$HTTP_PORT"
for _ in $(seq 100); do curl -sf "$REST/system" >/dev/null && break; sleep 0.1; done
curl -sf "$REST/system" >/dev/null || { fail "Orthanc did not start: $(tail -3 "$WORK/orthanc/log")"; finish; }
PACS="ORTHANC@127.0.0.1:$DICOM_PORT"

# Push: the real files in their own transfer syntaxes, and a simulated liver study as DICOM.
push() { storescu "${@:1:$#-1}" -aet SCANNER -aec ORTHANC 127.0.0.1 "$DICOM_PORT" "${@: -1}" 2>&1 || fail "storescu $*"; }
expected=0 studies=1
if [[ -d "$SHARED" ]]; then
  for f in "$SHARED/OBXXXX1A.dcm" "$SHARED/OBXXXX1A_2frame.dcm" "$SHARED/US1_UNCI.dcm" "$SHARED/US1_UNCR.dcm" "$SHARED/gdcm-US-ALOKA-16.dcm"; do push "$f"; done
  push -xr "$SHARED/OBXXXX1A_rle_2frame.dcm"; push -xv "$SHARED/US1_J2KR.dcm"; push -xw "$SHARED/US1_J2KI.dcm"
  expected=$( (for f in "$SHARED"/*.dcm; do dcmdump +P 0008,0018 "$f"; done) | sed 's/.*\[\(.*\)\].*/\1/' | sort -u | wc -l)
  studies=4
else
  echo "note: ../shared/dicom is absent: the simulated liver study alone goes through the PACS"
fi
"$STEATO" simulate --out "$WORK/sim" --patients 1 --seed 61 --scanners meridian-c5 --first-patient 901 >/dev/null
STUDY_UID=1.2.826.0.1.3680043.9.7433.4.901
n=0
for jpg in "$WORK"/sim/SIM00901/SIM00901-1/*.jpg; do
  n=$((n + 1))
  img2dcm "$jpg" "$WORK/liver$n.dcm" -k "PatientID=LIVER901" -k "PatientName=Novák^Jiří" -k "StudyInstanceUID=$STUDY_UID" \
    -k "AccessionNumber=ACC901" -k "Modality=US" -k "StudyDate=20260301" -k "SeriesNumber=1" -k "InstanceNumber=$n" 2>/dev/null || fail "img2dcm"
  push -xy "$WORK/liver$n.dcm"
done
# Every instance made it: Orthanc holds one per SOP instance.
expect_eq "instances in Orthanc" "$(curl -s "$REST/statistics" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["CountInstances"])')" "$((expected + n))"

# Pull everything: C-FIND then C-GET, each instance imported once.
out=$("$STEATO" pull --from "$PACS" --list 2>&1) || fail "pull --list: $out"
expect_contains "C-FIND finds the studies" "$out" "$studies stud$([[ $studies == 1 ]] && echo y || echo ies) found"
expect_contains "C-FIND lists the liver study" "$out" "ACC901"
out=$("$STEATO" pull --from "$PACS" 2>&1) || fail "pull: $out"
expect_contains "C-GET imports the liver study" "$out" "study ACC901 (patient LIVER901): $n imported"
expect_eq "each SOP instance once" "$(sql "SELECT COUNT(DISTINCT sopInstanceUID) FROM image")" "$((expected + n))"
expect_eq "the name in its character set" "$(sql "SELECT name FROM patient WHERE patientKey = 'LIVER901'")" "Novák Jiří"
out=$("$STEATO" pull --from "$PACS" --patient LIVER901 2>&1)
expect_contains "pulling again: duplicates" "$out" "0 imported, $n duplicate"

# Score, send the result back, read it through Orthanc's REST API.
"$STEATO" score LIVER901/ACC901 >/dev/null || fail "score"
out=$("$STEATO" send LIVER901/ACC901 --to "$PACS" 2>&1) || fail "send: $out"
expect_contains "SR stored" "$out" "structured report of study ACC901 stored"
expect_contains "PDF stored" "$out" "encapsulated PDF of study ACC901 stored"
ids=$(curl -s "$REST/studies/$(curl -s "$REST/tools/lookup" -d "$STUDY_UID" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ID"])')/instances" |
      "$PY" -c 'import json,sys; print(" ".join(i["ID"] for i in json.load(sys.stdin)))')
sr="" pdf=""
for id in $ids; do
  curl -s "$REST/instances/$id/file" -o "$WORK/back.dcm"
  case $(dcmdump +P 0008,0016 "$WORK/back.dcm") in
    *EnhancedSRStorage*) cp "$WORK/back.dcm" "$WORK/sr.dcm"; sr=1 ;;
    *EncapsulatedPDFStorage*) cp "$WORK/back.dcm" "$WORK/pdf.dcm"; pdf=1 ;;
  esac
done
expect_eq "the SR is in the study" "$sr" "1"
expect_eq "the PDF is in the study" "$pdf" "1"
tree=$(dsrdump "$WORK/sr.dcm" 2>/dev/null) || fail "dsrdump cannot read the SR"
expect_contains "SR: TID 1500 root" "$tree" '"Imaging Measurement Report"'
expect_contains "SR: the score" "$tree" '"Steatosis score (grade scale 0-3)")="'
expect_contains "SR: the fat estimate" "$tree" '"Estimated liver fat fraction")="'
expect_contains "SR: a coded grade" "$tree" '"Steatosis grade")=('
scored=$(sql "SELECT COUNT(*) FROM image i JOIN imageScore s ON s.imageId = i.id JOIN study t ON t.id = i.studyId WHERE t.accession = 'ACC901' AND s.score IS NOT NULL")
[[ $scored -ge 5 ]] || fail "only $scored of the liver study's $n images scored"
expect_eq "SR references every scored image" "$(grep -c 'contains IMAGE' <<<"$tree")" "$scored"
dcm2pdf "$WORK/pdf.dcm" "$WORK/back.pdf" 2>/dev/null || fail "dcm2pdf"
text=$(pdftotext "$WORK/back.pdf" - 2>/dev/null)
expect_contains "PDF: title" "$text" "Liver steatosis"
expect_contains "PDF: the patient's name as written" "$text" "Novák Jiří"
expect_contains "PDF: the model" "$text" "steatoscope-sim"
# A peer that is not there: one line, non-zero exit.
out=$("$STEATO" send LIVER901/ACC901 --to "NOBODY@127.0.0.1:$(free_port)" 2>&1); rc=$?
expect_eq "no peer: exit status" "$rc" "1"
expect_contains "no peer: says so" "$out" "cannot associate with the peer"
finish
