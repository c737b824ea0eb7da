#!/usr/bin/env python3
"""The /sensitivity group of a Sobol batch file recomputed from its /effects rows.

For each paired variant and key indicator, the effects of the variant's runs are
ordered by sample (the Saltelli design's rows: A, B, A_B^1 ... A_B^d), averaged over
replicates, and the first-order (Saltelli 2010) and total (Jansen) indices computed
here with numpy from the formulas of docs/sensitivity.md — and, when OpenTURNS is
installed, by its MauntzKucherenko and Jansen algorithms — must equal the file's
S1 and ST to 1e-9; every estimate must lie inside its own interval.

Usage: check_sensitivity_batch.py BATCH.h5 N
"""
import sys

import h5py
import numpy as np

path, base = sys.argv[1], int(sys.argv[2])
try:
    import openturns as ot
except ImportError:
    ot = None

failures = []
with h5py.File(path, "r") as f:
    g = f["sensitivity"]
    method = g.attrs["method"]
    method = method.decode() if isinstance(method, bytes) else str(method)
    if method != "sobol":
        sys.exit(f"FAILED: method {method!r}, expected 'sobol'")
    variants = [v.decode() for v in g["variant"][...]]
    indicators = [v.decode() for v in g["indicator"][...]]
    d = len(g["parameter"])
    S1, ST = g["S1"][...], g["ST"][...]
    lows, highs = (g["S1_low"][...], g["ST_low"][...]), (g["S1_high"][...], g["ST_high"][...])
    e = f["effects"]
    ev = e["variant"][...]
    sample = e["sample"][...]
    values = e["indicators"][...]
    samples = base * (d + 2)
    checked = 0
    for k, vname in enumerate(variants):
        rows = [r for r in range(len(sample)) if (ev[r].decode() if isinstance(ev[r], bytes) else str(ev[r])) == vname]
        if not rows:
            failures.append(f"no effects rows for variant {vname}")
            continue
        for i, iname in enumerate(indicators):
            y = np.zeros(samples)
            n = np.zeros(samples)
            for r in rows:
                y[sample[r]] += values[r, i]
                n[sample[r]] += 1
            y /= n
            if not np.all(np.isfinite(y)) or np.all(y == y[0]):
                if not np.all(np.isnan(S1[k, i])):
                    failures.append(f"{vname} {iname}: undefined output, defined indices")
                continue
            yc = y - y.mean()
            a, b = yc[:base], yc[base:2 * base]
            V = np.var(y[:base], ddof=1)
            for p in range(d):
                ab = yc[(2 + p) * base:(3 + p) * base]
                s1 = np.sum(b * (ab - a)) / ((base - 1) * V)
                st = np.sum((ab - a) ** 2) / ((2 * base - 1) * V)
                for name, ours, theirs in (("S1", S1[k, i, p], s1), ("ST", ST[k, i, p], st)):
                    if abs(ours - theirs) > 1e-9 * max(1.0, abs(theirs)):
                        failures.append(f"{vname} {iname} parameter {p}: {name} {ours} vs numpy {theirs}")
                for m, est in ((0, S1[k, i, p]), (1, ST[k, i, p])):
                    if not (lows[m][k, i, p] <= est <= highs[m][k, i, p]):
                        failures.append(f"{vname} {iname} parameter {p}: estimate outside its interval")
            if ot is not None:
                x = ot.Sample(samples, d)  # the algorithms read only the outputs' block structure
                ys = ot.Sample([[v] for v in y])
                mk = list(ot.MauntzKucherenkoSensitivityAlgorithm(x, ys, base).getFirstOrderIndices())
                ja = list(ot.JansenSensitivityAlgorithm(x, ys, base).getTotalOrderIndices())
                if np.max(np.abs(np.array(mk) - S1[k, i])) > 1e-9 or np.max(np.abs(np.array(ja) - ST[k, i])) > 1e-9:
                    failures.append(f"{vname} {iname}: OpenTURNS {mk} {ja} vs {S1[k, i]} {ST[k, i]}")
            checked += 1
if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"OK: {checked} indicators x {d} parameters, S1 and ST equal numpy"
      + (" and OpenTURNS" if ot is not None else "") + " to 1e-9")
