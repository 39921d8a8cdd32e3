#!/usr/bin/env python3
"""Words tesseract reads on an image, normalised (upper case, letters and digits only), one per line.

  ocr_words.py FILE            every word it reads, however unsure
  ocr_words.py --sure FILE     words that identify: read with confidence >= 60, at least three
                               characters with a letter, or six or more digits (dates, times, ids)
  ocr_words.py --header DUMP   the same kind of words in a dcmdump listing's identifying attributes
  ocr_words.py --header-all DUMP  every word of every attribute in a dcmdump listing
"""
import re
import subprocess
import sys

IDENTIFYING = {  # names, ids, dates, places: what a DICOM header says about who and where
    "0008,0020", "0008,0021", "0008,0022", "0008,0023", "0008,0030", "0008,0050", "0008,0080",
    "0008,0081", "0008,0090", "0008,1010", "0008,1040", "0008,1050", "0008,1070", "0010,0010",
    "0010,0020", "0010,0030", "0010,1000", "0010,1001", "0010,1040", "0020,0010", "0032,1032",
}


def normalise(word):
    return re.sub(r"[^0-9A-Z]", "", word.upper())


def identifying(word):
    return (len(word) >= 3 and re.search(r"[A-Z]", word)) or (len(word) >= 6 and word.isdigit())


def ocr(path):
    tsv = subprocess.run(["tesseract", path, "-", "tsv"], capture_output=True, text=True, check=True).stdout
    for line in tsv.splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) == 12 and fields[11].strip():
            yield float(fields[10]), fields[11]


def header(dump, everything=False):
    for line in open(dump, encoding="utf-8", errors="replace"):
        m = re.match(r"\s*\((\w{4},\w{4})\) \w\w \[(.*?)\]", line)
        if m and (everything or m.group(1).upper() in {t.upper() for t in IDENTIFYING}):
            yield from re.split(r"[\^\s,./:-]+", m.group(2))


if __name__ == "__main__":
    mode, path = (sys.argv[1], sys.argv[2]) if sys.argv[1].startswith("--") else (None, sys.argv[1])
    if mode == "--sure":
        words = {w for w in (normalise(w) for conf, w in ocr(path) if conf >= 60) if identifying(w)}
    elif mode == "--header":
        words = {w for w in (normalise(w) for w in header(path)) if identifying(w)}
    elif mode == "--header-all":
        words = {normalise(w) for w in header(path, everything=True)}
    else:
        words = {normalise(w) for _, w in ocr(path)}
    for word in sorted(w for w in words if w):
        print(word)
