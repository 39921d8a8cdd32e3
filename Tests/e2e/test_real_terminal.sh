#!/usr/bin/env bash
# The workstation in a real terminal emulator that draws sixel: xterm -ti vt340 under Xvfb (8×17
# cells with DejaVu Sans Mono 10, TERM=xterm with 8 colours, a white background), driven with
# xdotool, read from screenshots (ImageMagick import): the preview lies inside its box and within
# xterm's 1000×1000 sixel limit, and is gone after ?, r, Esc to the worklist and Enter-then-Esc;
# nothing scrolls (the header bar stays on the top row). Skipped, saying so, where Xvfb cannot start.
source "$(dirname "$0")/lib.sh"
for tool in Xvfb xterm xdotool import; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed (scripts/bootstrap installs it)"; exit 0; }
done
export STEATO_SAMPLES="$HERE/../../SampleStudies"
export STEATO_MODEL="$HERE/../../Models/steatoscope-default.safetensors"
COLUMNS_=160 ROWS_=48
DISPLAY_NUMBER=""
for n in $(seq 70 99); do
  [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] && continue
  Xvfb ":$n" -screen 0 1400x900x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
  XVFB=$!
  sleep 1
  if kill -0 "$XVFB" 2>/dev/null; then DISPLAY_NUMBER=$n; break; fi
done
[[ -n "$DISPLAY_NUMBER" ]] || { echo "skipped: Xvfb cannot start: $(tail -1 "$WORK/xvfb.log")"; exit 0; }
export DISPLAY=":$DISPLAY_NUMBER"
trap 'kill $XVFB 2>/dev/null; rm -rf "$WORK"' EXIT

xterm -ti vt340 -xrm 'XTerm*numColorRegisters: 256' -fa 'DejaVu Sans Mono' -fs 10 -geometry ${COLUMNS_}x${ROWS_}+0+0 \
  -e env STEATO_DB="$STEATO_DB" STEATO_SAMPLES="$STEATO_SAMPLES" STEATO_MODEL="$STEATO_MODEL" STEATO_USER=e2e \
     bash -c "'$STEATO'; echo \$? > '$WORK/exit'" &
XTERM=$!
WINDOW=""
for _ in $(seq 50); do WINDOW=$(xdotool search --onlyvisible --pid "$XTERM" 2>/dev/null | head -1); [[ -n "$WINDOW" ]] && break; sleep 0.2; done
[[ -n "$WINDOW" ]] || { fail "xterm did not open a window"; finish; }
# Without a window manager the keyboard follows the pointer: keep it over the terminal.
xdotool mousemove --window "$WINDOW" 200 200

SHOTS=${STEATO_SHOTS:-$WORK}
BORDER=2 BACKGROUND=light
shot() {   # shot NAME → "cells N box X0 Y0 X1 Y1 header H"
  timeout 20 import -window "$WINDOW" "$SHOTS/$1.png" || { echo "cells -1 box -1 -1 -1 -1 header 0"; return; }
  "$PY" "$HERE/terminal_pixels.py" "$SHOTS/$1.png" $COLUMNS_ $ROWS_ $BORDER $BACKGROUND
}
press() { xdotool key "$@"; sleep 1.2; }
field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$1"; }
box() { awk '{ print $4, $5, $6, $7 }' <<<"$1"; }
header_kept() { awk -v s="$1" '{ if ($9 < 0.5) exit 1 }' <<<"$2" || fail "$1: the header bar left the top row (the screen scrolled): $2"; }

# First run: the database is made and SampleStudies imported before the worklist shows.
for _ in $(seq 60); do
  worklist=$(shot worklist)
  awk '{ exit !($9 >= 0.5) }' <<<"$worklist" && break
  sleep 0.5
done
sleep 0.5
worklist=$(shot worklist)
expect_eq "worklist has no picture" "$(field "$worklist" cells)" "0"
header_kept worklist "$worklist"

press Return
study=$(shot study)
read -r x0 y0 x1 y1 <<<"$(box "$study")"
(( $(field "$study" cells) > 200 )) || fail "study: no preview drawn: $study"
# The preview box: right of the view columns (x ≥ 81), under the study lines (y ≥ 4), above the image facts.
(( x0 >= 81 && y0 >= 4 && x1 <= COLUMNS_ - 2 && y1 <= ROWS_ - 4 )) || fail "study: the picture left its box: $study"
header_kept study "$study"

press question
help=$(shot help)
(( $(field "$help" cells) < 10 )) || fail "help: sixel pixels left under the help text: $help"
press x
again=$(shot study-again)
expect_eq "picture back after help" "$(box "$again")" "$(box "$study")"

