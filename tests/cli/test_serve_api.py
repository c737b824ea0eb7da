#!/usr/bin/python3
"""`greenshift serve` over HTTP, without a browser: the controls of the Morocco
scenario, a study with a programme change and a price change, and its downloads —
the batch as HDF5 (its /summary must hold every indicator the study answered, bit for
bit), the summary CSV, the batch file (greenshift batch on it gives the same summary),
the --set lines (run as written, they give the batch's replicate 0) and the report.

usage: test_serve_api.py GREENSHIFT SOURCE_DIR
"""
import csv
import http.client
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

import h5py

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def get(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request(method, path, body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data, r.getheader("Content-Disposition") or ""


def same(a, b):
    return (a is None and (b is None or math.isnan(b))) or a == b


def summary(path):
    with h5py.File(path, "r") as f:
        names = [x.decode() for x in f["summary/indicator"][:]]
        stats = [x.decode() for x in f["summary/statistic"][:]]
        return names, stats, f["summary/value"][0]


def main():
    exe, source = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="greenshift-serve-api-")
    server = subprocess.Popen([exe, "serve", os.path.join(source, "scenarios"), "--port", "0", "--threads", "2"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().strip().split(" ")[-1]
        port = int(url.split(":")[2].split("/")[0])
        s, data, _ = get(port, "GET", "/api/scenario?file=morocco-cop22.yaml")
        d = json.loads(data)
        grant = [p for p in d["policies"] if p["name"] == "cop22_grant"][0]
        controls = {c["path"]: c for c in grant["controls"]}
        check(s == 200 and controls["policies.cop22_grant.annual_budget"]["value"] == 50000000
              and controls["policies.cop22_grant.rate"]["value"] == 0.3
              and controls["policies.cop22_grant.eligible.size_classes"]["value"] == ["micro", "small", "medium"]
              and controls["policies.cop22_grant.start_year"]["value"] == 2018,
              "the grant's controls hold the file's values")
        check([p["name"] for p in d["policies"] if p["programme"]] ==
              ["cop22_tpme_label", "cop22_tpme_audit_ta", "cop22_grant", "cop22_green_fund",
               "cop22_green_credit_line", "cop22_credit_line_grant"],
              "the programme is what the folder's batch file removes from its baseline")

        body = {"scenario": "morocco-cop22.yaml", "replicates": 3, "seed": 7,
                "changes": {"policies.cop22_grant.annual_budget": 5000000,
                            "policies.cop22_grant.eligible.size_classes": ["small", "medium"]},
                "economy": {"electricity_price_scale": 1.2}}
        s, data, _ = get(port, "POST", "/api/study", json.dumps(body))
        study = json.loads(data)
        check(s == 200 and study["runs"] == 6 and len(study["seeds"]) == 3, f"a study: {s}")
        sid = study["id"]

        files = {}
        for kind in ["batch.h5", "summary.csv", "batch.yaml", "set-lines.txt", "programme.yaml", "report.html"]:
            s, data, disposition = get(port, "GET", f"/api/download/{sid}/{kind}")
            files[kind] = os.path.join(work, kind)
            with open(files[kind], "wb") as f:
                f.write(data)
            check(s == 200 and "attachment" in disposition and len(data) > 0, f"download {kind}: {s}, {len(data)} bytes")

        names, stats, values = summary(files["batch.h5"])
        table = {i["name"]: i for i in study["indicators"]}
        check(names == [i["name"] for i in study["indicators"]], "the batch file has the study's indicators, in order")
        check(all(same(table[n][st], float(values[k, j])) for k, n in enumerate(names) for j, st in enumerate(stats)),
              f"every indicator x statistic of the batch file equals the study's ({len(names)} x {len(stats)})")
        with open(files["summary.csv"], newline="") as f:
            rows = list(csv.DictReader(f))  # labels hold commas: read it as CSV
        co2 = [r for r in rows if r["indicator"] == "co2_avoided"][0]
        check(float(co2["mean"]) == table["co2_avoided"]["mean"], "the CSV's co2_avoided mean")

        # The batch file alone, run by greenshift batch, gives the same summary.
        out = os.path.join(work, "again.h5")
        subprocess.run([exe, "batch", files["batch.yaml"], "-o", out, "-q"], check=True)
        _, _, again = summary(out)
        check(((again == values) | (again != again) & (values != values)).all(), "greenshift batch on the batch file")

        # The --set lines, run as written from the scenario folder, give replicate 0 of the batch.
        with open(files["set-lines.txt"]) as f:
            lines = f.read().replace("\\\n", " ").splitlines()
        runs = [shlex.split(line) for line in lines if line.startswith("greenshift run")]
        check(len(runs) == 2, "two greenshift run lines")
        co2 = {}
        for args in runs:
            which = args[args.index("-o") + 1]
            args[args.index("-o") + 1] = os.path.join(work, which)
            subprocess.run([exe] + args[1:] + ["-q"], cwd=os.path.join(source, "scenarios"), check=True)
            with h5py.File(os.path.join(work, which), "r") as f:
                co2[which] = f["co2_emissions"][:]
        with h5py.File(files["batch.h5"], "r") as f:
            variants = [x.decode() for x in f["runs/variant"][:]]
            replicate = f["runs/replicate"][:]
            rows0 = {variants[k]: k for k in range(len(variants)) if replicate[k] == 0}
            batch_co2 = f["runs/co2_emissions"][:]
        check((co2["programme.h5"] == batch_co2[rows0["programme"]]).all()
              and (co2["baseline.h5"] == batch_co2[rows0["baseline"]]).all(),
              "the --set lines give the batch's replicate 0, bit for bit")

        p = subprocess.run([exe, "validate", files["programme.yaml"]], capture_output=True, text=True)
        check(p.returncode == 0, "the programme YAML is a valid scenario")
        with open(files["report.html"], "rb") as f:
            check(b"<html" in f.read(2000).lower(), "the report is an HTML page")
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} failed")
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
