"""The data types of the model lexicon: terms, equations and mechanisms."""

from __future__ import annotations

from dataclasses import dataclass

#: Appended to the meaning of a term whose rate the model divides by the species time scale.
TS = " (rate divided by time_scale)"


@dataclass(frozen=True)
class Term:
    """One additive (or multiplicative) part of an equation."""

    expression: str
    meaning: str
    parameters: tuple[str, ...] = ()
    source: str = "assumption"


@dataclass(frozen=True)
class Equation:
    """``lhs = sum of terms`` for a state variable or an auxiliary quantity."""

    name: str
    lhs: str
    terms: tuple[Term, ...]
    note: str = ""

    def formula(self) -> str:
        """The equation on one line (terms joined with their signs)."""
        parts = []
        for k, t in enumerate(self.terms):
            expr = t.expression
            if k and not expr.startswith(("-", "+", "*", "\u00d7")):
                expr = "+ " + expr
            parts.append(expr)
        return f"{self.lhs} = " + " ".join(parts)


@dataclass(frozen=True)
class Mechanism:
    """A named mechanism: its story, the equations that carry it and a command to see it."""

    name: str
    title: str
    story: str
    equations: tuple[str, ...]
    parameters: tuple[str, ...]
    sources: str
    try_it: str
