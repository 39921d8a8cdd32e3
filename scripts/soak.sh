#!/usr/bin/env bash
# Soak: real processes on one case database for SECONDS (default 600): two workstations in tmux tagging
# views key by key, a batch scorer (steato score --all), an importer and the DICOM listener fed by
# storescu, while a random writer is killed with kill -9 every few seconds and restarted.
# Afterwards: integrity_check ok, only whole studies, every confirmed keystroke's tag in the audit
# exactly once and in order, and nobody saw "database is locked".
#
#   scripts/soak.sh [SECONDS] [STEATO]     (STEATO defaults to .build/release/steato)
# Prints its figures; exits non-zero on any failure.
set -u
SECONDS_TO_RUN=${1:-600}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STEATO=${2:-$ROOT/.build/release/steato}
STEATO=$(cd "$(dirname "$STEATO")" && pwd)/$(basename "$STEATO")
[[ -x "$STEATO" ]] || { echo "soak: $STEATO is not built" >&2; exit 2; }
for tool in tmux storescu /usr/bin/python3; do command -v "$tool" >/dev/null || { echo "soak: $tool is missing" >&2; exit 2; }; done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/steato-soak.XXXXXX")
export STEATO_DB="$WORK/db/cases.sqlite" STEATO_MODEL="$ROOT/Models/steatoscope-default.safetensors"
SOCKET="steato-soak-$$"
PORT=$((20000 + $$ % 20000))
T() { tmux -L "$SOCKET" "$@"; }
sql() { /usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=30); print("\n".join("|".join(map(str,r)) for r in c.execute(sys.argv[2])))' "$STEATO_DB" "$1"; }
FAILURES=0
fail() { echo "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
cleanup() {
  [[ -f "$WORK/stop" ]] || touch "$WORK/stop"
  T kill-server 2>/dev/null
  jobs -p | xargs -r kill 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT

echo "soak: $SECONDS_TO_RUN s on $STEATO_DB"
"$STEATO" import "$ROOT/SampleStudies" >/dev/null 2>&1 || { echo "soak: cannot import the sample studies" >&2; exit 2; }
/usr/bin/python3 "$ROOT/Tests/e2e/make_images.py" "$WORK/new" --patients "${SOAK_PATIENTS:-400}" --studies 1 --images 3 --size 160 --seed 7 >/dev/null
# Batches of four patients (patient/study/image), one import each.
i=0; for p in "$WORK"/new/P*; do b=$(printf '%03d' $((i / 4))); mkdir -p "$WORK/incoming/$b"; mv "$p" "$WORK/incoming/$b/"; i=$((i + 1)); done

# Background writers, each restarted by its loop when killed. Their output is kept to look for "locked".
# Each writer's steato carries its role in STEATO_USER, which kill_random finds in /proc/PID/environ.
writer_loop() {  # role command…
  local role=$1; shift
  while [[ ! -f "$WORK/stop" ]]; do
    STEATO_USER=$role "$@" >>"$WORK/$role.log" 2>&1
    sleep 0.2
  done
}
importer() {  # one pass over the folders; later passes find only duplicates
  local k
  for folder in "$WORK"/incoming/*/; do
    [[ -f "$WORK/stop" ]] && return
    STEATO_USER=importer "$STEATO" import "$folder" >>"$WORK/importer.log" 2>&1
    k=$(( $(cat "$WORK/imports" 2>/dev/null || echo 0) + 1 )); echo $k >"$WORK/imports"
  done
}
# Each round sends new instances (fresh study, series and instance UIDs) of the uncompressed fixtures.
sender() {
  local round=0
  while [[ ! -f "$WORK/stop" ]]; do
    round=$((round + 1)); mkdir -p "$WORK/send/$round"
    cp "$ROOT"/Tests/Fixtures/dicom/{implicit-vr,rgb-explicit,palette-8bit}.dcm "$WORK/send/$round/"
    dcmodify -nb -gst -gse -gin -i "(0010,0020)=SEND$round" "$WORK/send/$round"/*.dcm >/dev/null 2>&1
    storescu -aet SOAK localhost "$PORT" "$WORK/send/$round"/*.dcm >>"$WORK/storescu.log" 2>&1 && echo $round >"$WORK/sent-rounds"
    sleep 1
  done
}
(while [[ ! -f "$WORK/stop" ]]; do importer; done) 2>/dev/null &
writer_loop scorer "$STEATO" score --all 2>/dev/null &
writer_loop listener "$STEATO" listen --port "$PORT" 2>/dev/null &
sender &

# Two workstations, each in its own tmux window; the loop restarts steato when it is killed.
for n in 1 2; do
  T new-session -d -s "ws$n" -x 120 -y 40 \
    "while [ ! -f '$WORK/stop' ]; do env STEATO_DB='$STEATO_DB' STEATO_MODEL='$STEATO_MODEL' STEATO_USER=ws$n '$STEATO' --graphics text; stty sane; sleep 0.3; done"
done
screen() { T capture-pane -p -t "ws$1"; }
wait_screen() {  # n text seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do screen "$1" | grep -qF -- "$2" && return 0; sleep 0.1; done
  return 1
}
# Opens the workstation's own study (ws1: SIM00001, ws2: SIM00002); returns non-zero if it could not.
open_study() {
  local n=$1
  wait_screen "$n" "sort" 20 || return 1
  T send-keys -t "ws$n" / S I M 0 0 0 0 "$n" Enter; sleep 0.3
  T send-keys -t "ws$n" Enter
  wait_screen "$n" "SIM0000$n/SIM0000$n-1" 10
}
views=(right-intercostal subcostal left-lobe other); keys=(1 2 3 0)
declare -A confirmed sequence
confirmed[1]=0; confirmed[2]=0; sequence[1]=""; sequence[2]=""
# One keystroke: tag the selected image with a view it does not have, then wait for its audit entry.
press() {
  local n=$1 image current pick before after i
  image=$(screen "$n" | grep -o "SIM0000$n-1 · image [0-9]*" | grep -o '[0-9]*$')
  [[ -n "$image" ]] || { open_study "$n" || return 0; return 0; }
  current=$(sql "SELECT ifnull(view, '') FROM image WHERE id = $image")
  pick=$((RANDOM % 4)); [[ "${views[$pick]}" == "$current" ]] && pick=$(((pick + 1) % 4))
  before=$(sql "SELECT COUNT(*) FROM audit WHERE who = 'ws$n' AND action = 'tag'")
  T send-keys -t "ws$n" "${keys[$pick]}"
  for ((i = 0; i < 100; i++)); do
    after=$(sql "SELECT COUNT(*) FROM audit WHERE who = 'ws$n' AND action = 'tag'")
    [[ $after -ne $before ]] && break
    sleep 0.1
  done
  if [[ $after -eq $((before + 1)) ]]; then
    confirmed[$n]=$((confirmed[$n] + 1)); sequence[$n]+="$image:${views[$pick]} "
  elif [[ $after -ne $before ]]; then
    fail "ws$n: one keystroke wrote $((after - before)) audit entries"
  fi   # no entry: the workstation was killed before the key reached it (it restarts; the key is lost, not half-written)
}

kill_random() {
  local roles=(importer scorer listener ws1 ws2) role pid
  role=${roles[$((RANDOM % 5))]}
  pid=$(for p in $(pgrep -x steato); do tr '\0' '\n' 2>/dev/null </proc/$p/environ | grep -qx "STEATO_USER=$role" && echo "$p"; done | head -1)
  [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null && echo "$role" >>"$WORK/kills"
}

# Half way, an online backup while everything runs: the copy must open and check clean.
backup_now() {
  local out
  out=$("$STEATO" backup "$WORK/backup/cases.sqlite" 2>&1) || { fail "backup during the soak: $out"; return; }
  out=$("$STEATO" --db "$WORK/backup/cases.sqlite" check 2>&1) || fail "the backup does not check clean: $(head -3 <<<"$out")"
  backup_line=$(tail -1 <<<"$out")
}
backup_line="not taken"

open_study 1; open_study 2
start=$(date +%s); next_kill=$((start + 3)); backed_up=0
while (( $(date +%s) - start < SECONDS_TO_RUN )); do
  if (( backed_up == 0 && $(date +%s) - start >= SECONDS_TO_RUN / 2 )); then backup_now; backed_up=1; fi
  for n in 1 2; do
    press "$n"
    screen "$n" >>"$WORK/screens-ws$n.log"
  done
  if (( $(date +%s) >= next_kill )); then kill_random; next_kill=$(( $(date +%s) + 2 + RANDOM % 4 )); fi
done
touch "$WORK/stop"
for n in 1 2; do T send-keys -t "ws$n" q; done
sleep 2
cleanup
trap - EXIT

# The verdict.
integrity=$(sql "PRAGMA integrity_check")
[[ "$integrity" == "ok" ]] || fail "integrity_check: $integrity"
partial=$(sql "SELECT COUNT(*) FROM study WHERE imageCount != (SELECT COUNT(*) FROM image WHERE studyId = study.id)")
[[ "$partial" == "0" ]] || fail "$partial studies are not whole"
check=$("$STEATO" check 2>&1)
grep -q "altered\|missing\|database:" <<<"$check" && fail "steato check found damage: $(grep "altered\|missing\|database:" <<<"$check" | head -3)"
orphans=$(grep -c "orphan file" <<<"$check")
for n in 1 2; do
  audited=$(sql "SELECT entityId || ':' || newValue FROM audit WHERE who = 'ws$n' AND action = 'tag' ORDER BY id" | tr '\n' ' ')
  [[ "$audited" == "${sequence[$n]}" ]] || fail "ws$n: the audit differs from the confirmed keystrokes"
done
locked=$(cat "$WORK"/*.log 2>/dev/null | grep -ci "database is locked")
[[ $locked -eq 0 ]] || fail "\"database is locked\" seen $locked times: $(grep -il "database is locked" "$WORK"/*.log | xargs -n1 basename | tr '\n' ' ')"

kills=$(sort "$WORK/kills" 2>/dev/null | uniq -c | awk '{printf "%s %s, ", $2, $1}')
echo "soak: ran $SECONDS_TO_RUN s; kill -9: ${kills%, }"
echo "soak: keystrokes confirmed ws1 ${confirmed[1]}, ws2 ${confirmed[2]}; audit entries match them one for one"
echo "soak: studies $(sql "SELECT COUNT(*) FROM study"), images $(sql "SELECT COUNT(*) FROM image"), score runs stored $(sql "SELECT COUNT(*) FROM studyScore"), imports run $(cat "$WORK/imports" 2>/dev/null || echo 0), listener rounds sent $(cat "$WORK/sent-rounds" 2>/dev/null || echo 0) (instances stored $(sql "SELECT COUNT(*) FROM image WHERE sopInstanceUID IS NOT NULL"))"
echo "soak: online backup half way: $backup_line"
echo "soak: integrity $integrity; partial studies $partial; orphan files left by killed imports $orphans; \"database is locked\" $locked"
if [[ $FAILURES -eq 0 ]]; then rm -rf "$WORK"; echo "soak: passed"; else echo "soak: $FAILURES failures; evidence kept in $WORK"; exit 1; fi
