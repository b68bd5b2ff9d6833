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

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.choices is not None:
            return "one of " + ", ".join(str(c) for c in self.choices)
        if self.type is bool:
            return "true or false"
        if self.lo is not None and self.hi is not None:
            return f"{self.lo:g}..{self.hi:g}"
        return f"any {self.type.__name__}"

    def coerce(self, value: Any) -> Any:
        """Convert `value` (possibly a string from the CLI or a URL) and check it."""
        try:
            value = _convert(self.type, value)
        except (TypeError, ValueError):
            raise ParamError(
                f"{self.name}={value!r} is not a valid {self.type.__name__}; allowed: {self.allowed()}"
            ) from None
        if self.choices is not None and value not in self.choices:
            raise ParamError(f"{self.name}={value!r} is not allowed; allowed: {self.allowed()}")
        if self.type in (int, float):
            bad = not math.isfinite(value) or (
                (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi)
            )
            if bad:
                raise ParamError(f"{self.name}={value:g} is out of range; allowed: {self.allowed()}")
        return value


def _convert(tp: type, value: Any) -> Any:
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
            f = float(value)  # accept "1e3" and "64.0"
            if not f.is_integer():
                raise ValueError(value)
            return int(f)
        return int(value)
    if tp is float:
        return float(value)
    return tp(value)


def param(default: Any, *, lo: float | None = None, hi: float | None = None, log: bool = False,
          choices: tuple | None = None, help: str = "", unit: str = "", advanced: bool = False) -> Any:
    """Declare a Config field together with its spec (see `ParamSpec`)."""
    meta = dict(lo=lo, hi=hi, log=log, choices=choices, help=help, unit=unit, advanced=advanced)
    return field(default=default, metadata={"spec": meta})


class BaseConfig:
    """Mixin for experiment Configs: validates every field on construction."""

    def __post_init__(self) -> None:
        for spec in specs(type(self)):
            object.__setattr__(self, spec.name, spec.coerce(getattr(self, spec.name)))
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
        tp = f.type if isinstance(f.type, type) else {"int": int, "float": float, "str": str,
                                                      "bool": bool}[f.type]
        out.append(ParamSpec(name=f.name, type=tp, default=f.default, **meta))
    return out


def from_dict(cfg_cls: type, values: dict[str, Any]) -> Any:
    """Build a validated Config from (possibly string) values; unknown names are an error."""
    known = {s.name for s in specs(cfg_cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParamError(f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")
    return cfg_cls(**values)


def to_dict(cfg: Any) -> dict[str, Any]:
    """All fields of a Config as plain data."""
    return {s.name: getattr(cfg, s.name) for s in specs(type(cfg))}


def non_default(cfg: Any) -> dict[str, Any]:
    """Only the fields that differ from their declared default (what makes a run distinct)."""
    return {s.name: getattr(cfg, s.name) for s in specs(type(cfg)) if getattr(cfg, s.name) != s.default}
