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

    # A Sobol batch keeps the time series of its base sample's runs only (series_kept):
    # the others' floating-point variables are NaN, and no statistic reads them.
    kept = runs["series_kept"].values == 1 if "series_kept" in runs else np.ones(runs.sizes["run"], bool)
    eff_kept = eff["series_kept"].values == 1 if "series_kept" in eff else np.ones(eff.sizes["run"], bool)
    if not kept.all():
        for name in ["co2_emissions", "production_cost_index_by_size", "investment_total"]:
            x = runs[name].values
            check(np.isnan(x[~kept]).all(), f"runs/{name}: NaN in every run whose series is not kept")
            check(not np.isnan(x[kept]).all(axis=tuple(range(1, x.ndim))).any(), f"runs/{name}: values in the kept runs")
        check(np.isnan(eff["co2_avoided"].values[~eff_kept]).all(), "effects/co2_avoided: NaN where not kept")
        check(np.array_equal(eff_kept, kept[np.searchsorted(runs["run"].values, eff["run"].values)]),
              "effects/series_kept: as the variant's run")

    # statistics against numpy: quantiles (method "linear") and means across a variant's runs
    for name in ["co2_emissions", "adopters", "production_cost_index_by_size"]:
        for v in stats["variant"].values:
            x = runs[name].values[(runs["variant"].values == v) & kept].astype(float)
            want = np.concatenate([x.mean(axis=0)[None], np.percentile(x, [5, 25, 50, 75, 95], axis=0)])
            got = stats[name].sel(variant=v).values
            check(np.allclose(got, want, rtol=1e-12, atol=1e-9), f"statistics/{name} of {v} equals numpy")
    # effects: baseline - variant, as numpy computes it from /runs
    base = runs["co2_emissions"].sel(run=eff["baseline_run"].values).values[eff_kept]
    var = runs["co2_emissions"].sel(run=eff["run"].values).values[eff_kept]
    check(np.array_equal(eff["co2_avoided"].values[eff_kept], base - var), "effects/co2_avoided = baseline - variant, bitwise")
    # summary: mean and percentiles of the per-run indicators
    for v in summ["variant"].values:
        ind = eff["indicators"].where(eff["variant"] == v, drop=True).values
        want = np.stack([np.nanmean(ind, axis=0)] + [np.nanpercentile(ind, q, axis=0) for q in (5, 50, 95)], axis=1)
        got = summ["value"].sel(variant=v).values
        check(np.allclose(got, want, rtol=1e-12, atol=1e-9, equal_nan=True), f"summary of {v} equals numpy")
    # where the spread comes from: the law of total variance, as numpy computes it
    shares = summ["variance_share"]
    check(shares.dims == ("variant", "indicator", "source"), "summary: variance_share over (variant, indicator, source)")
    for v in summ["variant"].values:
        rows = eff["variant"].values == v
        ind = eff["indicators"].values[rows]
        sample = eff["sample"].values[rows]
        ids = sorted(set(sample))
        want = np.full((ind.shape[1], 2), np.nan)
        for i in range(ind.shape[1]):
            groups_i = [ind[sample == s, i] for s in ids]
            groups_i = [g[~np.isnan(g)] for g in groups_i]
            groups_i = [g for g in groups_i if g.size]
            df = sum(g.size - 1 for g in groups_i)
            if df <= 0:
                continue
            w = sum(((g - g.mean()) ** 2).sum() for g in groups_i) / df
            means = np.array([g.mean() for g in groups_i])
            p = max(0.0, means.var(ddof=1) - w * np.mean([1 / g.size for g in groups_i])) if len(means) > 1 else 0.0
            if p + w > 0:
                want[i] = [p / (p + w), w / (p + w)]
        got = shares.sel(variant=v).values
        check(np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True), f"summary/variance_share of {v} equals numpy")
    # the sampled inputs: one value per sample, the same for every variant
    params = runs["parameters"]
    check(params.dims == ("run", "parameter"), "runs: parameters over (run, parameter)")
    for k, name in enumerate(runs["parameter"].values):
        x = params.values[:, k]
        # NaN where the parameter does not apply to the run's variant (a policy it lacks)
        same = all(len(set(x[(runs["sample"].values == s) & ~np.isnan(x)])) <= 1 for s in set(runs["sample"].values))
        check(same, f"runs/parameters of {name}: one value per sample, shared by its variants")
    # budgets: the year's spending is the sum of budget_used over its steps
    budgets = xr.open_dataset(path, group="budgets")
    years = runs["year"].values
    for v in budgets["variant"].values:
        x = runs["budget_used"].values[(runs["variant"].values == v) & kept]  # run, time, policy
        yearly = np.stack([x[:, years == y, :].sum(axis=1) for y in budgets["year"].values], axis=2)
        got = budgets["spent"].sel(variant=v, statistic="mean").values
        check(np.allclose(got, yearly.mean(axis=0), rtol=1e-12, atol=1e-6), f"budgets/spent of {v} equals numpy")
        refused = runs["applications_unserved"].values[(runs["variant"].values == v) & kept]
        yearly_refused = np.stack([refused[:, years == y, :].sum(axis=1) for y in budgets["year"].values], axis=2)
        got = budgets["binding_share"].sel(variant=v).values
        budgeted = np.isin(budgets["policy_type"].values, ["capex_grant", "green_investment_fund"])
        check(np.allclose(got[budgeted], (yearly_refused > 0).mean(axis=0)[budgeted]),
              f"budgets/binding_share of {v}: the share of runs with applications refused")
    budgets.close()
    for ds in groups.values():
        ds.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1])
    sys.exit(1 if failures else 0)
