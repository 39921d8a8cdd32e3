#!/usr/bin/env python3
"""DICOM fixtures for names and dates as the files mean them, written with pydicom (independent of
Steatoscope): the same person's name in several Specific Character Sets, an old-style date.

Writes Tests/Fixtures/dicom/charset/*.dcm and expected.json (file → the name and dates as UTF-8 / ISO).
usage: python3 scripts/make_charset_fixtures.py     (needs pydicom and numpy from PyPI)
"""
import json
import os

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "dicom", "charset")
UID = "1.2.826.0.1.3680043.9.7433.2."

# (file, Specific Character Set or None, name as the person writes it, encoding of the bytes, study date as stored)
CASES = [
    ("latin1.dcm", "ISO_IR 100", "Müller^Zoë", "latin-1", "20240105"),
    ("utf8.dcm", "ISO_IR 192", "Łukasiewicz^Zoë", "utf-8", "20240106"),
    ("greek.dcm", "ISO_IR 126", "Παπαδόπουλος^Ελένη", "iso8859-7", "20240107"),
    ("cyrillic.dcm", "ISO_IR 144", "Иванова^Анна", "iso8859-5", "20240108"),
    ("undeclared-latin1.dcm", None, "Nuñez^José", "latin-1", "1994.11.05"),   # no charset, old-style date
]


def write(index, name, charset, person, encoding, date):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    meta.MediaStorageSOPInstanceUID = UID + str(index)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    if charset:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = UID + "100." + str(index)
    ds.SeriesInstanceUID = UID + "200." + str(index)
    ds.Modality = "US"
    ds.PatientID = f"CHARSET{index}"
    ds.AccessionNumber = f"CS{index}"
    ds.StudyDate = date
    ds.PatientBirthDate = "1961.03.15" if "." in date else "19610315"
    # The name's bytes as the file stores them, whatever pydicom's own encoder would do.
    ds.add_new(0x00100010, "PN", person.encode(encoding))
    ds.Rows, ds.Columns = 16, 16
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = (np.arange(256, dtype=np.uint8)).tobytes()
    ds.save_as(os.path.join(OUT, name), enforce_file_format=True)


os.makedirs(OUT, exist_ok=True)
expected = {}
for i, (name, charset, person, encoding, date) in enumerate(CASES):
    write(i, name, charset, person, encoding, date)
    iso = date.replace(".", "-") if "." in date else f"{date[:4]}-{date[4:6]}-{date[6:]}"
    expected[name] = {"patient_name": person.replace("^", " "), "study_date": iso, "birth_date": "1961-03-15"}
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
print(f"wrote {len(CASES)} files to {OUT}")
