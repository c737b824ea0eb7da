#!/usr/bin/python3
# greenshift plot / report: figures (PNG) and a self-contained HTML report from a
# greenshift batch file (with uncertainty bands) or run file (single lines), or the fit
# and posterior of a calibration file (greenshift calibrate).
# Called by `greenshift plot OUT.h5 -o DIR` and `greenshift report OUT.h5 -o FILE`
# (apps/cmd_plot.cpp, apps/cmd_report.cpp); usable on its own:
#   /usr/bin/python3 greenshift_plot.py plot OUT.h5 DIR [--force]
#   /usr/bin/python3 greenshift_plot.py report OUT.h5 FILE.html [--force]
# Exit codes as greenshift's: 0 ok, 1 internal error or missing library, 2 usage,
# 3 bad input file, 4 output exists (no --force) or cannot be written.
import base64
import errno
import html
import io
import os
import sys
import warnings

# A statistic of a quantity undefined in every run (a cost per tonne where nothing is
# avoided) is NaN and is drawn as a gap; numpy's and matplotlib's warnings about such
# all-NaN slices are not news for the user, who would see them on stderr.
warnings.filterwarnings("ignore", message="All-NaN (slice|axis) encountered", category=RuntimeWarning)

EXIT_INTERNAL, EXIT_USAGE, EXIT_INPUT, EXIT_OUTPUT = 1, 2, 3, 4
# greenshift has the script write to a temporary name and renames it when done; this
# is the name its messages give (the final one).
OUTPUT_NAME = os.environ.get("GREENSHIFT_OUTPUT_NAME")

# Every figure has this size in pixels (tests/cli/test_plot_report.sh checks it).
WIDTH_IN, HEIGHT_IN, DPI = 10, 6, 100
FIGURES = [
    ("adoption", "Adoption per technology: share of all firms with it installed"),
    ("co2", "CO2 avoided against the baseline, per year and cumulated (paired effect)"),
    ("budgets", "Budgets per programme: the year's budget and what was spent"),
    ("cost_per_tco2", "Public cost per tonne of CO2 avoided, by instrument"),
    ("jobs", "Jobs in the supplier sectors, direct and indirect"),
    ("by_size", "The promises by firm size"),
]


class Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


# Names (scenarios, variants, sectors, technologies) are data: a figure shows them as
# written, never as markup, and shortens those too long for it; tables keep them whole.
NAME_CHARS = 40
TEXT_LINE_CHARS = 200  # any line of text in a figure: a bound for names inside sentences


def label_of(name, limit=NAME_CHARS):
    """A name as a figure shows it: verbatim, shortened with an ellipsis past `limit`."""
    name = str(name)
    return name if len(name) <= limit else name[:limit - 1] + "\u2026"


def names_are_text(matplotlib):
    """No mathtext: "$\\frac{$" is a name, not a formula to parse (and fail on). Every
    text's lines are bounded too, so that no name can overflow the rasteriser."""
    import matplotlib.text
    if "text.parse_math" in matplotlib.rcParams:
        matplotlib.rcParams["text.parse_math"] = False
    set_text = matplotlib.text.Text.set_text

    def bounded(self, s):
        if s is not None and not isinstance(s, str):
            s = str(s)
        if s and "text.parse_math" not in matplotlib.rcParams:
            s = s.replace("$", r"\$")  # matplotlib before 3.5: escape what would start math
        if s:
            s = "\n".join(label_of(line, TEXT_LINE_CHARS) for line in s.split("\n"))
        return set_text(self, s)
    matplotlib.text.Text.set_text = bounded


def need_libraries():
    try:
        import numpy  # noqa: F401
        import h5py  # noqa: F401
        import matplotlib
        matplotlib.use("Agg")  # files only, never a display
        import matplotlib.pyplot  # noqa: F401
        names_are_text(matplotlib)
    except ImportError as e:
        raise Failure(EXIT_INTERNAL, f"figures need python3 with numpy, h5py and matplotlib ({e}); on Debian: "
                                     "apt-get install python3-numpy python3-h5py python3-matplotlib "
                                     "(scripts/setup.sh installs them)")


def text(x):
    if isinstance(x, bytes):
        return x.decode("utf-8")
    if hasattr(x, "item") and not isinstance(x, str):
        x = x.item()
        return x.decode("utf-8") if isinstance(x, bytes) else str(x)
    return str(x)


class Data:
    """A batch file (runs stacked along `run`) or a run file (one run), read the same way."""

    def __init__(self, path):
        import h5py
        import numpy as np
        self.np = np
        if not os.path.isfile(path):
            raise Failure(EXIT_INPUT, f"{path}: no such file")
        try:
            self.f = h5py.File(path, "r")
        except OSError as e:
            raise Failure(EXIT_INPUT, f"{path}: not an HDF5 file ({e})")
        a = self.f.attrs
        if text(a.get("program", b"")) != "greenshift":
            raise Failure(EXIT_INPUT, f"{path}: not a greenshift file (no root attribute program = \"greenshift\")")
        self.path = path
        self.batch = "batch_identity" in a and "runs" in self.f
        self.g = self.f["runs"] if self.batch else self.f
        self.attrs = {k: text(a[k]) for k in ("program_version", "scenario_name", "created_utc", "git_commit") if k in a}
        g = self.g
        self.year = np.asarray(g["year"][:]) if "year" in g else np.zeros(0, int)
        self.sector = self.strings(g, "sector")
        self.size_class = self.strings(g, "size_class")
        self.technology = self.strings(g, "technology")
        self.policy = self.strings(g, "policy")
        self.policy_type = self.strings(g, "policy_type")
        self.io_sector = self.strings(g, "io_sector")
        if self.batch:
            self.run_variant = self.strings(g, "variant")
            self.variants = list(dict.fromkeys(self.run_variant))
            # a Sobol batch keeps the time series of its base sample's runs only
            self.kept = (np.asarray(g["series_kept"][:]) == 1 if "series_kept" in g
                         else np.ones(len(self.run_variant), bool))
        else:
            self.run_variant = [self.attrs.get("scenario_name", "run")]
            self.variants = list(self.run_variant)
        # steps -> decimal years (several steps per year share a calendar year)
        t = np.zeros(len(self.year))
        for i in range(len(self.year)):
            same = [j for j in range(len(self.year)) if self.year[j] == self.year[i]]
            t[i] = self.year[i] + same.index(i) / len(same)
        self.t = t
        self.years = sorted(set(int(y) for y in self.year))
        self.effects = self.f["effects"] if self.batch and "effects" in self.f else None
        self.paired = []
        if self.effects is not None:
            self.effect_variant = self.strings(self.effects, "variant")
            self.paired = list(dict.fromkeys(self.effect_variant))
            self.ind_names = self.strings(self.effects, "indicator")
            self.ind_units = self.strings(self.effects, "indicator_units")
            self.ind = np.asarray(self.effects["indicators"][:], dtype=float)
        self.sensitivity = Sensitivity(self) if self.batch and "sensitivity" in self.f else None
        self.baseline_of = {}
        if self.effects is not None:
            base = np.asarray(self.effects["baseline_run"][:])
            runs = list(np.asarray(g["run"][:]))
            for k, v in enumerate(self.effect_variant):
                self.baseline_of.setdefault(v, self.run_variant[runs.index(base[k])])

    @staticmethod
    def strings(g, name):
        if name not in g:
            return []
        d = g[name]
        try:
            return [text(x) for x in d.asstr()[:]]
        except (TypeError, AttributeError):
            return [text(x) for x in d[:]]

    def has(self, name):
        return name in self.g

    def policy_type_of(self, policy):
        return self.policy_type[self.policy.index(policy)] if policy in self.policy and self.policy_type else ""

    def var(self, name):
        """(runs, ...) float array of a run variable."""
        x = self.np.asarray(self.g[name][:], dtype=float)
        return x if self.batch else x[None, ...]

    def runs_of(self, variant):
        """The runs of a variant whose time series the file keeps."""
        kept = self.kept if self.batch else [True] * len(self.run_variant)
        return [i for i, v in enumerate(self.run_variant) if v == variant and kept[i]]

    def effect(self, name):
        return self.np.asarray(self.effects[name][:], dtype=float)

    def effect_rows(self, variant):
        return [i for i, v in enumerate(self.effect_variant) if v == variant]

    def indicator(self, variant, name):
        """Per-run values of an indicator for a paired variant (empty when absent)."""
        if self.effects is None or name not in self.ind_names:
            return self.np.zeros(0)
        x = self.ind[self.effect_rows(variant), self.ind_names.index(name)]
        return x[~self.np.isnan(x)]

    def annual(self, x, flow=True):
        """(runs, time, ...) -> (runs, years, ...): flows summed, stocks at the year's last step."""
        np = self.np
        out = []
        for y in self.years:
            idx = [i for i in range(len(self.year)) if self.year[i] == y]
            out.append(x[:, idx].sum(axis=1) if flow else x[:, idx[-1]])
        return np.stack(out, axis=1)


