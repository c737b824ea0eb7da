#!/usr/bin/python3
"""Reference for bench/run.sh: the plain Bass model as a vectorised numpy script.

N firms, one bool each (adopted or not); each step every firm that has not adopted
adopts with probability 1 - exp(-(p + q * share) dt), share = adopters at the end of
the previous step. One uniform per firm per step from numpy's default generator
(PCG64), drawn as float32 into a preallocated buffer; no Python loop over firms.
Only the step loop is timed.

    bass_numpy.py [N=10000000] [steps=100] [p=0.03] [q=0.38] [dt=0.25] [seed=20161107]

Prints "firm-steps/s: <rate>" and the final share.
"""
import math
import sys
import time

import numpy as np


def main(argv):
    args = argv[1:]
    n = int(args[0]) if len(args) > 0 else 10_000_000
    steps = int(args[1]) if len(args) > 1 else 100
    p = float(args[2]) if len(args) > 2 else 0.03
    q = float(args[3]) if len(args) > 3 else 0.38
    dt = float(args[4]) if len(args) > 4 else 0.25
    seed = int(args[5]) if len(args) > 5 else 20161107

    rng = np.random.default_rng(seed)
    adopted = np.zeros(n, dtype=bool)
    u = np.empty(n, dtype=np.float32)
    new = np.empty(n, dtype=bool)
    adopters = 0

    t0 = time.perf_counter()
    for _ in range(steps):
        share = adopters / n
        prob = 1.0 - math.exp(-(p + q * share) * dt)
        rng.random(out=u, dtype=np.float32)
        np.less(u, np.float32(prob), out=new)
        np.logical_or(adopted, new, out=adopted)
        adopters = int(np.count_nonzero(adopted))
    s = time.perf_counter() - t0

    print(f"bass_numpy: {n} firms x {steps} steps in {s:.3f} s, final share {adopters / n:.6f}")
    print(f"firm-steps/s: {n * steps / s:.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
