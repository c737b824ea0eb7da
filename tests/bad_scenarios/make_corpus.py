# Regenerates the bad-scenario corpus: tests/bad_scenarios/<case>.yaml and its
# <case>.expect (position and message fragments). The position of each offence is
# marked with @@ in the text below and computed here, independently of the loader.
#   python3 tests/bad_scenarios/make_corpus.py tests/bad_scenarios
import os, sys
out = sys.argv[1]
M = "@@"

BASE_RUN = """run:
  start_year: 2017
  end_year: 2030
"""
BASE_EL = """electricity:
  price: 1.1
  emission_factor: 0.7
"""
BASE_SECTORS = """sectors:
  textile:
    firms: {micro: 100, small: 20}
    output_median: 2.0e6
    electricity_intensity: 0.1
    hurdle_rate: 0.2
"""
BASE_TECH = """technologies:
  rooftop_pv:
    acts_on: electricity
    savings_fraction: 0.3
    yield: 1600
    capex: 9000
    lifetime: 25
"""
BASE = BASE_RUN + BASE_EL + BASE_SECTORS + BASE_TECH
FUELS = """fuels:
  natural_gas:
    price: 0.45
    emission_factor: 0.2
  fuel_oil:
    price: 0.6
    emission_factor: 0.28
"""

cases = []
def case(name, text, messages, where=True, max_memory=None, comment=None):
    cases.append((name, text, messages, where, max_memory, comment))

def sub(base, old, new):
    assert base.count(old) == 1, old
    return base.replace(old, new)

case("unknown_key_suggestion", BASE + """policies:
  cop22_grant:
    type: capex_grant
    rate: 0.3
    @@anual_budget: 5.0e7
""", ["policies.cop22_grant.anual_budget: unknown key 'anual_budget' in policy 'cop22_grant'",
      "did you mean 'annual_budget'?"])
case("unknown_top_level_key", sub(BASE, "technologies:", "@@technology:"),
     ["unknown key 'technology' in the top level", "did you mean 'technologies'?"])
case("wrong_type_count", sub(BASE, "{micro: 100, small: 20}", "{micro: @@many, small: 20}"),
     ["sectors.textile.firms.micro: expected a non-negative integer, got 'many'", "allowed: integers from 0 to 4294967295"])
case("wrong_type_list_for_number", sub(BASE, "output_median: 2.0e6", "output_median: @@[1, 2]"),
     ["sectors.textile.output_median: expected a number or a map {micro, small, medium, large}, got a list"])
case("quoted_number", sub(BASE, "capex: 9000", 'capex: @@"9000"'),
     ["technologies.rooftop_pv.capex: expected a number, got '9000'", "numbers are written without quotes"])
case("nan", sub(BASE, "price: 1.1", "price: @@.nan"),
     ["electricity.price: not a finite number, got '.nan'", "allowed: >= 0"])
case("infinity", sub(BASE, "capex: 9000", "capex: @@.inf"),
     ["technologies.rooftop_pv.capex: not a finite number, got '.inf'", "allowed: > 0"])
case("negative_infinity", sub(BASE, "emission_factor: 0.7", "emission_factor: {2017: 0.7, 2030: @@-.inf}"),
     ["electricity.emission_factor.2030: not a finite number, got '-.inf'"])
case("negative_count", sub(BASE, "{micro: 100, small: 20}", "{micro: @@-5, small: 20}"),
     ["sectors.textile.firms.micro: must not be negative, got '-5'"])
case("count_not_whole", sub(BASE, "{micro: 100, small: 20}", "{micro: @@1.5, small: 20}"),
     ["sectors.textile.firms.micro: expected a non-negative integer (a whole number), got '1.5'"])
case("zero_total", sub(BASE, "firms: {micro: 100, small: 20}", "firms: @@{micro: 0, large: 0}"),
     ["sectors.textile.firms: the sector has no firms, got a total of 0"])
