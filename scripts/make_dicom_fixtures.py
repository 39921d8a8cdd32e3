#!/usr/bin/env python3
"""DICOM fixtures and their reference decodings, independent of Steatoscope (pydicom, Pillow).

Writes Tests/Fixtures/dicom/: small generated files for each transfer syntax and photometric
interpretation we read, malformed files, and reference.json with, for every fixture and every file
of ../shared/dicom, the expected 8-bit pixels of each frame: a sha256 for lossless data, a reference
PNG (compared within ±2 grey levels) for lossy data.

The 8-bit rules are Steatoscope's: grey stays grey (MONOCHROME1 inverted, more than 8 stored bits
shifted down), RGB / YBR / palette become RGB, 16-bit palette entries keep their top 8 bits.

usage: python3 scripts/make_dicom_fixtures.py     (needs pydicom, pylibjpeg, pylibjpeg-libjpeg,
       pylibjpeg-openjpeg, pillow and numpy from PyPI)
"""
import glob
import hashlib
import io
import json
import os
import struct

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixels import apply_color_lut, convert_color_space
from pydicom.uid import (ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEGBaseline8Bit,
                         RLELossless, generate_uid)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "dicom")
SHARED = os.path.join(ROOT, "..", "shared", "dicom")
US_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.6.1"
US_MULTIFRAME_STORAGE = "1.2.840.10008.5.1.4.1.1.3.1"
rng = np.random.default_rng(7)


def speckle(h, w):
    """A small ultrasound-like picture: a bright band, a dark vessel and speckle."""
    y, x = np.mgrid[0:h, 0:w]
    base = 90 + 60 * np.exp(-((y - h * 0.4) / (h * 0.25)) ** 2) - 50 * (((x - w * 0.6) ** 2 + (y - h * 0.6) ** 2) < (h * 0.12) ** 2)
    return np.clip(base * rng.rayleigh(1.0, (h, w)) / 1.25, 0, 255).astype(np.uint8)


def colour(h, w):
    g = speckle(h, w)
    rgb = np.stack([g, g, g], axis=-1).copy()
    rgb[4:10, 4:20] = [230, 200, 30]   # a yellow label
    rgb[20:24, 30:50] = [40, 220, 60]  # a green caliper
    return rgb


def dataset(rows, cols, samples, photometric, bits=8, stored=None, frames=1, sop_class=US_IMAGE_STORAGE):
    ds = Dataset()
    ds.PatientName = "Kowalski^Anna"
    ds.PatientID = "DCMTEST01"
    ds.PatientBirthDate = "19610315"
    ds.PatientSex = "F"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.1001"
    ds.StudyDate = "20260102"
    ds.StudyTime = "093000"
    ds.StudyID = "7"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.StudyDescription = "Liver"
    ds.AccessionNumber = "ACC42"
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.SOPClassUID = sop_class
    ds.Modality = "US"
    ds.Manufacturer = "Testing"
    ds.ManufacturerModelName = "Fixture 1"
    ds.BurnedInAnnotation = "YES"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = bits
    ds.BitsStored = stored or bits
    ds.HighBit = (stored or bits) - 1
    ds.PixelRepresentation = 0
    if samples == 3:
        ds.PlanarConfiguration = 0
    if frames > 1:
        ds.NumberOfFrames = frames
        ds.FrameTime = "33.3"
    region = Dataset()
    region.RegionSpatialFormat = 1
    region.RegionDataType = 1
    region.RegionFlags = 0
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 2, 3
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = cols - 3, rows - 2
    region.PhysicalUnitsXDirection = 3
    region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = 0.05
    region.PhysicalDeltaY = 0.05
    ds.SequenceOfUltrasoundRegions = [region]
    return ds


def save(ds, name, syntax, preamble=True):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = syntax
    ds.file_meta = meta
    path = os.path.join(OUT, name)
    ds.save_as(path, implicit_vr=syntax == ImplicitVRLittleEndian, little_endian=syntax != ExplicitVRBigEndian,
               enforce_file_format=True)
    if not preamble:
        data = open(path, "rb").read()
        open(path, "wb").write(data[128:])  # starts with "DICM"
    return path


