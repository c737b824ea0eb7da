#!/usr/bin/python3
"""Checks that a greenshift run file opens as promised in docs/output.md: with
ncdump (netCDF-C), with xarray (named dimensions, units, decoded time, string
coordinates) and with netCDF4 in write mode.

    check_output.py GREENSHIFT_EXE SOURCE_DIR          run scenarios/bass.yaml, check the file
    check_output.py --file OUT.h5                      check an existing file

Exit status: 0 when every check passes, 1 when one fails, 2 when the checks cannot
run (missing program, scenario or Python package). Uses Debian's python3 packages
(python3-xarray, python3-netcdf4, python3-h5py, numpy) and ncdump (netcdf-bin).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

# The variables the model records, with their dimensions (docs/output.md).
EXPECTED = {
    "firms": ("sector", "size_class"),
    **{name: ("time", "sector", "technology") for name in (
        "adopters", "adoption_share", "installed_capacity", "energy_displaced",
        "investment_private", "grant_spent", "loan_volume")},
    **{name: ("time", "sector") for name in (
        "energy_electricity", "energy_fuel", "energy_cost", "co2_emissions",
        "production_cost_index")},
}
REQUIRED_DIMS = ("time", "sector", "technology", "size_class")
ROOT_ATTRIBUTES = ("format_version", "program", "program_version", "git_commit", "seed",
                   "threads", "command_line", "scenario_name", "created_utc", "scenario",
                   "Conventions")


class Checks:
    def __init__(self):
        self.failures = []

    def check(self, ok, what, detail=""):
        print(("ok    " if ok else "FAIL  ") + what + (f": {detail}" if detail and not ok else ""))
        if not ok:
            self.failures.append(what + (f": {detail}" if detail else ""))
        return ok


def unavailable(message):
    print(f"check_output.py: cannot run the checks: {message}", file=sys.stderr)
    sys.exit(2)


def produce_file(exe, source_dir, workdir):
    scenario = os.path.join(source_dir, "scenarios", "bass.yaml")
    if not os.access(exe, os.X_OK):
        unavailable(f"{exe} is not an executable")
    if not os.path.isfile(scenario):
        unavailable(f"scenario {scenario} not found")
    out = os.path.join(workdir, "out.h5")
    command = [exe, "run", scenario, "-o", out]
    print("running: " + " ".join(command))
    proc = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        print(proc.stdout + proc.stderr, file=sys.stderr)
        print(f"FAIL  greenshift run exited with status {proc.returncode}", file=sys.stderr)
        sys.exit(1)
    return out


def ncdump_header(path):
    """(dimension sizes, {variable: (dims, {attribute: text})}) from `ncdump -h`."""
    proc = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip() or f"ncdump exited with status {proc.returncode}")
    dims, variables, section = {}, {}, None
    for line in proc.stdout.splitlines():
        stripped = line.strip()
        if stripped in ("dimensions:", "variables:") or stripped.startswith("// global"):
            section = stripped
            continue
        if section == "dimensions:":
            m = re.match(r"(\w+) = (\d+|UNLIMITED)", stripped)
            if m:
                dims[m.group(1)] = m.group(2)
        elif section == "variables:":
            m = re.match(r"\w+ (\w+)\(([^)]*)\) ;", stripped)
            if m:
                variables[m.group(1)] = (tuple(d.strip() for d in m.group(2).split(",")), {})
                continue
            m = re.match(r"(\w+):(\w+) = (.*) ;", stripped)
            if m and m.group(1) in variables:
                variables[m.group(1)][1][m.group(2)] = m.group(3)
    return dims, variables


def check_ncdump(path, c):
    print("-- ncdump -h")
    if shutil.which("ncdump") is None:
        unavailable("ncdump not found (Debian package netcdf-bin)")
    try:
        dims, variables = ncdump_header(path)
    except RuntimeError as e:
        c.check(False, "ncdump -h reads the file", str(e))
        return
    c.check(True, "ncdump -h reads the file")
    for d in REQUIRED_DIMS:
        c.check(d in dims, f"dimension {d} exists", f"dimensions are {sorted(dims)}")
    for name, expected_dims in EXPECTED.items():
        if not c.check(name in variables, f"variable {name} exists"):
            continue
        got_dims, attrs = variables[name]
        c.check(got_dims == expected_dims, f"{name} has dimensions {expected_dims}", f"got {got_dims}")
        c.check("units" in attrs, f"{name} has units", "no units attribute")


def check_xarray(path, c):
    print("-- xarray")
    try:
        import numpy as np
        import xarray as xr
    except ImportError as e:
        unavailable(f"{e} (Debian packages python3-xarray, python3-numpy; use /usr/bin/python3)")
    with xr.open_dataset(path, engine="netcdf4") as ds:
        for dim in REQUIRED_DIMS:
            c.check(dim in ds.dims, f"dimension {dim}", f"dimensions are {list(ds.dims)}")
        for name, var in ds.data_vars.items():
            named = len(var.dims) > 0 and not any(str(d).startswith("phony_dim") for d in var.dims)
            c.check(named, f"{name} has named dimensions {var.dims}", f"dims {var.dims}")
            for attr in ("units", "long_name"):
                value = var.attrs.get(attr)
                c.check(isinstance(value, str), f"{name} has {attr}", f"{attr} = {value!r}")
        for name, expected_dims in EXPECTED.items():
            if c.check(name in ds.data_vars, f"data variable {name} exists"):
                c.check(ds[name].dims == expected_dims, f"{name} dims are {expected_dims}",
                        f"got {ds[name].dims}")
        if c.check("time" in ds.variables, "time coordinate exists"):
            c.check(np.issubdtype(ds["time"].dtype, np.datetime64), "time decodes to datetime64",
                    f"dtype {ds['time'].dtype}, units {ds['time'].encoding.get('units')!r}")
        for coord in ("sector", "technology", "size_class"):
            if not c.check(coord in ds.variables, f"{coord} coordinate exists"):
                continue
            values = ds[coord].values.tolist()
            c.check(len(values) > 0 and all(isinstance(v, str) for v in values),
                    f"{coord} coordinate holds strings", f"values {values!r}")
        c.check("year" in ds.coords, "year is a coordinate", f"coords are {list(ds.coords)}")
        if "year" in ds:
            c.check(np.issubdtype(ds["year"].dtype, np.integer), "year is an integer",
                    f"dtype {ds['year'].dtype}")
            c.check(ds["year"].dims == ("time",), "year runs along time", f"dims {ds['year'].dims}")
        for attr in ROOT_ATTRIBUTES:
            c.check(attr in ds.attrs, f"root attribute {attr}")
        c.check(ds.attrs.get("program") == "greenshift", "program is greenshift",
                repr(ds.attrs.get("program")))
        c.check(ds.attrs.get("Conventions") == "CF-1.8", "Conventions is CF-1.8",
                repr(ds.attrs.get("Conventions")))
        data = {name: ds[name].values for name in EXPECTED if name in ds}
    return data


def check_h5py_agrees(path, data, c):
    """The numbers xarray (through netCDF-C) sees are the numbers HDF5 stores."""
    print("-- h5py")
    try:
        import h5py
        import numpy as np
    except ImportError as e:
        unavailable(f"{e} (Debian package python3-h5py)")
    with h5py.File(path, "r") as f:
        for name, values in data.items():
            stored = f[name][()]
            same = stored.shape == values.shape and stored.tobytes() == values.tobytes()
            c.check(same, f"{name}: xarray and h5py read the same bytes")


def check_netcdf_append(path, c):
    print("-- netCDF4 (write mode)")
    try:
        import netCDF4
    except ImportError as e:
        unavailable(f"{e} (Debian package python3-netcdf4)")
    try:
        with netCDF4.Dataset(path, mode="a") as nc:
            nc.setncattr("check_output", "appended by check_output.py")
        with netCDF4.Dataset(path, mode="r") as nc:
            ok = nc.getncattr("check_output") == "appended by check_output.py"
        c.check(ok, "netCDF4 opens the file for writing and the change reads back")
    except OSError as e:
        c.check(False, "netCDF4 opens the file for writing", str(e))


def main(argv):
    if len(argv) == 3 and argv[1] == "--file":
        exe = source_dir = None
        existing = argv[2]
    elif len(argv) == 3:
        exe, source_dir = argv[1], argv[2]
        existing = None
    else:
        print(__doc__, file=sys.stderr)
        return 2
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="greenshift-check-") as workdir:
        if existing is None:
            path = produce_file(exe, source_dir, workdir)
            left = sorted(os.listdir(workdir))
            c.check(left == ["out.h5"], "only out.h5 is left in the output directory", f"found {left}")
        else:
            # Work on a copy: the write-mode check changes the file.
            path = os.path.join(workdir, os.path.basename(existing))
            shutil.copyfile(existing, path)
        print(f"checking {path}")
        check_ncdump(path, c)
        data = check_xarray(path, c)
        check_h5py_agrees(path, data, c)
        check_netcdf_append(path, c)
    if c.failures:
        print(f"\n{len(c.failures)} check(s) failed:", file=sys.stderr)
        for f in c.failures:
            print("  " + f, file=sys.stderr)
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