case("count_2_pow_32", sub(BASE, "{micro: 100, small: 20}", "{micro: 100, small: @@4294967296}"),
     ["sectors.textile.firms.small: out of range, got '4294967296'", "allowed: integers from 0 to 4294967295"])
case("rate_above_one", BASE + """policies:
  cop22_grant:
    type: capex_grant
    rate: @@1.5
    annual_budget: 5.0e7
""", ["policies.cop22_grant.rate: out of range, got '1.5'; allowed: (0, 1]"])
case("hurdle_rate_zero", sub(BASE, "hurdle_rate: 0.2", "hurdle_rate: {micro: 0.2, small: 0.2, medium: @@0, large: 0.1}"),
     ["sectors.textile.hurdle_rate.medium: out of range, got '0'; allowed: (0, 1]"])
case("end_before_start", sub(BASE, "end_year: 2030", "end_year: @@2010"),
     ["run.end_year: out of range, got '2010'", "allowed: integers from 2017 to 2217"])
case("steps_per_year_5", sub(BASE, "end_year: 2030\n", "end_year: 2030\n  steps_per_year: @@5\n"),
     ["run.steps_per_year: steps must divide the year into whole months, got '5'", "allowed: 1, 2, 3, 4, 6 or 12"])
case("policy_year_outside_horizon", BASE + """policies:
  label:
    type: tpme_label
    start_year: @@2040
    capacity: 100
""", ["policies.label.start_year: out of range, got '2040'", "allowed: integers from 2017 to 2030 (the run's years"])
case("unknown_sector_in_eligibility", BASE + """policies:
  assistance:
    type: technical_assistance
    eligible:
      sectors: [@@textle]
    capacity: 100
    awareness_lift: 0.5
""", ["policies.assistance.eligible.sectors[0]: unknown sector, got 'textle'", "did you mean 'textile'?"])
case("unknown_fuel_in_fuel_mix", BASE_RUN + BASE_EL + FUELS + sub(BASE_SECTORS, "    hurdle_rate: 0.2\n",
     "    hurdle_rate: 0.2\n    heat_intensity: 0.3\n    fuel_mix: {@@natural_gaz: 1}\n") + BASE_TECH,
     ["sectors.textile.fuel_mix.natural_gaz: unknown fuel 'natural_gaz'", "did you mean 'natural_gas'?"])
case("fuel_shares_not_one", BASE_RUN + BASE_EL + FUELS + sub(BASE_SECTORS, "    hurdle_rate: 0.2\n",
     "    hurdle_rate: 0.2\n    heat_intensity: 0.3\n    fuel_mix: @@{natural_gas: 0.5, fuel_oil: 0.4}\n") + BASE_TECH,
     ["sectors.textile.fuel_mix: shares do not sum to 1, got 0.9 (natural_gas 0.5 + fuel_oil 0.4)",
      "allowed: a sum of 1 within 1e-6"])
case("heat_without_fuel_mix", sub(BASE, "  textile:\n", "  textile:\n    @@heat_intensity: 0.3\n"),
     ["sectors.textile: missing required key 'fuel_mix' (needed because heat_intensity > 0)"])
case("duplicate_key", sub(BASE, "    lifetime: 25\n", "    lifetime: 25\n    @@capex: 8000\n"),
     ["duplicate key 'capex' (first at line 18, column 5)"])
case("alias", sub(BASE, "  price: 1.1\n", "  price: @@&base 1.1\n") + "fuels:\n  gas:\n    price: *base\n    emission_factor: 0.2\n",
     ["anchors (&base) and aliases are not allowed"])
case("self_referencing_alias", "description: @@&loop [*loop, *loop]\n" + BASE,
     ["anchors (&loop) and aliases are not allowed"])
case("missing_required_key", sub(BASE, "    capex: 9000\n", ""),
     ["technologies.rooftop_pv: missing required key 'capex'"],)
