"""The one figure style of livermodel: palette, ``paper`` and ``slides`` sizes, the model note.

Nothing here imports matplotlib at module level: the style is plain data (``rcParams``
dictionaries and colours), applied by :func:`style_context` only when a figure is drawn, so that
``livermodel --help`` stays fast.

Colours follow the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), which stays
distinguishable for the common forms of colour-vision deficiency and in greyscale print when
combined with line styles.  In a comparison figure every arm gets one palette colour; within a
panel, variables are told apart by line style, never by colour alone.

Two styles exist:

``paper``
    180 mm (7.1 in) wide, the width of a two-column journal figure; 8 pt text.  Panels are laid
    out in two columns.
``slides``
    13.33 x 7.5 in, a 16:9 slide; 16 pt text, thicker lines.  Panels are laid out in three columns.
"""

from __future__ import annotations

from contextlib import contextmanager

from livermodel.errors import LivermodelError, did_you_mean

#: Okabe-Ito palette (name -> hex), in the order colours are given to arms.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "reddish_purple": "#CC79A7",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: Colours handed out to arms of a comparison, in order (yellow last: weak on white).
ARM_COLORS: tuple[str, ...] = (
    OKABE_ITO["black"],
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["yellow"],
)

#: Colour of reference lines (set point, failure threshold) and event marks.
REFERENCE_COLOR = "#555555"
#: Colour of the failure threshold line and shading.
FAILURE_COLOR = OKABE_ITO["vermillion"]

_COMMON = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.5,
    "axes.prop_cycle": None,  # filled in by style_context (needs matplotlib's cycler)
    "legend.frameon": True,  # a light backdrop, so legends stay readable over lines
    "legend.framealpha": 0.85,
    "legend.edgecolor": "none",
    "legend.fancybox": False,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "pdf.fonttype": 42,  # embed TrueType: text stays editable in Illustrator/Inkscape
    "ps.fonttype": 42,
    "svg.fonttype": "none",  # text stays text in SVG
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
}

#: rcParams of each style.
STYLES: dict[str, dict] = {
    "paper": {
        **_COMMON,
        "font.size": 8,
        "axes.titlesize": 8,
        "axes.labelsize": 8,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "legend.fontsize": 7,
        "lines.linewidth": 1.2,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
    },
    "slides": {
        **_COMMON,
        "font.size": 16,
        "axes.titlesize": 17,
        "axes.labelsize": 15,
        "xtick.labelsize": 13,
        "ytick.labelsize": 13,
        "legend.fontsize": 13,
        "lines.linewidth": 2.6,
        "axes.linewidth": 1.2,
        "xtick.major.width": 1.2,
        "ytick.major.width": 1.2,
        "xtick.major.size": 6,
        "ytick.major.size": 6,
    },
}

#: Layout of a panel figure in each style: figure width (in), height of one row (in), columns.
LAYOUT: dict[str, dict[str, float]] = {
    "paper": {"width": 7.09, "row_height": 2.05, "columns": 2, "note_size": 6},
    "slides": {"width": 16.0, "row_height": 4.1, "columns": 3, "note_size": 11},
}

#: Resolution of raster (PNG) output.
DPI = 300

#: The small note every figure carries.
CONCEPTUAL_NOTE = (
    "livermodel {version}: a conceptual model. Curves show qualitative behaviour, "
    "not predictions for an individual patient or animal."
)


def check_style(name: str) -> str:
    """Return ``name`` if it is a known style, else raise :class:`LivermodelError`."""
    if name not in STYLES:
        raise LivermodelError(
            f"unknown figure style '{name}'",
            key="--style",
            expected=f"one of {', '.join(STYLES)}",
            found=repr(name),
            suggestion=did_you_mean(name, STYLES),
        )
    return name


def note_text() -> str:
    """The conceptual-model note with the installed version filled in."""
    from livermodel.version import __version__

    return CONCEPTUAL_NOTE.format(version=__version__)


def arm_color(i: int) -> str:
    """Colour of arm ``i`` (cycles after eight arms)."""
    return ARM_COLORS[i % len(ARM_COLORS)]


@contextmanager
def style_context(name: str = "paper"):
    """Apply style ``name`` to matplotlib for the duration of a ``with`` block.

    Imports matplotlib (lazily) and yields the style's :data:`LAYOUT` entry.
    """
    check_style(name)
    import matplotlib
    from cycler import cycler

    rc = dict(STYLES[name])
    rc["axes.prop_cycle"] = cycler(color=list(ARM_COLORS))
    with matplotlib.rc_context(rc):
        yield LAYOUT[name]


def time_axis(duration_h: float) -> tuple[str, float]:
    """Unit and divisor for a time axis covering ``duration_h`` hours.

    Hours up to 4 days, days up to 10 weeks, weeks beyond: ``("d", 24.0)`` means "divide hours by
    24 and label the axis in days".
    """
    if duration_h <= 96:
        return "h", 1.0
    if duration_h <= 10 * 168:
        return "d", 24.0
    return "wk", 168.0


def with_overrides(title: str, overrides=()) -> str:
    """``title`` with the ``--set`` values the scenario was changed by on a line of their own
    (``title`` alone without any), so a study's figure never passes for the scenario as written."""
    from livermodel.scenario.overrides import describe_overrides

    text = describe_overrides([str(o) for o in overrides or ()])
    return f"{title}\n({text})" if text else title


#: Grey of runs whose solve failed (crosses, notes): not a model outcome.
FAILED_RUN_COLOR = "#888888"


def note_box(ax, note: str) -> None:
    """A boxed note in the middle of a panel that has nothing (or little) to show."""
    ax.text(
        0.5,
        0.5,
        note,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize="small",
        zorder=6,
        bbox={"facecolor": "white", "edgecolor": FAILED_RUN_COLOR, "alpha": 0.9},
    )
