"""The formats of the study blocks a scenario file may carry: the ``sweep:`` block's SPECs (also
the ``--vary`` option) and the ``cohort:`` block.  They live with the file format so that the
scenario reader never imports the studies that run them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from livermodel.errors import LivermodelError, check_seed, count_text

#: The largest virtual cohort (individuals per arm): each is a run, so this bounds the work (and
#: the memory of the multiplier table) before anything starts.
MAX_COHORT_SIZE = 1_000_000

# --------------------------------------------------------------------------------------------
# SPEC parsing
# --------------------------------------------------------------------------------------------

_NUM_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*?)?\s*$")


@dataclass(frozen=True)
class Spec:
    """How one key varies.

    ``kind`` is ``range`` (``low``, ``high``, ``n`` values or ``None`` for a sampled range,
    ``log``) or ``list`` (``values``).  ``unit`` is the unit written on the numbers (``""`` for
    none); ``numeric`` says whether the values are numbers.  ``text`` is the SPEC as given.
    """

    key: str
    kind: str
    text: str
    low: float | None = None
    high: float | None = None
    n: int | None = None
    log: bool = False
    values: tuple = ()
    unit: str = ""
    numeric: bool = True
    raw: Any = None

    def grid_values(self) -> list:
        """The values of a grid or zip design."""
        if self.kind == "list":
            return list(self.values)
        lo, hi = self._range()
        assert self.n is not None, "a grid or zip range has a count"
        if self.n == 1:
            return [float(lo)]
        if self.log:
            return [float(v) for v in np.geomspace(lo, hi, self.n)]
        return [float(v) for v in np.linspace(lo, hi, self.n)]

    def _range(self) -> tuple[float, float]:
        """``(low, high)`` of a range (every kind but ``list`` has them)."""
        assert self.low is not None and self.high is not None, "a range has both ends"
        return self.low, self.high

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map points ``u`` of [0, 1) onto this key's values (a sampling design)."""
        if self.kind == "list":
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return np.array(self.values, dtype=object if not self.numeric else float)[idx]
        low, high = self._range()
        if self.log:
            lo, hi = math.log(low), math.log(high)
            return np.exp(lo + u * (hi - lo))
        return low + u * (high - low)

    def override(self, value) -> Any:
        """The value as a scenario override (a number, or text with the unit)."""
        if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
            v = float(value)
            return f"{v!r} {self.unit}" if self.unit else v
        return value


def _num_unit(text: str):
    """``'48h'`` -> ``(48.0, 'h')``; ``'12'`` -> ``(12.0, '')``; anything else -> ``None``."""
    m = _NUM_UNIT.match(text)
    if not m:
        return None
    return float(m.group(1)), (m.group(2) or "").strip()


def _spec_error(key, message, text, expected=None) -> LivermodelError:
    return LivermodelError(
        message,
        key=key,
        found=repr(text),
        expected=expected
        or (
            "a:b:n, a:b:n:log, v1,v2,v3 (or a:b, a:b:log with a sampling design); units on the "
            "numbers, e.g. 0:48h:9 or 1e5:1e7cells/kg:5:log"
        ),
    )


def parse_spec(spec, *, key: str = "SPEC", sampled: bool = False) -> Spec:
    """Parse one SPEC (text, a number or a list of values) for ``key``.

    ``sampled``: the design draws samples (``random``, ``lhs``, ``sobol``), so ranges are given
    without a count.  Raises :class:`LivermodelError` naming ``key`` for a malformed SPEC.
    """
    import dataclasses

    return dataclasses.replace(
        _parse_spec(spec, key, sampled), raw=list(spec) if isinstance(spec, (list, tuple)) else spec
    )


