#!/usr/bin/env bash
# The workstation in a real terminal (tmux): first run imports SampleStudies, filter, open a study,
# tag a view and undo it, score in the background, review, quit; Ctrl-C leaves the terminal and the
# database sound. Reads the screen as a person would and checks what landed in the database.
source "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 1; }
export STEATO_SAMPLES="$HERE/../../SampleStudies"
export STEATO_MODEL="$HERE/../../Models/steatoscope-default.safetensors"
SOCKET="steato-e2e-$$"
T() { tmux -L "$SOCKET" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$WORK"' EXIT
screen() { T capture-pane -p -t ws; }
# Waits until the screen shows a text (or fails after N seconds).
wait_for() {
  local text=$1 seconds=${2:-20} i
  for ((i = 0; i < seconds * 10; i++)); do
    screen | grep -qF -- "$text" && return 0
    sleep 0.1
  done
  fail "screen never showed '$text':"$'\n'"$(screen)"
  return 1
}
keys() { T send-keys -t ws "$@"; sleep 0.3; }

T new-session -d -s ws -x 120 -y 40 "env STEATO_DB='$STEATO_DB' STEATO_SAMPLES='$STEATO_SAMPLES' STEATO_MODEL='$STEATO_MODEL' STEATO_USER=e2e '$STEATO'; echo EXIT=\$?; sleep 30"
wait_for "New database" 30 || finish
wait_for "study 1 of 10"
expect_contains "header" "$(screen)" "PATIENT"
expect_eq "database private" "$(stat -c %a "$STEATO_DB")" "600"
# Inside tmux no kitty query is sent (tmux would show it as the pane's title).
expect_not_contains "pane title untouched" "$(T display -p -t ws '#{pane_title}')" "Gi=31"

# Filter incrementally, then open the study.
keys / S I M 0 0 0 0 3
wait_for "/SIM00003"
keys Enter
wait_for "study 1 of 1"
keys Enter
wait_for "SIM00003 · study SIM00003-1"
expect_contains "view columns" "$(screen)" "subcostal"

# Tag the selected image 'other', check the database, undo.
first=$(sql "SELECT image.id FROM image JOIN study ON study.id = image.studyId WHERE study.studyKey = 'SIM00003-1' AND image.view = 'right-intercostal' ORDER BY image.id LIMIT 1")
keys 0
wait_for "tagged 1 image other"
expect_eq "tag stored" "$(sql "SELECT view FROM image WHERE id = $first")" "other"
expect_eq "tag audited" "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'tag' AND entityId = $first AND newValue = 'other'")" "1"
keys u
wait_for "undone"
expect_eq "undo stored" "$(sql "SELECT view FROM image WHERE id = $first")" "right-intercostal"

# Score in the background; the screen fills in when it is done.
keys s
wait_for "scoring finished" 180
expect_contains "study result" "$(screen)" "fat ≈"
expect_eq "scores stored" "$(sql "SELECT COUNT(*) FROM studyScore")" "1"

# Review: grade 3 with a reason.
keys r
wait_for "Review study"
keys 3 o k
keys Enter
wait_for "reviewed"
expect_eq "review stored" "$(sql "SELECT decision IN ('confirmed','overridden'), grade, reason FROM review")" "1|3|ok"
expect_eq "status" "$(sql "SELECT status FROM study WHERE studyKey = 'SIM00003-1'")" "reviewed"

# Help, then back to the worklist and quit.
keys ?
wait_for "this help"
keys q
keys Escape
wait_for "PATIENT"
keys q
wait_for "EXIT=0"

# Ctrl-C in the middle of a background scoring run: clean exit, database intact.
T kill-session -t ws
T new-session -d -s ws -x 100 -y 30 "env STEATO_DB='$STEATO_DB' STEATO_MODEL='$STEATO_MODEL' '$STEATO'; echo EXIT=\$?; stty -a | tr ' ' '\n' | grep -x -- '-\\?icanon'; echo STTY-READ; sleep 30"
wait_for "study 1 of 10"
keys S
keys C-c
wait_for "EXIT=0"
wait_for "STTY-READ"
expect_eq "terminal restored (canonical mode)" "$(screen | grep -x -- '-\?icanon')" "icanon"
expect_eq "integrity" "$(sql "PRAGMA integrity_check")" "ok"
finish
