"""Study output folders (threshold, sensitivity, cohort, fit), written like run folders: every
file atomically, ``provenance.json`` removed first and written last with the hash of every file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from livermodel.errors import LivermodelError
from livermodel.studies.common import csv_text, dumps, jsonable


class OutputFolder:
    """An analysis output folder, written like a run folder (see :mod:`livermodel.output`).

    Every file is written atomically; ``provenance.json`` is removed first and written last
    with the SHA-256 of every file, so a folder without it was interrupted.
    """

    def __init__(
        self, path, *, formats=("png",), style: str = "paper", ident: dict | None = None, force: bool = False
    ):
        from livermodel.files import check_formats
        from livermodel.output.provenance import PROVENANCE, prepare_output_dir

        self.formats = check_formats(formats)
        if self.formats:
            from livermodel.figures.style import check_style

            check_style(style)
        self.style = style
        self.ident = ident
        self.path = prepare_output_dir(path, ident, force=force)
        self.files: list[str] = []
        try:
            (self.path / PROVENANCE).unlink(missing_ok=True)
        except OSError as err:
            raise self._error(PROVENANCE, err) from None

    def _error(self, name, err: OSError) -> LivermodelError:
        return LivermodelError(
            f"could not write '{self.path / name}': {err.strerror or err}",
            key="--out",
            suggestion="Check free disk space and permissions, or choose another folder with --out",
        )

    def put(self, name: str, text: str) -> Path:
        from livermodel.files import atomic_write

        try:
            atomic_write(self.path / name, text)
        except OSError as err:
            raise self._error(name, err) from None
        self.files.append(name)
        return self.path / name

    def figure(self, fig, stem: str) -> list[Path]:
        from livermodel.figures.timecourse import save_figure

        try:
            paths = save_figure(fig, self.path / stem, self.formats)
        except OSError as err:
            raise self._error(stem, err) from None
        self.files += [p.name for p in paths]
        return paths

    def seal(
        self, scenario, *, kind: str, command: str | None, started: str | None, extra: Mapping | None = None
    ) -> Path:
        from livermodel.files import sha256_file
        from livermodel.output.provenance import PROVENANCE, provenance

        record = provenance(None, scenario, command=command, started=started, kind=kind, ident=self.ident)
        if scenario is not None:
            record["solver"] = scenario.settings.as_dict()
        record.update(jsonable(dict(extra or {})))
        record["files"] = {name: sha256_file(self.path / name) for name in self.files}
        return self.put(PROVENANCE, dumps(record))


__all__ = ["write_threshold", "write_sensitivity", "write_cohort", "write_fit", "write_check"]


def _ident(kind: str, scenario, overrides) -> dict:
    """The identity of a study folder (see :mod:`livermodel.output.folders`): a folder holding
    another kind of output, another scenario or other ``--set`` values is refused unless
    ``force``."""
    from livermodel.output.folders import identity

    return identity(kind, [getattr(scenario, "name", None)], list(overrides or ()))


def write_threshold(
    folder, result, *, formats=("png",), style="paper", command=None, started=None, overrides=(), force=False
) -> list:
    """``threshold.json``, ``threshold_points.csv`` and ``threshold.<format>``."""
    out = OutputFolder(
        folder,
        formats=formats,
        style=style,
        force=force,
        ident=_ident("threshold", result.scenario, overrides),
    )
    out.put("threshold.json", dumps(result.to_dict()))
    header = ["along_value", result.key, "outcome", result.metric, "round", "status", "message"]
    rows = [
        [p["along_value"], p["value"], p["outcome"], p["metric_value"], p["round"], p["status"], p["message"]]
        for p in result.points
    ]
    out.put("threshold_points.csv", csv_text(header, rows))
    if out.formats:
        from livermodel.figures.studies import threshold_figure

        out.figure(threshold_figure(result, style=style, overrides=overrides), "threshold")
    out.seal(result.scenario, kind="threshold", command=command, started=started)
    return [out.path / f for f in out.files]


def write_sensitivity(
    folder, result, *, formats=("png",), style="paper", command=None, started=None, overrides=(), force=False
) -> list:
    """``sensitivity.json``, ``sensitivity.csv`` (one row per parameter) and the figure."""
    out = OutputFolder(
        folder,
        formats=formats,
        style=style,
        force=force,
        ident=_ident("sensitivity", result.scenario, overrides),
    )
    out.put("sensitivity.json", dumps(result.to_dict()))
    keys = [k for k in result.rows[0] if k != "name"] if result.rows else []
    out.put(
        "sensitivity.csv",
        csv_text(["parameter", *keys], [[r["name"], *[r.get(k) for k in keys]] for r in result.rows]),
    )
    if out.formats:
        from livermodel.figures.studies import sensitivity_figure

        out.figure(
            sensitivity_figure(result, style=style, overrides=overrides), f"sensitivity-{result.method}"
        )
    out.seal(
        result.scenario, kind="sensitivity", command=command, started=started, extra={"seed": result.seed}
    )
    return [out.path / f for f in out.files]


def write_cohort(
    folder,
    result,
    *,
    formats=("png",),
    style="paper",
    command=None,
    started=None,
    overrides=(),
    force=False,
    window_h=None,
) -> list:
    """``cohort.json``, ``individuals.csv`` (one row per individual and arm) and the figure
    (its survival panel limited to the first ``window_h`` hours, if given)."""
    out = OutputFolder(
        folder,
        formats=formats,
        style=style,
        force=force,
        ident=_ident("cohort", result.arms[0].scenario, overrides),
    )
    out.put("cohort.json", dumps(result.to_dict()))
    header, rows = result.table()
    out.put("individuals.csv", csv_text(header, rows))
    if out.formats:
        from livermodel.figures.studies import cohort_figure

        out.figure(cohort_figure(result, style=style, window_h=window_h, overrides=overrides), "cohort")
    out.seal(
        result.arms[0].scenario,
        kind="cohort",
        command=command,
        started=started,
        extra={
            "seed": result.seed,
            "arms": {a.label: {"name": a.scenario.name, "sha256": a.scenario.sha256} for a in result.arms},
        },
    )
    return [out.path / f for f in out.files]


def write_fit(
    folder, result, *, formats=("png",), style="paper", command=None, started=None, overrides=(), force=False
) -> list:
    """``fit.json``, ``fit_points.csv``, one ``<name>-calibrated.yaml`` per experiment and
    ``fit.<format>``.

    The calibrated scenarios are simulated afresh from their text and must reproduce the
    reported objective (to 1e-6 relative, at the fit's tolerances); ``fit.json`` records the
    reproduced value, and a mismatch is an error (nothing is sealed)."""
    from livermodel.studies.fit import calibrated_scenarios, reproduce_chi2

    out = OutputFolder(
        folder, formats=formats, style=style, force=force, ident=_ident("fit", result.scenario, overrides)
    )
    cal = calibrated_scenarios(result)
    again = reproduce_chi2(result, [text for _, _, text in cal])
    record = result.to_dict()
    record["calibrated_scenarios"] = [f"{sc.name}.yaml" for _, sc, _ in cal]
    record["reproduced_chi2"] = again
    out.put("fit.json", dumps(record))
    if not abs(again - result.chi2) <= 1e-6 * max(1.0, abs(result.chi2)):
        raise LivermodelError(
            f"the calibrated scenario gives chi2 = {again!r}, not the reported {result.chi2!r}",
            key="--out",
            suggestion="please report this: the written parameter values do not reproduce the fit",
        )
    header, rows = result.points()
    out.put("fit_points.csv", csv_text(header, rows))
    for _, sc, text in cal:
        out.put(f"{sc.name}.yaml", text)
    if out.formats:
        from livermodel.figures.fit import fit_figure

        out.figure(fit_figure(result, style=style, overrides=overrides), "fit")
    out.seal(
        result.scenario,
        kind="fit",
        command=command,
        started=started,
        extra={
            "data": result.data.source,
            "problem": getattr(result.problem, "source", None),
            **({"seed": result.seed} if result.starts else {}),
        },
    )
    return [out.path / f for f in out.files]


def write_check(folder, result, *, formats=("png",), style="paper", command=None, started=None) -> list:
    """``scorecard.csv``, ``scorecard.json`` and (with data) ``check-data.<format>``."""
    out = OutputFolder(folder, formats=formats, style=style)
    rows = [r.as_dict() for r in result.rows]
    header = ["target", "source", "role", "data", "model", "verdict", "scenario", "detail"]
    out.put("scorecard.csv", csv_text(header, [[r[h] for h in header] for r in rows]))
    out.put("scorecard.json", dumps({"passed": result.passed, "rows": rows}))
    if out.formats and result.curves:
        from livermodel.figures.studies import check_figure

        out.figure(check_figure(result, style=style), "check-data")
    out.seal(
        None,
        kind="check",
        command=command,
        started=started,
        extra={"passed": result.passed, "failures": len(result.failures)},
    )
    return [out.path / f for f in out.files]