def _parse_spec(spec, key: str, sampled: bool) -> Spec:
    if isinstance(spec, (list, tuple)):
        return _list_spec(key, list(spec), ",".join(str(s) for s in spec))
    if isinstance(spec, bool) or spec is None:
        return _list_spec(key, [spec], repr(spec))
    if isinstance(spec, (int, float)):
        return _list_spec(key, [spec], repr(spec))
    if not isinstance(spec, str) or not spec.strip():
        raise _spec_error(key, "empty SPEC", spec)
    text = spec.strip()
    if "," in text:
        return _list_spec(key, [p.strip() for p in text.split(",")], text)
    parts = [p.strip() for p in text.split(":")]
    if len(parts) == 1:
        return _list_spec(key, [text], text)
    if len(parts) > 4 or any(p == "" for p in parts):
        raise _spec_error(key, "malformed SPEC", text)
    log = False
    n = None
    rest = parts[2:]
    if rest and rest[-1].lower() in ("log", "lin"):
        log = rest[-1].lower() == "log"
        rest = rest[:-1]
    elif len(rest) == 2:
        raise _spec_error(key, "the fourth part of a SPEC must be 'log' or 'lin'", text)
    if rest:
        try:
            n = int(rest[0])
        except ValueError:
            raise _spec_error(key, "the count n of a:b:n must be a whole number", text) from None
        if n < 1:
            raise _spec_error(key, "the count n of a:b:n must be at least 1", text)
    if sampled and n is not None:
        raise _spec_error(
            key,
            "a sampling design takes ranges a:b or a:b:log (the number of runs is --samples)",
            text,
            expected="a:b or a:b:log",
        )
    if not sampled and n is None:
        raise _spec_error(
            key,
            "a range needs a count for a grid: a:b:n",
            text,
            expected="a:b:n or a:b:n:log (or --design lhs/random/sobol)",
        )
    ends = [_num_unit(parts[0]), _num_unit(parts[1])]
    if ends[0] is None or ends[1] is None:
        raise _spec_error(key, "the ends of a range must be numbers (with an optional unit)", text)
    units = {u for _, u in ends if u}
    if len(units) > 1:
        raise _spec_error(
            key,
            "both ends of a range must use the same unit",
            text,
            expected=f"one unit, e.g. {ends[0][0]:g}{sorted(units)[0]}:{ends[1][0]:g}{sorted(units)[0]}",
        )
    (lo, _), (hi, _) = ends
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise _spec_error(key, "the ends of a range must be finite", text)
    if log and not (lo > 0 and hi > 0):
        raise _spec_error(key, "a log range needs both ends > 0", text)
    return Spec(key, "range", text, low=lo, high=hi, n=n, log=log, unit=units.pop() if units else "")


def _list_spec(key: str, items: list, text: str) -> Spec:
    if not items or any(isinstance(i, str) and not i for i in items):
        raise _spec_error(key, "a list SPEC needs values between its commas", text)
    parsed = []
    for item in items:
        if isinstance(item, str):
            parsed.append(_num_unit(item))
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            parsed.append((float(item), ""))
        else:
            parsed.append(None)
    units = {p[1] for p in parsed if p is not None and p[1]}
    if all(p is not None for p in parsed) and len(units) <= 1:
        return Spec(key, "list", text, values=tuple(p[0] for p in parsed), unit=units.pop() if units else "")
    values = []
    for item in items:
        if isinstance(item, str):
            import yaml

            try:
                item = yaml.safe_load(item)
            except yaml.YAMLError:
                pass
        if isinstance(item, (dict, list)) or item is None:
            raise _spec_error(key, "list values must be numbers or words", text)
        values.append(item)
    return Spec(key, "list", text, values=tuple(values), numeric=False)


def parse_vary(vary, *, sampled: bool = False) -> list[Spec]:
    """``["KEY=SPEC", ...]`` or ``{KEY: SPEC}`` -> specs, in the order given."""
    if isinstance(vary, Mapping):
        items = list(vary.items())
    else:
        items = []
        for text in vary:
            if not isinstance(text, str) or "=" not in text:
                raise LivermodelError(
                    "--vary takes KEY=SPEC",
                    key="--vary",
                    found=repr(text),
                    expected="e.g. interventions.0.at=0:48h:9",
                )
            k, _, s = text.partition("=")
            items.append((k.strip(), s.strip()))
    if not items:
        raise LivermodelError(
            "a sweep needs at least one key to vary",
            key="--vary",
            expected="--vary KEY=SPEC, e.g. --vary interventions.0.at=0:48h:9",
            found="none (and no sweep: block in the scenario)",
        )
    specs, seen = [], set()
    for k, s in items:
        if not k or any(p == "" for p in str(k).split(".")):
            raise LivermodelError(
                "a varied key needs a dotted path",
                key="--vary",
                found=repr(k),
                expected="e.g. interventions.0.at or parameters.death_sensitivity",
            )
        if str(k).split(".")[0] in FIXED_KEYS:
            raise LivermodelError(
                f"'{k}' cannot be varied",
                key=str(k),
                expected="a key of the model: species, duration, parameters.*, "
                "insults.*, interventions.*, effects.*, initial.*, solver.*",
            )
        if k in seen:
            raise LivermodelError(f"'{k}' is varied twice", key=str(k), suggestion="Give each key one --vary")
        seen.add(k)
        specs.append(parse_spec(s, key=str(k), sampled=sampled))
    return specs


DISTRIBUTIONS = ("lognormal", "normal", "uniform", "fixed")


