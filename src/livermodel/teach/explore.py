"""An interactive explorer: a scenario's time course with sliders and therapy switches.

:class:`Explorer` draws four panels (hepatocyte mass, signals, serum ALT, and the therapy effect
or cell turnover) next to a column of sliders: the most instructive parameters (critical mass,
metabolic load, death sensitivity, regeneration capacity, inflammation production, and the
toxin threshold or therapy EC50 where the scenario has a toxin or a therapy) and the size and time
of each of the scenario's insults and doses.  Check boxes switch each therapy effect channel
(``anti_inflammatory_on``, ``anti_death_on``, ``pro_regenerative_on``).  Every change re-runs the
simulation (about 20 ms) and redraws the panels and the outcome summary.

``livermodel explore SCENARIO`` opens it in a window; ``--snapshot FILE.png`` draws the initial
state without a display (Agg).  In Python::

    ex = Explorer("rat-phx-70")            # an Agg figure
    ex.set("insults.0.fraction", 0.9)      # as if the slider were moved
    ex.figure.savefig("phx90.png")
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from livermodel.errors import LivermodelError, did_you_mean
from livermodel.model.parameters import BY_NAME
from livermodel.model.schedule import (
    EV,
    MSC,
    NAC,
    Antidote,
    Chronic,
    Dose,
    Hepatectomy,
    InflammatoryHit,
    Schedule,
    Toxin,
)
from livermodel.units import unit_in_label

if TYPE_CHECKING:
    from matplotlib.widgets import Slider

#: Parameters shown as sliders for every scenario.
CORE_PARAMETERS = (
    "critical_mass",
    "metabolic_load",
    "death_sensitivity",
    "regeneration_capacity",
    "inflammation_production",
)
#: Therapy effect channels shown as check boxes.
SWITCHES = ("anti_inflammatory_on", "anti_death_on", "pro_regenerative_on")
SWITCH_LABELS = {
    "anti_inflammatory_on": "anti-inflammatory",
    "anti_death_on": "anti-death",
    "pro_regenerative_on": "pro-regenerative",
}
MAX_EVENT_SLIDERS = 4

#: Which field of each event kind is its size: the slider's field, label, unit, range rule and
#: whether it moves on a log scale.  Doses (toxin, acetaminophen, D-galactosamine) share one
#: entry, labelled by their own ``what``.
_SIZE = {
    Hepatectomy: ("fraction", "resected fraction", "", lambda v: (0.1, 0.95), False),
    Dose: ("dose", None, "mg/kg", lambda v: (v * 0.1, v * 3), True),
    InflammatoryHit: ("amount", "inflammatory hit", "", lambda v: (v * 0.1, v * 3), False),
    MSC: ("dose", "MSC dose", "1e6/kg", lambda v: (v * 0.1, v * 10), True),
    EV: ("dose", "EV dose", "ug/kg", lambda v: (v * 0.1, v * 10), True),
    Chronic: ("rate", "chronic injury", "1/h", lambda v: (v * 0.1, v * 4), True),
}
#: Names of the events without a size slider (only their time moves).
_TIME_ONLY = {Antidote: "antidote", NAC: "NAC"}


@dataclass
class Control:
    """One slider: ``key`` is a scenario key path (``parameters.critical_mass``,
    ``insults.0.fraction``); ``log`` sliders move on a logarithmic scale."""

    key: str
    label: str
    lo: float
    hi: float
    value: float
    log: bool = False
    unit: str = ""


def _event_controls(sc) -> list[tuple[Control, int, str]]:
    """Sliders for the size and time of the scenario's first events: (control, index, field)."""
    out = []
    counts = {"insults": 0, "interventions": 0}
    for i, ev in enumerate(sc.schedule.events[:MAX_EVENT_SLIDERS]):
        group = "interventions" if isinstance(ev, (MSC, EV, Antidote, NAC)) else "insults"
        j = counts[group]
        counts[group] += 1
        kind = Dose if isinstance(ev, Dose) else type(ev)
        if kind in _SIZE:
            fieldname, label, unit, rule, log = _SIZE[kind]
            name = label or ev.what
            v = float(getattr(ev, fieldname))
            lo, hi = rule(v)
            out.append(
                (Control(f"{group}.{j}.{fieldname}", name, lo, hi, v, log=log, unit=unit), i, fieldname)
            )
        else:
            name = _TIME_ONLY[kind]
        tfield = "start" if isinstance(ev, Chronic) else "at"
        t = float(getattr(ev, tfield))
        scale = float(sc.parameters["time_scale"])
        hi = min(sc.duration_h * 0.75, max(2.0 * t, 24.0 * scale, t + 12.0))
        out.append(
            (Control(f"{group}.{j}.{tfield}", f"{name}: time", 0.0, max(hi, t), t, unit="h"), i, tfield)
        )
    return out


