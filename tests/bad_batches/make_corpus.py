# Regenerates the bad-batch corpus: tests/bad_batches/<case>.yaml and its <case>.expect
# (position and message fragments). The position of each offence is marked with @@ in
# the text below and computed here, independently of the loader. Every case builds on
# tests/data/small.yaml.
#   python3 tests/bad_batches/make_corpus.py tests/bad_batches
import os, sys
out = sys.argv[1]
M = "@@"

HEAD = """schema: 1
scenario: ../data/small.yaml
seed: 2016
"""
VARIANTS = """variants:
  baseline:
    set: {policies: {audits: {type: audit_mandate, threshold_toe: 500}}}
  grant:
    baseline: baseline
"""
BASE = HEAD + VARIANTS

cases = []
def case(name, text, messages, where=True):
    cases.append((name, text, messages, where))

def sub(base, old, new):
    assert base.count(old) == 1, old
    return base.replace(old, new)

case("unknown_top_level_key", BASE + "@@sample: 10\n",
     ["sample: unknown key 'sample' in the top level of a batch file", "did you mean 'samples'?"])
case("missing_scenario", "@@seed: 1\n" + VARIANTS,
     ["top level: missing required key 'scenario'"])
case("scenario_not_found", sub(BASE, "scenario: ../data/small.yaml", "scenario: @@../data/nothere.yaml"),
     ["scenario: cannot read the scenario file", "nothere.yaml"])
case("invalid_variant_name", sub(BASE, "  grant:", "  @@Grant:"),
     ["variants: invalid variant name, got 'Grant'"])
case("unknown_baseline", sub(BASE, "baseline: baseline", "baseline: @@basline"),
     ["variants.grant.baseline: unknown variant, got 'basline'", "did you mean 'baseline'?"])
case("chained_baseline", BASE + """  grant_big:
    baseline: @@grant
""", ["variants.grant_big.baseline: variant 'grant' has a baseline itself ('baseline')", "pairs are not chained"])
case("own_baseline", sub(BASE, "baseline: baseline", "baseline: @@grant"),
     ["variants.grant.baseline: a variant cannot be its own baseline"])
case("unknown_variant_key", sub(BASE, "    baseline: baseline", "    baseline: baseline\n    @@sett: {}"),
     ["variants.grant.sett: unknown key 'sett' in variant 'grant'", "did you mean 'set'?"])
case("override_unknown_key", sub(BASE, "    baseline: baseline", "    baseline: baseline\n    set: {@@policies.cop22_grant.anual_budget: 1.0e7}"),
     ["variants.grant.set: no key 'anual_budget' under 'policies.cop22_grant'", "did you mean 'annual_budget'?"])
case("override_out_of_range", sub(BASE, "    baseline: baseline", "    baseline: baseline\n    set:\n      policies.cop22_grant.rate: @@1.5"),
     ["variants.grant.set: policies.cop22_grant.rate: out of range, got '1.5'; allowed: (0, 1]"])
case("unset_unknown_key", sub(BASE, "    baseline: baseline", "    baseline: baseline\n    unset: [@@policies.cop22_grnt]"),
     ["variants.grant.unset: no key 'cop22_grnt' to remove under 'policies' in the file", "did you mean 'cop22_grant'?"])
case("unset_not_a_list", sub(BASE, "    baseline: baseline", "    baseline: baseline\n    unset: @@policies.cop22_grant"),
     ["variants.grant.unset: expected a list of scenario key paths", "got 'policies.cop22_grant'"])
case("unset_run_seed", sub(BASE, "    baseline: baseline", "    baseline: baseline\n    unset: [@@run.seed]"),
     ["variants.grant.unset.run.seed: the batch gives every run its seed"])
case("override_run_seed", sub(BASE, "    baseline: baseline", "    baseline: baseline\n    set: {@@run.seed: 3}"),
     ["variants.grant.set.run.seed: the batch gives every run its seed"])
case("horizon_changed", sub(BASE, "  grant:\n", "  @@grant:\n    set: {run.end_year: 2025}\n"),
     ["variants.grant: variant 'grant' changes run.end_year from 2030 to 2025 of variant 'baseline'",
      "same horizon"])
case("samples_without_uncertain", sub(BASE, "seed: 2016\n", "seed: 2016\nsamples: @@10\n"),
     ["samples: several samples but no uncertain parameters", "use replicates:"])
case("samples_zero", sub(BASE, "seed: 2016\n", "seed: 2016\nsamples: @@0\n"),
     ["samples: out of range, got '0'; allowed: integers from 1 to 1000000"])
case("seed_negative", sub(BASE, "seed: 2016", "seed: @@-1"),
     ["seed: must not be negative, got '-1'"])
