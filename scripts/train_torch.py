#!/usr/bin/env python3
"""Trains the steatosis network in PyTorch — on GPUs, with DistributedDataParallel under torchrun —
from the samples `steato train --export-samples DIR` prepared, and writes a model file `steato`
loads and scores with (same tensor names and shapes, same metadata).

The network is Sources/ModelCore/ConvNet.swift's training form: stem conv + BN + SiLU, blocks of
depthwise conv + BN + SiLU, pointwise conv + BN, FiLM per view (x·(1 + scale[v]) + shift[v]),
the shortcut (1×1 conv + BN when the shape changes), SiLU after the sum; global average pool,
dropout and one linear layer for the ordinal, view and gate heads. The loss and the batch assembly
follow Sources/Scoring/Trainer.swift: softened cumulative ordinal targets on liver images only,
0.3 × view and 0.3 × gate cross-entropy, scrambled tiles as poor images, scenes to refuse shown
under a random liver view, views hidden at random.

    steato train --data train --export-samples samples            # preprocessing, as steato train does it
    torchrun --nproc_per_node 4 scripts/train_torch.py samples --out torch.safetensors --epochs 20
    steato train --data train --refit torch.safetensors --out model.safetensors   # cut-offs on validation

    scripts/train_torch.py --forward MODEL INPUT OUTPUT   # logits of INPUT's 'input'/'conditions' (parity test)

Augmentation here is the part of steato's (Sources/Scoring/Augmentation.swift) that runs on a GPU:
gain, contrast, gamma, TGC tilt and bow, Gaussian smoothing, coarser speckle, noise, shifts and
mirroring; JPEG round trips and edge-sparing smoothing are left out.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402


class FiLM(nn.Module):
    def __init__(self, channels, conditions):
        super().__init__()
        self.scale = nn.Parameter(torch.zeros(conditions, channels))
        self.shift = nn.Parameter(torch.zeros(conditions, channels))

    def forward(self, x, cond):
        return x * (1 + self.scale[cond])[:, :, None, None] + self.shift[cond][:, :, None, None]


class Block(nn.Module):
    def __init__(self, cin, cout, stride, conditions):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False)
        self.dw_bn = nn.BatchNorm2d(cin)
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.pw_bn = nn.BatchNorm2d(cout)
        self.film = FiLM(cout, conditions)
        self.has_short = stride != 1 or cin != cout
        if self.has_short:
            self.short = nn.Conv2d(cin, cout, 1, stride, bias=False)
            self.short_bn = nn.BatchNorm2d(cout)

    def forward(self, x, cond):
        h = F.silu(self.dw_bn(self.dw(x)))
        h = self.film(self.pw_bn(self.pw(h)), cond)
        s = self.short_bn(self.short(x)) if self.has_short else x
        return F.silu(h + s)


class Stem(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.silu(self.bn(self.conv(x)))


class SteatosisNet(nn.Module):
    """Parameter and buffer names are those of the steato model file (stem.conv.weight, blocks.3.pw_bn.running_var, head.bias…)."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        self.stem = Stem(spec["input_channels"], spec["stem"])
        blocks, c = [], spec["stem"]
        for b in spec["blocks"]:
            blocks.append(Block(c, b["out"], b["stride"], spec["conditions"]))
            c = b["out"]
        self.blocks = nn.ModuleList(blocks)
        self.dropout = nn.Dropout(spec["dropout"])
        self.head = nn.Linear(c, sum(h["size"] for h in spec["heads"]))

    def forward(self, x, cond):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x, cond)
        return self.head(self.dropout(x.mean(dim=(2, 3))))

    def steato_state(self):
        """The tensors steato stores: parameters and running statistics, no num_batches_tracked."""
        return {k: v.detach().float().cpu().numpy() for k, v in self.state_dict().items() if not k.endswith("num_batches_tracked")}

    def load_steato(self, tensors):
        own = self.state_dict()
        state = {}
        for k, v in own.items():
            if k.endswith("num_batches_tracked"):
                state[k] = v
                continue
            if k not in tensors:
                raise SystemExit(f"model file lacks tensor {k}")
            if tuple(tensors[k].shape) != tuple(v.shape):
                raise SystemExit(f"tensor {k} has shape {tensors[k].shape}, expected {tuple(v.shape)}")
            state[k] = torch.from_numpy(tensors[k])
        self.load_state_dict(state)


def heads(spec):
    out, offset = {}, 0
    for h in spec["heads"]:
        out[h["name"]] = slice(offset, offset + h["size"])
        offset += h["size"]
    return out