# the missing-key error points at the technology's map: its first key
cases[-1] = ("missing_required_key", sub(sub(BASE, "    capex: 9000\n", ""), "    acts_on: electricity", "    @@acts_on: electricity"),
             ["technologies.rooftop_pv: missing required key 'capex'"], True, None, None)
case("missing_run", "@@" + BASE_EL + BASE_SECTORS + BASE_TECH,
     ["top level: missing required key 'run'"])
case("key_of_another_policy_type", BASE + """policies:
  green_loan:
    type: concessional_loan
    loan_share: 0.7
    interest: 0.03
    @@annual_budget: 1.0e7
""", ["'annual_budget' is not a key of a concessional_loan policy",
      "its keys are: type, start_year, end_year, eligible, loan_share, interest, tenor, cap_per_firm"])
case("unknown_policy_type", BASE + """policies:
  grant:
    type: @@capex_grnat
    rate: 0.3
    annual_budget: 1.0e7
""", ["policies.grant.type: not a recognised value, got 'capex_grnat'", "did you mean 'capex_grant'?"])
case("savings_sum_above_one", BASE.replace("    lifetime: 25\n", """    lifetime: 25
  solar_heat:
    acts_on: heat
    savings_fraction: 0.6
    yield: 700
    capex: 3500
    lifetime: 20
  heat_pump:
    acts_on: heat
    savings_fraction: @@0.5
    yield: 900
    capex: 6000
    lifetime: 15
"""), ["technologies: savings_fraction on heat sums to 1.1 (solar_heat 0.6 + heat_pump 0.5)",
       "allowed: at most 1 per carrier"])
case("extra_electricity_on_electricity", sub(BASE, "    lifetime: 25\n", "    lifetime: 25\n    extra_electricity: @@0.1\n"),
     ["technologies.rooftop_pv.extra_electricity: only a technology with acts_on: heat uses extra electricity"])
case("learning_without_world_capacity", sub(sub(BASE, "    lifetime: 25\n", "    lifetime: 25\n    learning_rate: 0.2\n"),
     "    acts_on: electricity", "    @@acts_on: electricity"),
     ["technologies.rooftop_pv: missing required key 'world_capacity' (needed because learning_rate > 0)"])
case("path_years_decreasing", sub(BASE, "price: 1.1", "price: {2030: 1.3, @@2017: 1.1}"),
     ["electricity.price: years must be strictly increasing as written, got '2017'"])
case("path_year_out_of_range", sub(BASE, "price: 1.1", "price: {2017: 1.1, @@2500: 1.3}"),
     ["electricity.price: out of range, got '2500'; allowed: [1900, 2200]"])
case("label_for_large_firms", BASE + """policies:
  label:
    type: tpme_label
    eligible:
      size_classes: [medium, @@large]
    capacity: 100
""", ["policies.label.eligible.size_classes[1]: the TPME label is for very small, small and medium firms only"])
case("invalid_sector_name", sub(BASE, "  textile:\n", "  @@Textile:\n"),
     ["sectors: invalid sector name, got 'Textile'"])
case("explicit_tag", sub(BASE, "yield: 1600", "yield: @@!!float 1600"),
     ["explicit tags (tag:yaml.org,2002:float) are not used in a scenario"])
case("memory_too_large", sub(BASE, "{micro: 100, small: 20}", "{micro: 4000000000}").replace("sectors:", "@@sectors:"),
     ["sectors: 4000000000 firms need about", "more than the limit of 8.0 GiB", "--max-memory"], max_memory=8 << 30)
case("multiple_documents", BASE + "@@---\n" + BASE,
     ["a second YAML document ('---'); a scenario file holds exactly one"])
case("top_level_list", "@@- run: 1\n- sectors: 2\n",
     ["the top level must be a map of scenario keys", "got a list"])
