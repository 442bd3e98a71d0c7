"""Output folders: provenance and file names (:mod:`.provenance`), file contents
(:mod:`.tables`), run and comparison folders (:mod:`.runs`), reading them back and redrawing
(:mod:`.saved`), sweep folders (:mod:`.sweep`), study folders (:mod:`.studies`) and text for
people (:mod:`.text`).  Atomic writing itself is :mod:`livermodel.files`."""
