#!/usr/bin/env python3
"""Converts a Steatoscope model file (safetensors, steatoscope-convnet-1) to ONNX.

usage: python3 scripts/export_onnx.py MODEL.safetensors OUT.onnx
Batch normalisation is folded into the convolutions, as Steatoscope does for inference.
Inputs: image [N, C, H, W] float32, condition [N] int64 (view index). Output: logits [N, outputs].
Needs PyPI's onnx.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, __import__("os").path.dirname(__file__))
import safetensors_np  # noqa: E402


def fold(p, conv, bn):
    w = p[conv + ".weight"].astype(np.float64)
    g, b, m, v = (p[bn + s].astype(np.float64) for s in (".weight", ".bias", ".running_mean", ".running_var"))
    a = g / np.sqrt(v + 1e-5)
    return (w * a[:, None, None, None]).astype(np.float32), (b - a * m).astype(np.float32)


def build(path):
    p, meta = safetensors_np.read(path)
    spec = json.loads(meta["architecture"])
    nodes, inits = [], []
    counter = [0]

    def name(prefix):
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def const(arr, prefix):
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def conv(x, prefix, bnprefix, stride, groups):
        w, b = fold(p, prefix, bnprefix)
        k = w.shape[2]
        out = name(prefix.replace(".", "_"))
        nodes.append(helper.make_node("Conv", [x, const(w, "W"), const(b, "B")], [out], kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[k // 2] * 4, group=groups))
        return out

    def silu(x):
        s, out = name("sig"), name("silu")
        nodes.append(helper.make_node("Sigmoid", [x], [s]))
        nodes.append(helper.make_node("Mul", [x, s], [out]))
        return out

    def film(x, prefix):
        scale, shift = p[prefix + ".scale"] + 1, p[prefix + ".shift"]
        gs, gt, us, ut, m, out = (name(t) for t in ("gs", "gt", "us", "ut", "fm", "film"))
        nodes.append(helper.make_node("Gather", [const(scale.astype(np.float32), "S"), "condition"], [gs], axis=0))
        nodes.append(helper.make_node("Gather", [const(shift.astype(np.float32), "T"), "condition"], [gt], axis=0))
        axes = const(np.array([2, 3], dtype=np.int64), "axes")
        nodes.append(helper.make_node("Unsqueeze", [gs, axes], [us]))
        nodes.append(helper.make_node("Unsqueeze", [gt, axes], [ut]))
        nodes.append(helper.make_node("Mul", [x, us], [m]))
        nodes.append(helper.make_node("Add", [m, ut], [out]))
        return out

    x = silu(conv("image", "stem.conv", "stem.bn", 2, 1))
    c = spec["stem"]
    for i, blk in enumerate(spec["blocks"]):
        pre = f"blocks.{i}."
        h = silu(conv(x, pre + "dw", pre + "dw_bn", blk["stride"], c))
        h = film(conv(h, pre + "pw", pre + "pw_bn", 1, 1), pre + "film")
        s = conv(x, pre + "short", pre + "short_bn", blk["stride"], 1) if (pre + "short.weight") in p else x
        added = name("add")
        nodes.append(helper.make_node("Add", [h, s], [added]))
        x = silu(added)
        c = blk["out"]
    pooled, flat = name("gap"), name("flat")
    nodes.append(helper.make_node("GlobalAveragePool", [x], [pooled]))
    nodes.append(helper.make_node("Flatten", [pooled], [flat], axis=1))
    nodes.append(helper.make_node("Gemm", [flat, const(p["head.weight"], "HW"), const(p["head.bias"], "HB")], ["logits"], transB=1))
    outputs = sum(h["size"] for h in spec["heads"])
    graph = helper.make_graph(
        nodes, "steatoscope",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", spec["input_channels"], spec["input_height"], spec["input_width"]]),
         helper.make_tensor_value_info("condition", TensorProto.INT64, ["N"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", outputs])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model, spec


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model, _ = build(sys.argv[1])
    onnx.save(model, sys.argv[2])
    print(f"wrote {sys.argv[2]}")