# yaml-cpp notices the unclosed flow map where the next block key starts.
case("syntax_error", sub(sub(BASE, "{micro: 100, small: 20}", "{micro: 100, small: 20"), "output_median: 2.0e6", "output_median@@: 2.0e6"),
     ["YAML syntax error: end of map flow not found"])
case("nesting_too_deep", "description: " + "[" * 63 + "@@" + "[" + "]" * 64 + "\n" + BASE,
     ["nesting deeper than 64 levels"])
case("tab_indentation", sub(BASE, "    lifetime: 25", "@@\tlifetime: 25"),
     ["tab character used for indentation; YAML indents with spaces only"])
case("empty_file", "", ["the file is empty"], where=False)
case("null_document", "---\n@@~\n", ["the document is empty"])
case("empty_document", "# only a comment\n\n", ["the file holds no YAML content"], where=False)
case("nul_byte", sub(BASE, "yield: 1600", "yield: 16@@\0" + "00"),
     ["NUL byte in the file; this looks like a binary file"])
case("invalid_utf8", sub(BASE, "capex: 9000", "capex: 9000 # caf@@\xe9"),
     ["invalid UTF-8 (byte 0xE9); save the file as UTF-8"])
case("binary_garbage", "@@\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0", ["invalid UTF-8 (byte 0x89)"])

# --- input-output table (input_output:, technologies.*.suppliers) ---
IO = """input_output:
  sectors: [textile, construction, services]
  coefficients:
    textile: {textile: 0.1}
    services: {textile: 0.1, construction: 0.1, services: 0.2}
  value_added: {textile: 0.3, construction: 0.4, services: 0.5}
  jobs: {textile: 2.0, construction: 6.0, services: 4.0}
"""
BASE_IO = BASE + "    suppliers: {construction: 0.6, services: 0.4}\n" + IO
case("io_unknown_supplier_sector", sub(BASE_IO, "{construction: 0.6, services: 0.4}", "{@@constructon: 0.6, services: 0.4}"),
     ["technologies.rooftop_pv.suppliers.constructon: unknown io sector 'constructon'", "did you mean 'construction'?"])
case("io_supplier_shares_not_one", sub(BASE_IO, "suppliers: {construction: 0.6, services: 0.4}", "suppliers: @@{construction: 0.6, services: 0.3}"),
     ["technologies.rooftop_pv.suppliers: shares do not sum to 1, got 0.8999999999999999", "allowed: a sum of 1 within 1e-6"])
case("io_missing_suppliers", sub(sub(BASE_IO, "    suppliers: {construction: 0.6, services: 0.4}\n", ""), "    acts_on: electricity", "    @@acts_on: electricity"),
     ["technologies.rooftop_pv: missing required key 'suppliers' (needed because the scenario has an input_output table"])
case("io_suppliers_without_table", sub(BASE, "    lifetime: 25\n", "    lifetime: 25\n    suppliers: @@{construction: 1}\n"),
     ["technologies.rooftop_pv.suppliers: supplier shares need an input-output table", "add a top-level input_output: section"])
case("io_not_productive", sub(BASE_IO, "input_output:", "@@input_output:").replace("services: {textile: 0.1, construction: 0.1, services: 0.2}", "services: {textile: 0.1, construction: 0.1, services: 1.2}"),
     ["input_output: the input-output table is not productive: the spectral radius of A is", "it must be below 1"])
case("io_unknown_column_sector", sub(BASE_IO, "services: {textile: 0.1, construction: 0.1", "services: {textile: 0.1, @@construct: 0.1"),
     ["input_output.coefficients.services.construct: unknown io sector 'construct'", "did you mean 'construction'?"])
case("io_value_added_missing_sector", sub(BASE_IO, "value_added: {textile: 0.3, construction: 0.4, services: 0.5}", "value_added: @@{textile: 0.3, construction: 0.4}"),
     ["input_output.value_added: missing io sector 'services'"])
