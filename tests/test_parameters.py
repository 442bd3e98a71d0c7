"""The parameter table: complete rows, sane presets, errors with suggestions, docs in sync."""

from pathlib import Path

import pytest

from livermodel import PARAMETERS, SPECIES, ParameterError, resolve_parameters
from livermodel.model.parameters import TABLE_BEGIN, TABLE_END, check_species, markdown_table

DOCS = Path(__file__).resolve().parents[1] / "docs" / "model.md"


@pytest.mark.parametrize("p", PARAMETERS, ids=lambda p: p.name)
def test_every_row_is_complete_and_consistent(p):
    assert p.unit and p.description and p.source and p.group
    lo, hi = p.bounds
    assert lo <= p.default <= hi
    assert p.limits[0] <= lo <= hi <= p.limits[1]


@pytest.mark.parametrize("species", list(SPECIES))
def test_species_values_are_plausible_and_few(species):
    values = resolve_parameters(species)
    for name, v in SPECIES[species].items():
        lo, hi = next(p.bounds for p in PARAMETERS if p.name == name)
        assert lo <= v <= hi, name
    # presets differ in as few parameters as possible: at most six rows outside the drug groups
    # (time scale, load, the lumped toxin, enzymes) ...
    group = {p.name: p.group for p in PARAMETERS}
    drug = {n for n in SPECIES[species] if group[n] == "acetaminophen"}
    # (the body weight is a fact of the species, not a tuned knob)
    assert len(set(SPECIES[species]) - drug - {"alt_release", "ast_release", "body_weight"}) <= 6
    # ... and acetaminophen sensitivity in the drug and glutathione rows, never in the structure
    # of the injury (adduct threshold, stress feedback), which every species shares
    structure = {
        "adduct_ec50",
        "adduct_hill",
        "stress_glutathione_protection",
        "stress_amplification",
        "necrosis_stress_half",
        "glutathione_trap_half",
        "glutathione_max",
    }
    assert not drug & structure
    assert len(values) == len(PARAMETERS)


def test_errors_name_the_problem_and_suggest():
    with pytest.raises(ParameterError, match="Did you mean 'death_sensitivity'"):
        resolve_parameters("rat", {"death_sensitivty": 2})
    with pytest.raises(ParameterError, match="impossible"):
        resolve_parameters("rat", {"death_rate": -1})
    with pytest.raises(ParameterError, match="Did you mean 'mouse'"):
        check_species("mosue")


def test_docs_parameter_table_is_generated_from_the_code():
    text = DOCS.read_text(encoding="utf-8")
    inside = text[text.index(TABLE_BEGIN) + len(TABLE_BEGIN) : text.index(TABLE_END)].strip()
    assert inside == markdown_table(), (
        "docs/model.md is out of date: run  python -m livermodel.model.parameters docs/model.md"
    )