def band(np, x):
    """median, p5, p95 across runs (axis 0), ignoring NaN."""
    return np.nanmedian(x, axis=0), np.nanpercentile(x, 5, axis=0), np.nanpercentile(x, 95, axis=0)


def new_figure(title):
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    return fig


def note(fig, message):
    fig.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#555555", wrap=True)


COLOURS = ["#1b6ca8", "#d1495b", "#2e8b57", "#edae49", "#6a4c93", "#00798c", "#8c564b"]


def colour(d, variant):
    return COLOURS[d.variants.index(variant) % len(COLOURS)] if variant in d.variants else "#333333"


def variant_label(d, v):
    """A variant as a legend names it: its name, and what it is compared with when it has a
    baseline; a baseline is said to be one unless its name says so already."""
    if v in d.baseline_of:
        return f"{label_of(v)} (against {label_of(d.baseline_of[v])})"
    if v in d.baseline_of.values() and "baseline" not in v.lower():
        return f"{label_of(v)} (baseline)"
    return label_of(v)


def legend_below(fig, axes, bottom=0.14, ncol=None):
    """One legend for the figure, below the plots, where it covers no data."""
    seen = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(lab, h)
    if not seen:
        return
    n = len(seen)
    fig.legend(list(seen.values()), list(seen.keys()), loc="lower center", ncol=ncol or min(n, 4), fontsize=8,
               frameon=False, bbox_to_anchor=(0.5, 0.005))
    fig.subplots_adjust(bottom=bottom)


def fig_adoption(d):
    """Per technology, the share of all firms with it installed: each technology on its own,
    variants as lines (median and p5-p95 band across runs)."""
    from matplotlib.ticker import MaxNLocator
    np = d.np
    fig = new_figure("Adoption per technology: share of all firms with it installed"
                     + (" (median, p5-p95 across runs)" if d.batch else ""))
    if not d.has("adopters") or not d.has("firms"):
        note(fig, "no adoption data in this file")
        return fig
    adopters = d.var("adopters").sum(axis=2)       # run, time, technology
    firms = d.var("firms").sum(axis=(-1, -2))      # run
    share = 100 * adopters / firms[:, None, None]
    K = len(d.technology)
    cols = 3 if K > 4 else max(K, 1)
    rows = (K + cols - 1) // cols
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False)
    used = []
    for k in range(rows * cols):
        ax = axes[k // cols][k % cols]
        if k >= K:
            ax.axis("off")
            continue
        used.append(ax)
        for v in d.variants:
            x = share[d.runs_of(v), :, k]
            med, lo, hi = band(np, x)
            ax.plot(d.t, med, color=colour(d, v), lw=1.6, label=variant_label(d, v))
            if d.batch and x.shape[0] > 1:
                ax.fill_between(d.t, lo, hi, color=colour(d, v), alpha=0.18, lw=0)
        ax.set_title(label_of(d.technology[k].replace("_", " ")), fontsize=9)
        ax.tick_params(labelsize=7)
        # steps within a year sit at fractions of it; the axis names whole years only
        # (with 4 steps a year it read 2017.0, 2017.5, ...)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        if k % cols == 0:
            ax.set_ylabel("% of firms", fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.9, hspace=0.35, wspace=0.22)
    legend_below(fig, used, bottom=0.12)
    return fig


def fig_co2(d):
    """CO2 avoided: the paired effect (baseline - programme, run by run, same firms and draws)
    per year and cumulated, with its band; a run file shows its emissions."""
    np = d.np
    if not d.paired or "co2_avoided" not in d.effects:
        fig = new_figure("CO2 emissions of industry (scope 1 + 2)")
        ax = fig.add_subplot(1, 1, 1)
        if not d.has("co2_emissions"):
            note(fig, "no CO2 data in this file")
            return fig
        co2 = d.annual(d.var("co2_emissions").sum(axis=-1)[:, :, None])[:, :, 0] / 1e6
        for v in d.variants:
            med, lo, hi = band(np, co2[d.runs_of(v)])
            ax.plot(d.years, med, color=colour(d, v), lw=1.8, label=variant_label(d, v))
            if d.batch and len(d.runs_of(v)) > 1:
                ax.fill_between(d.years, lo, hi, color=colour(d, v), alpha=0.18, lw=0)
        ax.set_ylabel("Mt CO2 per year")
        ax.grid(alpha=0.3)
        fig.text(0.5, 0.02, "No baseline in this file: CO2 avoided needs a batch with a paired baseline, or "
                 "greenshift compare BASELINE.h5 RUN.h5", ha="center", fontsize=9, color="#555555")
        fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.16)
        legend_below(fig, [ax], bottom=0.16)
        return fig
    fig = new_figure("CO2 avoided against the baseline: paired effect, median and p5-p95 across runs")
    avoided = d.annual(d.effect("co2_avoided").sum(axis=-1)[:, :, None])[:, :, 0]  # effect row, year
    ax1, ax2 = fig.subplots(1, 2)
    for v in d.paired:
        r = d.effect_rows(v)
        yearly = avoided[r] / 1e3                      # kt per year
        cumulative = np.cumsum(avoided[r], axis=1) / 1e6  # Mt
        for ax, x in ((ax1, yearly), (ax2, cumulative)):
            med, lo, hi = band(np, x)
            ax.plot(d.years, med, color=colour(d, v), lw=1.8, label=variant_label(d, v))
            if len(r) > 1:
                ax.fill_between(d.years, lo, hi, color=colour(d, v), alpha=0.2, lw=0)
    ax1.set_title("per year", fontsize=10)
    ax1.set_ylabel("kt CO2 avoided per year")
    ax2.set_title("cumulated since the start", fontsize=10)
    ax2.set_ylabel("Mt CO2 avoided")
    for ax in (ax1, ax2):
        ax.axhline(0, color="#333333", lw=0.6)
        ax.grid(alpha=0.3)
        ax.set_xlabel("year")
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, wspace=0.25)
    legend_below(fig, [ax1, ax2], bottom=0.18)
    return fig


