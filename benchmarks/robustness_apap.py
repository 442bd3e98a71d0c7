"""Robustness of the acetaminophen headline to +-30 % on its assumption-sourced parameters.

For each parameter of the groups "acetaminophen" and "nac" whose source says "assumption", the
virtual N-acetylcysteine trial (:func:`livermodel.studies.apap.nac_trial`, 600 sampled patients,
seed 14) is run with the parameter at 0.7x and 1.3x its human value (clipped to its hard
limits), and the treatment window is checked:

* early:  NAC within 10 h keeps hepatotoxicity at or below 12 % (Smilkstein et al. 1988: 6.1 %);
* window: NAC at 10-24 h is hepatotoxic in at least twice as many patients as NAC within 10 h
          and in at least 10 %.

Prints a Markdown table (docs/model.md, "Robustness"):

    python benchmarks/robustness_apap.py > /tmp/robustness-apap.md

Takes about five minutes on one core.
"""

from __future__ import annotations

import sys
import time

from perturb import FACTORS, assumptions, perturbed

from livermodel.model.parameters import resolve
from livermodel.studies.apap import nac_trial

ARMS = (("0-10 h", 0.0, 10.0), ("10-24 h", 10.0, 24.0))


def verdict(rates: dict) -> tuple[bool, bool]:
    early, late = rates["0-10 h"], rates["10-24 h"]
    return early <= 12.0, late >= max(10.0, 2.0 * early)


def main() -> None:
    t0 = time.time()
    human = resolve("human")
    base = nac_trial(n=600, seed=14, arms=ARMS)
    print("| parameter | x0.7: early, window | x1.3: early, window | 0-10 h / 10-24 h % at x0.7, x1.3 |")
    print("|---|---|---|---|")
    print(f"| (none) | | | {base.rates['0-10 h']:.1f} / {base.rates['10-24 h']:.1f} |")
    names = assumptions(("acetaminophen", "nac"))
    for name in names:
        cells, nums = [], []
        for f in FACTORS:
            r = nac_trial(n=600, seed=14, arms=ARMS, overrides={name: perturbed(human, name, f)}).rates
            cells.append(", ".join("ok" if ok else "**no**" for ok in verdict(r)))
            nums.append(f"{r['0-10 h']:.1f} / {r['10-24 h']:.1f}")
        print(f"| `{name}` | {cells[0]} | {cells[1]} | {nums[0]}; {nums[1]} |", flush=True)
    print(f"\n({len(names)} parameters, {time.time() - t0:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