case("io_both_coefficients_and_transactions", sub(BASE_IO, "  value_added:", "  @@transactions: {textile: {textile: 10}}\n  total_output: {textile: 100, construction: 100, services: 100}\n  value_added:"),
     ["input_output.transactions: give either coefficients or transactions (with total_output), not both"])
case("io_inputs_and_value_added_above_one", sub(BASE_IO, "value_added: {textile: 0.3, construction: 0.4, services: 0.5}", "value_added: @@{textile: 0.3, construction: 0.4, services: 0.9}"),
     ["input_output.value_added.services: value added 0.9 plus the sector's input coefficients 0.2 exceed 1", "the rest is imports"])
case("io_jobs_negative", sub(BASE_IO, "jobs: {textile: 2.0, construction: 6.0, services: 4.0}", "jobs: {textile: 2.0, construction: @@-6.0, services: 4.0}"),
     ["input_output.jobs.construction: out of range, got '-6.0'; allowed: >= 0"])
case("io_transactions_zero_output", sub(BASE_IO, """  coefficients:
    textile: {textile: 0.1}
    services: {textile: 0.1, construction: 0.1, services: 0.2}
""", """  transactions:
    textile: {textile: 10}
  total_output: {textile: 100, construction: @@0, services: 50}
"""), ["input_output.total_output.construction: out of range, got '0'; allowed: > 0"])

# issue 13: installed base, potential, finance, audit curve, references
case("installed_base_above_potential", sub(BASE, "    hurdle_rate: 0.2\n",
     "    hurdle_rate: 0.2\n    technical_potential: {rooftop_pv: 0.3}\n    installed_base: {rooftop_pv: @@{micro: 0.4, small: 0.1, medium: 0, large: 0}}\n"),
     ["sectors.textile.installed_base.rooftop_pv: the micro installed base 0.4 exceeds the technical potential 0.3",
      "allowed: at most the technical_potential of the same technology and size class"])
case("potential_unknown_technology", sub(BASE, "    hurdle_rate: 0.2\n",
     "    hurdle_rate: 0.2\n    technical_potential:\n      @@rooftop_p: 0.5\n"),
     ["sectors.textile.technical_potential.rooftop_p: unknown technology 'rooftop_p'", "did you mean 'rooftop_pv'?"])
case("potential_above_one", sub(BASE, "    hurdle_rate: 0.2\n",
     "    hurdle_rate: 0.2\n    technical_potential: {rooftop_pv: @@1.5}\n"),
     ["sectors.textile.technical_potential.rooftop_pv: out of range, got '1.5'; allowed: [0, 1]"])
case("installed_base_older_than_lifetime", sub(BASE, "    lifetime: 25\n", "    lifetime: 25\n    installed_base_max_age: @@30\n"),
     ["technologies.rooftop_pv.installed_base_max_age: out of range, got '30'; allowed: integers from 1 to 25 (1 year to the technology's lifetime)"])
