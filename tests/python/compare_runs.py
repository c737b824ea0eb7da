"""Exit 0 when two greenshift files hold bitwise-identical datasets (attributes that
record how the file was made -- threads, command line, date -- may differ), 1 when
some dataset differs, 2 on a usage or read error."""
import sys

import h5py
import numpy as np


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out


def main(a_path, b_path):
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        da, db = datasets(a), datasets(b)
        if sorted(da) != sorted(db):
            print("different dataset lists:", sorted(set(da) ^ set(db)))
            return 1
        for name in sorted(da):
            x, y = da[name][()], db[name][()]
            if x.dtype.kind in "fiu":
                same = x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()
            else:
                same = np.array_equal(x, y)
            if not same:
                print(f"{name}: differs")
                return 1
        print(f"{len(da)} datasets identical")
        return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: compare_runs.py A.h5 B.h5")
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
