"""Robustness of the D-galactosamine behaviours to +-30 % on their assumption-sourced parameters.

For each parameter of the group "galactosamine" whose source says "assumption", and for the
inflammation parameters the galactosamine injury runs through, the rat is run at 0.7x and 1.3x
the value (clipped to its hard limits) and four behaviours are checked:

* threshold: 200 mg/kg gives no necrosis (ALT peak below 3x baseline) and 400 mg/kg does
  (ALT peak above it) and recovers (Farber et al. 1973);
* lethal:    1.4 g/kg fails, later than 24 h and by 96 h (O'Neill et al. 1984: within 72 h);
* fulminant: the fulminant scenario (900 mg/kg + a small inflammatory hit) fails untreated;
* rescue:    MSCs at 2 h (fulminant-msc-early) prevent the failure.

Prints a Markdown table (docs/model.md, "Robustness"):

    python benchmarks/robustness_galn.py > /tmp/robustness-galn.md

Takes about a minute on one core.
"""

from __future__ import annotations

import sys
import time

from perturb import FACTORS, assumptions, perturbed

from livermodel import MSC, Galactosamine, InflammatoryHit, simulate_batch
from livermodel.model.parameters import resolve

BASELINE_ALT = 45.0
INFLAMMATION = (
    "inflammation_injury_rate",
    "inflammation_injury_half",
    "inflammation_production",
    "inflammation_decay_rate",
    "inflammation_death_gain",
)
FULMINANT = [Galactosamine(0, 900), InflammatoryHit(0, 0.03)]
ARMS = {
    "g200": [Galactosamine(0, 200)],
    "g400": [Galactosamine(0, 400)],
    "g1400": [Galactosamine(0, 1400)],
    "fulminant": FULMINANT,
    "msc": FULMINANT + [MSC(2, 10)],
}


def parameters() -> list[str]:
    """The assumption-sourced galactosamine parameters and the inflammation ones above."""
    assumed = set(assumptions())
    return assumptions(("galactosamine",)) + [n for n in INFLAMMATION if n in assumed]


def behaviours(params: dict) -> tuple[dict, dict]:
    runs = simulate_batch([params] * len(ARMS), list(ARMS.values()), duration=14 * 24, output_step=1.0)
    m = dict(zip(ARMS, runs.metrics(), strict=True))
    alt = {k: float(r["alt_u_per_l"].max()) for k, r in zip(ARMS, runs, strict=True)}
    t14 = m["g1400"]["failure_time_h"]
    ok = {
        "threshold": (alt["g200"] < 3 * BASELINE_ALT < alt["g400"] and not m["g400"]["failed"]),
        "lethal": t14 is not None and 24 < t14 <= 96,
        "fulminant": bool(m["fulminant"]["failed"]),
        "rescue": not m["msc"]["failed"],
    }
    nums = {"alt200": alt["g200"], "alt400": alt["g400"], "t1400": t14}
    return ok, nums


def _nums(n: dict) -> str:
    t = "never" if n["t1400"] is None else f"{n['t1400']:.0f} h"
    return f"{n['alt200']:.0f}/{n['alt400']:.0f} U/L, {t}"


def main() -> None:
    t0 = time.time()
    rat = resolve("rat")
    ok, nums = behaviours(rat)
    print(
        "| parameter | x0.7: threshold, lethal, fulminant, rescue | x1.3: the same | "
        "ALT peak 200/400 mg/kg, 1.4 g/kg failure at x0.7; x1.3 |"
    )
    print("|---|---|---|---|")
    print(f"| (none) | {', '.join('ok' if v else '**no**' for v in ok.values())} | | {_nums(nums)} |")
    names = parameters()
    for name in names:
        cells, ns = [], []
        for f in FACTORS:
            ok, n = behaviours({**rat, name: perturbed(rat, name, f)})
            cells.append(", ".join("ok" if v else "**no**" for v in ok.values()))
            ns.append(_nums(n))
        print(f"| `{name}` | {cells[0]} | {cells[1]} | {ns[0]}; {ns[1]} |", flush=True)
    print(f"\n({len(names)} parameters, {time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
