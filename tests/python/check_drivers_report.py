#!/usr/bin/python3
"""The report's drivers sentences against the batch file's /sensitivity, read with h5py.

Usage: check_drivers_report.py BATCH.h5 REPORT.html
Every sentence (<p class="driver" data-variant=V data-indicator=I>) must name first the
parameter with the largest total index ST (Sobol) or mu* (Morris) of (V, I) in the file,
with that ST and its interval as the file holds them (two decimals); the four promises
(CO2 avoided, cost per tCO2, production cost, jobs) must each have a sentence per
variant. Exit 0 when all hold, 1 otherwise.
"""
import html
import re
import sys

import h5py
import numpy as np


def main(batch, report):
    page = open(report, encoding="utf-8").read()
    f = h5py.File(batch, "r")
    g = f["sensitivity"]
    method = g.attrs["method"].decode() if isinstance(g.attrs["method"], bytes) else str(g.attrs["method"])
    variants = list(g["variant"].asstr()[:])
    names = list(g["indicator"].asstr()[:])
    params = list(g["parameter"].asstr()[:])
    key = "ST" if method == "sobol" else "mu_star"
    x = g[key][...]
    found = re.findall(r'<p class="driver" data-variant="([^"]*)" data-indicator="([^"]*)">(.*?)</p>', page, re.S)
    errors = []
    seen = set()
    for v, name, sentence in found:
        v, name = html.unescape(v), html.unescape(name)
        seen.add((v, "production_cost_pct_" if name.startswith("production_cost_pct_") else name))
        row = x[variants.index(v), names.index(name)]
        if np.all(np.isnan(row)):
            if "cannot be attributed" not in sentence:
                errors.append(f"{v}/{name}: no index in the file, but the sentence names a driver")
            continue
        top = int(np.nanargmax(row))
        named = re.findall(r"<code>(.*?)</code>", sentence)
        if not named or html.unescape(named[0]) != params[top]:
            errors.append(f"{v}/{name}: first named {named[:1]}, largest {key} is {params[top]} ({row[top]:.4g})")
            continue
        if method == "sobol":
            i, k = (variants.index(v), names.index(name)), top
            want = f"ST {g['ST'][i + (k,)]:.2f}, 95% interval {g['ST_low'][i + (k,)]:.2f} to {g['ST_high'][i + (k,)]:.2f}"
            if abs(g['ST'][i + (k,)]) >= 0.01 and want not in sentence:
                errors.append(f"{v}/{name}: '{want}' not in the sentence")
        print(f"ok {v}/{name}: {params[top]} first ({key} {row[top]:.3g})")
    for v in variants:
        for promise in ("co2_avoided", "cost_per_tco2_total", "production_cost_pct_", "jobs_direct_added"):
            if (v, promise) not in seen:
                errors.append(f"{v}: no sentence for {promise}")
    for e in errors:
        print("FAIL", e)
    return 1 if errors or not found else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
