#!/usr/bin/env python3
"""Reference statistics for the Evaluation module: AUROC from scikit-learn, DeLong variances and the
paired test by the fast midrank algorithm (Sun & Xu 2014, a different computation from ours), ICC(2,1)
from the two-way ANOVA table, Bland-Altman limits. Writes Tests/Fixtures/evaluation/reference.json.
Run from the repository root: python3 scripts/make_evaluation_fixtures.py (needs numpy, scipy, scikit-learn)
"""
import json

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(7)


def midrank(x):
    order = np.argsort(x)
    z = x[order]
    n = len(x)
    t = np.zeros(n)
    i = 0
    while i < n:
        j = i
        while j < n and z[j] == z[i]:
            j += 1
        t[i:j] = 0.5 * (i + j - 1) + 1
        i = j
    out = np.empty(n)
    out[order] = t
    return out


def delong(scores_list, truth):
    """Sun & Xu fast DeLong: AUCs and their covariance matrix."""
    pos, neg = scores_list[:, truth], scores_list[:, ~truth]
    m, n = pos.shape[1], neg.shape[1]
    k = scores_list.shape[0]
    tx = np.array([midrank(p) for p in pos])
    ty = np.array([midrank(q) for q in neg])
    tz = np.array([midrank(s) for s in np.concatenate([pos, neg], axis=1)])
    aucs = tz[:, :m].sum(axis=1) / m / n - (m + 1.0) / 2.0 / n
    v01 = (tz[:, :m] - tx) / n
    v10 = 1.0 - (tz[:, m:] - ty) / m
    sx = np.cov(v01) if k > 1 else np.array([[np.var(v01, ddof=1)]])
    sy = np.cov(v10) if k > 1 else np.array([[np.var(v10, ddof=1)]])
    return aucs, sx / m + sy / n


truth = rng.random(80) < 0.4
a = np.round(truth * 0.8 + rng.normal(0, 0.7, 80), 1)          # rounded: ties
b = np.round(truth * 0.4 + rng.normal(0, 0.7, 80), 1)
aucs, cov = delong(np.vstack([a, b]), truth)
diff = aucs[0] - aucs[1]
var_diff = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
z = diff / np.sqrt(var_diff)

table = rng.normal(0, 1, (30, 1)) + rng.normal(0, 0.4, (30, 3)) + np.array([0.0, 0.1, -0.2])
n, k = table.shape
grand = table.mean()
ss_r = k * ((table.mean(axis=1) - grand) ** 2).sum()
ss_c = n * ((table.mean(axis=0) - grand) ** 2).sum()
ss_e = ((table - grand) ** 2).sum() - ss_r - ss_c
msr, msc, mse = ss_r / (n - 1), ss_c / (k - 1), ss_e / ((n - 1) * (k - 1))
icc21 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)

d = table[:, 0] - table[:, 1]
ref = {
    "truth": truth.tolist(), "a": a.tolist(), "b": b.tolist(),
    "auc_a_sklearn": roc_auc_score(truth, a), "auc_b_sklearn": roc_auc_score(truth, b),
    "var_a": cov[0, 0], "var_b": cov[1, 1], "paired_z": z, "paired_p": 2 * stats.norm.sf(abs(z)),
    "table": table.tolist(), "icc21": icc21,
    "ba_bias": d.mean(), "ba_lower": d.mean() - 1.96 * d.std(ddof=1), "ba_upper": d.mean() + 1.96 * d.std(ddof=1),
}
with open("Tests/Fixtures/evaluation/reference.json", "w") as f:
    json.dump(ref, f, indent=1)
print({k: v for k, v in ref.items() if not isinstance(v, list)})
