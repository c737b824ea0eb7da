"""The figures issue 13 measured on the Morocco runs (scenarios/README.md, "With the
installed base ..."): PV and solar heat paths, the baseline's investment jump, the
2040 adoption shares, a credit line at 20% interest, energy per firm by size class and
the cost of each programme.

    /usr/bin/python3 tests/python/fidelity_figures.py PROGRAMME.h5 BASELINE.h5 LINE20.h5 [NOLINE.h5]

PROGRAMME.h5 and BASELINE.h5: `greenshift run` of scenarios/morocco-cop22.yaml and
morocco-baseline.yaml; LINE20.h5: the programme with
--set policies.cop22_green_credit_line.interest=0.2; NOLINE.h5: the programme with
--unset policies.cop22_green_credit_line (and, where it requires the line,
--unset policies.cop22_credit_line_grant). Variables a file lacks (older files) are
skipped."""
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1]); b = h5py.File(sys.argv[2]); g = h5py.File(sys.argv[3])
yr = list(f['year'][()]); tech = [t.decode() if isinstance(t, bytes) else t for t in f['technology'][()]]
pol = [t.decode() if isinstance(t, bytes) else t for t in f['policy'][()]]
y = yr.index
pv, sph, whr = tech.index('rooftop_pv'), tech.index('solar_process_heat'), tech.index('waste_heat_recovery')
cap = f['installed_capacity'][()]; ad = f['adopters'][()]; ed = f['energy_displaced'][()]
firms = f['firms'][()]
print("1. PV MWp: 2017 %.1f, added in 2019 %.1f, by 2019 %.1f, by 2025 %.1f" % (
    cap[y(2017), :, pv].sum() / 1e3, (cap[y(2019), :, pv].sum() - cap[y(2018), :, pv].sum()) / 1e3,
    cap[y(2019), :, pv].sum() / 1e3, cap[y(2025), :, pv].sum() / 1e3))
print("2. SPH 2025: %d firms, %.2f TWh/yr, %.3g m2" % (ad[y(2025), :, sph].sum(), ed[y(2025), :, sph].sum() / 1e6, cap[y(2025), :, sph].sum()))
for name, h in (("programme", f), ("baseline", b)):
    inv = h['investment_total'][()].sum(axis=(1, 2))
    print("3. %s green investment MMAD: %s; 2019/2018 = %.1f" % (name, ", ".join("%d %.0f" % (yr[i], inv[i] / 1e6) for i in range(6)), inv[2] / max(inv[1], 1)))
byz = f['adopters_by_size'][()]
print("4. 2040 share of firms: PV %.0f%% (micro %.0f%%), WHR %.0f%%, SPH %.0f%%" % (
    100 * ad[-1, :, pv].sum() / firms.sum(), 100 * byz[-1, :, 0, pv].sum() / firms[:, 0].sum(),
    100 * ad[-1, :, whr].sum() / firms.sum(), 100 * ad[-1, :, sph].sum() / firms.sum()))
co2 = lambda h: h['co2_emissions'][()].sum()
print("5. credit line at 20%%: CO2 avoided %.0f kt over the horizon (at 6%%: %.0f kt); loans lent at 20%%: %.0f MMAD" % (
    (co2(b) - co2(g)) / 1e3, (co2(b) - co2(f)) / 1e3, g['loan_volume'][()].sum() / 1e6))
if len(sys.argv) > 4:
    print("5b. CO2 with the line at 20%% minus without the line: %+.1f kt" % ((co2(g) - co2(h5py.File(sys.argv[4]))) / 1e3))
if 'energy_electricity_by_size' in f:
    e = f['energy_electricity_by_size'][()][0] + f['energy_fuel_by_size'][()][0]  # 2017, (sector, size) MWh
    toe = e.sum(axis=0) / 11.63
    n = firms.sum(axis=0)
    print("6. 2017 toe per firm: micro %.0f, small %.0f, medium %.0f, large %.0f; TPME %.0f; total %.2f Mtoe; TPME share %.2f" % (
        *(toe / n), toe[:3].sum() / n[:3].sum(), toe.sum() / 1e6, toe[:3].sum() / toe.sum()))
if 'programme_cost' in f:
    pc = f['programme_cost'][()].sum(axis=0)
    print("7. programme cost 2017-2040, MMAD: " + ", ".join("%s %.0f" % (p, c / 1e6) for p, c in zip(pol, pc)))