def fig_budgets(d):
    """Per budgeted programme (each instrument on its own): the year's budget and what was
    spent (median, p5-p95 across runs), variants side by side."""
    np = d.np
    fig = new_figure("Budgets per programme: budget and amount spent, by year")
    budgeted = [p for p, t in enumerate(d.policy_type) if t in ("capex_grant", "green_investment_fund")]
    if not budgeted or not d.has("budget_used"):
        note(fig, "no budgeted programme in this file")
        return fig
    used_all = d.annual(d.var("budget_used")) / 1e6                     # run, year, policy
    avail_all = d.annual(d.var("budget_available"), flow=False) / 1e6
    panels = [p for p in budgeted if np.nanmax(avail_all[:, :, p]) > 0]
    if not panels:
        note(fig, "no budget was available in any variant")
        return fig
    cols = min(len(panels), 3)
    rows = (len(panels) + cols - 1) // cols
    axes = fig.subplots(rows, cols, squeeze=False)
    used_axes = []
    yrs = np.array(d.years, dtype=float)
    for j in range(rows * cols):
        ax = axes[j // cols][j % cols]
        if j >= len(panels):
            ax.axis("off")
            continue
        p = panels[j]
        used_axes.append(ax)
        shown = [v for v in d.variants if np.nanmax(avail_all[d.runs_of(v), :, p]) > 0]
        w = 0.8 / max(len(shown), 1)
        active = np.nanmax(avail_all[:, :, p], axis=0) > 0
        for i, v in enumerate(shown):
            r = d.runs_of(v)
            med, lo, hi = band(np, used_all[r, :, p])
            av = np.nanmedian(avail_all[r, :, p], axis=0)
            x = yrs - 0.4 + w * (i + 0.5)
            ax.bar(x[active], av[active], width=w, color="none", edgecolor=colour(d, v), lw=1.0)
            ax.bar(x[active], med[active], width=w, color=colour(d, v), alpha=0.75, label=variant_label(d, v))
            if d.batch and len(r) > 1:
                ax.errorbar(x[active], med[active], yerr=[(med - lo)[active], (hi - med)[active]], fmt="none",
                            ecolor="#222222", lw=0.7, capsize=1.2)
        ax.set_title(f"{label_of(d.policy[p])} ({d.policy_type[p].replace('_', ' ')})", fontsize=9)
        ax.set_xlim(yrs[active].min() - 0.6, yrs[active].max() + 0.6)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, axis="y")
        if j % cols == 0:
            ax.set_ylabel("million MAD per year", fontsize=8)
    fig.text(0.5, 0.075, "outline: the year's budget; filled: spent" + (" (median; bar: p5-p95 across runs)"
                                                                          if d.batch else ""),
             ha="center", fontsize=8, color="#555555")
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, hspace=0.4, wspace=0.25)
    legend_below(fig, used_axes, bottom=0.16)
    return fig


INSTRUMENTS = [("grants", "capex grants", "#1b6ca8"), ("fund", "green fund co-investment", "#2e8b57"),
               ("loan_subsidy", "loan interest subsidy", "#edae49"), ("assistance", "technical assistance", "#6a4c93"),
               ("label", "label", "#00798c")]


