"""Reference values for the use-case layer's tests, computed independently with pydicom and numpy.

The hepatorenal index of two boxes drawn on a DICOM frame that declares a B-mode region: the boxes are
in pixels of the whole frame (as the workstation draws them), so the means are taken on the whole frame,
not on the cropped region. Writes Tests/Fixtures/casework/hri.json.
Run from the repository root: python3 scripts/make_casework_fixtures.py (needs pydicom, numpy).
"""
import json

import numpy as np
import pydicom

FILE = "Tests/Fixtures/dicom/implicit-vr.dcm"
LIVER = (6, 8, 12, 10)    # x y w h on the whole frame
KIDNEY = (30, 20, 14, 12)

ds = pydicom.dcmread(FILE)
frame = ds.pixel_array.astype(np.float64)
region = ds.SequenceOfUltrasoundRegions[0]


def mean(box):
    x, y, w, h = box
    return float(frame[y:y + h, x:x + w].mean())


hri = mean(LIVER) / mean(KIDNEY)
# What measuring the same coordinates on the B-mode crop would give (the defect this guards against).
x0, y0 = int(region.RegionLocationMinX0), int(region.RegionLocationMinY0)
crop = frame[y0:int(region.RegionLocationMaxY1) + 1, x0:int(region.RegionLocationMaxX1) + 1]


def crop_mean(box):
    x, y, w, h = box
    return float(crop[y:y + h, x:x + w].mean())


out = {"file": "implicit-vr.dcm", "liver": LIVER, "kidney": KIDNEY, "hri": hri,
       "hri_on_crop": crop_mean(LIVER) / crop_mean(KIDNEY), "region_origin": [x0, y0]}
with open("Tests/Fixtures/casework/hri.json", "w") as f:
    json.dump(out, f, indent=1)
print(out)
