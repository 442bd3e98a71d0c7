"""Exchange with other tools: SBML Level 3 Version 2 export (:mod:`.sbml`, built from the
formulas in :mod:`.sbml_terms`)."""