def _moved(ev, fieldname: str, value: float):
    """``ev`` with ``fieldname`` set to ``value``; an interval (chronic, antidote) keeps its length."""
    if fieldname == "start" and isinstance(ev, Chronic):
        return dataclasses.replace(ev, start=value, end=ev.end + (value - ev.start))
    if fieldname == "at" and isinstance(ev, Antidote) and math.isfinite(ev.end):
        return dataclasses.replace(ev, at=value, end=ev.end + (value - ev.at))
    return dataclasses.replace(ev, **{fieldname: value})


class Explorer:
    """The explorer for one scenario, drawn into ``fig`` (default: a new Agg figure).

    ``controls`` lists the sliders; :meth:`set` moves one (and redraws), :meth:`toggle` flips a
    therapy channel.  ``last_draw_s`` is the time the last update took (simulation and drawing).
    """

    FIGSIZE = (12.5, 7.0)

    def __init__(self, scenario, *, overrides=(), fig=None, style: str = "paper"):
        from livermodel.scenario.scenario import Scenario, load_scenario

        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, overrides)
        self.style = style
        sc = self.scenario
        self.params = dict(sc.parameters)
        self.events = list(sc.schedule.events)
        self.controls: list[Control] = []
        self._event_field: dict[str, tuple[int, str]] = {}
        names = list(CORE_PARAMETERS)
        if any(isinstance(e, Toxin) for e in self.events):
            names.append("toxin_ec50")
        if self.has_therapy:
            names.append("therapy_ec50")
        for n in names:
            par = BY_NAME[n]
            v = float(self.params[n])
            lo, hi = min(par.bounds[0], v), max(par.bounds[1], v)
            self.controls.append(
                Control(f"parameters.{n}", n, lo, hi, v, log=hi / max(lo, 1e-12) > 30, unit="")
            )
        for c, i, f in _event_controls(sc):
            self.controls.append(c)
            self._event_field[c.key] = (i, f)
        self.switches = {s: bool(self.params[s] >= 0.5) for s in SWITCHES}
        self._initial = {c.key: c.value for c in self.controls}
        self.last_draw_s = 0.0
        self._sliders: dict[str, Slider] = {}
        self._building = True
        self._build(fig)
        self._building = False
        self.update()

    # -- state -----------------------------------------------------------------------------
    @property
    def has_therapy(self) -> bool:
        return any(isinstance(e, (MSC, EV)) for e in self.events)

    def control(self, key: str) -> Control:
        for c in self.controls:
            if c.key == key:
                return c
        raise LivermodelError(
            f"the explorer has no slider '{key}'",
            expected=", ".join(c.key for c in self.controls),
            suggestion=did_you_mean(key, [c.key for c in self.controls]),
        )

    def values(self) -> tuple[dict, Schedule]:
        """The parameters and schedule for the current slider and switch positions."""
        params = dict(self.params)
        events = list(self.events)
        for c in self.controls:
            if c.key.startswith("parameters."):
                params[c.key.split(".", 1)[1]] = c.value
            else:
                i, f = self._event_field[c.key]
                events[i] = _moved(events[i], f, c.value)
        for s, on in self.switches.items():
            params[s] = 1.0 if on else 0.0
        return params, Schedule(events)

    def run(self):
        """Simulate the current settings; returns the :class:`~livermodel.solve.simulate.Result`."""
        from livermodel.solve.simulate import simulate_batch

        params, schedule = self.values()
        sc = self.scenario
        return simulate_batch(
            [params],
            schedule,
            duration=sc.duration_h,
            output_step=sc.output_step_h,
            settings=sc.settings,
            initial=sc.initial or None,
        )[0]

    def set(self, key: str, value: float) -> None:
        """Move slider ``key`` to ``value`` (clipped to its range) and redraw."""
        c = self.control(key)
        value = min(max(float(value), c.lo), c.hi)
        slider = self._sliders.get(key)
        if slider is not None:
            slider.set_val(math.log10(value) if c.log else value)  # calls _on_slider
        else:
            c.value = value
            self.update()

    def toggle(self, switch: str) -> None:
        """Flip therapy channel ``switch`` (one of :data:`SWITCHES`) and redraw."""
        if switch not in SWITCHES:
            raise LivermodelError(f"unknown therapy channel '{switch}'", expected=", ".join(SWITCHES))
        self._checks.set_active(SWITCHES.index(switch))  # calls _on_check

    # -- drawing ---------------------------------------------------------------------------
    def _build(self, fig) -> None:
        from matplotlib.widgets import Button, CheckButtons, Slider

        from livermodel.figures.style import style_context

        if fig is None:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            fig = Figure(figsize=self.FIGSIZE)
            FigureCanvasAgg(fig)
        self.figure = fig
        with style_context(self.style):
            gs = fig.add_gridspec(2, 2, left=0.06, right=0.62, top=0.9, bottom=0.08, hspace=0.42, wspace=0.32)
            self.axes = [fig.add_subplot(gs[k // 2, k % 2]) for k in range(4)]
            fig.suptitle(
                f"livermodel explore: {self.scenario.name}", x=0.06, ha="left", fontweight="bold", fontsize=11
            )
            n = len(self.controls)
            top, bottom = 0.93, 0.30
            h = min(0.045, (top - bottom) / max(n, 1))
            for k, c in enumerate(self.controls):
                ax = fig.add_axes((0.80, top - (k + 1) * h + h * 0.25, 0.15, h * 0.5))
                label = c.label + (f" ({unit_in_label(c.unit)})" if c.unit else "")
                if c.log:
                    s = Slider(ax, label, math.log10(c.lo), math.log10(c.hi), valinit=math.log10(c.value))
                    s.valtext.set_text(f"{c.value:.4g}")
                else:
                    s = Slider(ax, label, c.lo, c.hi, valinit=c.value)
                    s.valtext.set_text(f"{c.value:.4g}")
                s.label.set_fontsize(8)
                s.valtext.set_fontsize(8)

                def changed(v: float, c: Control = c, s: Slider = s) -> None:
                    self._on_slider(c, s, v)

                s.on_changed(changed)
                self._sliders[c.key] = s
            cax = fig.add_axes((0.865, 0.09, 0.13, 0.13))
            cax.set_title("therapy effect channels", fontsize=8, loc="left")
            self._checks = CheckButtons(
                cax, [SWITCH_LABELS[s] for s in SWITCHES], [self.switches[s] for s in SWITCHES]
            )
            for t in self._checks.labels:
                t.set_fontsize(8)
            self._checks.on_clicked(self._on_check)
            bax = fig.add_axes((0.865, 0.02, 0.07, 0.045))
            self._reset = Button(bax, "reset")
            self._reset.label.set_fontsize(8)
            self._reset.on_clicked(lambda _e: self.reset())
            self._summary = fig.text(0.645, 0.25, "", va="top", ha="left", fontsize=8, family="monospace")

    def _on_slider(self, c: Control, s, v: float) -> None:
        c.value = 10**v if c.log else float(v)
        s.valtext.set_text(f"{c.value:.4g}")
        if not self._building:
            self.update()

    def _on_check(self, label) -> None:
        for s in SWITCHES:
            if SWITCH_LABELS[s] == label:
                self.switches[s] = not self.switches[s]
        if not self._building:
            self.update()

    def reset(self) -> None:
        """Put every slider and switch back to the scenario's values, and redraw once."""
        self._building = True
        try:
            for c in self.controls:
                v = self._initial[c.key]
                self._sliders[c.key].set_val(math.log10(v) if c.log else v)
                c.value = v  # exactly: 10 ** log10(v) may differ from v in the last digit
            for k, s in enumerate(SWITCHES):
                if self.switches[s] != bool(self.scenario.parameters[s] >= 0.5):
                    self._checks.set_active(k)  # _on_check flips it
        finally:
            self._building = False
        self.update()

    def update(self) -> None:
        """Re-run the simulation for the current settings and redraw the panels."""
        from livermodel.figures.style import style_context, time_axis
        from livermodel.figures.timecourse import (
            mark_events,
            plot_alt,
            plot_mass,
            plot_signals,
            plot_therapy_effect,
            plot_turnover,
        )
        from livermodel.output.text import SUMMARY, format_metric

        start = time.perf_counter()
        run = self.run()
        self.result = run
        unit = time_axis(self.scenario.duration_h)[0]
        last = plot_therapy_effect if self.has_therapy else plot_turnover
        titles = (
            "A  Hepatocyte mass",
            "B  Signals",
            "C  Serum ALT",
            "D  Therapy effect" if self.has_therapy else "D  Cell turnover",
        )
        with style_context(self.style):
            for ax, func, title in zip(
                self.axes, (plot_mass, plot_signals, plot_alt, last), titles, strict=True
            ):
                ax.clear()
                func(ax, run, unit=unit)
                mark_events(ax, run, unit=unit)
                ax.set_title(title)
                handles, labels = ax.get_legend_handles_labels()
                keep = [
                    (h, lab)
                    for h, lab in zip(handles, labels, strict=True)
                    if lab not in ("set point", "failure level", "failure")
                ]
                if len(keep) > 1:
                    ax.legend(*zip(*keep, strict=True), loc="best", fontsize=7)
            if run.success:
                m = run.metrics()
                lines = [
                    f"{label.split(' (')[0]:<21} {format_metric(name, m.get(name), m)}"
                    for name, label in SUMMARY
                ]
            else:
                lines = ["the simulation failed:", run.message[:60]]
            self._summary.set_text("outcome\n" + "\n".join(lines))
        canvas = self.figure.canvas
        if canvas is not None:
            canvas.draw_idle()
        self.last_draw_s = time.perf_counter() - start

    def save(self, path, *, dpi: int = 100) -> None:
        """Save the current window as an image (atomically)."""
        from livermodel.files import atomic_path

        with atomic_path(path) as tmp:
            self.figure.savefig(tmp, dpi=dpi, format=str(path).rsplit(".", 1)[-1].lower())


def snapshot(scenario, path, *, overrides=(), settings: dict | None = None, dpi: int = 100) -> Explorer:
    """Draw the explorer's initial window without a display and save it to ``path`` (PNG).

    ``settings`` moves sliders first (``{"parameters.critical_mass": 0.25}``).
    """
    ex = Explorer(scenario, overrides=overrides)
    for k, v in (settings or {}).items():
        ex.set(k, v)
    ex.save(path, dpi=dpi)
    return ex


def show(scenario, *, overrides=()) -> Explorer:
    """Open the explorer in an interactive window (needs a display)."""
    import matplotlib

    backend = matplotlib.get_backend().lower()
    import matplotlib.pyplot as plt

    if backend in ("agg", "pdf", "svg", "ps", "cairo", "template") or "inline" in backend:
        raise LivermodelError(
            f"no interactive window is available (matplotlib backend '{backend}')",
            suggestion="Run on a machine with a display (or set MPLBACKEND=TkAgg or QtAgg), or "
            "use --snapshot FILE.png to save the initial window as an image",
        )
    fig = plt.figure(figsize=Explorer.FIGSIZE)
    ex = Explorer(scenario, overrides=overrides, fig=fig)
    vars(fig)["_livermodel_explorer"] = ex  # keep the widgets alive while the window is open
    plt.show()
    return ex