def fig_cost_per_tco2(d):
    """Public cost per tonne of CO2 avoided, per instrument: the instruments' means stacked
    (means add up to the mean total), the total's p5-p95 as a whisker."""
    np = d.np
    fig = new_figure("Public cost per tonne of CO2 avoided, by instrument")
    if not d.paired:
        note(fig, "a run file has no baseline: cost per tCO2 needs a batch with a paired baseline "
                  "(or greenshift compare)")
        return fig
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(d.paired))
    drawn = False
    for i, v in enumerate(d.paired):
        left = 0.0
        for key, what, col in INSTRUMENTS:
            x = d.indicator(v, "cost_per_tco2_" + key)
            if x.size == 0:
                continue
            m = float(np.mean(x))
            if m != 0:
                ax.barh(i, m, left=left, color=col, height=0.5, label=what)
                drawn = True
            left += m
        total = d.indicator(v, "cost_per_tco2_total")
        if total.size:
            med, lo, hi = np.median(total), np.percentile(total, 5), np.percentile(total, 95)
            ax.errorbar([med], [i], xerr=[[med - lo], [hi - med]], fmt="o", color="#222222", ms=4, capsize=4,
                        label="total: median and p5-p95")
        life = d.indicator(v, "cost_per_tco2_lifetime_total")
        if life.size:
            ax.plot([np.median(life)], [i + 0.32], marker="v", color="#d1495b", ls="none",
                    label="total per tonne over the equipment's life (median)")
    if not drawn:
        note(fig, "no run avoided at least 1 t of CO2")
        return fig
    ax.set_yticks(y)
    ax.set_yticklabels([variant_label(d, v) for v in d.paired], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("MAD of public money per tonne of CO2 avoided over the horizon (bars: mean per instrument)")
    ax.grid(alpha=0.3, axis="x")
    fig.subplots_adjust(left=0.24, right=0.97, top=0.9)
    legend_below(fig, [ax], bottom=0.2, ncol=3)
    return fig


def fig_jobs(d):
    np = d.np
    fig = new_figure("Jobs in the supplier sectors over the horizon: direct and indirect (job-years)")
    if not d.io_sector:
        note(fig, "the scenario has no input-output table (input_output:), so no supplier jobs")
        return fig
    N = len(d.io_sector)
    panels = []
    if d.paired and "jobs_direct_added" in d.effects:
        direct_all = d.effect("jobs_direct_added").sum(axis=1)   # run, io_sector
        total_all = d.effect("jobs_total_added").sum(axis=1)
        for v in d.paired:
            r = d.effect_rows(v)
            panels.append((variant_label(d, v), direct_all[r], total_all[r]))
    elif d.has("jobs_direct"):
        for v in d.variants:
            r = d.runs_of(v)
            panels.append((label_of(v), d.var("jobs_direct")[r].sum(axis=1), d.var("jobs_total")[r].sum(axis=1)))
    if not panels:
        note(fig, "no jobs data in this file")
        return fig
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    y = np.arange(N)
    for ax, (title, direct, total) in zip(axes, panels):
        dm = np.nanmedian(direct, axis=0)
        im = np.nanmedian(total - direct, axis=0)
        ax.barh(y, dm, color="#1b6ca8", label="direct (suppliers)")
        ax.barh(y, im, left=dm, color="#edae49", label="indirect (their suppliers)")
        if direct.shape[0] > 1:
            tm, lo, hi = band(np, total)
            ax.errorbar(tm, y, xerr=[tm - lo, hi - tm], fmt="none", ecolor="#222222", lw=0.8, capsize=2,
                        label="total: p5-p95 across runs")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        ax.set_xlabel("job-years" + (" (median)" if direct.shape[0] > 1 else ""), fontsize=8)
    axes[0].set_yticks(y)
    axes[0].set_yticklabels([label_of(s.replace("_", " ")) for s in d.io_sector], fontsize=8)
    axes[0].invert_yaxis()
    fig.subplots_adjust(left=0.2, right=0.98, top=0.88, wspace=0.08)
    legend_below(fig, list(axes), bottom=0.16)
    return fig


def fig_by_size(d):
    np = d.np
    fig = new_figure("By firm size: CO2 avoided, production cost change and supplier jobs (median, p5-p95)")
    if not d.paired:
        note(fig, "a run file has no baseline: effects by firm size need a batch with a paired baseline")
        return fig
    panels = [("co2_avoided_", 1e-3, "kt CO2 avoided over the horizon"),
              ("production_cost_pct_", 1.0, "production cost at the end, % change\nagainst the baseline "
                                            "(negative = cheaper)"),
              ("jobs_total_added_by_", 1.0, "job-years called for by the firms'\ngreen investments (direct + indirect)")]
    axes = fig.subplots(1, 3, squeeze=False)[0]
    Z = len(d.size_class)
    w = 0.8 / max(len(d.paired), 1)
    for ax, (prefix, scale, label) in zip(axes, panels):
        for i, v in enumerate(d.paired):
            med, lo, hi = [], [], []
            for z in d.size_class:
                x = d.indicator(v, prefix + z) * scale
                if x.size == 0:
                    x = np.array([np.nan])
                med.append(np.nanmedian(x))
                lo.append(np.nanpercentile(x, 5))
                hi.append(np.nanpercentile(x, 95))
            med, lo, hi = map(np.array, (med, lo, hi))
            x = np.arange(Z) - 0.4 + w * (i + 0.5)
            ax.bar(x, med, width=w, color=colour(d, v), alpha=0.8, label=variant_label(d, v))
            ax.errorbar(x, med, yerr=[med - lo, hi - med], fmt="none", ecolor="#222222", lw=0.8, capsize=2)
        ax.set_xticks(range(Z))
        ax.set_xticklabels([label_of(z) for z in d.size_class], fontsize=9)
        ax.set_title(label, fontsize=9)
        ax.axhline(0, color="#333333", lw=0.6)
        ax.grid(alpha=0.3, axis="y")
        ax.tick_params(labelsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.84, wspace=0.3)
    legend_below(fig, list(axes), bottom=0.14)
    return fig


# ---- what drives the promises: the /sensitivity group (docs/sensitivity.md) ----

# The promises the report speaks of, each with the indicator that measures it. Production
# cost has no whole-economy indicator: the size class whose median change is largest.
PROMISES = [("co2", "CO2 avoided", "co2_avoided"),
            ("cost_per_tco2", "the public cost per tonne of CO2 avoided", "cost_per_tco2_total"),
            ("production_cost", "the production cost", "production_cost_pct_"),
            ("jobs", "the jobs at the suppliers", "jobs_direct_added")]
DRIVERS_TOP = 3  # parameters a sentence names


class Sensitivity:
    """The /sensitivity group of a batch file: Sobol S1, ST and their intervals, or Morris
    mu, mu*, sigma, by (paired variant, indicator, parameter)."""

    def __init__(self, d):
        np = d.np
        g = d.f["sensitivity"]
        self.method = text(g.attrs.get("method", b""))
        s = Data.strings
        self.variants = s(g, "variant")
        self.names = s(g, "indicator")
        self.labels = s(g, "indicator_label") or list(self.names)
        self.groups = s(g, "indicator_group") or [""] * len(self.names)
        self.parameters = s(g, "parameter")
        keys = ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high") if self.method == "sobol" \
            else ("mu", "mu_star", "sigma")
        self.x = {k: np.asarray(g[k][:], dtype=float) for k in keys if k in g}
        if len(self.x) != len(keys):
            raise Failure(EXIT_INPUT, f"{d.path}: /sensitivity (method {self.method!r}) lacks "
                                      f"{', '.join(k for k in keys if k not in g)}")

    def promise_indicator(self, d, variant, prefix):
        """The indicator a promise is measured by; for production cost, the size class with the
        largest median change (from /summary)."""
        if not prefix.endswith("_"):
            return prefix if prefix in self.names else None
        names = [prefix + z for z in d.size_class if prefix + z in self.names]
        if not names:
            return None
        sm = summary_of(d)
        if sm is None or variant not in sm.variants:
            return names[0]
        return max(names, key=lambda n: (abs(sm.get(variant, n)) if sm.get(variant, n) == sm.get(variant, n)
                                         else -1.0))

    def title(self, name):
        """The indicator's label, after its section's name when the label alone does not say
        what it measures ("All instruments" of "Public cost per tonne of CO2 avoided")."""
        i = self.names.index(name)
        label, group = self.labels[i], self.groups[i]
        words = {w for w in group.lower().split() if len(w) > 3}
        return label if not group or words & {w.strip(",") for w in label.lower().split()} \
            else f"{group}, {label[0].lower()}{label[1:]}"

    def ranking(self, variant, name):
        """Parameter indices ranked by ST (sobol) or mu* (morris), largest first; NaN left out."""
        v, i = self.variants.index(variant), self.names.index(name)
        key = self.x["ST" if self.method == "sobol" else "mu_star"][v, i]
        order = sorted((k for k in range(len(self.parameters)) if key[k] == key[k]), key=lambda k: -key[k])
        return order

    def value(self, key, variant, name, k):
        return float(self.x[key][self.variants.index(variant), self.names.index(name), k])


def num2(x):
    """An index for a sentence: two decimals, or two significant digits when small."""
    return f"{x:.2f}" if abs(x) >= 0.01 or x == 0 else f"{x:.1g}"


def driver_sentence(d, sens, variant, words, prefix):
    """One sentence naming the top drivers of a promise, with ST and its 95% interval (or mu*
    and sigma for Morris); returns (indicator, sentence in HTML) or None."""
    name = sens.promise_indicator(d, variant, prefix)
    if name is None:
        return None
    what = f"<b>{html.escape(words[0].upper() + words[1:])}</b> ({html.escape(sens.title(name))})"
    order = sens.ranking(variant, name)
    if not order:
        return name, (f"{what} cannot be attributed: it is the same in every sample of the design, or "
                      "undefined in some (a ratio with nothing avoided).")
    parts = []
    for k in order[:DRIVERS_TOP]:
        p = f"<code>{html.escape(sens.parameters[k])}</code>"
        if sens.method == "sobol":
            st, lo, hi, s1 = (sens.value(x, variant, name, k) for x in ("ST", "ST_low", "ST_high", "S1"))
            parts.append(f"{p} (ST {num2(st)}, 95% interval {num2(lo)} to {num2(hi)}; S1 {num2(s1)})")
        else:
            ms, sg = sens.value("mu_star", variant, name, k), sens.value("sigma", variant, name, k)
            parts.append(f"{p} (&mu;* {cell(ms)}, &sigma; {cell(sg)})")
    rest = parts[1:]
    tail = ""
    if rest:
        tail = ", then " + (" and ".join(rest) if len(rest) < 3 else ", ".join(rest[:-1]) + " and " + rest[-1])
    how = "total Sobol index ST" if sens.method == "sobol" else "Morris &mu;*"
    return name, f"{what}: driven most by {parts[0]}{tail}; ranked by the {how}."


def fig_drivers(d):
    """S1 and ST with their 95% bootstrap intervals by parameter (Sobol), or mu* against sigma
    (Morris), for the indicator of each promise, first paired variant."""
    np = d.np
    sens = d.sensitivity
    v = sens.variants[0] if sens.variants else None
    fig = new_figure(("What drives the promises: Sobol indices by uncertain parameter"
                      if sens.method == "sobol" else "What drives the promises: Morris elementary effects")
                     + (f" ({label_of(v)})" if v else ""))
    if v is None:
        note(fig, "the sensitivity group has no variant with a baseline")
        return fig
    panels = [(words, sens.promise_indicator(d, v, prefix)) for _, words, prefix in PROMISES]
    panels = [(w, n) for w, n in panels if n is not None]
    if not panels:
        note(fig, "none of the promises' indicators is in the sensitivity group")
        return fig
    axes = fig.subplots(2, 2, squeeze=False).ravel()
    P = len(sens.parameters)
    for ax, (words, name) in zip(axes, panels):
        ax.set_title(label_of(sens.title(name), 60), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        order = sens.ranking(v, name)
        if not order:
            ax.text(0.5, 0.5, "not attributable (constant or undefined)", ha="center", va="center",
                    transform=ax.transAxes, fontsize=8, color="#555555")
            continue
        if sens.method == "sobol":
            y = np.arange(len(order))
            for key, off, col, lab in (("S1", -0.2, "#1b6ca8", "S1 first order"),
                                       ("ST", 0.2, "#d1495b", "ST total")):
                x = np.array([sens.value(key, v, name, k) for k in order])
                lo = np.array([sens.value(key + "_low", v, name, k) for k in order])
                hi = np.array([sens.value(key + "_high", v, name, k) for k in order])
                ax.barh(y + off, x, height=0.38, color=col, alpha=0.85, label=lab)
                ax.errorbar(x, y + off, xerr=[np.maximum(x - lo, 0), np.maximum(hi - x, 0)], fmt="none",
                            ecolor="#222222", lw=0.7, capsize=1.5, label="95% bootstrap interval")
            ax.set_yticks(y)
            ax.set_yticklabels([label_of(sens.parameters[k], 28) for k in order], fontsize=6)
            ax.invert_yaxis()
            ax.axvline(0, color="#333333", lw=0.5)
        else:
            ms = np.array([sens.value("mu_star", v, name, k) for k in range(P)])
            sg = np.array([sens.value("sigma", v, name, k) for k in range(P)])
            ax.scatter(ms, sg, color="#1b6ca8", s=14, label="parameter (mu*, sigma)")
            for k in order[:6]:
                ax.annotate(label_of(sens.parameters[k], 24), (ms[k], sg[k]), fontsize=6,
                            xytext=(3, 2), textcoords="offset points")
            ax.set_xlim(0, np.nanmax(ms) * 1.3 if np.nanmax(ms) > 0 else 1)  # room for the names
            ax.set_ylim(0, np.nanmax(sg) * 1.15 if np.nanmax(sg) > 0 else 1)
            ax.set_xlabel("mu* (mean |elementary effect|)", fontsize=7)
            ax.set_ylabel("sigma", fontsize=7)
    for ax in axes[len(panels):]:
        ax.axis("off")
    fig.subplots_adjust(left=0.17, right=0.98, top=0.88, hspace=0.4, wspace=0.45)
    legend_below(fig, list(axes), bottom=0.11, ncol=3)
    return fig


MAKERS = {"adoption": fig_adoption, "co2": fig_co2, "budgets": fig_budgets,
          "cost_per_tco2": fig_cost_per_tco2, "jobs": fig_jobs, "by_size": fig_by_size,
          "drivers": fig_drivers}
DRIVERS = ("drivers", "What drives the promises: first-order (S1) and total (ST) Sobol indices with their 95% "
                      "bootstrap intervals, or Morris mu* against sigma, by uncertain parameter")


def figures_of(d):
    """The figures of a file: the drivers chart only when it has a /sensitivity group."""
    return FIGURES + ([DRIVERS] if d.sensitivity is not None else [])


def progress(label, done, total, detail, start):
    """On stderr: a line redrawn in place on a terminal, a line per step otherwise."""
    import time
    line = f"{label} {done}/{total} ({100 * done // total}%) {detail} elapsed {time.monotonic() - start:.1f}s"
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K" + (line if done < total else ""))
        sys.stderr.flush()
    else:
        print(line, file=sys.stderr)


def render(d, label="figures"):
    """name -> PNG bytes, every figure WIDTH x HEIGHT pixels."""
    import time
    import matplotlib.pyplot as plt
    out = {}
    start = time.monotonic()
    figures = figures_of(d)
    for k, (name, _) in enumerate(figures):
        progress(label, k, len(figures), name, start)
        fig = MAKERS[name](d)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)  # no bbox_inches: the size stays fixed
        plt.close(fig)
        out[name] = buf.getvalue()
    progress(label, len(figures), len(figures), "done", start)
    return out


# ---- atomic writes: temporary name in the same folder, then rename ----

def publish(data, target, force):
    folder = os.path.dirname(os.path.abspath(target))
    tmp = os.path.join(folder, f".{os.path.basename(target)}.tmp.{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if force:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # fails if the target appeared meanwhile: never replaces
            os.unlink(tmp)
    except FileExistsError:
        os.unlink(tmp)
        raise Failure(EXIT_OUTPUT, f"{target} exists; use --force to overwrite")
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise Failure(EXIT_OUTPUT, f"cannot write {OUTPUT_NAME or target}: {e.strerror}")


def check_target(path, force):
    if os.path.isdir(path):
        raise Failure(EXIT_OUTPUT, f"{path} is a directory, not an output file")
    if os.path.exists(path) and not force:
        raise Failure(EXIT_OUTPUT, f"{path} exists; use --force to overwrite")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise Failure(EXIT_OUTPUT, f"output folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Failure(EXIT_OUTPUT, f"output folder {folder} is not writable")


def cmd_plot(src, outdir, force):
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise Failure(EXIT_OUTPUT, f"{outdir} exists and is not a folder")
    parent = os.path.dirname(os.path.abspath(outdir))
    if not os.path.isdir(parent):
        raise Failure(EXIT_OUTPUT, f"{outdir}: folder {parent} does not exist")
    calibration = is_calibration(src)
    d = Calibration(src) if calibration else Data(src)
    figures = CALIBRATION_FIGURES if calibration else figures_of(d)
    targets = {name: os.path.join(outdir, name + ".png") for name, _ in figures}
    if not force:
        for t in targets.values():
            if os.path.exists(t):
                raise Failure(EXIT_OUTPUT, f"{t} exists; use --force to overwrite")
    pngs = render_calibration(d, "plot") if calibration else render(d, "plot")
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as e:
        raise Failure(EXIT_OUTPUT, f"cannot create {outdir}: {e.strerror}")
    for name, _ in figures:
        publish(pngs[name], targets[name], force)
        print(targets[name])
    if not OUTPUT_NAME:
        print(f"wrote {len(figures)} figures to {outdir}", file=sys.stderr)


# ---- the report ----

def human(x, unit=""):
    """A number for a sentence: 4.76 Mt, 1.66 bn MAD, 365 MAD/t."""
    import math
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    a = abs(x)
    if unit == "t":
        if a >= 1e6:
            return f"{x / 1e6:.2f} Mt"
        if a >= 1e3:
            return f"{x / 1e3:.0f} kt"
        return f"{x:.0f} t"
    if unit == "MAD":
        if a >= 1e9:
            return f"{x / 1e9:.2f} bn MAD"
        if a >= 1e6:
            return f"{x / 1e6:.0f} million MAD"
        return f"{x:,.0f} MAD"
    if a >= 1000:
        s = f"{x:,.0f}"
    elif a >= 10:
        s = f"{x:.0f}"
    else:
        s = f"{x:.2f}"
    return s + (" " + unit if unit and unit != "1" else "")


def cell(x):
    import math
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}"


CSS = """
body{font-family:DejaVu Sans,Arial,sans-serif;max-width:1060px;margin:2em auto;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:2px solid #1b6ca8}
.meta{color:#666;font-size:.9em}.promise{background:#f4f8fb;border-left:4px solid #1b6ca8;padding:.6em 1em;margin:.8em 0}
figure{margin:1.2em 0}figure img{width:100%;max-width:1000px;border:1px solid #ddd}
figcaption{font-size:.9em;color:#555}table{border-collapse:collapse;font-size:.82em;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:.25em .5em;text-align:right}th{background:#eef3f7}
td.name,th.name{text-align:left}td.u{text-align:left;color:#666}
"""


class Summary:
    """/summary of a batch file and the words of its indicator table (batch/indicators.hpp:
    label, section, display units): every number the report prints is read from the file."""

    def __init__(self, d):
        np = d.np
        g = d.f["summary"]
        s = Data.strings
        self.variants = s(g, "variant")
        self.names = s(g, "indicator")
        n = len(self.names)

        def words(name, otherwise):
            x = s(g, name)
            return x if len(x) == n else otherwise
        self.units = words("indicator_units", [""] * n)
        self.long_names = words("indicator_long_name", [""] * n)
        self.labels = words("indicator_label", list(self.names))
        self.groups = words("indicator_group", [""] * n)
        self.display_units = words("indicator_display_units", list(self.units))
        self.scale = np.asarray(g["indicator_display_scale"][:], dtype=float) if "indicator_display_scale" in g \
            else np.ones(n)
        self.headline = np.asarray(g["indicator_headline"][:], dtype=bool) if "indicator_headline" in g \
            else np.zeros(n, dtype=bool)
        stats = s(g, "statistic")
        val = np.asarray(g["value"][:], dtype=float)
        self.value = {v: {st: val[k, :, stats.index(st)] for st in ("mean", "p5", "p50", "p95")}
                      for k, v in enumerate(self.variants)}
        self.shares = {v: np.asarray(g["variance_share"][k], dtype=float) for k, v in enumerate(self.variants)} \
            if "variance_share" in g else {}
        a = d.f.attrs
        self.samples = int(a.get("sample_count", 0))
        self.replicates = int(a.get("replicate_count", 0))
        self.population = text(a.get("population", b""))
        self.budgets = {v: [] for v in self.variants}
        if "budgets" in d.f:
            b = d.f["budgets"]
            bv = s(b, "variant")
            notes = s(b, "summary")
            per = len(notes) // max(len(bv), 1)
            for k, v in enumerate(bv):
                if v in self.budgets:
                    self.budgets[v] = [x for x in notes[k * per:(k + 1) * per] if x]

    def has(self, name):
        return name in self.names

    def get(self, variant, name, stat="p50"):
        return float(self.value[variant][stat][self.names.index(name)]) if name in self.names else float("nan")

    def say(self, variant, name):
        """'4.78 Mt (90% interval 3.25 to 6.47 Mt)': the median and interval in words."""
        if name not in self.names:
            return "n/a"
        u = self.units[self.names.index(name)]
        p50, p5, p95 = (self.get(variant, name, st) for st in ("p50", "p5", "p95"))
        return f"{human(p50, u)} (90% interval {human(p5, u)} to {human(p95, u)})"


def summary_of(d):
    return Summary(d) if d.batch and "summary" in d.f else None


def percent_words(x):
    """-0.0452 -> '0.045% lower', 0.01 -> '0.01% higher' (no double negative)."""
    import math
    if math.isnan(x):
        return "n/a"
    if x == 0:
        return "unchanged"
    return f"{abs(x):.2g}% {'lower' if x < 0 else 'higher'}"


def promises(d, sm):
    """The report's paragraphs, numbers filled in: medians and 90% intervals."""
    paras = []
    if sm is None:
        return ["This is a single run without a baseline: the promises are measured against a baseline "
                "in a batch (greenshift batch, a variant with <code>baseline:</code>), or against another run "
                "with <code>greenshift compare BASELINE.h5 THIS.h5 -o COMPARISON.h5</code>. The figures show "
                "the run's own trajectories."]
    first, last = (d.years[0], d.years[-1]) if d.years else ("?", "?")
    for v in sm.variants:
        def g(name):
            return sm.say(v, name)

        def num(name):
            return sm.get(v, name)
        base = d.baseline_of.get(v, "the baseline")
        sizes = [z for z in d.size_class if sm.has("co2_avoided_" + z)]
        by_size = ", ".join(f"{html.escape(z)} {human(num('co2_avoided_' + z), 't')}" for z in sizes)
        sectors = sorted([s for s in d.sector if sm.has("co2_avoided_" + s)], key=lambda s: -num("co2_avoided_" + s))
        paras.append(
            f"<b>{html.escape(v)} against {html.escape(base)}. Less CO2.</b> Over {first}-{last} the programme "
            f"avoids {g('co2_avoided')} of CO2; counting the rest of the service life of the equipment it "
            f"added, {g('co2_avoided_lifetime')}. By firm size (medians): {by_size}. Most is avoided in "
            f"{', '.join(html.escape(s.replace('_', ' ')) for s in sectors[:3])}.")
        # What it costs, instrument by instrument.
        parts = []
        for key, what in (("grants", "capex grants"), ("fund", "green fund co-investment"),
                          ("loan_subsidy", "the interest subsidy of the concessional loans (their grant-equivalent)")):
            if not sm.has("public_cost_" + key):
                continue
            members = [n[len("public_cost_of_"):] for n in sm.names if n.startswith("public_cost_of_")
                       and d.policy_type_of(n[len("public_cost_of_"):]) == {"grants": "capex_grant",
                                                                            "fund": "green_investment_fund"}.get(key)]
            detail = ""
            if len(members) > 1:
                detail = " (" + ", ".join(f"{html.escape(m)} {human(num('public_cost_of_' + m), 'MAD')}"
                                          for m in members) + ")"
            parts.append(f"{what} {human(num('public_cost_' + key), 'MAD')}{detail}")
        for key, what in (("assistance", "technical assistance"), ("label", "the label")):
            if sm.has("public_cost_" + key) and num("public_cost_" + key) != 0:
                parts.append(f"{what} {human(num('public_cost_' + key), 'MAD')}")
        uncosted = [w for k, w in (("assistance", "technical assistance"), ("label", "the label"))
                    if sm.has("public_cost_" + k) and num("public_cost_" + k) == 0]
        per_t = ", ".join(f"{w} {human(num('cost_per_tco2_' + k), 'MAD/t')}"
                          for k, w in (("grants", "grants"), ("fund", "fund"), ("loan_subsidy", "loans"))
                          if sm.has("cost_per_tco2_" + k))
        paras.append(
            f"<b>{html.escape(v)}. What it costs.</b> Public cost over {first}-{last}: {g('public_cost_total')}, "
            f"of which (medians) {'; '.join(parts)}"
            + (f"; {' and '.join(uncosted)} cost nothing in this scenario (it gives them no cost per firm)"
               if uncosted else "")
            + f". Per tonne of CO2 avoided: {g('cost_per_tco2_total')} in all ({per_t}); "
            f"over the equipment's life, {g('cost_per_tco2_lifetime_total')}."
            + ("<br>Budgets: " + "<br>".join(html.escape(x) for x in sm.budgets.get(v, [])) if sm.budgets.get(v)
               else ""))
        cost = ", ".join(f"{html.escape(z)} firms {percent_words(num('production_cost_pct_' + z))}"
                         for z in d.size_class if sm.has("production_cost_pct_" + z))
        secs = sorted([s for s in d.sector if sm.has("production_cost_pct_" + s)],
                      key=lambda s: num("production_cost_pct_" + s))
        paras.append(
            f"<b>{html.escape(v)}. Lower production costs.</b> Firms save {g('energy_cost_saved')} on their "
            f"energy bills over the horizon. At the end of {last} their production cost per unit of output "
            f"(energy, carbon and equipment charges included) compares with the baseline's as follows "
            f"(medians): {cost}; most in "
            + ", ".join(f"{html.escape(s.replace('_', ' '))} ({percent_words(num('production_cost_pct_' + s))})"
                        for s in secs[:3]) + ".")
        io_part = ""
        if sm.has("jobs_direct_added"):
            io_sorted = sorted(d.io_sector, key=lambda s: -num("supplier_output_added_" + s))
            io_part = (
                f" Local suppliers sell {g('supplier_demand_added')} more to green investments"
                + (" (more than the extra investment itself: the green fund's local-content lift raises the local "
                   "share of all green investment, including what firms would have bought anyway)"
                   if num('supplier_demand_added') > num('investment_mobilised') else "")
                + f"; counting their own suppliers, output grows by "
                f"{human(sum(num('supplier_output_added_' + s) for s in d.io_sector), 'MAD')} (sum of the sector "
                f"medians), mostly in {', '.join(html.escape(s.replace('_', ' ')) for s in io_sorted[:3])}. That is "
                f"{g('jobs_direct_added')} of direct jobs and {g('jobs_indirect_added')} of indirect jobs over "
                f"{first}-{last} — on average {human(num('jobs_direct_per_year'))} direct and "
                f"{human(num('jobs_indirect_per_year'))} indirect jobs a year — and "
                f"{g('value_added_direct_added')} + {g('value_added_indirect_added')} of value added (direct + "
                f"indirect).")
        paras.append(
            f"<b>{html.escape(v)}. New investment and business for local firms.</b> The programme mobilises "
            f"{g('investment_mobilised')} of extra green investment and {g('loan_volume_added')} of concessional "
            f"loans; firms' own outlay changes by {g('investment_private_added')} (leverage {g('leverage')} "
            f"private MAD per MAD of grants and fund; negative where support pays for what firms would have bought "
            f"anyway). {num('tpme_labelled'):,.0f} TPME are labelled and {g('firms_served_grants')} applications "
            f"are served by the grant and fund programmes." + io_part)
        paras.append(f"<b>{html.escape(v)}. How sure.</b> " + spread_words(sm, v))
    return paras


def spread_words(sm, v):
    """Where the intervals come from: the uncertain parameters or the model's randomness."""
    if sm.replicates < 2 or v not in sm.shares:
        return ("Each run draws its own firm population and random numbers, so the 90% intervals mix the "
                "uncertain parameters with that noise (one replicate per sample: the two cannot be told apart; "
                "a batch with <code>replicates: 2</code> or more splits them).")
    noise = "random draws (one firm population)" if sm.population == "fixed" else "firm population and random draws"
    rows = []
    for i, name in enumerate(sm.names):
        a, b = sm.shares[v][i]
        if sm.headline[i] and a == a:
            rows.append(f"{html.escape(sm.labels[i])}: {100 * a:.0f}% uncertain parameters, {100 * b:.0f}% {noise}")
    return (f"Spread of the key results split by the law of total variance over {sm.samples} samples x "
            f"{sm.replicates} replicates: " + "; ".join(rows) + ".")


def drivers_section(d):
    """What drives each promise: one sentence per promise and paired variant."""
    sens = d.sensitivity
    design = {"sobol": "Sobol indices (Saltelli design; S1 first order, ST total with its interactions; "
                       "95% bootstrap intervals)",
              "morris": "Morris elementary effects (&mu;* the mean absolute effect per unit of probability "
                        "of the parameter, &sigma; large when it acts through interactions)"}
    out = ["<h2 id=\"drivers\">What drives the results</h2>",
           f"<p class=\"meta\">{design.get(sens.method, html.escape(sens.method))} of each effect against the "
           f"baseline, over the batch's {len(sens.parameters)} uncertain parameters (docs/sensitivity.md).</p>"]
    for v in sens.variants:
        for _, words, prefix in PROMISES:
            said = driver_sentence(d, sens, v, words, prefix)
            if said is None:
                continue
            name, sentence = said
            out.append(f"<p class=\"driver\" data-variant=\"{html.escape(v)}\" data-indicator=\"{html.escape(name)}\">"
                       f"{html.escape(v)}: {sentence}</p>")
    return out


def cmd_report(src, target, force):
    check_target(target, force)
    if is_calibration(src):
        publish(calibration_report(Calibration(src), src).encode("utf-8"), target, force)
        print(target)
        if not OUTPUT_NAME:
            print(f"wrote {target}", file=sys.stderr)
        return
    d = Data(src)
    pngs = render(d, "report")
    sm = summary_of(d)
    title = d.attrs.get("scenario_name", "greenshift")
    parts = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>greenshift report: {html.escape(title)}</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>Green-growth programme report: {html.escape(title)}</h1>",
             "<p class=\"meta\">" + html.escape(
                 f"{os.path.basename(src)}, {'batch of ' + str(len(d.run_variant)) + ' runs' if d.batch else 'single run'}"
                 f", written by greenshift {d.attrs.get('program_version', '?')} (commit {d.attrs.get('git_commit', '?')}) "
                 f"on {d.attrs.get('created_utc', '?')}. Intervals are the 5th-95th percentiles across runs; "
                 "effects are against the paired baseline (same firms, same random numbers).") + "</p>",
             "<h2>The three promises, and what they cost</h2>"]
    for p in promises(d, sm):
        parts.append(f"<p class=\"promise\">{p}</p>")
    if d.sensitivity is not None:
        parts.extend(drivers_section(d))
    parts.append("<h2>Figures</h2>")
    for name, caption in figures_of(d):
        b64 = base64.b64encode(pngs[name]).decode("ascii")
        parts.append(f"<figure id=\"fig-{name}\"><img alt=\"{html.escape(caption)}\" "
                     f"src=\"data:image/png;base64,{b64}\"><figcaption>{html.escape(caption)}</figcaption></figure>")
    parts.append("<h2>Indicators</h2>")
    if sm is None:
        parts.append("<p>No indicator table: a single run has no baseline. Totals over the horizon:</p>")
        parts.append("<table id=\"indicators\"><tr><th class=\"name\">variable</th><th>units</th><th>total</th></tr>")
        for name in ("co2_emissions", "energy_cost", "investment_total", "grant_spent", "fund_investment",
                     "loan_volume", "loan_subsidy", "supplier_demand", "supplier_output", "jobs_direct", "jobs_total"):
            if d.has(name):
                u = text(d.g[name].attrs.get("units", b""))
                parts.append(f"<tr><td class=\"name\">{name}</td><td class=\"u\">{html.escape(u)}</td>"
                             f"<td>{cell(float(d.var(name).sum()))}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<table id=\"indicators\">")
        for v in sm.variants:
            parts.append(f"<tr><th class=\"name\" colspan=\"7\">{html.escape(v)} against "
                         f"{html.escape(d.baseline_of.get(v, 'its baseline'))}</th></tr>")
            group = None
            for i, name in enumerate(sm.names):
                if sm.groups[i] != group:
                    group = sm.groups[i]
                    parts.append(f"<tr><th class=\"name\">{html.escape(group or 'indicator')}</th><th>median</th>"
                                 "<th>p5</th><th>p95</th><th>mean</th><th class=\"name\">units</th>"
                                 "<th class=\"name\">identifier</th></tr>")
                x = {st: float(sm.value[v][st][i]) * sm.scale[i] for st in ("p50", "p5", "p95", "mean")}
                parts.append(f"<tr title=\"{html.escape(sm.long_names[i])}\"><td class=\"name\">"
                             f"{html.escape(sm.labels[i])}</td><td>{cell(x['p50'])}</td><td>{cell(x['p5'])}</td>"
                             f"<td>{cell(x['p95'])}</td><td>{cell(x['mean'])}</td>"
                             f"<td class=\"u\">{html.escape(sm.display_units[i])}</td>"
                             f"<td class=\"u\"><code>{html.escape(name)}</code></td></tr>")
        parts.append("</table><p class=\"meta\">Definitions: docs/output.md, \"Indicators\" (hover a row for its "
                     "definition). n/a: a ratio undefined in every run (less than 1 t avoided or 1 MAD of support)."
                     "</p>")
    parts.append("</body></html>\n")
    publish("\n".join(parts).encode("utf-8"), target, force)
    print(target)
    if not OUTPUT_NAME:
        print(f"wrote {target}", file=sys.stderr)


# ---- a calibration file (greenshift calibrate): the fit and the posterior ----

CALIBRATION_FIGURES = [
    ("fit", "Each target: observed with its 2-standard-error band, and simulated at the estimate with the 90% "
            "posterior predictive band, as simulated / observed (log scale); held-out figures in grey"),
    ("posterior", "Posterior sample of each calibrated parameter: histogram, the estimate and the 90% interval; "
                  "the x axis spans the parameter's bounds"),
]


def is_calibration(path):
    """True for a greenshift calibration file (root attribute kind = "calibration")."""
    import h5py
    try:
        with h5py.File(path, "r") as f:
            return text(f.attrs.get("kind", b"")) == "calibration"
    except OSError:
        return False


class Calibration:
    """A calibration file: /parameters, /posterior and /fit (docs/calibration.md)."""

    def __init__(self, path):
        import h5py
        import numpy as np
        self.np = np
        self.path = path
        f = h5py.File(path, "r")
        a = f.attrs
        self.attrs = {k: text(a[k]) for k in ("program_version", "created_utc", "git_commit", "method") if k in a}
        self.replicates = int(a["replicates"]) if "replicates" in a else 0
        p = f["parameters"]
        self.keys = Data.strings(p, "key")
        self.lower, self.upper = np.asarray(p["lower"][:], float), np.asarray(p["upper"][:], float)
        self.estimate = np.asarray(p["estimate"][:], float)
        self.p05, self.median, self.p95 = (np.asarray(p[k][:], float) for k in ("p05", "median", "p95"))
        self.sample = np.asarray(f["posterior"]["sample"][:], float).reshape(-1, len(self.keys))
        self.acceptance = float(f["posterior"].attrs.get("acceptance", float("nan")))
        g = f["fit"]
        self.names = Data.strings(g, "name")
        self.units = Data.strings(g, "unit")
        self.errors = Data.strings(g, "error")
        self.sources = Data.strings(g, "source")
        self.observed, self.se = np.asarray(g["observed"][:], float), np.asarray(g["se"][:], float)
        self.simulated = np.asarray(g["simulated"][:], float)
        self.sim05, self.sim95 = np.asarray(g["p05"][:], float), np.asarray(g["p95"][:], float)
        self.inside = [bool(x) for x in g["in_calibration"][:]]

    def observed_band(self, i):
        """The observation's band of +/- 2 standard errors, in its unit (multiplicative for lognormal)."""
        o, s = self.observed[i], self.se[i]
        if self.errors[i] == "lognormal":
            return o * self.np.exp(-2 * s), o * self.np.exp(2 * s)
        return o - 2 * s, o + 2 * s

    def verdict(self, i):
        """Whether the simulated value at the estimate is inside the observation's 2-se band."""
        lo, hi = self.observed_band(i)
        return "inside" if lo <= self.simulated[i] <= hi else ("below" if self.simulated[i] < lo else "above")


def plain_log_axis(axis):
    """A log axis labelled with plain numbers (mathtext is off: names_are_text)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def fig_fit(c):
    np = c.np
    fig = new_figure("Calibration fit: simulated against observed")
    ax = fig.add_subplot(1, 1, 1)
    n = len(c.names)
    if n == 0:
        note(fig, "no targets")
        return fig
    ys = np.arange(n)[::-1]
    floor = 1e-3
    for k, y in zip(range(n), ys):
        o = c.observed[k]
        grey = not c.inside[k]
        lo, hi = c.observed_band(k)
        r = lambda x: max(x / o, floor) if o > 0 else float("nan")
        ax.plot([r(lo), r(hi)], [y + 0.12, y + 0.12], color="#999999" if grey else "#222222", lw=3,
                label="observed, +/- 2 se")
        ax.plot([1], [y + 0.12], "o", color="#999999" if grey else "#222222", ms=5)
        col = "#bbbbbb" if grey else "#1b6ca8"
        ax.plot([r(c.sim05[k]), r(c.sim95[k])], [y - 0.12, y - 0.12], color=col, lw=6, alpha=0.6,
                label="simulated, 90% posterior predictive band")
        ax.plot([r(c.simulated[k])], [y - 0.12], "D", color="#d1495b" if not grey else "#888888", ms=6,
                label="simulated at the estimate")
    ax.set_xscale("log")
    plain_log_axis(ax.xaxis)
    ax.axvline(1, color="#666666", lw=0.8, ls=":")
    ax.set_yticks(ys)
    ax.set_yticklabels([label_of(nm) + ("  (held out)" if not c.inside[k] else "") for k, nm in enumerate(c.names)],
                       fontsize=8)
    ax.set_xlabel("value / observed value (1 = the observation)")
    ax.grid(axis="x", alpha=0.3)
    fig.subplots_adjust(left=0.3)
    legend_below(fig, [ax], bottom=0.18, ncol=3)
    return fig


def fig_posterior(c):
    np = c.np
    fig = new_figure("Posterior of the calibrated parameters")
    n = len(c.keys)
    if n == 0 or c.sample.size == 0:
        note(fig, "no posterior sample (posterior: {method: none})")
        return fig
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    axes = []
    for k in range(n):
        ax = fig.add_subplot(rows, cols, k + 1)
        x = c.sample[:, k]
        log = c.lower[k] > 0 and c.upper[k] / c.lower[k] > 20
        bins = np.geomspace(c.lower[k], c.upper[k], 31) if log else np.linspace(c.lower[k], c.upper[k], 31)
        ax.hist(x, bins=bins, color="#1b6ca8", alpha=0.7, label="posterior sample")
        ax.axvline(c.estimate[k], color="#d1495b", lw=1.5, label="estimate")
        ax.axvspan(c.p05[k], c.p95[k], color="#edae49", alpha=0.25, label="90% interval")
        if log:
            ax.set_xscale("log")
            plain_log_axis(ax.xaxis)
        ax.set_xlim(c.lower[k], c.upper[k])
        ax.set_title(label_of(c.keys[k], 48), fontsize=8)
        ax.tick_params(labelsize=7)
        axes.append(ax)
    fig.subplots_adjust(hspace=0.55, wspace=0.25, top=0.88)
    legend_below(fig, axes, bottom=0.14, ncol=3)
    return fig


CALIBRATION_MAKERS = {"fit": fig_fit, "posterior": fig_posterior}


def render_calibration(c, label):
    import time
    import matplotlib.pyplot as plt
    out = {}
    start = time.monotonic()
    for k, (name, _) in enumerate(CALIBRATION_FIGURES):
        progress(label, k, len(CALIBRATION_FIGURES), name, start)
        fig = CALIBRATION_MAKERS[name](c)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI)
        plt.close(fig)
        out[name] = buf.getvalue()
    progress(label, len(CALIBRATION_FIGURES), len(CALIBRATION_FIGURES), "done", start)
    return out


def calibration_report(c, src):
    """The report's HTML of a calibration file: the fit table, the parameters, the figures."""
    pngs = render_calibration(c, "report")
    e = html.escape
    parts = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
             f"<title>greenshift calibration report: {e(os.path.basename(src))}</title>",
             f"<style>{CSS}</style></head><body>",
             f"<h1>Calibration report: {e(os.path.basename(src))}</h1>",
             "<p class=\"meta\">" + e(
                 f"Written by greenshift {c.attrs.get('program_version', '?')} (commit {c.attrs.get('git_commit', '?')}) "
                 f"on {c.attrs.get('created_utc', '?')}; method {c.attrs.get('method', '?')}; "
                 f"{c.replicates} replicates per evaluation; {c.sample.shape[0]} posterior draws "
                 f"(acceptance {c.acceptance:.2f}). Observed bands are +/- 2 standard errors; simulated bands the "
                 "5th-95th percentiles of the simulated value over the posterior draws.") + "</p>"]
    inside = sum(1 for k in range(len(c.names)) if c.inside[k] and c.verdict(k) == "inside")
    fitted = sum(c.inside)
    held = [k for k in range(len(c.names)) if not c.inside[k]]
    sentence = (f"At the estimate, {inside} of the {fitted} calibration targets are inside their observed "
                "+/- 2 se band")
    if held:
        sentence += "; held out of the fit: " + "; ".join(
            f"{c.names[k]} is {c.verdict(k)} it (simulated {cell(c.simulated[k])} against {cell(c.observed[k])} observed)"
            for k in held)
    parts.append(f"<p class=\"promise\">{e(sentence)}.</p>")
    parts.append("<h2>Fit: observed against simulated</h2><table id=\"fit\"><tr><th class=\"name\">target</th>"
                 "<th>observed</th><th>band (+/- 2 se)</th><th>simulated</th><th>90% band</th>"
                 "<th class=\"name\">unit</th><th class=\"name\">in the fit</th><th class=\"name\">source</th></tr>")
    for k, nm in enumerate(c.names):
        lo, hi = c.observed_band(k)
        parts.append(f"<tr><td class=\"name\">{e(nm)}</td><td>{cell(c.observed[k])}</td>"
                     f"<td>{cell(lo)} to {cell(hi)}</td><td>{cell(c.simulated[k])}</td>"
                     f"<td>{cell(c.sim05[k])} to {cell(c.sim95[k])}</td><td class=\"u\">{e(c.units[k])}</td>"
                     f"<td class=\"u\">{'yes' if c.inside[k] else 'held out'}</td>"
                     f"<td class=\"u\">{e(c.sources[k])}</td></tr>")
    parts.append("</table>")
    parts.append("<h2>Parameters</h2><table id=\"parameters\"><tr><th class=\"name\">key path</th><th>estimate</th>"
                 "<th>median</th><th>90% interval</th><th>bounds</th></tr>")
    for k, key in enumerate(c.keys):
        parts.append(f"<tr><td class=\"name\"><code>{e(key)}</code></td><td>{cell(c.estimate[k])}</td>"
                     f"<td>{cell(c.median[k])}</td><td>{cell(c.p05[k])} to {cell(c.p95[k])}</td>"
                     f"<td>{cell(c.lower[k])} to {cell(c.upper[k])}</td></tr>")
    parts.append("</table><h2>Figures</h2>")
    for name, caption in CALIBRATION_FIGURES:
        b64 = base64.b64encode(pngs[name]).decode("ascii")
        parts.append(f"<figure id=\"fig-{name}\"><img alt=\"{e(caption)}\" src=\"data:image/png;base64,{b64}\">"
                     f"<figcaption>{e(caption)}</figcaption></figure>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def main(argv):
    args = [a for a in argv if a != "--force"]
    force = len(args) != len(argv)
    if len(args) != 3 or args[0] not in ("plot", "report"):
        print("usage: greenshift_plot.py plot FILE.h5 DIR [--force] | report FILE.h5 OUT.html [--force]",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        need_libraries()
        if args[0] == "plot":
            cmd_plot(args[1], args[2], force)
        else:
            cmd_report(args[1], args[2], force)
    except Failure as e:
        print(f"greenshift: error: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:  # Ctrl-C reaches the script too: no traceback
        if not OUTPUT_NAME:  # under greenshift, greenshift says it
            print("\ngreenshift: interrupted; nothing written", file=sys.stderr)
        return 75
    except KeyError as e:
        print(f"greenshift: error: {args[1]}: a dataset the figures need is missing ({e})", file=sys.stderr)
        return EXIT_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