def normalise(v, mask, depth, mode="median-spread"):
    """steato's NetworkInput.channels: (v − median) / max(q3 − q1, 0.02) inside the fan, 0 outside; with
    mode "rank" (steato train --intensity rank) Φ⁻¹((rank + ½) / n) / 1.349 with ties at their mean
    rank instead, with "both" the two planes in that order; then the depth channel."""
    n, s, _ = v.shape
    d = depth[:, :, None].expand(n, s, s)
    if mode == "rank":
        return torch.stack([rank_scores(v, mask), d], 1)
    if mode == "both":
        return torch.cat([normalise(v, mask, depth)[:, :1], rank_scores(v, mask)[:, None], d[:, None]], 1)
    flat = torch.where(mask.view(n, -1), v.view(n, -1), torch.full_like(v.view(n, -1), float("nan")))
    count = mask.view(n, -1).sum(1)
    srt = torch.sort(torch.nan_to_num(flat, nan=float("inf")), dim=1).values

    def kth(k):
        return srt.gather(1, k.clamp(min=0).unsqueeze(1)).squeeze(1)

    median, upper, lower = kth(count // 2), kth(count * 3 // 4), kth(count // 4)
    spread = torch.clamp(upper - lower, min=0.02)
    x = torch.where(mask, (v - median[:, None, None]) / spread[:, None, None], torch.zeros_like(v))
    x = torch.where((count > 16)[:, None, None], x, torch.zeros_like(x))
    return torch.stack([x, d], 1)


def rank_scores(v, mask):
    n = v.shape[0]
    out = torch.zeros_like(v)
    for b in range(n):
        m = mask[b]
        inside = v[b][m]
        if inside.numel() <= 16:
            continue
        values, inverse = torch.unique(inside, return_inverse=True)
        counts = torch.bincount(inverse, minlength=values.numel()).to(v.dtype)
        start = torch.cumsum(counts, 0) - counts
        mean_rank = start + (counts - 1) / 2
        p = (mean_rank[inverse] + 0.5) / inside.numel()
        out[b][m] = torch.special.ndtri(p) / 1.349
    return out


def gaussian_blur(v, mask, sigma):
    radius = int(math.ceil(2.5 * sigma))
    k = torch.exp(-torch.arange(-radius, radius + 1, device=v.device, dtype=v.dtype) ** 2 / (2 * sigma * sigma))
    m = mask.float().unsqueeze(1)
    x = (v * mask).unsqueeze(1)
    for kernel in (k.view(1, 1, 1, -1), k.view(1, 1, -1, 1)):
        pad = (radius, radius, 0, 0) if kernel.shape[3] > 1 else (0, 0, radius, radius)
        x = F.conv2d(F.pad(x, pad), kernel)
        weight = F.conv2d(F.pad(m, pad), kernel)
        x = x / weight.clamp(min=1e-6) * m   # mixes only cells inside the fan, as steato does
    return torch.where(mask, x.squeeze(1), v)


def augment(v, mask, g, strength=(1.0, 1.0)):
    """A GPU subset of steato's Augmentation, each sample drawn independently; the ranges of gain,
    contrast, grey map and TGC are scaled by a strength drawn per sample (steato train --augment)."""
    n, s, _ = v.shape
    dev = v.device

    def u(a, b, size=(n,)):
        return a + (b - a) * torch.rand(size, generator=g, device=dev)

    k = u(*strength)
    inside = mask.float()
    mean = (v * inside).sum((1, 2)) / inside.sum((1, 2)).clamp(min=1)
    gain, contrast, gamma = k * u(-0.15, 0.15), 1 + k * u(-0.25, 0.3), torch.exp(k * u(-0.5, 0.5))
    tilt, bow = k * u(-0.25, 0.25), k * u(-0.1, 0.1)
    d = (torch.arange(s, device=dev, dtype=v.dtype) / s)[None, :, None]
    tgc = tilt[:, None, None] * (d - 0.4) + bow[:, None, None] * torch.sin(math.pi * d)
    t = (v - mean[:, None, None]) * contrast[:, None, None] + mean[:, None, None] + gain[:, None, None] + tgc
    v = torch.where(mask, torch.clamp(t, 0, 1) ** gamma[:, None, None], v)
    pick = u(0, 1)
    smooth = pick < 0.3
    if smooth.any():
        v[smooth] = gaussian_blur(v[smooth], mask[smooth], float(u(0.7, 1.8, (1,))))
    coarse = (pick >= 0.45) & (pick < 0.58)
    if coarse.any():
        c = F.interpolate(F.avg_pool2d(v[coarse].unsqueeze(1), 2), scale_factor=2, mode="nearest").squeeze(1)
        v[coarse] = torch.where(mask[coarse], c, v[coarse])
    noise = u(0, 0.05)
    v = torch.where(mask, torch.clamp(v + noise[:, None, None] * torch.randn(v.shape, generator=g, device=dev), 0, 1), v)
    dx, dy = int(u(-8, 8, (1,))), int(u(-4, 4, (1,)))
    v, mask = torch.roll(v, (dy, dx), (1, 2)), torch.roll(mask, (dy, dx), (1, 2))
    flip = u(0, 1) < 0.5
    v[flip], mask[flip] = v[flip].flip(2), mask[flip].flip(2)
    return v, mask


def scramble(v, g):
    """Shuffles 16×16 tiles: the grey levels stay, the anatomy goes (a poor image)."""
    s = v.shape[-1]
    tiles = s // 16
    order = torch.randperm(tiles * tiles, generator=g, device=v.device)
    t = v.view(tiles, 16, tiles, 16).permute(0, 2, 1, 3).reshape(tiles * tiles, 16, 16)[order]
    return t.view(tiles, tiles, 16, 16).permute(0, 2, 1, 3).reshape(s, s)


def loss_fn(logits, grade, view, content, liver, spec, smoothing, gate_weights=(1.0, 1.0, 1.0)):
    h = heads(spec)
    o = logits[:, h["ordinal"]]
    k = torch.arange(o.shape[1], device=o.device)[None, :]
    adjacent = (k == grade[:, None]) | (k == grade[:, None] - 1)
    eps = torch.where(adjacent, torch.full_like(o, smoothing), torch.full_like(o, smoothing / 4))
    target = torch.where(grade[:, None] > k, 1 - eps, eps)
    ordinal = (F.binary_cross_entropy_with_logits(o, target, reduction="none").sum(1) * liver).mean()
    # Each gate class's weight scales its examples in the batch mean, as steato train does.
    w = torch.tensor(gate_weights, device=logits.device)[content]
    gate = (F.cross_entropy(logits[:, h["gate"]], content, reduction="none") * w).mean()
    return ordinal + 0.3 * F.cross_entropy(logits[:, h["view"]], view) + 0.3 * gate


def load_samples(folder):
    a = {n: np.load(os.path.join(folder, n + ".npy")) for n in
         ("intensity", "mask", "row_depth", "grade", "view", "content", "fat", "validation")}
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)
    return a, meta


