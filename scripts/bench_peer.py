#!/usr/bin/env python3
"""Steatoscope against its peers on the same network, weights and inputs, measured in one run.

Inference: `steato bench model` against ONNX Runtime (outputs must agree within 1e-4).
Training:  `steato bench train` against PyTorch on CPU (same architecture, loss and optimiser).
Inference runs on the shipped network at batch 1, 9 and 32 and on one 4× wider at 256² (the size
the real-scanner work may need); every ratio is printed and any disagreement fails the run.
usage: python3 scripts/bench_peer.py [--steato PATH] [--threads 2] [--batches 1,9,32] [--wide-batches 1,9] [--train-batch 32]
Needs PyPI's numpy, onnx, onnxruntime and torch (the +cpu build).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import export_onnx  # noqa: E402
import safetensors_np  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--steato", default=".build/release/steato")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batches", default="1,9,32")
ap.add_argument("--wide-batches", default="1,9", help="batches for the 4x wider 256x256 network ('' to skip)")
ap.add_argument("--train-batch", type=int, default=32)
ap.add_argument("--iterations", type=int, default=50)
ap.add_argument("--no-train", action="store_true")
args = ap.parse_args()
tmp = tempfile.mkdtemp()
model_path = os.path.join(tmp, "model.safetensors")
import onnxruntime as ort  # noqa: E402


def inference(label, path, batches, iterations, write_args=()):
    """steato and ONNX Runtime on one network: (label, batch, steato ms, ORT ms, max |difference|) rows."""
    subprocess.run([args.steato, "bench", "model", "--write-model", path, *write_args], check=True, capture_output=True)
    model, spec = export_onnx.build(path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    rows = []
    for batch in batches:
        x = rng.uniform(-1, 1, (batch, spec["input_channels"], spec["input_height"], spec["input_width"])).astype(np.float32)
        cond = (np.arange(batch) % spec["conditions"]).astype(np.int64)
        inp, out = os.path.join(tmp, "in.safetensors"), os.path.join(tmp, "out.safetensors")
        safetensors_np.write(inp, {"input": x, "conditions": cond.astype(np.float32)})
        ours = subprocess.run([args.steato, "bench", "model", "--model", path, "--threads", str(args.threads),
                               "--iterations", str(iterations), "--input", inp, "--output", out],
                              check=True, capture_output=True, text=True).stdout
        our_ms = float(re.search(r"median ([0-9.]+) ms per batch", ours).group(1))
        our_logits = safetensors_np.read(out)[0]["logits"]
        feed = {"image": x, "condition": cond}
        ref = session.run(["logits"], feed)[0]
        for _ in range(3):
            session.run(["logits"], feed)
        times = []
        for _ in range(iterations):
            t = time.perf_counter()
            session.run(["logits"], feed)
            times.append((time.perf_counter() - t) * 1000)
        diff = float(np.abs(ref - our_logits).max())
        if not diff <= 1e-4:   # NaN fails too
            sys.exit(f"{label}: outputs disagree at batch {batch}: max |difference| {diff}")
        rows.append((label, batch, our_ms, statistics.median(times), diff))
    return rows, spec


rows, spec = inference("shipped 128²", model_path, [int(b) for b in args.batches.split(",")], args.iterations)
if args.wide_batches:
    wide_rows, _ = inference("4× wider, 256²", os.path.join(tmp, "wide.safetensors"), [int(b) for b in args.wide_batches.split(",")],
                             max(5, args.iterations // 5), ("--widen", "4", "--size", "256"))
    rows += wide_rows
rng = np.random.default_rng(2)

print(f"inference, {args.threads} threads, median of {args.iterations} runs (ms per batch)")
print("| network | batch | steato | ONNX Runtime | steato / ORT time | max abs difference |")
print("|---|---|---|---|---|---|")
for label, batch, ours, theirs, diff in rows:
    print(f"| {label} | {batch} | {ours:.3f} | {theirs:.3f} | {ours / theirs:.2f}× | {diff:.1e} |")

if not args.no_train:
    import torch  # noqa: E402

    torch.set_num_threads(args.threads)
    p, _ = safetensors_np.read(model_path)

    class Block(torch.nn.Module):
        def __init__(self, cin, cout, stride, conditions):
            super().__init__()
            self.dw = torch.nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False)
            self.dw_bn = torch.nn.BatchNorm2d(cin)
            self.pw = torch.nn.Conv2d(cin, cout, 1, bias=False)
            self.pw_bn = torch.nn.BatchNorm2d(cout)
            self.scale = torch.nn.Parameter(torch.zeros(conditions, cout))
            self.shift = torch.nn.Parameter(torch.zeros(conditions, cout))
            self.short = None
            if stride != 1 or cin != cout:
                self.short = torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 1, stride, bias=False), torch.nn.BatchNorm2d(cout))

        def forward(self, x, c):
            h = self.pw_bn(self.pw(torch.nn.functional.silu(self.dw_bn(self.dw(x)))))
            h = h * (1 + self.scale[c][:, :, None, None]) + self.shift[c][:, :, None, None]
            return torch.nn.functional.silu(h + (self.short(x) if self.short is not None else x))

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = torch.nn.Sequential(torch.nn.Conv2d(spec["input_channels"], spec["stem"], 3, 2, 1, bias=False),
                                            torch.nn.BatchNorm2d(spec["stem"]))
            blocks, c = [], spec["stem"]
            for b in spec["blocks"]:
                blocks.append(Block(c, b["out"], b["stride"], spec["conditions"]))
                c = b["out"]
            self.blocks = torch.nn.ModuleList(blocks)
            self.drop = torch.nn.Dropout(spec["dropout"])
            self.head = torch.nn.Linear(c, sum(h["size"] for h in spec["heads"]))

        def forward(self, x, c):
            x = torch.nn.functional.silu(self.stem(x))
            for b in self.blocks:
                x = b(x, c)
            return self.head(self.drop(x.mean(dim=(2, 3))))

    net = Net()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    b = args.train_batch
    x = torch.from_numpy(rng.uniform(-1, 1, (b, spec["input_channels"], spec["input_height"], spec["input_width"])).astype(np.float32))
    c = torch.arange(b) % spec["conditions"]
    target = torch.full((b, net.head.out_features), 0.1)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x, c), target)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(max(5, args.iterations // 5)):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
    torch_ms = statistics.median(times)
    ours = subprocess.run([args.steato, "bench", "train", "--model", model_path, "--threads", str(args.threads),
                           "--batch", str(b), "--iterations", str(max(5, args.iterations // 5))],
                          check=True, capture_output=True, text=True).stdout
    our_ms = float(re.search(r"median ([0-9.]+) ms per step", ours).group(1))
    print()
    print(f"training, batch {b}, {args.threads} threads, forward + backward + AdamW, median ms per step")
    print("| steato | PyTorch | steato throughput / PyTorch throughput |")
    print("|---|---|---|")
    print(f"| {our_ms:.1f} ms ({b / our_ms * 1000:.0f} images/s) | {torch_ms:.1f} ms ({b / torch_ms * 1000:.0f} images/s) | {torch_ms / our_ms:.2f}× |")
