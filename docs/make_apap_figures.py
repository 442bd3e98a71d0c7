"""The figures of the acetaminophen section of docs/model.md.

    python docs/make_apap_figures.py        # writes docs/figures/acetaminophen/*.png (about 1 min)

1. ``time-course.png``: plasma acetaminophen, hepatic glutathione, protein adducts and serum ALT
   over the first 48 h (ALT to 120 h) after 300 mg/kg in the mouse and 500 mg/kg in a human,
   without and with intravenous N-acetylcysteine from 4 h.
2. ``nac-window.png``: time to N-acetylcysteine against the hepatotoxicity fraction (peak ALT or
   AST above 1,000 U/L) in a virtual cohort of overdose patients above the 200 mg/L probable-risk
   line, next to the rates of Smilkstein et al. 1988 (N Engl J Med 319:1557).  The trial is
   :func:`livermodel.studies.apap.nac_trial` (its docstring and VARIABILITY give the cohort).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from livermodel import NAC, Acetaminophen, resolve_parameters, simulate_batch
from livermodel.figures.canvas import grid_axes
from livermodel.figures.studies import note
from livermodel.figures.style import LAYOUT, OKABE_ITO, style_context
from livermodel.figures.timecourse import save_figure
from livermodel.studies.apap import nac_trial

OUT = Path(__file__).resolve().parent / "figures" / "acetaminophen"
#: Smilkstein et al. 1988: hepatotoxicity in probable-risk patients by time to NAC
SMILKSTEIN = {"0-10 h": 6.1, "10-24 h": 26.4}


def time_course_figure(style: str = "paper"):
    runs = [("mouse", 300, None), ("mouse", 300, 4.0), ("human", 800, None), ("human", 800, 4.0)]
    batch = simulate_batch(
        [resolve_parameters(s) for s, _, _ in runs],
        [[Acetaminophen(0, d)] + ([NAC(t)] if t is not None else []) for _, d, t in runs],
        duration=120,
        output_step=0.25,
    )
    panels = (
        ("apap_plasma", "plasma acetaminophen (mg/L)", 48),
        ("glutathione", "hepatic glutathione (x normal)", 48),
        ("adducts", "protein adducts (umol/kg)", 48),
        ("alt_u_per_l", "serum ALT (U/L)", 120),
    )
    colors = {
        ("mouse", None): OKABE_ITO["vermillion"],
        ("mouse", 4.0): OKABE_ITO["orange"],
        ("human", None): OKABE_ITO["blue"],
        ("human", 4.0): OKABE_ITO["sky_blue"],
    }
    with style_context(style):
        layout = LAYOUT[style]
        fig = Figure(figsize=(layout["width"], layout["row_height"] * 2.2), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(2, 2)
        for ax, (var, label, tmax) in zip(np.ravel(axes), panels, strict=True):
            for i, (sp, dose, t_nac) in enumerate(runs):
                r = batch[i]
                keep = r["time_h"] <= tmax
                name = f"{sp} {dose} mg/kg" + (f", NAC from {t_nac:g} h" if t_nac else "")
                ax.plot(
                    r["time_h"][keep],
                    r[var][keep],
                    color=colors[(sp, t_nac)],
                    ls="-" if t_nac is None else "--",
                    label=name,
                )
            ax.set_xlabel("time after the dose (h)")
            ax.set_ylabel(label)
            ax.set_xlim(0, tmax)
            if var == "alt_u_per_l":
                ax.set_yscale("log")
                ax.axhline(1000, color="0.5", lw=0.8, ls=":")
                ax.text(
                    tmax,
                    1000,
                    "1,000 U/L (hepatotoxicity)",
                    ha="right",
                    va="bottom",
                    fontsize="small",
                    color="0.35",
                )
            if var == "glutathione":
                ax.axhline(0.3, color="0.5", lw=0.8, ls=":")
        np.ravel(axes)[0].legend(fontsize="small", frameon=False)
        fig.suptitle(
            "Acetaminophen: mouse 300 mg/kg and human 800 mg/kg, untreated (solid) "
            "and with IV N-acetylcysteine from 4 h (dashed)",
            fontsize="medium",
        )
        note(fig, layout)
        return save_figure(fig, OUT / "time-course")


def nac_window_figure(style: str = "paper"):
    trial = nac_trial(n=800, seed=14)
    rates, n, doses = trial.rates, trial.enrolled, trial.doses
    with style_context(style):
        layout = LAYOUT[style]
        fig, (ax,), _ = grid_axes(
            1, 1, 1, (layout["width"] * 0.62, layout["row_height"] * 1.4), what="figure"
        )
        labels = ["0-4 h", "4-8 h", "8-10 h", "0-10 h", "10-24 h", "none"]
        x = np.arange(len(labels))
        lo = [rates[k] - trial.intervals[k][0] for k in labels]
        hi = [trial.intervals[k][1] - rates[k] for k in labels]
        ax.bar(
            x,
            [rates[k] for k in labels],
            color=OKABE_ITO["blue"],
            width=0.6,
            yerr=[lo, hi],
            capsize=3,
            label=f"livermodel virtual trial (n = {n}, 95 % CI)",
        )
        for i, key in ((3, "0-10 h"), (4, "10-24 h")):
            ax.plot(
                [i - 0.35, i + 0.35],
                [SMILKSTEIN[key]] * 2,
                color=OKABE_ITO["vermillion"],
                lw=2.5,
                label="Smilkstein et al. 1988" if i == 3 else None,
            )
        ax.set_xticks(x, labels)
        ax.set_xlabel("time from overdose to N-acetylcysteine")
        ax.set_ylabel("hepatotoxicity (% with ALT or AST > 1,000 U/L)")
        ax.set_ylim(0, 100)
        ax.legend(fontsize="small", frameon=False, loc="upper left")
        ax.set_title(
            f"probable-risk patients (4-h level >= 200 mg/L), ingested dose median "
            f"{np.median(doses):.0f} mg/kg; oral 72 h NAC",
            fontsize="small",
        )
        note(fig, layout)
        path = save_figure(fig, OUT / "nac-window")
    return path, rates, n


if __name__ == "__main__":
    print(time_course_figure())
    path, rates, n = nac_window_figure()
    print(path, n, {k: round(v, 1) for k, v in rates.items()})
