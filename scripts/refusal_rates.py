#!/usr/bin/env python3
"""How often a model refuses images, by what they show: reads `steato score --json` lines (stdin)
and the manifest(s) the studies were imported from, and prints the share of images refused per
manifest `content` (liver, not-liver, poor-quality), and per study how many ended with no result.
usage: steato score --all --json | python3 scripts/refusal_rates.py MANIFEST.csv [MANIFEST.csv ...]
"""
import csv
import json
import os
import sys
from collections import Counter

content = {}
for path in sys.argv[1:]:
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            content[(row["study_id"], os.path.basename(row["image"]))] = row.get("content") or "liver"

counts, refused, reasons, no_result = Counter(), Counter(), Counter(), Counter()
for line in sys.stdin:
    study = json.loads(line)
    kinds = set()
    for image in study["images"]:
        kind = content.get((study["study_id"], image["file"]), "liver")
        kinds.add(kind)
        counts[kind] += 1
        if image["refused"]:
            refused[kind] += 1
            reasons[(kind, image["refused"])] += 1
    if study["score"] is None:
        for kind in kinds:
            no_result[kind] += 1
for kind in sorted(counts):
    why = ", ".join(f"{r} {n}" for (k, r), n in sorted(reasons.items()) if k == kind)
    print(f"{kind:13s} {refused[kind]:5d} / {counts[kind]:5d} images refused ({100 * refused[kind] / counts[kind]:.1f} %)"
          f"{'  [' + why + ']' if why else ''}; studies with no result: {no_result[kind]}")
