#!/usr/bin/python3
"""Writes the small image fixtures the unit tests read (Tests/Fixtures/images).

Made with Pillow and numpy (Debian's python3-pil, python3-numpy), independent of our own codecs,
so the tests check our decoders against another implementation. Run from the repository root:
    /usr/bin/python3 scripts/make_fixtures.py
"""
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = "Tests/Fixtures/images"
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261127)


def save(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def encode(img, fmt, **kw):
    import io
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


# A smooth grey gradient with speckle: JPEG keeps it close, PNG exactly.
y, x = np.mgrid[0:48, 0:64]
grey = np.clip(x * 3 + y * 2 + rng.integers(0, 20, (48, 64)), 0, 255).astype(np.uint8)
rgb = np.stack([grey, 255 - grey, (grey // 2) + 60], axis=-1).astype(np.uint8)

grey_png = encode(Image.fromarray(grey), "PNG")
rgb_png = encode(Image.fromarray(rgb), "PNG")
grey_jpg = encode(Image.fromarray(grey), "JPEG", quality=95)
rgb_jpg = encode(Image.fromarray(rgb), "JPEG", quality=95)
save("grey.png", grey_png)
save("rgb.png", rgb_png)
save("grey.jpg", grey_jpg)
save("rgb.jpg", rgb_jpg)
save("png-named.jpg", rgb_png)                  # read by content, not by name
save("truncated.jpg", grey_jpg[: len(grey_jpg) // 2])
save("truncated.png", grey_png[: len(grey_png) // 2])
save("empty.jpg", b"")
save("text.jpg", b"this is not an image\n")

# A PNG whose header claims 20000 x 20000 pixels (valid CRC, tiny data): must be refused before allocating.
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

huge_png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
save("huge.png", huge_png)

# A JPEG whose frame header (SOF0) claims 20000 x 30000 pixels.
data = bytearray(grey_jpg)
sof = data.index(b"\xff\xc0")
struct.pack_into(">HH", data, sof + 5, 30000, 20000)  # height, width
save("huge.jpg", bytes(data))

# Reference values from Pillow's own decoding, for exactness checks.
reference = {
    "grey.png": {"width": 64, "height": 48, "channels": 1, "sum": int(grey.astype(np.int64).sum())},
    "rgb.png": {"width": 64, "height": 48, "channels": 3, "sum": int(rgb.astype(np.int64).sum())},
    "grey.jpg": {"width": 64, "height": 48, "channels": 1,
                 "sum": int(np.asarray(Image.open(os.path.join(OUT, "grey.jpg"))).astype(np.int64).sum())},
    "rgb.jpg": {"width": 64, "height": 48, "channels": 3,
                "sum": int(np.asarray(Image.open(os.path.join(OUT, "rgb.jpg"))).astype(np.int64).sum())},
}
with open(os.path.join(OUT, "reference.json"), "w") as f:
    json.dump(reference, f, indent=1, sort_keys=True)
print("wrote", len(os.listdir(OUT)), "files to", OUT)
