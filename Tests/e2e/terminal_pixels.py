#!/usr/bin/env python3
"""Reads a screenshot of a terminal window for test_real_terminal.sh: which character cells are
covered by a picture (most of the cell grey or black, unlike text on a light background or the
theme's coloured bars), and whether the top row is still the theme's header bar (nothing scrolled).
usage: terminal_pixels.py SHOT.png COLUMNS ROWS [BORDER] [dark]
       →  prints 'cells N box X0 Y0 X1 Y1 header H'
BORDER: pixels round the text area (xterm 2, kitty 0). dark: the terminal's background is black, so
only mid greys (the image's tissue) count as picture, not black.
"""
import sys
from PIL import Image

shot, columns, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
border = int(sys.argv[4]) if len(sys.argv) > 4 else 2
dark = len(sys.argv) > 5 and sys.argv[5] == "dark"
image = Image.open(shot).convert("RGB")
width, height = image.size
cell_w, cell_h = (width - 2 * border) // columns, (height - 2 * border) // rows
pixels = image.load()


def picture_like(r, g, b):
    # Grey or black (an ultrasound image and its screen), not white paper or a coloured bar; on a
    # dark terminal only the mid greys of tissue.
    grey = abs(r - g) < 24 and abs(g - b) < 24
    return grey and (40 <= max(r, g, b) <= 230 if dark else max(r, g, b) < 200)


covered = []
# The header row and the two bottom rows (message, status bar) are the theme's own, never a picture.
for cy in range(1, rows - 2):
    for cx in range(columns):
        x0, y0 = border + cx * cell_w, border + cy * cell_h
        hits = sum(picture_like(*pixels[x0 + dx, y0 + dy]) for dy in range(0, cell_h, 2) for dx in range(0, cell_w, 2))
        total = len(range(0, cell_h, 2)) * len(range(0, cell_w, 2))
        if hits > 0.6 * total:
            covered.append((cx, cy))
header = sum(1 for cx in range(columns) for dx in range(cell_w)
             if (lambda p: p[2] > 100 and p[2] > p[0] + 60)(pixels[border + cx * cell_w + dx, border + cell_h // 2]))
header_share = header / (columns * cell_w)
if covered:
    xs, ys = [c[0] for c in covered], [c[1] for c in covered]
    box = (min(xs), min(ys), max(xs), max(ys))
else:
    box = (-1, -1, -1, -1)
print("cells %d box %d %d %d %d header %.2f" % ((len(covered),) + box + (header_share,)))