case("requires_not_a_loan", BASE + """policies:
  grant:
    type: capex_grant
    rate: 0.1
    annual_budget: 1e6
    requires: @@other
  other:
    type: capex_grant
    rate: 0.2
    annual_budget: 1e6
""", ["policies.grant.requires: not a concessional_loan policy, got 'other'", "the scenario has no concessional_loan policy"])
case("requires_unknown_loan", BASE + """policies:
  line:
    type: concessional_loan
    loan_share: 0.8
    interest: 0.05
  grant:
    type: capex_grant
    rate: 0.1
    annual_budget: 1e6
    requires: @@lines
""", ["policies.grant.requires: no such policy, got 'lines'", "did you mean 'line'?"])
case("loan_order_without_envelope", BASE + """policies:
  line:
    type: concessional_loan
    loan_share: 0.8
    interest: 0.05
    order: @@lottery
""", ["policies.line.order: an order serves a lending envelope, and this loan has none", "give annual_lending too"])
case("cap_scope_unknown", BASE + """policies:
  grant:
    type: capex_grant
    rate: 0.1
    annual_budget: 1e6
    cap_scope: @@borrower
""", ["policies.grant.cap_scope: not a recognised value, got 'borrower'", "allowed: project, firm"])
case("compliance_falls", BASE + """policies:
  audits:
    type: audit_mandate
    threshold_toe: 1500
    compliance: {2019: 0.1, 2021: 0.3, 2023: @@0.2}
""", ["policies.audits.compliance.2023: the share of firms that have complied cannot fall", "allowed: at least 0.3"])
case("cost_per_firm_on_a_grant", BASE + """policies:
  grant:
    type: capex_grant
    rate: 0.1
    annual_budget: 1e6
    @@cost_per_firm: 1000
""", ["policies.grant.cost_per_firm: 'cost_per_firm' is not a key of a capex_grant policy (it is one of technical_assistance, tpme_label)"])
REF = """references:
  pv:
    variable: installed_capacity
    year: 2019
    value: 10
    se: 2
    source: "a source"
"""
case("reference_unknown_variable", BASE + sub(REF, "variable: installed_capacity", "variable: @@installed_capacty"),
     ["references.pv.variable: not an output variable an observation can use, got 'installed_capacty'", "did you mean 'installed_capacity'?"])
case("reference_size_class_on_adopters", BASE + sub(REF, "    year: 2019\n", "    year: 2019\n    size_classes: @@[micro]\n").replace("installed_capacity", "adopters"),
     ["references.pv.size_classes: 'adopters' has no size class dimension", "use adopters_by_size"])
case("reference_year_outside_run", BASE + sub(REF, "year: 2019", "year: @@2035"),
     ["references.pv.year: out of range, got '2035'; allowed: integers from 2017 to 2030 (the run's years, 2017 to 2030)"])
case("reference_unit_not_convertible", BASE + sub(REF, "    se: 2\n", "    se: 2\n    unit: @@m2\n"),
     ["references.pv.unit: cannot be converted into the variables' unit 'kW', got 'm2'", "allowed: kW with an SI prefix (k, M, G, T)"])
case("reference_without_source", BASE + sub(REF, '    source: "a source"\n', ""),
     ["references.pv: missing required key 'source' (title, publisher, year, address)"], where=None)
case("reference_se_and_interval", BASE + sub(REF, "    se: 2\n", "    se: 2\n    @@interval: [5, 30]\n"),
     ["references.pv: give one of 'se' (a standard error) and 'interval' ([lo, hi] at 'level'), not both"])
case("reference_interval_misses_value", BASE + sub(REF, "    se: 2\n", "    interval: @@[12, 30]\n"),
     ["references.pv.interval: the interval must hold the value", "lo <= value <= hi"])
case("reference_mixes_units", BASE + sub(REF, "variable: installed_capacity", "variable: [energy_fuel, @@co2_emissions]").replace("installed_capacity", "x"),
     ["references.pv.variable[1]: its units (t) differ from energy_fuel's (MWh)"])

os.makedirs(out, exist_ok=True)
for name, text, messages, where, max_memory, comment in cases:
    if where is not False and where is not None:
        i = text.index(M)
        before = text[:i]
        line = before.count("\n") + 1
        col = len(before.encode("latin-1")) - (before.rfind("\n") + 1) + 1
        w = f"{line}:{col}"
        text = text[:i] + text[i + 2:]
    elif where is None:
        w = "any"
    else:
        w = "none"
    assert M not in text
    with open(os.path.join(out, name + ".yaml"), "wb") as f:
        f.write(text.encode("latin-1"))
    with open(os.path.join(out, name + ".expect"), "w") as f:
        f.write(f"where: {w}\n")
        if max_memory:
            f.write(f"max_memory: {max_memory}\n")
        for m in messages:
            f.write(f"message: {m}\n")
print(len(cases), "cases")
