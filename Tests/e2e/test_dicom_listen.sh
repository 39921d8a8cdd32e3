#!/usr/bin/env bash
# steato listen: a storage SCP that imports what scanners send. C-ECHO answers; a calling AE title
# the config file does not allow is rejected at association; the same instances sent with DCMTK's
# storescu from 4 parallel associations at once (each association all of them) arrive exactly once
# each — the real files of ../shared/dicom when it is there (and its compressed files in their own
# transfer syntaxes), else simulated frames wrapped as DICOM with img2dcm; a broken instance is
# refused with a C-STORE failure and one logged line; SIGTERM stops it cleanly with a summary.
source "$(dirname "$0")/lib.sh"
SHARED="$HERE/../../../shared/dicom"
for tool in storescu echoscu img2dcm dcmdjpeg dcmodify tmux; do
  command -v "$tool" >/dev/null || { fail "$tool is not installed: run scripts/bootstrap"; finish; }
done
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export XDG_CONFIG_HOME="$WORK/config"
mkdir -p "$XDG_CONFIG_HOME/steatoscope"
printf 'listen_aet = STEATO_TEST\nallowed_callers = US_ROOM1, US_ROOM2, US_ROOM3, US_ROOM4, BROKEN\n' >"$XDG_CONFIG_HOME/steatoscope/config"
"$STEATO" listen --port "$PORT" >"$WORK/listen.out" 2>"$WORK/listen.err" &
LISTENER=$!
for _ in $(seq 50); do echoscu -aet US_ROOM1 -aec STEATO_TEST 127.0.0.1 "$PORT" 2>/dev/null && break; sleep 0.2; done
check "C-ECHO" echoscu -aet US_ROOM1 -aec STEATO_TEST 127.0.0.1 "$PORT"
out=$(echoscu -aet INTRUDER -aec STEATO_TEST 127.0.0.1 "$PORT" 2>&1); rc=$?
expect_eq "an unknown calling AE is rejected" "$rc" "1"
expect_contains "rejected at association" "$out" "Association Rejected"

if [[ -d "$SHARED" ]]; then
  UNCOMPRESSED=("$SHARED/OBXXXX1A.dcm" "$SHARED/OBXXXX1A_2frame.dcm" "$SHARED/US1_UNCI.dcm" "$SHARED/US1_UNCR.dcm" "$SHARED/gdcm-US-ALOKA-16.dcm")
else
  echo "note: ../shared/dicom is absent: sending simulated frames wrapped as DICOM instead"
  "$STEATO" simulate --out "$WORK/sim" --patients 1 --seed 71 --scanners orca-cx --first-patient 951 >/dev/null
  UNCOMPRESSED=()
  for jpg in "$WORK"/sim/SIM00951/SIM00951-1/*-1.jpg "$WORK"/sim/SIM00951/SIM00951-1/*-2.jpg; do
    out="$WORK/gen-$(basename "$jpg" .jpg).dcm"
    # img2dcm keeps the JPEG as it is; dcmdjpeg makes it the uncompressed instance a plain storescu sends.
    img2dcm "$jpg" "$out.jpeg.dcm" -k "PatientID=GEN951" -k "StudyInstanceUID=1.2.826.0.1.3680043.9.7433.8.951" -k "Modality=US" 2>/dev/null \
      && dcmdjpeg "$out.jpeg.dcm" "$out" 2>/dev/null || fail "img2dcm / dcmdjpeg"
    UNCOMPRESSED+=("$out")
  done
fi
for n in 1 2 3 4; do
  storescu -aet "US_ROOM$n" -aec STEATO_TEST 127.0.0.1 "$PORT" "${UNCOMPRESSED[@]}" >"$WORK/send$n.log" 2>&1 &
done
wait_status=0
for job in $(jobs -p); do [[ $job == "$LISTENER" ]] || wait "$job" || wait_status=1; done
expect_eq "four parallel associations all succeed" "$wait_status" "0"
COMPRESSED=()
if [[ -d "$SHARED" ]]; then
  storescu -xr -aet US_ROOM1 -aec STEATO_TEST 127.0.0.1 "$PORT" "$SHARED/OBXXXX1A_rle_2frame.dcm" 2>&1 || fail "RLE"
  storescu -xv -aet US_ROOM2 -aec STEATO_TEST 127.0.0.1 "$PORT" "$SHARED/US1_J2KR.dcm" 2>&1 || fail "JPEG 2000 lossless"
  storescu -xw -aet US_ROOM3 -aec STEATO_TEST 127.0.0.1 "$PORT" "$SHARED/US1_J2KI.dcm" 2>&1 || fail "JPEG 2000"
  COMPRESSED=("$SHARED"/*J2K*.dcm "$SHARED"/*rle*.dcm)
fi
# Each SOP instance (frame) once, however many associations carried it.
expect_eq "every instance exactly once" "$(sql "SELECT COUNT(*) = COUNT(DISTINCT sopInstanceUID || '/' || frameNumber) FROM image")" "1"
sent=$(for f in "${UNCOMPRESSED[@]}" "${COMPRESSED[@]}"; do dcmdump +P 0008,0018 "$f"; done | sed 's/.*\[\(.*\)\].*/\1/' | sort -u | wc -l)
expect_eq "every distinct instance sent is stored" "$(sql "SELECT COUNT(DISTINCT sopInstanceUID) FROM image")" "$sent"
# An image instance without its pixel data is refused by the listener (C-STORE failure), logged once, nothing stored.
cp "${UNCOMPRESSED[2]}" "$WORK/broken.dcm"
dcmodify -nb -ea "(7fe0,0010)" -m "(0008,0018)=1.2.826.0.1.3680043.9.7433.3.1" "$WORK/broken.dcm" >/dev/null 2>&1 || fail "dcmodify"
before=$(sql "SELECT COUNT(*) FROM image")
out=$(storescu -v -aet BROKEN -aec STEATO_TEST 127.0.0.1 "$PORT" "$WORK/broken.dcm" 2>&1)
expect_contains "the sender hears the refusal" "$out" "Received Store Response (Error: CannotUnderstand)"
expect_eq "one logged line for it" "$(grep -c 'refused' "$WORK/listen.err")" "1"
expect_eq "nothing stored from a broken file" "$(sql "SELECT COUNT(*) FROM image")" "$before"
kill -TERM "$LISTENER"; wait "$LISTENER"; rc=$?
expect_eq "SIGTERM: clean exit" "$rc" "0"
expect_contains "summary" "$(cat "$WORK/listen.out")" "refused"
expect_eq "nothing left in the spool" "$(ls -A "$WORK/db/incoming" | wc -l)" "0"
echo "listener said:"; cat "$WORK/listen.err"

