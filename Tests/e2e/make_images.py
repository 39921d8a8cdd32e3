#!/usr/bin/python3
"""Writes distinct test images laid out as OUT/patient/study/file, for the end-to-end tests.

usage: make_images.py OUT --patients N --studies K --images M [--size S] [--format png|jpeg] [--seed X]
Every image has different bytes (seeded noise over a gradient), so none is a duplicate of another.
"""
import argparse
import os

import numpy as np
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--patients", type=int, default=1)
p.add_argument("--studies", type=int, default=1)
p.add_argument("--images", type=int, default=3)
p.add_argument("--size", type=int, default=96)
p.add_argument("--format", choices=["png", "jpeg"], default="png")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--prefix", default="P")
a = p.parse_args()

rng = np.random.default_rng(a.seed)
ramp = np.add.outer(np.arange(a.size), np.arange(a.size)).astype(np.float64) * (120.0 / a.size)
for pi in range(a.patients):
    for si in range(a.studies):
        folder = os.path.join(a.out, f"{a.prefix}{pi:03d}", f"S{pi:03d}-{si}")
        os.makedirs(folder, exist_ok=True)
        for ii in range(a.images):
            pixels = np.clip(ramp + rng.normal(60, 30, (a.size, a.size)), 0, 255).astype(np.uint8)
            ext = "png" if a.format == "png" else "jpg"
            Image.fromarray(pixels).save(os.path.join(folder, f"img{ii}.{ext}"),
                                         "PNG" if a.format == "png" else "JPEG", quality=90)