def jpeg(array, subsampling=1, quality=90):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=quality, subsampling=subsampling)
    return buffer.getvalue()


def decoded_jpeg(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB" if Image.open(io.BytesIO(data)).mode != "L" else "L"))


def eight_bit(ds, frame):
    """Steatoscope's 8-bit form of one decoded frame (pydicom's pixel array)."""
    photometric = ds.PhotometricInterpretation
    stored = int(ds.BitsStored)
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(frame, ds)
        bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
        return (rgb >> 8 if bits > 8 else rgb).astype(np.uint8)
    if stored > 8:
        frame = (frame.astype(np.int64) & ((1 << stored) - 1)) >> (stored - 8)
    frame = frame.astype(np.uint8)
    if photometric == "MONOCHROME1":
        return 255 - frame
    return frame


def generated():
    """(file name, expected 8-bit frames, lossy) for each generated fixture."""
    out = []
    # Native, explicit VR little endian, RGB interleaved and planar.
    rgb = colour(48, 64)
    ds = dataset(48, 64, 3, "RGB")
    ds.PixelData = rgb.tobytes()
    save(ds, "rgb-explicit.dcm", ExplicitVRLittleEndian)
    out.append(("rgb-explicit.dcm", [rgb], False))
    ds = dataset(48, 64, 3, "RGB")
    ds.PlanarConfiguration = 1
    ds.PixelData = np.moveaxis(rgb, -1, 0).tobytes()
    save(ds, "rgb-planar.dcm", ExplicitVRLittleEndian)
    out.append(("rgb-planar.dcm", [rgb], False))
    # Implicit VR, grey, no preamble.
    grey = speckle(40, 56)
    ds = dataset(40, 56, 1, "MONOCHROME2")
    ds.PixelData = grey.tobytes()
    save(ds, "implicit-vr.dcm", ImplicitVRLittleEndian)
    out.append(("implicit-vr.dcm", [grey], False))
    ds = dataset(40, 56, 1, "MONOCHROME2")
    ds.PixelData = grey.tobytes()
    save(ds, "no-preamble", ExplicitVRLittleEndian, preamble=False)
    out.append(("no-preamble", [grey], False))
    # MONOCHROME1, 16 bits with 12 stored, explicit big endian.
    wide = (speckle(40, 56).astype(np.uint16) << 4) | rng.integers(0, 16, (40, 56), dtype=np.uint16)
    ds = dataset(40, 56, 1, "MONOCHROME1", bits=16, stored=12)
    ds.PixelData = wide.astype(">u2").tobytes()
    save(ds, "big-endian-12bit.dcm", ExplicitVRBigEndian)
    out.append(("big-endian-12bit.dcm", [255 - (wide >> 4).astype(np.uint8)], False))
    # YBR_FULL native: expected through pydicom's colour conversion (±2).
    ybr = convert_color_space(rgb, "RGB", "YBR_FULL")
    ds = dataset(48, 64, 3, "YBR_FULL")
    ds.PixelData = ybr.tobytes()
    save(ds, "ybr-full.dcm", ExplicitVRLittleEndian)
    out.append(("ybr-full.dcm", [convert_color_space(ybr, "YBR_FULL", "RGB")], True))
    # RLE lossless, two RGB frames.
    frames = [colour(48, 64), colour(48, 64)]
    ds = dataset(48, 64, 3, "RGB", frames=2, sop_class=US_MULTIFRAME_STORAGE)
    ds.PixelData = np.stack(frames).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.compress(RLELossless, encoding_plugin="pydicom")
    save(ds, "rle-cine.dcm", RLELossless)
    out.append(("rle-cine.dcm", frames, False))
    # JPEG baseline, YBR_FULL_422, one frame; and three grey frames; and YCbCr data labelled RGB.
    code = jpeg(rgb, subsampling=1)
    ds = dataset(48, 64, 3, "YBR_FULL_422")
    ds.PixelData = encapsulate([code])
    ds["PixelData"].VR = "OB"
    save(ds, "jpeg-baseline.dcm", JPEGBaseline8Bit)
    out.append(("jpeg-baseline.dcm", [decoded_jpeg(code)], True))
    greys = [speckle(40, 56) for _ in range(3)]
    codes = [jpeg(g) for g in greys]
    ds = dataset(40, 56, 1, "MONOCHROME2", frames=3, sop_class=US_MULTIFRAME_STORAGE)
    ds.PixelData = encapsulate(codes)
    ds["PixelData"].VR = "OB"
    save(ds, "jpeg-cine.dcm", JPEGBaseline8Bit)
    out.append(("jpeg-cine.dcm", [decoded_jpeg(c) for c in codes], True))
    ds = dataset(48, 64, 3, "RGB")
    ds.PixelData = encapsulate([code])
    ds["PixelData"].VR = "OB"
    save(ds, "jpeg-ycbcr-labelled-rgb.dcm", JPEGBaseline8Bit)
    out.append(("jpeg-ycbcr-labelled-rgb.dcm", [decoded_jpeg(code)], True))
    # 8-bit palette.
    index = speckle(40, 56)
    ds = dataset(40, 56, 1, "PALETTE COLOR")
    for c, name in enumerate(["Red", "Green", "Blue"]):
        table = np.clip(np.arange(256) * [1.0, 0.8, 0.5][c], 0, 255).astype(np.uint16)
        setattr(ds, f"{name}PaletteColorLookupTableDescriptor", [256, 0, 8])
        setattr(ds, f"{name}PaletteColorLookupTableData", table.tobytes())
        ds[f"{name}PaletteColorLookupTableData"].VR = "OW"
    ds.PixelData = index.tobytes()
    save(ds, "palette-8bit.dcm", ExplicitVRLittleEndian)
    out.append(("palette-8bit.dcm", [eight_bit(ds, index)], False))
    return out


def malformed():
    """Broken files that must give one clear error each."""
    good = open(os.path.join(OUT, "implicit-vr.dcm"), "rb").read()
    names = []
    def write(name, data):
        open(os.path.join(OUT, "bad", name), "wb").write(data)
        names.append(name)
    os.makedirs(os.path.join(OUT, "bad"), exist_ok=True)
    write("truncated-header.dcm", good[:300])
    write("truncated-pixels.dcm", good[:-500])
    # The pixel data element's length says 4 GB - 2 while a few hundred bytes follow.
    at = good.rfind(b"\xe0\x7f\x10\x00")
    write("length-lies.dcm", good[:at + 4] + struct.pack("<I", 0xFFFFFFF0) + good[at + 8:])
    # A sequence nested 20 000 deep (explicit VR SQ with undefined lengths).
    meta = good[:good.find(b"\x08\x00")]  # preamble + meta header of the implicit file is not reusable; build explicit
    ds = dataset(8, 8, 1, "MONOCHROME2")
    ds.PixelData = bytes(64)
    save(ds, "bad/nested-base.dcm", ExplicitVRLittleEndian)
    base = open(os.path.join(OUT, "bad", "nested-base.dcm"), "rb").read()
    os.remove(os.path.join(OUT, "bad", "nested-base.dcm"))
    header_end = 132 + 12 + struct.unpack("<I", base[140:144])[0]
    depth = 20000
    nest = b""
    for _ in range(depth):
        nest += b"\x08\x00\x15\x11SQ\x00\x00\xff\xff\xff\xff" + b"\xfe\xff\x00\xe0\xff\xff\xff\xff"
    for _ in range(depth):
        nest += b"\xfe\xff\x0d\xe0\x00\x00\x00\x00" + b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
    write("nested-deeply.dcm", base[:header_end] + nest + base[header_end:])
    ds = dataset(65535, 65535, 3, "RGB")
    ds.NumberOfFrames = 1000
    ds.PixelData = bytes(64)
    save(ds, "bad/absurd-dimensions.dcm", ExplicitVRLittleEndian)
    names.append("absurd-dimensions.dcm")
    ds = dataset(40, 56, 1, "MONOCHROME2")
    save(ds, "bad/no-pixel-data.dcm", ExplicitVRLittleEndian)
    names.append("no-pixel-data.dcm")
    write("not-dicom-after-preamble.dcm", bytes(128) + b"DICM" + os.urandom(200))
    # A TEM marker (FF01) right after the JFIF segment: DCMTK 3.6.7's precision scan never moves past
    # it (found by steato fuzz-dicom); the reader must refuse it, not hang.
    jpeg_file = open(os.path.join(OUT, "jpeg-baseline.dcm"), "rb").read()
    soi = jpeg_file.find(b"\xff\xd8\xff\xe0")
    app0_end = soi + 4 + struct.unpack(">H", jpeg_file[soi + 4:soi + 6])[0]
    write("jpeg-tem-marker.dcm", jpeg_file[:app0_end] + b"\xff\x01" + jpeg_file[app0_end + 2:])
    return names


def dicomdir_export():
    """A scanner-style export folder: DICOMDIR plus files without extensions in nested folders."""
    from pydicom.fileset import FileSet
    import shutil
    folder = os.path.join(OUT, "dicomdir-export")
    shutil.rmtree(folder, ignore_errors=True)
    fs = FileSet()
    for name in ["implicit-vr.dcm", "jpeg-cine.dcm"]:
        ds = pydicom.dcmread(os.path.join(OUT, name))
        ds.PatientID = "DIRTEST"
        ds.SOPInstanceUID = generate_uid(entropy_srcs=[name, "dicomdir"])
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        fs.add(ds)
    fs.write(folder)
    return folder


def reference(path, frames, lossy, name):
    entry = {"file": name, "frames": len(frames), "width": int(frames[0].shape[1]), "height": int(frames[0].shape[0]),
             "channels": 1 if frames[0].ndim == 2 else 3, "lossy": lossy, "sha256": [], "reference_png": []}
    for i, f in enumerate(frames):
        f = np.ascontiguousarray(f.astype(np.uint8))
        if lossy:
            png = os.path.join(OUT, "reference", f"{name}.{i}.png")
            Image.fromarray(f).save(png, optimize=True)
            entry["reference_png"].append(os.path.relpath(png, OUT))
        else:
            entry["sha256"].append(hashlib.sha256(f.tobytes()).hexdigest())
    return entry


def main():
    os.makedirs(os.path.join(OUT, "reference"), exist_ok=True)
    entries = []
    for name, frames, lossy in generated():
        entries.append(reference(os.path.join(OUT, name), frames, lossy, name))
    shared = []
    for path in sorted(glob.glob(os.path.join(SHARED, "*.dcm"))):
        ds = pydicom.dcmread(path)
        array = ds.pixel_array
        count = int(getattr(ds, "NumberOfFrames", 1) or 1)
        frames = [array[i] for i in range(count)] if count > 1 else [array]
        if ds.PhotometricInterpretation in ("YBR_FULL", "YBR_FULL_422") and "JPEG" not in ds.file_meta.TransferSyntaxUID.name:
            frames = [convert_color_space(f, ds.PhotometricInterpretation, "RGB") for f in frames]
        frames = [eight_bit(ds, f) for f in frames]
        lossy = ds.file_meta.TransferSyntaxUID.is_compressed and "Lossless" not in ds.file_meta.TransferSyntaxUID.name \
            and ds.file_meta.TransferSyntaxUID != RLELossless
        shared.append(reference(path, frames, lossy, os.path.basename(path)))
    bad = malformed()
    dicomdir_export()
    json.dump({"generated": entries, "shared": shared, "malformed": bad}, open(os.path.join(OUT, "reference.json"), "w"), indent=1)
    print(f"{len(entries)} generated, {len(shared)} shared, {len(bad)} malformed fixtures in {OUT}")


if __name__ == "__main__":
    main()
