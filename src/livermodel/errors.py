"""Errors raised by livermodel.

Every mistake a *user* can make (a bad scenario file, an unknown parameter, an impossible value)
raises a subclass of :class:`LivermodelError`.  The command line catches this one base class,
prints its message and exits with status 2, so a user never sees a traceback for their own
mistake.  Numerical trouble during a simulation is *not* an exception: it is reported on the
:class:`livermodel.solve.simulate.Result` (``success`` and ``message``).
"""

from __future__ import annotations


class LivermodelError(Exception):
    """Base class of every user-facing error.

    Parameters
    ----------
    message:
        What is wrong, in one or two sentences.
    source:
        The file the problem is in, if any.
    line, column:
        1-based position in ``source``, if known.
    key:
        Dotted path of the offending key (``interventions.0.dose``), if any.
    expected, found:
        What was expected, and what was found instead.
    suggestion:
        What to do about it (for example a "did you mean" name).
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.key = key
        self.expected = expected
        self.found = found
        self.suggestion = suggestion
        super().__init__(self.format())

    def format(self) -> str:
        """The full message: ``file:line:column: key: message (expected ..., found ...). hint``."""
        where = ""
        if self.source:
            where = str(self.source)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = where
        if self.key:
            text += f"{self.key}: "
        text += self.message
        details = []
        if self.expected is not None:
            details.append(f"expected {self.expected}")
        if self.found is not None:
            details.append(f"found {self.found}")
        if details:
            text += " (" + ", ".join(details) + ")"
        if self.suggestion:
            text += f". {self.suggestion}"
        return text


class ParameterError(LivermodelError):
    """An unknown parameter name, or a value outside what the parameter allows."""


class UnitError(LivermodelError):
    """A quantity with an unknown unit, or a unit of the wrong kind (a dose where a time is due)."""


class ScheduleError(LivermodelError):
    """An insult or intervention that cannot happen (negative dose, end before start, ...)."""


class ScenarioError(LivermodelError):
    """A scenario file that cannot be read or does not follow the format."""


class ExecutionError(LivermodelError):
    """Work that stopped for a reason outside the input (a Dask cluster lost during a sweep):
    one message, exit code 1, not 2."""


def count_text(n) -> str:
    """A whole number for a message (``1,000,000``), or ``a 400-digit number`` when it is too long
    to show."""
    text = f"{int(n):,}"
    return text if len(text) <= 26 else f"a {len(str(abs(int(n))))}-digit number"


#: Seeds of random draws (sampling designs, cohorts, sensitivity, multi-start fits): [0, 2**63).
MAX_SEED = 2**63


def check_seed(seed, key: str = "--seed"):
    """``seed`` as an ``int`` in [0, 2**63), or ``None`` (a fresh draw) or a numpy Generator
    unchanged; anything else is a :class:`LivermodelError` naming ``key``."""
    if seed is None or type(seed).__name__ == "Generator":
        return seed
    if isinstance(seed, bool) or not hasattr(seed, "__index__"):
        raise LivermodelError(
            "--seed must be a whole number",
            key=key,
            expected=f"an integer from 0 to {MAX_SEED - 1}",
            found=repr(seed),
        )
    seed = int(seed)
    if not 0 <= seed < MAX_SEED:
        raise LivermodelError(
            "--seed must be zero or more, and below 2**63",
            key=key,
            expected=f"an integer from 0 to {MAX_SEED - 1}",
            found=count_text(seed),
            suggestion="Use e.g. --seed 1",
        )
    return seed


def check_count(
    value, key: str, high: int, *, low: int = 1, what: str = "", suggestion: str | None = None
) -> int:
    """``value`` as an ``int`` from ``low`` to ``high`` (a limit on an amount of work), or a
    :class:`LivermodelError` naming ``key``: ``--points must be at most 1,000 (expected N from 1
    to 1,000, found 100,000,000)``.  ``what`` names the value in the message (default ``key``)."""
    name = what or key
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise LivermodelError(
            f"{name} must be a whole number",
            key=key,
            expected=f"N from {low:,} to {high:,}",
            found=repr(value),
        )
    value = int(value)
    if value < low:
        raise LivermodelError(
            f"{name} must be at least {low:,}",
            key=key,
            expected=f"N from {low:,} to {high:,}",
            found=count_text(value),
            suggestion=suggestion,
        )
    if value > high:
        raise LivermodelError(
            f"{name} must be at most {high:,}",
            key=key,
            expected=f"N from {low:,} to {high:,}",
            found=count_text(value),
            suggestion=suggestion,
        )
    return value


def did_you_mean(name: str, choices) -> str | None:
    """A "did you mean ...?" hint for ``name`` among ``choices``, or ``None``."""
    import difflib

    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"Did you mean '{close[0]}'?" if close else None
