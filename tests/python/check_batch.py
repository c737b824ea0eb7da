"""Checks a batch file (docs/output.md, "Batch files") as xarray users meet it:
every group opens with xarray with named dimensions, coordinates and units, and the
statistics agree with numpy computed from the stacked runs.
Usage: check_batch.py BATCH.h5   (exit 0 ok, 1 a check failed)"""
import sys

import numpy as np
import xarray as xr

failures = 0


def check(ok, what):
    global failures
    print(("ok   - " if ok else "FAIL - ") + what)
    failures += 0 if ok else 1


def main(path):
    groups = {}
    for g in ["runs", "statistics", "effects", "effect_statistics", "summary"]:
        try:
            groups[g] = xr.open_dataset(path, group=g)
            check(True, f"xarray opens group {g}")
        except Exception as e:  # noqa: BLE001 - report any failure to open
            check(False, f"xarray opens group {g}: {e}")
            return
    runs, stats, eff, estats, summ = (groups[g] for g in ["runs", "statistics", "effects", "effect_statistics", "summary"])

    check(runs["co2_emissions"].dims == ("run", "time", "sector"), "runs: co2_emissions over (run, time, sector)")
    for c in ["variant", "sample", "replicate", "seed", "year"]:
        check(c in runs["co2_emissions"].coords, f"runs: {c} is a coordinate of co2_emissions")
    check(np.issubdtype(runs["time"].dtype, np.datetime64), "runs: time decodes to datetime64")
    check(runs["co2_emissions"].attrs.get("units") == "t", "runs: co2_emissions in t")
    check(runs["seed"].dtype == np.uint64, "runs: seed is uint64")
    check(stats["co2_emissions"].dims == ("variant", "statistic", "time", "sector"), "statistics: dims (variant, statistic, ...)")
    check(list(stats["statistic"].values) == ["mean", "p5", "p25", "p50", "p75", "p95"], "statistics: the six statistics")
    check(eff["co2_avoided"].dims == ("run", "time", "sector"), "effects: co2_avoided over (run, time, sector)")
    check("baseline_run" in eff["co2_avoided"].coords, "effects: baseline_run is a coordinate")
    check(estats["co2_avoided"].dims == ("variant", "statistic", "time", "sector"), "effect_statistics: dims")
    check(summ["value"].dims == ("variant", "indicator", "statistic"), "summary: value over (variant, indicator, statistic)")
    check("indicator_units" in summ["value"].coords, "summary: indicator_units is a coordinate")
    check(summ["indicator_units"].sel(indicator="co2_avoided").item() == "t", "summary: co2_avoided in t")

    # statistics against numpy: quantiles (method "linear") and means across a variant's runs
    for name in ["co2_emissions", "adopters", "production_cost_index_by_size"]:
        for v in stats["variant"].values:
            x = runs[name].where(runs["variant"] == v, drop=True).values.astype(float)
            want = np.concatenate([x.mean(axis=0)[None], np.percentile(x, [5, 25, 50, 75, 95], axis=0)])
            got = stats[name].sel(variant=v).values
            check(np.allclose(got, want, rtol=1e-12, atol=1e-9), f"statistics/{name} of {v} equals numpy")
    # effects: baseline - variant, as numpy computes it from /runs
    base = runs["co2_emissions"].sel(run=eff["baseline_run"].values).values
    var = runs["co2_emissions"].sel(run=eff["run"].values).values
    check(np.array_equal(eff["co2_avoided"].values, base - var), "effects/co2_avoided = baseline - variant, bitwise")
    # summary: mean and percentiles of the per-run indicators
    for v in summ["variant"].values:
        ind = eff["indicators"].where(eff["variant"] == v, drop=True).values
        want = np.stack([np.nanmean(ind, axis=0)] + [np.nanpercentile(ind, q, axis=0) for q in (5, 50, 95)], axis=1)
        got = summ["value"].sel(variant=v).values
        check(np.allclose(got, want, rtol=1e-12, atol=1e-9, equal_nan=True), f"summary of {v} equals numpy")
    for ds in groups.values():
        ds.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1])
    sys.exit(1 if failures else 0)