press Return
large=$(shot image-view)
read -r x0 y0 x1 y1 <<<"$(box "$large")"
# 1000 pixels of sixel at 8 pixels a cell: at most 125 columns, whatever the box.
(( x1 - x0 + 1 <= 126 && y1 <= ROWS_ - 2 && y0 >= 2 )) || fail "image view: larger than xterm's sixel limit or off the screen: $large"
header_kept image-view "$large"
press Escape
back=$(shot enter-then-esc)
expect_eq "Enter then Esc: one picture, in its box" "$(box "$back")" "$(box "$study")"
(( $(field "$back" cells) <= $(field "$study" cells) + 20 )) || fail "Enter then Esc: pictures overlap: $back vs $study"

# A smaller window (160×36): the picture is fitted again, inside the new box, nothing scrolls.
xdotool windowsize "$WINDOW" $((COLUMNS_ * 8 + 4)) $((36 * 17 + 4)); sleep 1.5
ROWS_=36
small=$(shot resized)
read -r x0 y0 x1 y1 <<<"$(box "$small")"
(( $(field "$small" cells) > 100 && y1 <= ROWS_ - 4 && x0 >= 81 )) || fail "resized to 36 rows: the picture left its box: $small"
header_kept resized "$small"
xdotool windowsize "$WINDOW" $((COLUMNS_ * 8 + 4)) $((48 * 17 + 4)); sleep 1.5
ROWS_=48
restored=$(shot restored)
expect_eq "resized back: the same picture in the same box" "$(box "$restored")" "$(box "$study")"

press r
review=$(shot review)
(( $(field "$review" cells) < 10 )) || fail "review: the picture stays behind the review box: $review"
press Escape Escape
gone=$(shot worklist-again)
expect_eq "Esc to the worklist clears the picture" "$(field "$gone" cells)" "0"
header_kept worklist-again "$gone"

press q
for _ in $(seq 25); do [[ -f "$WORK/exit" ]] && break; sleep 0.2; done
expect_eq "quit cleanly" "$(cat "$WORK/exit" 2>/dev/null)" "0"

# kitty, where it starts (software GL under Xvfb): the kitty protocol, on a dark background.
if ! command -v kitty >/dev/null; then echo "kitty part skipped: kitty is not installed"; finish; fi
rm -f "$WORK/exit"
LIBGL_ALWAYS_SOFTWARE=1 kitty -o font_family='DejaVu Sans Mono' -o font_size=10 -o remember_window_size=no \
  -o initial_window_width=${COLUMNS_}c -o initial_window_height=${ROWS_}c \
  -o window_padding_width=0 -o placement_strategy=top-left \
  env STEATO_DB="$STEATO_DB" STEATO_MODEL="$STEATO_MODEL" STEATO_USER=e2e bash -c "'$STEATO'; echo \$? > '$WORK/exit'" \
  >"$WORK/kitty.log" 2>&1 &
KITTY=$!
WINDOW=""
# kitty may open and close a window while it sets up GL: wait for a visible one.
for _ in $(seq 75); do WINDOW=$(xdotool search --onlyvisible --pid "$KITTY" 2>/dev/null | head -1); [[ -n "$WINDOW" ]] && break; sleep 0.2; done
if [[ -z "$WINDOW" ]]; then echo "kitty part skipped: kitty did not start: $(tail -1 "$WORK/kitty.log")"; finish; fi
xdotool mousemove --window "$WINDOW" 200 200
BORDER=0 BACKGROUND=dark
for _ in $(seq 60); do
  worklist=$(shot kitty-worklist)
  awk '{ exit !($9 >= 0.5) }' <<<"$worklist" && break
  sleep 0.5
done
sleep 0.5
worklist=$(shot kitty-worklist)
expect_eq "kitty worklist has no picture" "$(field "$worklist" cells)" "0"
press Return
study=$(shot kitty-study)
read -r x0 y0 x1 y1 <<<"$(box "$study")"
(( $(field "$study" cells) > 100 )) || fail "kitty study: no preview drawn: $study"
(( x0 >= 81 && y0 >= 4 && x1 <= COLUMNS_ - 2 && y1 <= ROWS_ - 4 )) || fail "kitty study: the picture left its box: $study"
press question
help=$(shot kitty-help)
(( $(field "$help" cells) < 10 )) || fail "kitty help: the picture stays over the help: $help"
press x Escape
gone=$(shot kitty-worklist-again)
expect_eq "kitty: Esc to the worklist deletes the picture" "$(field "$gone" cells)" "0"
press q
for _ in $(seq 25); do [[ -f "$WORK/exit" ]] && break; sleep 0.2; done
expect_eq "kitty: quit cleanly" "$(cat "$WORK/exit" 2>/dev/null)" "0"
finish
