"""Studies: loops over the batched solver that answer a question about a scenario.

=====================================  ===================================================
:mod:`livermodel.studies.sweep`        parameter sweeps: designs, plans, chunks, tables
:mod:`livermodel.studies.threshold`    ``livermodel threshold``: the critical value of a key
:mod:`livermodel.studies.sensitivity`  ``livermodel sensitivity``: local, Morris, Sobol
:mod:`livermodel.studies.cohort`       ``livermodel cohort``: virtual animals or patients
:mod:`livermodel.studies.fit`          ``livermodel fit``: least-squares calibration to data
:mod:`livermodel.studies.profile`      profile likelihood; the batched Levenberg-Marquardt
:mod:`livermodel.studies.problem`      fit problems: experiments, shared/per-arm parameters
:mod:`livermodel.studies.data`         the measured data tables of a fit
:mod:`livermodel.studies.phase`        ``livermodel phase``: steady states and phase portraits
=====================================  ===================================================

Every study is a loop over :func:`livermodel.solve.simulate_batch`, never a second solver.  Their
figures live in :mod:`livermodel.figures`, their output folders in :mod:`livermodel.output`.
"""
