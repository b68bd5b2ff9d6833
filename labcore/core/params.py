"""Parameter specs: one declaration per parameter feeds validation, the CLI and the UI form.

An experiment's Config is a frozen dataclass whose fields are declared with `param(...)`.
The spec (type, default, bounds, log scale, choices, help, unit) lives in the field's
metadata, so the Streamlit form (`labcore.ui.form`), the CLI flags (`labcore.cli`), URL
query params and `validate` all read the same declaration.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any


class ParamError(ValueError):
    """A parameter value outside its declared type, range or choices.

    The message is one line that names the parameter and what it accepts.
    """


@dataclass(frozen=True)
class ParamSpec:
    """Everything the lab knows about one Config field."""

    name: str
    type: type
    default: Any
    lo: float | None = None
    hi: float | None = None
    log: bool = False
    choices: tuple | None = None
    help: str = ""
    unit: str = ""
    advanced: bool = False
    length: tuple[int, int] | None = None  # tuple params: allowed number of items

    def offers(self, value: Any) -> bool:
        """`value` is one of the choices, or matches a choice ending in `*` (a prefix: "file:*"
        allows "file:/data/x.npz")."""
        if value in self.choices:
            return True
        return isinstance(value, str) and any(
            isinstance(c, str) and c.endswith("*") and value.startswith(c[:-1]) and len(value) > len(c) - 1
            for c in self.choices)

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.type is tuple:
            lo, hi = self.length or (1, 16)
            return (f"{lo}..{hi} integers in {int(self.lo)}..{int(self.hi)} joined by '-', "
                    f"e.g. {format_value(self.default)}")
        if self.choices is not None:
            return "one of " + ", ".join(str(c) for c in self.choices)
        if self.type is bool:
            return "true or false"
        if self.lo is not None and self.hi is not None:
            if self.type is int:
                return f"{int(self.lo)}..{int(self.hi)}"
            return f"{self.lo:g}..{self.hi:g}"
        return f"any {self.type.__name__}"

    def coerce(self, value: Any) -> Any:
        """Convert `value` (possibly a string from the CLI or a URL) and check it."""
        if self.type is tuple:
            return self._coerce_tuple(value)
        try:
            value = _convert(self.type, value)
        except (TypeError, ValueError, OverflowError):
            raise ParamError(
                f"{self.name}={_show(value)} is not a valid {self.type.__name__}; allowed: {self.allowed()}"
            ) from None
        if self.choices is not None and not self.offers(value):
            raise ParamError(f"{self.name}={_show(value)} is not allowed; allowed: {self.allowed()}")
        if self.type in (int, float):
            bad = (isinstance(value, float) and not math.isfinite(value)) or (
                (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi)
            )
            if bad:
                shown = format_value(value)
                shown = shown if len(shown) <= 40 else shown[:37] + "..."
                raise ParamError(f"{self.name}={shown} is out of range; allowed: {self.allowed()}")
        return value

    def coerce_or_default(self, value: Any) -> Any:
        """`coerce(value)`, or the default when the value is invalid."""
        try:
            return self.coerce(value)
        except ParamError:
            return self.default

    def _coerce_tuple(self, value: Any) -> tuple[int, ...]:
        """'10-15-20-25', [10, 15], (10,) -> a tuple of ints in [lo, hi] of allowed length."""
        lo_n, hi_n = self.length or (1, 16)
        try:
            items = value.split("-") if isinstance(value, str) else list(value)
            out = tuple(_convert(int, v) for v in items)
        except (TypeError, ValueError, OverflowError):
            raise ParamError(f"{self.name}={_show(value)} is not valid; allowed: {self.allowed()}") from None
        bad = not lo_n <= len(out) <= hi_n or any(
            (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi) for v in out)
        if bad:
            raise ParamError(f"{self.name}={_show(value)} is out of range; allowed: {self.allowed()}")
        return out


def format_value(value: Any) -> str:
    """A value as the user types it: ints in full, tuples joined by '-', floats short."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "-".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _show(value: Any) -> str:
    """A user-given value quoted for an error message, kept short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _convert(tp: type, value: Any) -> Any:
    if tp is not str and isinstance(value, str) and not value.isascii():
        raise ValueError(value)  # full-width or other unicode digits: not what the user meant
    if tp in (int, float) and isinstance(value, bool):
        raise ValueError(value)  # True is not the number 1
    if tp is bool:
        if isinstance(value, str):
            low = value.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        return bool(value)
    if tp is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        if isinstance(value, str):
            if value.strip().lstrip("+-").isdigit():
                return int(value)  # exact, however many digits (range is checked next)
            f = float(value)  # accept "1e3" and "64.0"
            if not f.is_integer():
                raise ValueError(value)
            return int(f)
        return int(value)
    if tp is float:
        return float(value)
    return tp(value)


def param(default: Any, *, lo: float | None = None, hi: float | None = None, log: bool = False,
          choices: tuple | None = None, help: str = "", unit: str = "", advanced: bool = False,
          length: tuple[int, int] | None = None) -> Any:
    """Declare a Config field together with its spec (see `ParamSpec`).

    A tuple default declares a tuple parameter (e.g. widths (300, 100), typed as
    "300-100"); `length` bounds its number of items and lo/hi each item.
    """
    meta = dict(lo=lo, hi=hi, log=log, choices=choices, help=help, unit=unit, advanced=advanced,
                length=length)
    return field(default=default, metadata={"spec": meta})


class BaseConfig:
    """Mixin for experiment Configs: pure data. Construction checks types and ranges only
    (each field's spec, the catalogue's dataset sizes, the Config's own `check`); what depends
    on the machine (device, dataset on disk, memory) is checked at admission
    (`labcore.admission.admit`)."""

    def __post_init__(self) -> None:
        for spec in specs(type(self)):
            object.__setattr__(self, spec.name, spec.coerce(getattr(self, spec.name)))
        from labcore.core.catalogue import size_problem

        problem = size_problem(self)
        if problem:
            raise ParamError(problem)
        self.check()

    def check(self) -> None:
        """Cross-field checks; raise ParamError. Override in Configs that need them."""


def specs(cfg_cls: type) -> list[ParamSpec]:
    """The ParamSpecs of a Config class, in declaration order."""
    out = []
    for f in dataclasses.fields(cfg_cls):
        meta = f.metadata.get("spec")
        if meta is None:
            continue
        out.append(ParamSpec(name=f.name, type=_field_type(cfg_cls, f), default=f.default, **meta))
    return out


_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "tuple": tuple}


def _field_type(cfg_cls: type, f: dataclasses.Field) -> type:
    """The field's type (annotations may be strings); anything else is a declaration error."""
    name = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    base = name.split("[", 1)[0].strip()
    if base not in _TYPES:
        raise TypeError(f"{cfg_cls.__name__}.{f.name}: unsupported parameter type {name!r}; "
                        f"allowed: {', '.join(_TYPES)}")
    return _TYPES[base]


def from_dict(cfg_cls: type, values: dict[str, Any]) -> Any:
    """Build a validated Config from (possibly string) values; unknown names are an error."""
    known = {s.name for s in specs(cfg_cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParamError(f"unknown parameter {_show(unknown[0])}; known: {', '.join(sorted(known))}")
    return cfg_cls(**values)


def to_dict(cfg: Any) -> dict[str, Any]:
    """All fields of a Config as plain data (tuples as lists, as JSON stores them)."""
    return {s.name: _plain(getattr(cfg, s.name)) for s in specs(type(cfg))}


def non_default(cfg: Any) -> dict[str, Any]:
    """Only the fields that differ from their declared default (what makes a run distinct)."""
    return {s.name: _plain(getattr(cfg, s.name)) for s in specs(type(cfg)) if getattr(cfg, s.name) != s.default}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