def train(args):
    distributed = "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    a, meta = load_samples(args.samples)
    spec = json.loads(meta["architecture"])
    smoothing = float(meta.get("label_smoothing", "0.1"))
    preprocessing = meta.get("preprocessing", "")
    ranked = "intensity ranked per image" in preprocessing
    mode = ("both" if "intensity normalised per image" in preprocessing else "rank") if ranked else "median-spread"
    train_idx = np.flatnonzero(a["validation"] == 0)
    val_idx = np.flatnonzero(a["validation"] == 1)
    conditions, unknown = spec["conditions"], spec["conditions"] - 1
    nets = []
    for member in range(args.ensemble):
        torch.manual_seed(args.seed * 1000 + member)
        net = SteatosisNet(spec).to(device)
        model = nn.parallel.DistributedDataParallel(net, device_ids=[local] if device.type == "cuda" else None) if distributed else net
        opt = torch.optim.AdamW([
            {"params": [p for n, p in net.named_parameters() if n.endswith("weight") and p.dim() > 1], "weight_decay": args.weight_decay},
            {"params": [p for n, p in net.named_parameters() if not (n.endswith("weight") and p.dim() > 1)], "weight_decay": 0},
        ], lr=args.learning_rate)
        steps_per_epoch = max(1, len(train_idx) // (args.batch * world))
        total = steps_per_epoch * args.epochs
        warmup = max(1, total // 20)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / total))))
        g = torch.Generator(device=device)
        g.manual_seed(args.seed * 7919 + member * 31 + rank)
        rng = np.random.default_rng(args.seed * 1000 + member)
        for epoch in range(args.epochs):
            net.train()
            order = rng.permutation(train_idx)          # the same permutation on every rank …
            mine = order[rank::world]                    # … each rank its own share (DistributedSampler's split)
            running = 0.0
            for step in range(steps_per_epoch):
                idx = np.sort(mine[step * args.batch:(step + 1) * args.batch])
                if len(idx) == 0:
                    break
                v = torch.from_numpy(a["intensity"][idx]).to(device).float() / 255
                mask = torch.from_numpy(a["mask"][idx]).to(device).bool()
                depth = torch.from_numpy(a["row_depth"][idx]).to(device)
                grade = torch.from_numpy(a["grade"][idx]).to(device)
                view = torch.from_numpy(a["view"][idx]).to(device)
                content = torch.from_numpy(a["content"][idx]).to(device)
                v, mask = augment(v, mask, g, args.augment)
                junk = torch.rand(len(idx), generator=g, device=device) < 0.08
                for i in torch.nonzero(junk).flatten().tolist():
                    v[i] = scramble(v[i], g)
                x = normalise(v, mask, depth, mode)
                liver = (~junk) & (content == 0)
                view_target = torch.where(liver, view, torch.full_like(view, unknown))
                random_view = torch.randint(0, conditions - 1, view.shape, generator=g, device=device)
                shown = torch.where(liver, view_target, random_view)
                shown = torch.where(torch.rand(len(idx), generator=g, device=device) < 0.2, torch.full_like(shown, unknown), shown)
                content = torch.where(junk, torch.full_like(content, 2), content)
                logits = model(x, shown)
                loss = loss_fn(logits, grade, view_target, content, liver.float(), spec, smoothing, args.gate_weights)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                opt.step()
                sched.step()
                running += loss.item()
            if rank == 0:
                print(f"network {member + 1}/{args.ensemble} epoch {epoch + 1}/{args.epochs}: train loss {running / steps_per_epoch:.3f}"
                      + validation_note(net, a, val_idx, spec, device, mode), flush=True)
        nets.append(net)
    if rank == 0:
        write_model(nets, meta, args)
    if distributed:
        dist.destroy_process_group()


def validation_note(net, a, idx, spec, device, mode):
    """AUROC of the expected grade for ≥ mild on the validation liver images (a progress sign, not a result)."""
    idx = idx[a["content"][idx] == 0]
    if len(idx) == 0:
        return ""
    scores = predict(net, a, idx, spec, device, mode)
    truth = a["grade"][idx] >= 1
    if truth.all() or not truth.any():
        return ""
    ranks = np.argsort(np.argsort(scores)) + 1
    auc = (ranks[truth].sum() - truth.sum() * (truth.sum() + 1) / 2) / (truth.sum() * (~truth).sum())
    return f", validation AUROC ≥mild {auc:.3f}"


@torch.no_grad()
def predict(net, a, idx, spec, device, mode):
    net.eval()
    out = []
    for start in range(0, len(idx), 256):
        j = idx[start:start + 256]
        v = torch.from_numpy(a["intensity"][j]).to(device).float() / 255
        mask = torch.from_numpy(a["mask"][j]).to(device).bool()
        x = normalise(v, mask, torch.from_numpy(a["row_depth"][j]).to(device), mode)
        o = net(x, torch.from_numpy(a["view"][j]).to(device))[:, heads(spec)["ordinal"]]
        out.append(torch.sigmoid(o).sum(1).cpu().numpy())
    net.train()
    return np.concatenate(out)


def write_model(nets, meta, args):
    tensors = {}
    for i, net in enumerate(nets):
        prefix = "" if len(nets) == 1 else f"member{i}."
        for k, v in net.steato_state().items():
            tensors[prefix + k] = v
    metadata = {
        "architecture": meta["architecture"], "name": args.name, "labels": meta.get("labels", "report"),
        "seed": str(args.seed), "split_seed": meta.get("seed", "1"), "epochs": str(args.epochs), "preprocessing": meta["preprocessing"],
        "trained_on": meta.get("trained_on", ""), "trainer": f"pytorch {torch.__version__} (scripts/train_torch.py)",
    }
    if len(nets) > 1:
        metadata["ensemble"] = str(len(nets))
    safetensors_np.write(args.out, tensors, metadata)
    print(f"model written to {args.out}; fit its cut-offs with: steato train --data … --refit {args.out} --out MODEL")


def forward(model_path, input_path, output_path):
    """Logits of a steato model file on a given batch, in PyTorch (for the parity test)."""
    tensors, meta = safetensors_np.read(model_path)
    spec = json.loads(meta["architecture"])
    net = SteatosisNet(spec)
    net.load_steato(tensors)
    net.eval()
    batch, _ = safetensors_np.read(input_path)
    with torch.no_grad():
        logits = net(torch.from_numpy(batch["input"]), torch.from_numpy(batch["conditions"]).long())
    safetensors_np.write(output_path, {"logits": logits.numpy()})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("samples", nargs="?", help="folder written by steato train --export-samples")
    p.add_argument("--out", help="model file to write")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=32, help="images per step and process")
    p.add_argument("--learning-rate", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--ensemble", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--gate-weights", type=lambda t: tuple(float(x) for x in t.split(",")), default=(1.0, 1.0, 1.0),
                   help="the gate's loss weights for usable liver, not a liver, too poor (as steato train --gate-weights)")
    p.add_argument("--augment", type=lambda t: (float(t.split(",")[0]), float(t.split(",")[-1])), default=(1.0, 1.0),
                   help="augmentation strength per image, MIN,MAX (as steato train --augment)")
    p.add_argument("--name", default="steatoscope-torch")
    p.add_argument("--forward", nargs=3, metavar=("MODEL", "INPUT", "OUTPUT"))
    args = p.parse_args()
    if args.forward:
        forward(*args.forward)
    elif args.samples and args.out:
        train(args)
    else:
        p.error("give SAMPLES --out MODEL, or --forward MODEL INPUT OUTPUT")


if __name__ == "__main__":
    main()
