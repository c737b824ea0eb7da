#!/usr/bin/env python3
"""greenshift's Sobol indices against OpenTURNS on the same design.

tests/sensitivity_design evaluates the Ishigami function and Sobol's G-function on
greenshift's Saltelli design (batch/sensitivity) and writes the design, the outputs
and greenshift's indices. OpenTURNS then computes the indices from that design and
those outputs: its MauntzKucherenkoSensitivityAlgorithm is the Saltelli (2010)
first-order estimator and its JansenSensitivityAlgorithm the Jansen total-order
estimator, with the same normalisation; they must agree to rounding. Its
SaltelliSensitivityAlgorithm (the 2002 estimator, a different formula) must land
near greenshift's first-order indices.

Usage: check_sensitivity_openturns.py SENSITIVITY_DESIGN_EXE WORKDIR
Exit 77 (SKIPPED) when OpenTURNS is not installed.
"""
import csv
import os
import subprocess
import sys

try:
    import openturns as ot
except ImportError:
    print("SKIPPED: python3-openturns is not installed")
    sys.exit(77)

exe, workdir = sys.argv[1], sys.argv[2]
os.makedirs(workdir, exist_ok=True)
failures = []


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def check(function, base):
    design_csv = os.path.join(workdir, f"{function}_design.csv")
    indices_csv = os.path.join(workdir, f"{function}_indices.csv")
    subprocess.run([exe, function, str(base), design_csv, indices_csv], check=True)
    rows = read_csv(design_csv)
    d = len(rows[0]) - 1
    data = [[float(v) for v in r] for r in rows[1:]]
    assert len(data) == base * (d + 2), f"{function}: {len(data)} rows, expected {base * (d + 2)}"
    x = ot.Sample([r[:d] for r in data])
    y = ot.Sample([[r[d]] for r in data])
    ours = [[float(v) for v in r] for r in read_csv(indices_csv)[1:]]
    s1 = [r[1] for r in ours]
    st = [r[4] for r in ours]

    mk = ot.MauntzKucherenkoSensitivityAlgorithm(x, y, base)
    jansen = ot.JansenSensitivityAlgorithm(x, y, base)
    saltelli2002 = ot.SaltelliSensitivityAlgorithm(x, y, base)
    ot_s1 = list(mk.getFirstOrderIndices())
    ot_st = list(jansen.getTotalOrderIndices())
    ot_s1_2002 = list(saltelli2002.getFirstOrderIndices())
    print(f"{function}, N = {base}, {len(data)} runs")
    print("  param  S1 greenshift     S1 OpenTURNS MK    ST greenshift     ST OpenTURNS Jansen   S1 OT Saltelli-2002")
    for i in range(d):
        print(f"  x{i + 1:<4}  {s1[i]: .15f}  {ot_s1[i]: .15f}  {st[i]: .15f}  {ot_st[i]: .15f}  {ot_s1_2002[i]: .6f}")
        for name, a, b in (("S1", s1[i], ot_s1[i]), ("ST", st[i], ot_st[i])):
            if abs(a - b) > 1e-10 * max(1.0, abs(b)):
                failures.append(f"{function} x{i + 1} {name}: greenshift {a!r} vs OpenTURNS {b!r}")
        if abs(s1[i] - ot_s1_2002[i]) > 0.05:
            failures.append(f"{function} x{i + 1} S1: greenshift {s1[i]} vs OpenTURNS Saltelli 2002 {ot_s1_2002[i]}")


check("ishigami", 4096)
check("gfunction", 4096)
if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("OK: greenshift's S1 and ST equal OpenTURNS' to 1e-10")
