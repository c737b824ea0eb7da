# Regenerates the bad-calibration corpus: tests/bad_calibrations/<case>.yaml and its
# <case>.expect (position and message fragments), as tests/bad_batches does. The
# position of each offence is marked with @@ below and computed here, independently
# of the loader. Every case builds on tests/data/small.yaml.
#   python3 tests/bad_calibrations/make_corpus.py tests/bad_calibrations
import os, sys
out = sys.argv[1]
M = "@@"

BASE = """schema: 1
calibration:
  scenario: ../data/small.yaml
  seed: 7
  replicates: 2
  end_year: 2024
  parameters:
    - key: decision.midpoint
      bounds: [0.05, 1.5]
    - key: technologies.solar_process_heat.bass_p
      bounds: [0.0005, 0.05]
      prior: {distribution: loguniform}
  targets:
    pv_2022:
      variable: adopters
      technologies: [rooftop_pv]
      year: 2022
      value: 150
      se: 20
      source: "synthetic"
"""

cases = []
def case(name, text, messages):
    cases.append((name, text, messages))

def sub(base, old, new):
    assert base.count(old) == 1, old
    return base.replace(old, new)

case("unknown_key_path", sub(BASE, "- key: decision.midpoint", "- key: @@decision.midpont"),
     ["calibration.parameters[0].key", "midpont", "did you mean 'midpoint'?"])
case("unknown_section", sub(BASE, "- key: decision.midpoint", "- key: @@decisions.midpoint"),
     ["calibration.parameters[0].key", "decisions"])
case("value_out_of_range", sub(BASE, "- key: decision.midpoint\n      bounds: [0.05, 1.5]",
                                     "- key: @@decision.max_rate\n      bounds: [0.1, 3]"),
     ["calibration.parameters[0].key: 'decision.max_rate' at its upper bound (3)"])
case("bounds_inverted", sub(BASE, "bounds: [0.05, 1.5]", "bounds: @@[1.5, 0.05]"),
     ["calibration.parameters[0].bounds: the bounds are inverted or equal, got [1.5, 0.05]", "lower < upper"])
case("prior_mean_outside", sub(BASE, "bounds: [0.05, 1.5]", "bounds: [0.05, 1.5]\n      prior: {distribution: normal, mean: @@2.0, sd: 0.1}"),
     ["calibration.parameters[0].prior.mean: the prior's mean is outside the parameter's bounds [0.05, 1.5]"])
case("lognormal_prior_outside", sub(BASE, "prior: {distribution: loguniform}", "prior: {distribution: lognormal, mu: @@0, sigma: 1}"),
     ["calibration.parameters[1].prior.mu: the prior's median exp(mu) = 1 is outside the parameter's bounds"])
case("unknown_prior", sub(BASE, "prior: {distribution: loguniform}", "prior: {distribution: @@beta}"),
     ["calibration.parameters[1].prior.distribution", "beta", "uniform, loguniform, normal, lognormal"])
case("log_scale_nonpositive", sub(BASE, "bounds: [0.0005, 0.05]", "bounds: [@@0, 0.05]"),
     ["calibration.parameters[1].bounds[0]: a loguniform parameter is searched on a log scale, so its lower bound must be positive"])
case("start_outside", sub(BASE, "bounds: [0.05, 1.5]", "bounds: [0.05, 1.5]\n      start: @@2"),
     ["calibration.parameters[0].start", "allowed: [0.05, 1.5]"])
case("duplicate_parameter", sub(BASE, "- key: technologies.solar_process_heat.bass_p", "- key: @@decision.midpoint"),
     ["calibration.parameters[1].key: 'decision.midpoint' is calibrated twice"])
case("seed_key", sub(BASE, "- key: decision.midpoint", "- key: @@run.seed"),
     ["calibration.parameters[0].key: the run's frame and seed are not calibrated"])
case("unknown_variable", sub(BASE, "variable: adopters", "variable: @@adoptrs"),
     ["calibration.targets.pv_2022.variable", "adoptrs", "did you mean 'adopters'?"])
case("year_outside_run", sub(BASE, "year: 2022", "year: @@2026"),
     ["calibration.targets.pv_2022.year", "2026", "2017 to 2024"])
case("end_year_outside", sub(BASE, "end_year: 2024", "end_year: @@2035"),
     ["calibration.end_year", "2035", "2017 to 2030"])
case("replicates_zero", sub(BASE, "replicates: 2", "replicates: @@0"),
     ["calibration.replicates", "allowed: integers from 1 to 10000"])
case("seed_negative", sub(BASE, "seed: 7", "seed: @@-3"),
     ["calibration.seed"])
case("unknown_calibration_key", sub(BASE, "  seed: 7\n", "  seed: 7\n  @@replicate: 3\n"),
     ["calibration.replicate: unknown key 'replicate'", "did you mean 'replicates'?"])
case("no_targets", sub(BASE, BASE[BASE.index("  targets:"):], "  targets: @@{}\n"),
     ["calibration.targets: no targets"])
case("unknown_algorithm", BASE + "  method:\n    optimizer: {global: @@GN_DIRECTL}\n",
     ["calibration.method.optimizer.global", "GN_DIRECTL", "GN_DIRECT_L"])
case("bobyqa_one_parameter", sub(BASE, """    - key: technologies.solar_process_heat.bass_p
      bounds: [0.0005, 0.05]
      prior: {distribution: loguniform}
""", "") + "  method:\n    optimizer: {local: @@LN_BOBYQA}\n",
     ["calibration.method.optimizer.local: NLopt's LN_BOBYQA needs at least 2 parameters"])
case("validation_same_name", BASE + """  validation:
    @@pv_2022:
      variable: adopters
      technologies: [rooftop_pv]
      year: 2023
      value: 170
      se: 20
      source: "synthetic"
""", ["calibration.validation.pv_2022: a target of the same name is fitted"])
case("scenario_missing", sub(BASE, "scenario: ../data/small.yaml", "scenario: @@../data/nothere.yaml"),
     ["calibration.scenario: cannot read the scenario file", "nothere.yaml"])

os.makedirs(out, exist_ok=True)
for name, text, messages in cases:
    i = text.index(M)
    before = text[:i]
    line = before.count("\n") + 1
    col = len(before.encode("utf-8")) - (before.rfind("\n") + 1) + 1
    text = text[:i] + text[i + 2:]
    assert M not in text
    with open(os.path.join(out, name + ".yaml"), "w") as f:
        f.write(text)
    with open(os.path.join(out, name + ".expect"), "w") as f:
        f.write(f"where: {line}:{col}\n")
        for m in messages:
            f.write(f"message: {m}\n")
print(len(cases), "cases")
