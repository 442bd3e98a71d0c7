"""Figures: one style (:mod:`.style`), time courses and comparisons (:mod:`.timecourse`), sweep
maps and curves (:mod:`.sweep`), study figures (:mod:`.studies`) and phase portraits
(:mod:`.phase`).  Plot functions take an ``ax`` or return a ``Figure``; none calls ``show()``.
matplotlib is imported inside the functions, so importing this package is cheap."""
