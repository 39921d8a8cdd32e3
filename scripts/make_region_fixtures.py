#!/usr/bin/env python3
"""DICOM fixtures for the declared-region refusal rule, independent of Steatoscope (pydicom, Pillow).

Writes Tests/Fixtures/dicom/regions/: one sample liver image (SampleStudies, 640×480) placed in a
DICOM screen above a 160-row strip, once declared as a PW spectral Doppler sweep (duplex.dcm: not a
plain B-mode image) and once as an ECG trace (bmode-ecg.dcm: still a B-mode image). Both carry the
B-mode region with its spacing, so the fan is found in it either way.

usage: python3 scripts/make_region_fixtures.py     (needs pydicom, pillow and numpy)
"""
import io
import os

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGBaseline8Bit

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "dicom", "regions")
SAMPLE = os.path.join(ROOT, "SampleStudies", "SIM00001", "SIM00001-1", "right-intercostal-1.jpg")
SPACING_CM = 0.02381  # the sample's manifest pixel_spacing_mm, in cm


def region(spatial_format, data_type, box, delta=None):
    r = Dataset()
    r.RegionSpatialFormat, r.RegionDataType, r.RegionFlags = spatial_format, data_type, 0
    r.RegionLocationMinX0, r.RegionLocationMinY0, r.RegionLocationMaxX1, r.RegionLocationMaxY1 = box
    if delta is not None:
        r.PhysicalUnitsXDirection = r.PhysicalUnitsYDirection = 3  # cm
        r.PhysicalDeltaX = r.PhysicalDeltaY = delta
    return r


def write(name, strip_format, strip_type, uid_suffix):
    liver = np.asarray(Image.open(SAMPLE).convert("L"))
    h, w = liver.shape
    strip = np.zeros((160, w), np.uint8)
    # A spectral-looking band: bright streaks rising and falling, as a trace of flow over time.
    x = np.arange(w)
    top = (80 - 50 * np.abs(np.sin(x / 40.0))).astype(int)
    for col in range(w):
        strip[top[col]:80, col] = 180
    screen = np.vstack([liver, strip])
    buffer = io.BytesIO()
    Image.fromarray(screen).save(buffer, format="JPEG", quality=92)
    ds = Dataset()
    ds.PatientName, ds.PatientID, ds.PatientSex = "Region^Fixture", "REGION01", "O"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.2001"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.2001.1"
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.2001.1." + uid_suffix
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    ds.StudyDate, ds.Modality, ds.Manufacturer, ds.ManufacturerModelName = "20260102", "US", "Testing", "Regions 1"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = screen.shape[0], w, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.SequenceOfUltrasoundRegions = [region(1, 1, (0, 0, w - 1, h - 1), SPACING_CM),
                                      region(strip_format, strip_type, (0, h, w - 1, h + 159))]
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.file_meta = meta
    ds.save_as(os.path.join(OUT, name), enforce_file_format=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    write("duplex.dcm", 3, 3, "1")     # spectral format, PW spectral Doppler
    write("bmode-ecg.dcm", 4, 10, "2")  # waveform format, ECG trace
    print(f"2 region fixtures in {OUT}")


if __name__ == "__main__":
    main()
