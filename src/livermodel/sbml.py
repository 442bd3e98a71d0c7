"""Compatibility name for :mod:`livermodel.interop.sbml`."""

from livermodel.interop.sbml import check_document, export_sbml, sbml_text, to_sbml  # noqa: F401
from livermodel.interop.sbml_terms import UNIT_DEFINITIONS, sbml_unit  # noqa: F401
