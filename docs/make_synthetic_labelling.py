"""Regenerate data/rat_phx70_proliferation_synthetic.csv (docs/analyses.md, worked example 7):
the model's division flux after a rat 70 % hepatectomy at the rat defaults, at 14 times in the
first four days, plus Gaussian noise with an SD of 10 % of the peak (numpy default_rng(1)).

    python docs/make_synthetic_labelling.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from livermodel.scenario import load_scenario
from livermodel.version import __version__

OUT = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "livermodel"
    / "data"
    / "rat_phx70_proliferation_synthetic.csv"
)
TIMES = (2, 4, 6, 8, 12, 16, 20, 24, 30, 36, 48, 60, 72, 96)


def main() -> None:
    sc = load_scenario("rat-phx-70")
    r = sc.run()
    flux = np.array([r.at("proliferation", t) for t in TIMES])
    sd = 0.1 * float(np.max(r["proliferation"]))
    noisy = flux + np.random.default_rng(1).normal(0.0, sd, flux.size)
    p = sc.parameters
    lines = [
        "# SYNTHETIC data, not a measurement: the hepatocyte division flux (a BrdU/Ki-67-like",
        f"# labelling time course) after 70 % PHx in the rat, simulated with livermodel {__version__} at the",
        f"# rat defaults (division_rate {p['division_rate']:g}, priming_rate {p['priming_rate']:g}) plus "
        "Gaussian noise (SD 10 % of the",
        "# peak, numpy default_rng(1)); made by docs/make_synthetic_labelling.py. It stands for the",
        "# experiment that would separate priming from division; see docs/analyses.md, worked example 7.",
        "time_h,variable,value,sd",
        *(f"{t},proliferation,{v:.6f},{sd:.6f}" for t, v in zip(TIMES, noisy, strict=True)),
    ]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