case("sweep_over_baseline", BASE + """sweeps:
  - over: [@@baseline]
    set: {policies.audits.threshold_toe: [500, 1000]}
""", ["sweeps[0].over[0]: variant 'baseline' is the baseline of another variant", "a baseline cannot be swept"])
case("sweep_value_not_a_list", BASE + """sweeps:
  - set: {policies.cop22_grant.annual_budget: @@5.0e7}
""", ["sweeps[0].set.policies.cop22_grant.annual_budget: expected a non-empty list of values, got '5.0e7'"])
case("sweep_value_out_of_range", BASE + """sweeps:
  - set: {policies.cop22_grant.annual_budget: [5.0e7, @@-1]}
""", ["sweeps[0].set: policies.cop22_grant.annual_budget: out of range, got '-1'; allowed: > 0"])
UNC = "samples: 4\nuncertain:\n"
case("uniform_low_above_high", BASE + UNC + """  electricity.price: {distribution: uniform, apply: scale, low: 1.1, high: @@0.9}
""", ["uncertain.electricity.price.high: must be above low (1.1), got '0.9'"])
case("triangular_mode_outside", BASE + UNC + """  technologies.rooftop_pv.learning_rate: {distribution: triangular, apply: set, low: 0.1, mode: @@0.4, high: 0.3}
""", ["uncertain.technologies.rooftop_pv.learning_rate.mode: out of range, got '0.4'; allowed: [0.1, 0.3] (low to high)"])
case("normal_sd_zero", BASE + UNC + """  sectors.textile.hurdle_rate: {distribution: normal, apply: scale, mean: 1, sd: @@0}
""", ["uncertain.sectors.textile.hurdle_rate.sd: out of range, got '0'; allowed: > 0"])
case("lognormal_sigma_negative", BASE + UNC + """  technologies.rooftop_pv.bass_p:
    distribution: lognormal
    apply: set
    mu: -4.6
    sigma: @@-0.3
""", ["uncertain.technologies.rooftop_pv.bass_p.sigma: out of range, got '-0.3'; allowed: > 0"])
case("parameter_of_another_distribution", BASE + UNC + """  electricity.price: {distribution: uniform, apply: scale, low: 0.9, high: 1.1, @@sd: 0.1}
""", ["uncertain.electricity.price.sd: 'sd' is not a parameter of a uniform distribution (it is one of normal)"])
case("unknown_distribution", BASE + UNC + """  electricity.price: {distribution: @@unifrom, apply: scale, low: 0.9, high: 1.1}
""", ["uncertain.electricity.price.distribution: not a recognised value, got 'unifrom'", "did you mean 'uniform'?"])
case("missing_apply", BASE + UNC + """  electricity.price: @@{distribution: uniform, low: 0.9, high: 1.1}
""", ["uncertain.electricity.price: missing required key 'apply'"])
case("uncertain_unknown_path", BASE + UNC + """  @@technologies.rooftop_pv.learning_rat: {distribution: uniform, apply: scale, low: 0.9, high: 1.1}
""", ["uncertain.technologies.rooftop_pv.learning_rat: scale technologies.rooftop_pv.learning_rat by 1",
      "no key 'learning_rat'", "did you mean 'learning_rate'?"])
case("scale_fuel_mix", BASE + UNC + """  @@sectors.textile.fuel_mix: {distribution: uniform, apply: scale, low: 0.9, high: 1.1}
""", ["a fuel_mix holds shares that sum to 1; scaling them makes no sense"])
case("scaled_out_of_range", BASE + UNC + """  @@technologies.rooftop_pv.learning_rate: {distribution: uniform, apply: scale, low: 0.5, high: 6}
""", ["technologies.rooftop_pv.learning_rate: out of range", "allowed: [0, 1)",
      "uncertain parameters at the high end of their range"])
case("star_with_set", BASE + UNC + """  @@sectors.*.hurdle_rate: {distribution: uniform, apply: set, low: 0.1, high: 0.2}
""", ["'*' stands for every entry of a map only in uncertain parameters with apply: scale"])
case("uncertain_run_key", BASE + UNC + """  @@run.end_year: {distribution: uniform, apply: set, low: 2025, high: 2030}
""", ["uncertain.run.end_year: 'run' cannot be uncertain"])
case("duplicate_variant", sub(BASE, "  grant:\n", "  grant:\n    baseline: baseline\n  @@grant:\n"),
     ["duplicate key 'grant'"])
case("alias", sub(BASE, "  grant:\n    baseline: baseline\n", "  grant: {baseline: baseline, set: @@&p {policies: {}}}\n  other: *p\n"),
     ["anchors (&p) and aliases are not allowed"])
case("top_level_list", "@@- scenario: ../data/small.yaml\n",
     ["the top level must be a map of batch keys", "got a list"])
case("empty_file", "", ["the file is empty"], where=False)

os.makedirs(out, exist_ok=True)
for name, text, messages, where in cases:
    if where is not False:
        i = text.index(M)
        before = text[:i]
        line = before.count("\n") + 1
        col = len(before.encode("utf-8")) - (before.rfind("\n") + 1) + 1
        w = f"{line}:{col}"
        text = text[:i] + text[i + 2:]
    else:
        w = "none"
    assert M not in text
    with open(os.path.join(out, name + ".yaml"), "w") as f:
        f.write(text)
    with open(os.path.join(out, name + ".expect"), "w") as f:
        f.write(f"where: {w}\n")
        for m in messages:
            f.write(f"message: {m}\n")
print(len(cases), "cases")
