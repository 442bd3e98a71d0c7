"""Output folders of the analyses: JSON, CSV tables, figures, and ``provenance.json`` last.

Each ``write_*`` function takes a result, writes one folder atomically file by file (see
:class:`livermodel.analysis._common.OutputFolder`) and returns the list of paths written.
"""

from __future__ import annotations

from ._common import OutputFolder, csv_text, dumps

__all__ = ["write_threshold", "write_sensitivity", "write_cohort", "write_fit"]


def write_threshold(folder, result, *, formats=("png",), style="paper", command=None,
                    started=None) -> list:
    """``threshold.json``, ``threshold_points.csv`` and ``threshold.<format>``."""
    out = OutputFolder(folder, formats=formats, style=style)
    out.put("threshold.json", dumps(result.to_dict()))
    header = ["along_value", result.key, "outcome", result.metric, "round", "status", "message"]
    rows = [[p["along_value"], p["value"], p["outcome"], p["metric_value"], p["round"],
             p["status"], p["message"]] for p in result.points]
    out.put("threshold_points.csv", csv_text(header, rows))
    if out.formats:
        from .threshold import threshold_figure

        out.figure(threshold_figure(result, style=style), "threshold")
    out.seal(result.scenario, kind="threshold", command=command, started=started)
    return [out.path / f for f in out.files]


def write_sensitivity(folder, result, *, formats=("png",), style="paper", command=None,
                      started=None) -> list:
    """``sensitivity.json``, ``sensitivity.csv`` (one row per parameter) and the figure."""
    out = OutputFolder(folder, formats=formats, style=style)
    out.put("sensitivity.json", dumps(result.to_dict()))
    keys = [k for k in result.rows[0] if k != "name"] if result.rows else []
    out.put("sensitivity.csv", csv_text(["parameter", *keys],
                                        [[r["name"], *[r.get(k) for k in keys]] for r in result.rows]))
    if out.formats:
        from .sensitivity import sensitivity_figure

        out.figure(sensitivity_figure(result, style=style), f"sensitivity-{result.method}")
    out.seal(result.scenario, kind="sensitivity", command=command, started=started,
             extra={"seed": result.seed})
    return [out.path / f for f in out.files]


def write_cohort(folder, result, *, formats=("png",), style="paper", command=None,
                 started=None) -> list:
    """``cohort.json``, ``individuals.csv`` (one row per individual and arm) and the figure."""
    out = OutputFolder(folder, formats=formats, style=style)
    out.put("cohort.json", dumps(result.to_dict()))
    header, rows = result.table()
    out.put("individuals.csv", csv_text(header, rows))
    if out.formats:
        from .cohort import cohort_figure

        out.figure(cohort_figure(result, style=style), "cohort")
    out.seal(result.arms[0].scenario, kind="cohort", command=command, started=started,
             extra={"seed": result.seed,
                    "arms": {a.label: {"name": a.scenario.name, "sha256": a.scenario.sha256}
                             for a in result.arms}})
    return [out.path / f for f in out.files]


def write_fit(folder, result, *, formats=("png",), style="paper", command=None,
              started=None) -> list:
    """``fit.json``, ``fit_points.csv``, ``<name>-calibrated.yaml`` and ``fit.<format>``."""
    from .fit import calibrated_scenario

    out = OutputFolder(folder, formats=formats, style=style)
    out.put("fit.json", dumps(result.to_dict()))
    header, rows = result.points()
    out.put("fit_points.csv", csv_text(header, rows))
    calibrated, text = calibrated_scenario(result)
    out.put(f"{calibrated.name}.yaml", text)
    if out.formats:
        from .fit import fit_figure

        out.figure(fit_figure(result, style=style), "fit")
    out.seal(result.scenario, kind="fit", command=command, started=started,
             extra={"data": result.data.source})
    return [out.path / f for f in out.files]
