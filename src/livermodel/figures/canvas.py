"""Where a whole figure draws: a new figure, a figure the caller gives, or the caller's axes.

Every whole-figure function (:func:`~livermodel.figures.timecourse.timecourse_figure`, the sweep,
study, fit, phase and check figures) takes ``ax=`` and ``fig=``:

* neither: a new constrained-layout figure on the Agg canvas (no ``pyplot``), sized for the style,
  with the title and the conceptual-model note;
* ``fig=``: an empty matplotlib ``Figure`` or ``SubFigure`` (``fig.subfigures(...)``) to lay the
  panels out in, with the title and the note;
* ``ax=``: an ``Axes`` or a sequence (or array) of them, one per panel, drawn on as they are.  The
  caller owns that figure: no title, note or layout change is added to it.  A figure needs as
  many axes as it has panels (the message says how many); axes beyond those are left alone.

The function returns the figure it drew on (for ``ax=``, the figure of the first axes).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np


def caller_axes(ax, n: int, what: str) -> list:
    """The caller's axes as a list of the first ``n``; a clear error when there are fewer."""
    from matplotlib.axes import Axes

    axes = [ax] if isinstance(ax, Axes) else list(np.asarray(ax, dtype=object).ravel())
    bad = [type(a).__name__ for a in axes if not isinstance(a, Axes)]
    if bad:
        raise TypeError(f"{what}: ax= must be an Axes or a sequence of Axes, not {bad[0]}")
    if len(axes) < n:
        raise ValueError(
            f"{what} draws {n} panel{'s' if n != 1 else ''} here, and ax= gave {len(axes)} Axes; "
            f"pass {n} (for example fig.subplots({_shape(n)}))"
        )
    return axes[:n]


def _shape(n: int) -> str:
    cols = 1 if n == 1 else 2 if n <= 4 else 3
    return f"{-(-n // cols)}, {cols}"


def new_figure(size: tuple[float, float], fig=None):
    """``fig`` when given, else a new constrained-layout Agg figure of ``size`` inches."""
    if fig is not None:
        return fig
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def grid_axes(n: int, rows: int, cols: int, size, *, ax=None, fig=None, what: str, **subplots):
    """``(figure, axes, owned)`` for a figure of ``n`` panels on a ``rows`` x ``cols`` grid.

    With ``ax``, the caller's first ``n`` axes and ``owned`` False (add no title, note or layout
    change); otherwise the grid is made in ``fig`` (or a new figure of ``size``), the cells beyond
    ``n`` hidden, and ``owned`` True.
    """
    if ax is not None:
        return *given_axes(ax, fig, n, what), False
    fig = new_figure(size, fig)
    axes = list(fig.subplots(rows, cols, squeeze=False, **subplots).ravel())
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes[:n], True


def given_axes(ax, fig, n: int, what: str) -> tuple:
    """``(figure, axes)`` for a figure drawn on the caller's axes ``ax`` (the first ``n``; the
    figure, or sub-figure, of the first); ``fig`` must then be None."""
    if fig is not None:
        raise ValueError(f"{what}: give ax= or fig=, not both")
    axes = caller_axes(ax, n, what)
    return axes[0].figure, axes


def is_root(fig) -> bool:
    """True for a whole ``Figure``; False for a ``SubFigure`` (whose layout belongs to its parent)."""
    from matplotlib.figure import Figure

    return isinstance(fig, Figure)


def _root(obj):
    """The top-level Figure of a Figure, SubFigure or Axes (a sub-figure's ``figure`` is its root)."""
    fig = obj if hasattr(obj, "get_figwidth") else obj.figure
    return fig if hasattr(fig, "get_figwidth") else fig.figure


def size_in(obj) -> tuple[float, float]:
    """Width and height in inches of a Figure, a SubFigure or an Axes."""
    bbox = obj.bbox
    dpi = _root(obj).dpi
    return bbox.width / dpi, bbox.height / dpi


def sub_figure_note(fig, text: str, size: float) -> bool:
    """On a ``SubFigure``, write the conceptual-model note as its x super-label, which the parent's
    constrained layout makes room for (a sub-figure cannot move its parent's layout rectangle).
    Returns False, writing nothing, for a whole ``Figure``."""
    if is_root(fig):
        return False
    fig.supxlabel(text, x=0.995, ha="right", fontsize=size, color="#666666", style="italic")
    return True


@contextmanager
def frozen_layout(fig, dpi: float):
    """Lay a whole figure out once with its text measured at ``dpi`` and keep that layout, with
    the layout engine off, for the ``with`` block; the engine is put back afterwards.

    matplotlib's ``savefig`` of a figure with a layout engine first draws the whole figure with
    no output, to run the layout at the file's resolution, and then draws it again into the
    file.  With the same layout run here beforehand, the file is the same image, drawn once.
    A ``SubFigure`` or a figure without a layout engine is left as it is.
    """
    import matplotlib

    engine = fig.get_layout_engine() if is_root(fig) else None
    if engine is None:
        yield fig
        return
    screen = fig.dpi
    fig.set_dpi(dpi)
    try:
        engine.execute(fig)
    finally:
        fig.set_dpi(screen)
    # no engine at all: matplotlib's 'none' placeholder would still make savefig draw twice
    with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    try:
        yield fig
    finally:
        fig.set_layout_engine(engine)
