"""Studies: loops over the batched solver that answer a question about a scenario.

=====================================  ===================================================
:mod:`livermodel.studies.sweep`        parameter sweeps: designs, plans, chunks, tables
:mod:`livermodel.studies.threshold`    ``livermodel threshold``: the critical value of a key
:mod:`livermodel.studies.sensitivity`  ``livermodel sensitivity``: local, Morris, Sobol
:mod:`livermodel.studies.cohort`       ``livermodel cohort``: virtual animals or patients
:mod:`livermodel.studies.fit`          ``livermodel fit``: least-squares calibration to data
:mod:`livermodel.studies.phase`        ``livermodel phase``: steady states and phase portraits
=====================================  ===================================================

Every study is a loop over :func:`livermodel.solve.simulate_batch`, never a second solver.  Their
figures live in :mod:`livermodel.figures`, their output folders in :mod:`livermodel.output`.
"""
