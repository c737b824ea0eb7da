"""Compares two CALIB.h5 files dataset by dataset: numbers bitwise (dtype, shape,
bytes), strings by value. Exit 0 when every dataset of the first is in the second and
equal; prints the count and the ones that differ.
Usage: compare_calibrations.py A.h5 B.h5"""
import sys

import h5py

a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)


def same(x, y):
    x, y = x[()], y[()]
    if x.dtype.kind == "O":
        return x.shape == y.shape and list(x.ravel()) == list(y.ravel())
    return x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()


bad = [n for n in names if n not in b or not same(a[n], b[n])]
print(len(names), "datasets; differ:", bad)
sys.exit(1 if bad or len(names) < 20 else 0)
