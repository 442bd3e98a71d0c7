"""Robustness of the headline behaviours to +-30 % on every assumption-sourced parameter.

For each parameter whose source in the parameter table says "assumption", the model is
run with the parameter at 0.7x and 1.3x its rat default (clipped to its hard limits), and four
headline behaviours are checked:

* threshold: the rat critical remnant lies in 0.10-0.20 (Tuczek & Rabes);
* recovery:  the rat 70 % hepatectomy volume is within the data's SD at 24, 72 and 168 h
             (Barnhart et al. 2023);
* modes:     a 3 x 3 map over (remnant, metabolic load) still holds all three response modes
             (normal, suppressed, failure; Verma et al. 2019);
* therapy:   in a virtual cohort of the fulminant rat (D-galactosamine/LPS; the cohort block of
             fulminant-msc-early: 100 rats, log-SD 0.1, over 7 days), MSCs at 2 h raise
             survival over the untreated arm (paired exact McNemar p < 0.01) and do at least
             as well as the late dose (fulminant-msc-late) on the same rats.  A cohort, not one
             preset rat: the rescue of a single animal is a knife edge by construction.

Prints a Markdown table (docs/model.md, "Robustness"):

    python benchmarks/robustness.py > /tmp/robustness.md

Takes about nine minutes on one core.
"""

from __future__ import annotations

import sys
import time

from perturb import FACTORS, assumptions, perturbed

from livermodel import Hepatectomy, Schedule, resolve_parameters, simulate_batch
from livermodel.scenario import load_scenario
from livermodel.scenario.blocks import parse_cohort_block
from livermodel.studies.cohort import mcnemar_exact, run_cohort
from livermodel.studies.threshold import find_threshold

DATA = {24: (0.511, 0.086), 72: (0.801, 0.124), 168: (0.927, 0.086)}
RESCUE_SIZE = 100


def rescue(sets: list[str]) -> dict[str, float]:
    """Survival (%) of the untreated, early and late arms of the fulminant rat cohort, and the
    paired exact McNemar p of early against untreated."""
    sets = [*sets, "duration=7d"]
    block = parse_cohort_block(load_scenario("fulminant-msc-early").cohort)
    arms = {}
    for name in ("fulminant", "fulminant-msc-early", "fulminant-msc-late"):
        res = run_cohort(
            load_scenario(name, sets), size=RESCUE_SIZE, seed=block["seed"], variability=block["variability"]
        )
        arms[name] = res.arms[0].survived
    none, early, late = arms.values()
    return {
        "untreated": 100 * none.mean(),
        "early": 100 * early.mean(),
        "late": 100 * late.mean(),
        "p": mcnemar_exact(int((early & ~none).sum()), int((~early & none).sum())),
    }


def headline(over: dict) -> dict[str, bool | float]:
    sets = [f"parameters.{k}={v!r}" for k, v in over.items()]
    sc = load_scenario("rat-phx-70", sets)
    res = find_threshold(sc, "insults.0.fraction", 0.5, 0.97, tol=0.004)
    crit = None if res.critical_value is None else 1 - res.critical_value
    r = sc.run()
    recovery = all(abs(r.at("liver_volume", t) - m) <= sd for t, (m, sd) in DATA.items())
    p = resolve_parameters("rat", over)
    grid = [(rem, M) for rem in (0.15, 0.4, 0.7) for M in (0.15, 1.0, 2.5)]
    batch = simulate_batch(
        [{**p, "metabolic_load": M} for _, M in grid],
        [Schedule([Hepatectomy(0, 1 - rem)]) for rem, _ in grid],
        duration=28 * 24,
        output_step=6,
    )
    modes = {m["mode"] for m in batch.metrics() if m["mode"]}
    cure = rescue(sets)
    return {
        "critical_remnant": crit,
        "rescue": cure,
        "threshold": crit is not None and 0.10 <= crit <= 0.20,
        "recovery": recovery,
        "modes": modes == {"normal", "suppressed", "failure"},
        "therapy": cure["p"] < 0.01 and cure["early"] >= cure["late"],
    }


def _cure(c: dict) -> str:
    return f"{c['untreated']:.0f} / {c['early']:.0f} / {c['late']:.0f}"


def main() -> int:
    rat = resolve_parameters("rat")
    started = time.process_time()
    base = headline({})
    print(
        "| parameter | x0.7: threshold, recovery, modes, therapy | x1.3: threshold, recovery, "
        "modes, therapy | critical remnant at x0.7 / x1.3 | survival % untreated / early / "
        "late at x0.7; x1.3 |"
    )
    print("|---|---|---|---|---|")
    fragile: dict[str, list[str]] = {}
    for name in assumptions():
        cells, crits, cures = [], [], []
        for factor in FACTORS:
            h = headline({name: perturbed(rat, name, factor)})
            marks = []
            for key in ("threshold", "recovery", "modes", "therapy"):
                marks.append("ok" if h[key] else "**breaks**")
                if not h[key]:
                    fragile.setdefault(key, []).append(f"{name} x{factor}")
            cells.append(", ".join(marks))
            crits.append("none" if h["critical_remnant"] is None else f"{h['critical_remnant']:.3f}")
            cures.append(_cure(h["rescue"]))
        print(f"| `{name}` | {cells[0]} | {cells[1]} | {crits[0]} / {crits[1]} | {cures[0]}; {cures[1]} |")
    print()
    print(
        f"Defaults: critical remnant {base['critical_remnant']:.3f}; rescue cohort "
        f"{_cure(base['rescue'])} % (untreated / early / late); every headline holds: "
        f"{all(base[k] for k in ('threshold', 'recovery', 'modes', 'therapy'))}."
    )
    if fragile:
        print()  # a Markdown list needs a blank line after the paragraph
    for key, which in fragile.items():
        print(f"- {key} breaks with: {', '.join(which)}")
    print(f"\n({time.process_time() - started:.0f} s of CPU)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