def parse_cohort_block(block: Mapping | None, *, key: str = "cohort") -> dict:
    """Check a ``cohort:`` block (a mapping) and return it with defaults filled in.

    Keys: ``size`` (int >= 1), ``seed`` (int >= 0), ``variability`` (log-SD >= 0), ``vary``
    (list of parameter names, replacing the default set), ``parameters`` (name -> distribution:
    a mapping with ``distribution`` and its ``sd`` or ``low``/``high``, or the word ``fixed``).
    Raises :class:`LivermodelError` naming the key at fault.
    """
    from livermodel.model.parameters import NAMES, check_name

    block = dict(block or {})
    allowed = {"size", "seed", "variability", "vary", "parameters", "control"}
    for k in block:
        if k not in allowed:
            from livermodel.errors import did_you_mean

            raise LivermodelError(
                f"unknown key '{k}' in the cohort block",
                key=f"{key}.{k}",
                expected=", ".join(sorted(allowed)),
                suggestion=did_you_mean(str(k), allowed),
            )
    out: dict = {}
    for name, kind in (("size", int), ("seed", int)):
        if block.get(name) is not None:
            v = block[name]
            if isinstance(v, bool) or not isinstance(v, int) or v < (1 if name == "size" else 0):
                raise LivermodelError(
                    f"{name} must be a whole number >= {1 if name == 'size' else 0}",
                    key=f"{key}.{name}",
                    found=repr(v),
                )
            if name == "size" and v > MAX_COHORT_SIZE:
                raise LivermodelError(
                    f"size must be at most {MAX_COHORT_SIZE:,}",
                    key=f"{key}.size",
                    expected=f"a whole number from 1 to {MAX_COHORT_SIZE:,}",
                    found=count_text(v),
                    suggestion="A few hundred individuals give percentages to a few points",
                )
            out[name] = check_seed(v, f"{key}.seed") if name == "seed" else kind(v)
    if block.get("variability") is not None:
        v = block["variability"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 <= v <= 3):
            raise LivermodelError(
                "variability is a log-SD between 0 and 3",
                key=f"{key}.variability",
                expected="e.g. 0.3 (about 31 % coefficient of variation)",
                found=repr(v),
            )
        out["variability"] = float(v)
    if block.get("control") is not None:
        if not isinstance(block["control"], str):
            raise LivermodelError(
                "control is the path or library name of a scenario",
                key=f"{key}.control",
                found=repr(block["control"]),
            )
        out["control"] = block["control"]
    if block.get("vary") is not None:
        vary = block["vary"]
        if not isinstance(vary, list) or not all(isinstance(v, str) for v in vary):
            raise LivermodelError("vary is a list of parameter names", key=f"{key}.vary", found=repr(vary))
        for i, n in enumerate(vary):
            check_name(n, key=f"{key}.vary.{i}")
        out["vary"] = list(vary)
    dists = {}
    params = block.get("parameters") or {}
    if not isinstance(params, Mapping):
        raise LivermodelError(
            "parameters is a mapping name -> distribution", key=f"{key}.parameters", found=repr(params)
        )
    for name, spec in params.items():
        where = f"{key}.parameters.{name}"
        if name not in NAMES:
            check_name(str(name), key=where)
        dists[name] = _parse_distribution(spec, where)
    out["parameters"] = dists
    return out


def _parse_distribution(spec, where: str) -> dict:
    if spec == "fixed" or spec is None:
        return {"distribution": "fixed"}
    if not isinstance(spec, Mapping):
        raise LivermodelError(
            "a distribution is 'fixed' or a mapping with 'distribution:'",
            key=where,
            expected="e.g. {distribution: lognormal, sd: 0.5}",
            found=repr(spec),
        )
    kind = spec.get("distribution", "lognormal")
    if kind not in DISTRIBUTIONS:
        from livermodel.errors import did_you_mean

        raise LivermodelError(
            f"unknown distribution '{kind}'",
            key=f"{where}.distribution",
            expected=", ".join(DISTRIBUTIONS),
            found=repr(kind),
            suggestion=did_you_mean(str(kind), DISTRIBUTIONS),
        )
    need = {"lognormal": ("sd",), "normal": ("sd",), "uniform": ("low", "high"), "fixed": ()}[kind]
    extra = set(spec) - {"distribution", *need}
    if extra:
        raise LivermodelError(
            f"'{sorted(extra)[0]}' is not a setting of a {kind} distribution",
            key=f"{where}.{sorted(extra)[0]}",
            expected=", ".join(need) or "nothing",
        )
    out = {"distribution": kind}
    for k in need:
        v = spec.get(k)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise LivermodelError(f"{kind} needs {k} >= 0", key=f"{where}.{k}", found=repr(v))
        out[k] = float(v)
    if kind == "uniform" and not out["low"] <= out["high"]:
        raise LivermodelError(
            "uniform needs low <= high (multipliers of the preset value)",
            key=where,
            found=f"{out['low']:g} to {out['high']:g}",
        )
    return out


#: Keys a sweep cannot vary.
FIXED_KEYS = ("name", "description", "extends", "tags", "expect", "sweep")
