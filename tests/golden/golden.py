"""The golden test: fixed runs and batches whose every output is frozen as a digest.

    golden.py check  GREENSHIFT SOURCE_DIR   exit 0 when every digest matches the reference,
                                             1 (and what moved) when some output changed
    golden.py update GREENSHIFT SOURCE_DIR   recompute the reference (tests/golden/reference.json)

Each case runs the built program at a fixed seed on one thread and on two (the two
must agree bit for bit), then digests every dataset (dtype, shape, bytes) and every
attribute that describes the result (the resolved scenario, units, names) -- not the
ones that describe how the file was made (date, command line, threads, version,
commit). A handful of key values are kept in clear beside the digests, so a failure
shows what moved and by how much. tests/golden/README.md says when and how to update.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "reference.json")

# Attributes recording how a file was made, not what it holds.
PROVENANCE = {"program_version", "git_commit", "threads", "command_line", "created_utc",
              "batch_file", "scenario_file", "host", "wall_seconds",
              "DIMENSION_LIST", "REFERENCE_LIST"}  # object addresses; the dimension names are digested as CLASS/NAME

# name -> (command after the program, output file)
CASES = {
    "run_small": ["run", "tests/data/small.yaml"],
    "run_morocco_cop22": ["run", "scenarios/morocco-cop22.yaml"],
    "run_morocco_baseline": ["run", "scenarios/morocco-baseline.yaml"],
    "batch_small": ["batch", "tests/data/batch/small-batch.yaml"],
    "batch_morocco_cop22": ["batch", "scenarios/morocco-cop22-batch.yaml"],
}


def canonical(value):
    """Bytes that stand for a dataset's or attribute's value on any machine."""
    if isinstance(value, (bytes, str)):
        return value.encode() if isinstance(value, str) else value
    a = np.asarray(value)
    if a.dtype.kind == "O" or a.dtype.kind in "SU":
        items = [x.decode() if isinstance(x, bytes) else str(x) for x in a.ravel()]
        return json.dumps([list(a.shape), items]).encode()
    le = a.astype(a.dtype.newbyteorder("<"), copy=False)
    return f"{le.dtype.str}{list(a.shape)}".encode() + np.ascontiguousarray(le).tobytes()


def digest(data):
    return hashlib.sha256(data).hexdigest()[:20]


def file_digests(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = digest(canonical(obj[()]))
            for key, val in obj.attrs.items():
                if key not in PROVENANCE:
                    out[f"{name}@{key}"] = digest(canonical(val))
        for key, val in f.attrs.items():
            if key not in PROVENANCE:
                out[f"@{key}"] = digest(canonical(val))
        f.visititems(visit)
    return out


def key_values(path):
    """A few headline numbers in clear: what an analyst would read first."""
    out = {}
    with h5py.File(path, "r") as f:
        if "runs" in f:  # a batch
            s = f["summary"]
            names = [x.decode() if isinstance(x, bytes) else x for x in s["indicator"][()]]
            variants = [x.decode() if isinstance(x, bytes) else x for x in s["variant"][()]]
            stats = [x.decode() if isinstance(x, bytes) else x for x in s["statistic"][()]]
            value = s["value"][()]
            m = stats.index("mean") if "mean" in stats else 0
            # the key results (indicator_headline), or the first six rows in older files
            shown = [i for i, h in enumerate(s["indicator_headline"][()]) if h] if "indicator_headline" in s else []
            for vi, v in enumerate(variants):
                for ii in shown or range(min(6, len(names))):
                    out[f"summary {v} {names[ii]} {stats[m]}"] = float(value[vi, ii, m])
            out["runs co2_emissions total"] = float(f["runs/co2_emissions"][()].sum())
        else:
            out["co2_emissions last year"] = float(f["co2_emissions"][-1].sum())
            out["co2_emissions total"] = float(f["co2_emissions"][()].sum())
            out["adopters last year"] = int(f["adopters"][-1].sum())
            out["installed_capacity last year"] = float(f["installed_capacity"][-1].sum())
            out["budget_used total"] = float(f["budget_used"][()].sum())
            out["investment_total total"] = float(f["investment_total"][()].sum())
    return out


def run_case(exe, src, name, args, work, threads):
    out = os.path.join(work, f"{name}-t{threads}.h5")
    cmd = [exe] + args + ["-o", out, "--threads", str(threads), "-q", "--force"]
    r = subprocess.run(cmd, cwd=src, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"golden: {name}: {' '.join(cmd)} exited {r.returncode}:\n{r.stderr}")
    return out


def compute(exe, src):
    result = {}
    with tempfile.TemporaryDirectory(prefix="greenshift-golden-") as work:
        for name, args in CASES.items():
            one = run_case(exe, src, name, args, work, 1)
            two = run_case(exe, src, name, args, work, 2)
            d1, d2 = file_digests(one), file_digests(two)
            if d1 != d2:
                moved = sorted(k for k in set(d1) | set(d2) if d1.get(k) != d2.get(k))
                raise SystemExit(f"golden: {name}: 1 and 2 threads differ in {moved[:10]}")
            result[name] = {"command": " ".join(args), "key_values": key_values(one), "digests": d1}
    return result


def compare(ref, new):
    failed = False
    for name in sorted(set(ref) | set(new)):
        if name not in new or name not in ref:
            print(f"{name}: case {'removed' if name not in new else 'added'}")
            failed = True
            continue
        a, b = ref[name]["digests"], new[name]["digests"]
        changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
        added, removed = sorted(set(b) - set(a)), sorted(set(a) - set(b))
        if not (changed or added or removed):
            print(f"{name}: {len(a)} digests unchanged")
            continue
        failed = True
        print(f"{name}: {len(changed)} changed, {len(added)} added, {len(removed)} removed "
              f"(of {len(a)})")
        for label, keys in (("changed", changed), ("added", added), ("removed", removed)):
            if keys:
                print(f"  {label}: " + ", ".join(keys[:40]) + (" ..." if len(keys) > 40 else ""))
        ka, kb = ref[name]["key_values"], new[name]["key_values"]
        for k in sorted(set(ka) | set(kb)):
            if ka.get(k) != kb.get(k):
                x, y = ka.get(k), kb.get(k)
                rel = ""
                if isinstance(x, (int, float)) and isinstance(y, (int, float)) and x:
                    rel = f" ({(y - x) / abs(x):+.3g} relative)"
                print(f"  key value {k}: {x} -> {y}{rel}")
    return failed


def main(argv):
    if len(argv) != 4 or argv[1] not in ("check", "update"):
        print(__doc__.strip().splitlines()[2:4][0])
        print("usage: golden.py check|update GREENSHIFT SOURCE_DIR", file=sys.stderr)
        return 2
    mode, exe, src = argv[1], os.path.abspath(argv[2]), os.path.abspath(argv[3])
    new = compute(exe, src)
    if mode == "update":
        with open(REFERENCE + ".tmp", "w") as f:
            json.dump(new, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(REFERENCE + ".tmp", REFERENCE)
        print(f"golden: wrote {os.path.relpath(REFERENCE, src)} ({len(new)} cases)")
        return 0
    with open(REFERENCE) as f:
        ref = json.load(f)
    if compare(ref, new):
        print("\ngolden: outputs moved. If that is intended, run scripts/update-golden.sh and say in\n"
              "the commit message which outputs moved, by how much and why (tests/golden/README.md).")
        return 1
    print("golden: every output unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
