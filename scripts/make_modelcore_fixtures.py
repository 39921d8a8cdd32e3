#!/usr/bin/env python3
"""Reference values for ModelCore, computed with numpy alone (an implementation independent of ours).

Writes Tests/Fixtures/modelcore/:
  tiny_model.safetensors  a small steatoscope-convnet-1 with random weights, running statistics and FiLM
  tiny_io.safetensors     an input batch, its conditions and the expected logits (inference mode)
  layers.safetensors      a dilated grouped convolution, max and average pooling on one input
Run from the repository root: python3 scripts/make_modelcore_fixtures.py
"""
import json

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_np  # noqa: E402

OUT = "Tests/Fixtures/modelcore/"
rng = np.random.default_rng(20261127)


write_safetensors = safetensors_np.write


def conv2d(x, w, b=None, stride=1, pad=0, dil=1, groups=1):
    n, cin, h, wd = x.shape
    cout, cg, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho = (h + 2 * pad - dil * (k - 1) - 1) // stride + 1
    wo = (wd + 2 * pad - dil * (k - 1) - 1) // stride + 1
    y = np.zeros((n, cout, ho, wo), dtype=np.float64)
    og = cout // groups
    for o in range(cout):
        g = o // og
        for c in range(cg):
            for ky in range(k):
                for kx in range(k):
                    patch = xp[:, g * cg + c, ky * dil: ky * dil + stride * (ho - 1) + 1: stride,
                               kx * dil: kx * dil + stride * (wo - 1) + 1: stride]
                    y[:, o] += w[o, c, ky, kx] * patch
    if b is not None:
        y += b[None, :, None, None]
    return y


def bn(x, p, name):
    g, b = p[name + ".weight"], p[name + ".bias"]
    m, v = p[name + ".running_mean"], p[name + ".running_var"]
    return (x - m[None, :, None, None]) / np.sqrt(v[None, :, None, None] + 1e-5) * g[None, :, None, None] + b[None, :, None, None]


def silu(x):
    return x / (1 + np.exp(-x))


spec = {"format": "steatoscope-convnet-1", "input_channels": 2, "input_height": 20, "input_width": 20,
        "conditions": 3, "stem": 4, "blocks": [{"out": 8, "stride": 2}, {"out": 8, "stride": 1}, {"out": 12, "stride": 2}],
        "dropout": 0.2, "heads": [{"name": "ordinal", "size": 3}, {"name": "view", "size": 4}, {"name": "quality", "size": 1}]}

p = {}


def add_conv(name, cout, cin, k):
    p[name + ".weight"] = rng.normal(0, (2 / (cin * k * k)) ** 0.5, (cout, cin, k, k))


def add_bn(name, c):
    p[name + ".weight"] = rng.uniform(0.5, 1.5, c)
    p[name + ".bias"] = rng.normal(0, 0.2, c)
    p[name + ".running_mean"] = rng.normal(0, 0.3, c)
    p[name + ".running_var"] = rng.uniform(0.5, 2.0, c)


add_conv("stem.conv", 4, 2, 3)
add_bn("stem.bn", 4)
c = 4
for i, b in enumerate(spec["blocks"]):
    pre = f"blocks.{i}."
    add_conv(pre + "dw", c, 1, 3)
    add_bn(pre + "dw_bn", c)
    add_conv(pre + "pw", b["out"], c, 1)
    add_bn(pre + "pw_bn", b["out"])
    p[pre + "film.scale"] = rng.normal(0, 0.3, (3, b["out"]))
    p[pre + "film.shift"] = rng.normal(0, 0.3, (3, b["out"]))
    if b["stride"] != 1 or c != b["out"]:
        add_conv(pre + "short", b["out"], c, 1)
        add_bn(pre + "short_bn", b["out"])
    c = b["out"]
p["head.weight"] = rng.normal(0, 0.3, (8, c))
p["head.bias"] = rng.normal(0, 0.1, 8)

x = rng.normal(0, 1, (3, 2, 20, 20))
cond = np.array([0, 2, 1])

y = silu(bn(conv2d(x, p["stem.conv.weight"], stride=2, pad=1), p, "stem.bn"))
c = 4
for i, b in enumerate(spec["blocks"]):
    pre = f"blocks.{i}."
    h = silu(bn(conv2d(y, p[pre + "dw.weight"], stride=b["stride"], pad=1, groups=c), p, pre + "dw_bn"))
    h = bn(conv2d(h, p[pre + "pw.weight"]), p, pre + "pw_bn")
    h = h * (1 + p[pre + "film.scale"][cond][:, :, None, None]) + p[pre + "film.shift"][cond][:, :, None, None]
    s = bn(conv2d(y, p[pre + "short.weight"], stride=b["stride"]), p, pre + "short_bn") if (pre + "short.weight") in p else y
    y = silu(h + s)
    c = b["out"]
logits = y.mean(axis=(2, 3)) @ p["head.weight"].T + p["head.bias"]

write_safetensors(OUT + "tiny_model.safetensors", p, {"architecture": json.dumps(spec, sort_keys=True)})
write_safetensors(OUT + "tiny_io.safetensors", {"input": x, "conditions": cond.astype(np.float32), "logits": logits})

# Individual layers the network above does not exercise.
xl = rng.normal(0, 1, (2, 4, 9, 9))
wl = rng.normal(0, 0.5, (6, 2, 3, 3))
bl = rng.normal(0, 0.1, 6)
yl = conv2d(xl, wl, bl, stride=2, pad=2, dil=2, groups=2)


def pool(x, k, s, pad, op):
    n, c, h, w = x.shape
    fill = -np.inf if op == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=fill)
    ho, wo = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            win = xp[:, :, i * s:i * s + k, j * s:j * s + k]
            out[:, :, i, j] = win.max(axis=(2, 3)) if op == "max" else win.mean(axis=(2, 3))
    return out


write_safetensors(OUT + "layers.safetensors", {
    "x": xl, "conv.weight": wl, "conv.bias": bl, "conv.out": yl,
    "maxpool.out": pool(xl, 3, 2, 1, "max"), "avgpool.out": pool(xl, 2, 2, 0, "avg"),
})
print("wrote fixtures to", OUT)