# The same inside the workstation: `steato --listen` shows what arrives and the worklist refreshes.
if [[ -d "$SHARED" ]]; then WS_FILES=("$SHARED/US1_UNCI.dcm" "$SHARED/gdcm-US-ALOKA-16.dcm"); WS_PATIENT=13US1
else
  WS_FILES=()
  for n in 1 2; do
    cp "${UNCOMPRESSED[0]}" "$WORK/ws$n.dcm"
    dcmodify -nb -m "(0010,0020)=WSPAT$n" -m "(0020,000d)=1.2.826.0.1.3680043.9.7433.8.96$n" -m "(0008,0018)=1.2.826.0.1.3680043.9.7433.8.97$n" "$WORK/ws$n.dcm" >/dev/null 2>&1
    WS_FILES+=("$WORK/ws$n.dcm")
  done
  WS_PATIENT=WSPAT1
fi
SOCKET="steato-listen-$$"
T() { tmux -L "$SOCKET" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$WORK"' EXIT
PORT2=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listen_aet = STEATO_WS\nlisten_port = %s\n' "$PORT2" >"$XDG_CONFIG_HOME/steatoscope/config"
export STEATO_DB="$WORK/ws/cases.sqlite" STEATO_SAMPLES="$HERE/../../SampleStudies"
T new-session -d -s ws -x 120 -y 30 "XDG_CONFIG_HOME='$XDG_CONFIG_HOME' STEATO_DB='$STEATO_DB' '$STEATO' --listen --graphics text"
for _ in $(seq 100); do T capture-pane -p -t ws | grep -q "listening STEATO_WS:$PORT2" && break; sleep 0.1; done
expect_contains "status line says it listens" "$(T capture-pane -p -t ws)" "listening STEATO_WS:$PORT2"
storescu -aet US_ROOM1 -aec STEATO_WS 127.0.0.1 "$PORT2" "${WS_FILES[@]}" || fail "send to the workstation"
for _ in $(seq 50); do T capture-pane -p -t ws | grep -q "2 new studies received" && break; sleep 0.1; done
pane=$(T capture-pane -p -t ws)
expect_contains "the message line" "$pane" "2 new studies received (2 instances)"
expect_contains "the worklist refreshed" "$pane" "$WS_PATIENT"
T send-keys -t ws q
for _ in $(seq 50); do T has-session -t ws 2>/dev/null || break; sleep 0.1; done
"$PY" -c 'import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0)' "$PORT2" || fail "the port is still open after quitting"
finish
