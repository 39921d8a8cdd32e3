#!/usr/bin/env bash
# Regenerates SampleStudies/ (committed) and docs/contact-sheet.png from the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product steato
rm -rf SampleStudies
.build/release/steato simulate --out SampleStudies --patients 10 --seed 2026 --balanced --quality 82
.build/release/steato simulate --contact-sheet docs/contact-sheet.png
du -sh SampleStudies
