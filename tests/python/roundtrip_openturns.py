#!/usr/bin/python3
"""The round trip of docs/sensitivity.md, "Round trip with OpenTURNS", on a small case.

A Sobol batch (Morocco, 3 uncertain parameters, N = 8) is run; its design is taken
from `export --tidy` and written as a design file; a batch with `design:` runs it;
its `export --tidy` table is read back with the csv module, and OpenTURNS'
MauntzKucherenko (first order) and Jansen (total) algorithms compute the Sobol indices
of every indicator from it. They must equal the first batch's /sensitivity S1 and ST
(read with h5py) to 1e-9, and the two tidy tables must hold the same indicators.

Usage: roundtrip_openturns.py GREENSHIFT_EXE SOURCE_DIR SCRATCH_DIR
Exit 0 when all agree, 1 otherwise, 77 (skipped) without python3-openturns.
"""
import csv
import math
import os
import subprocess
import sys

try:
    import openturns as ot
except ImportError:
    print("SKIPPED: python3-openturns is not installed")
    sys.exit(77)
import h5py
import numpy as np

exe, src, tmp = sys.argv[1:4]
os.makedirs(tmp, exist_ok=True)
N = 8
UNCERTAIN = """uncertain:
  electricity.price: {distribution: uniform, apply: scale, low: 0.85, high: 1.15}
  fuels.*.price: {distribution: uniform, apply: scale, low: 0.8, high: 1.25}
  sectors.*.hurdle_rate: {distribution: normal, apply: scale, mean: 1.0, sd: 0.15}
"""


def batch_file(name, last_line):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"""schema: 1
name: {name}
scenario: {src}/scenarios/morocco-cop22.yaml
seed: 3
variants:
  baseline:
    set:
      policies: {{}}
  cop22:
    baseline: baseline
{UNCERTAIN}{last_line}
""")
    return path


def run(*args):
    r = subprocess.run([exe, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAILED: greenshift {' '.join(args)}: exit {r.returncode}\n{r.stderr}")


def read_table(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return rows


# 1. greenshift's own Sobol batch, and its per-run table
run("batch", batch_file("sobol", f"sensitivity: {{method: sobol, N: {N}}}"), "-o", os.path.join(tmp, "sobol.h5"),
    "--threads", "2", "-q", "--force")
run("export", os.path.join(tmp, "sobol.h5"), "--tidy", os.path.join(tmp, "sobol_runs.csv"), "--force")
sobol_rows = read_table(os.path.join(tmp, "sobol_runs.csv"))
params = ["electricity.price", "fuels.*.price", "sectors.*.hurdle_rate"]

# 2. its design, one row per sample, as a tool would write it
design = sorted((r for r in sobol_rows if r["variant"] == "cop22"), key=lambda r: int(r["sample"]))
with open(os.path.join(tmp, "design.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(params)
    for r in design:
        w.writerow([repr(float(r[p])) for p in params])

# 3. the design run through `design:`, and its per-run table
run("batch", batch_file("replay", "design: design.csv"), "-o", os.path.join(tmp, "replay.h5"), "--threads", "2",
    "-q", "--force")
run("export", os.path.join(tmp, "replay.h5"), "--tidy", os.path.join(tmp, "replay_runs.csv"), "--force")
rows = sorted((r for r in read_table(os.path.join(tmp, "replay_runs.csv")) if r["variant"] == "cop22"),
              key=lambda r: int(r["sample"]))
failures = []
d = len(params)
if len(rows) != N * (d + 2):
    sys.exit(f"FAILED: {len(rows)} rows in the replay's table, expected {N * (d + 2)}")
indicators = [c for c in rows[0] if c not in ("run", "variant", "baseline_run", "sample", "replicate", "seed")
              and c not in params]
for a, b in zip(design, rows):
    if any(a[c] != b[c] for c in params + indicators + ["seed"]):
        failures.append(f"sample {a['sample']}: the replay's row differs from the Sobol batch's")
        break

# 4. OpenTURNS on the replay's table against greenshift's /sensitivity
with h5py.File(os.path.join(tmp, "sobol.h5"), "r") as f:
    g = f["sensitivity"]
    names = [x.decode() for x in g["indicator"][...]]
    k = [x.decode() for x in g["variant"][...]].index("cop22")
    S1, ST = g["S1"][k], g["ST"][k]
x = ot.Sample([[float(r[p]) for p in params] for r in rows])
checked = 0
for name in indicators:
    y = [float(r[name]) if r[name] != "" else math.nan for r in rows]
    i = names.index(name)
    if not all(math.isfinite(v) for v in y) or len(set(y)) == 1:
        if not np.all(np.isnan(S1[i])):
            failures.append(f"{name}: undefined or constant, but greenshift gives indices")
        continue
    ys = ot.Sample([[v] for v in y])
    s1 = np.array(ot.MauntzKucherenkoSensitivityAlgorithm(x, ys, N).getFirstOrderIndices())
    st = np.array(ot.JansenSensitivityAlgorithm(x, ys, N).getTotalOrderIndices())
    if np.max(np.abs(s1 - S1[i])) > 1e-9 * max(1, np.max(np.abs(s1))) or \
            np.max(np.abs(st - ST[i])) > 1e-9 * max(1, np.max(np.abs(st))):
        failures.append(f"{name}: OpenTURNS S1 {s1} ST {st}, greenshift S1 {S1[i]} ST {ST[i]}")
    checked += 1
if failures or checked == 0:
    print("FAILED:\n  " + "\n  ".join(failures or ["no indicator compared"]))
    sys.exit(1)
print(f"OK: {checked} indicators x {d} parameters: OpenTURNS on the replayed design's table equals greenshift's "
      "/sensitivity to 1e-9; the replay's rows equal the Sobol batch's")
