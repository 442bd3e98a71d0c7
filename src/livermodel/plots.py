"""Compatibility name for :mod:`livermodel.figures.timecourse` (``from livermodel.plots import
timecourse_figure`` keeps working)."""

from livermodel.figures.timecourse import (  # noqa: F401
    comparison_figure,
    event_labels,
    has_therapy,
    label_events,
    mark_events,
    plot_alt,
    plot_mass,
    plot_signals,
    plot_therapy,
    plot_therapy_effect,
    plot_turnover,
    save_figure,
    timecourse_figure,
)
