"""Recipes as TOML files: a page preset, a paper's recipe or an exported run's settings.

One format for all three (flat, written by hand or by `dumps`):

    # python -m labcore run lazy_training --config this.toml
    experiment = "lazy_training"
    name = "run_ntk.py recipe on digits"      # the preset's label (optional)

    [config]
    dataset = "digits"
    width = 1000
    hidden = [300, 100]                        # a tuple parameter is an array

A phenomenon's checked-in recipes live in `<package>/recipes/*.toml`; its `Experiment` adds
them to its page's presets when it is built (label: `name`, else the file's stem). A run's export writes every field
as `config.toml`, and `labcore run NAME --config FILE` / `api.run(NAME, config=FILE)` re-run it
exactly (flags and keyword arguments override the file's values). Floats are written with
`repr`, which reads back to the same bits.
"""
from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any

from labcore.core.params import ParamError, specs


def dumps(experiment: str, config: dict[str, Any], name: str | None = None, comment: str | None = None) -> str:
    """The TOML text of a recipe: `experiment`, optional `name`, and `[config]` (flat values)."""
    lines = [f"# {comment or f'python -m labcore run {experiment} --config THIS_FILE'}",
             f"experiment = {_value(experiment)}"]
    if name:
        lines.append(f"name = {_value(name)}")
    lines += ["", "[config]"] + [f"{k} = {_value(v)}" for k, v in config.items()]
    return "\n".join(lines) + "\n"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    raise TypeError(f"cannot write {type(v).__name__} {v!r} as TOML")


def loads(text: str, where: str = "recipe") -> tuple[str | None, str | None, dict[str, Any]]:
    """(experiment, name, config values) of a recipe's text; ParamError (one line) when it is
    not TOML or not the recipe format. Arrays come back as tuples."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParamError(f"{where} is not valid TOML: {exc}") from None
    config = data.get("config", {})
    if not isinstance(config, dict):
        raise ParamError(f"{where}: [config] must be a table of parameter = value")
    extra = sorted(set(data) - {"experiment", "name", "config"})
    if extra:
        raise ParamError(f"{where}: unknown key {extra[0]!r}; a recipe has experiment, name and [config]")
    for key in ("experiment", "name"):
        if key in data and not isinstance(data[key], str):
            raise ParamError(f"{where}: {key} must be a string")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
    return data.get("experiment"), data.get("name"), values


def settings(exp, values: dict[str, Any], where: str) -> dict[str, Any]:
    """`values` checked against `exp`'s Config (names, types, ranges: one-line ParamError
    naming `where`), returned typed: what a preset or an override holds."""
    known = {s.name for s in specs(exp.config)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParamError(f"{where}: unknown parameter {unknown[0]!r} for {exp.name}; known: {', '.join(sorted(known))}")
    try:
        cfg = exp.make_config(**values)
    except ParamError as exc:
        raise ParamError(f"{where}: {exc}") from None
    return {k: getattr(cfg, k) for k in values}


def read(path: str | Path, exp=None) -> tuple[str | None, str | None, dict[str, Any]]:
    """A recipe file: (experiment, name, values), values checked against `exp` when given (and
    the file's `experiment`, when it names one, must be `exp`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ParamError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ParamError(f"{path} is not a text (UTF-8) file") from None
    experiment, name, values = loads(text, str(path))
    if exp is not None:
        if experiment is not None and experiment != exp.name:
            raise ParamError(f"{path} is a recipe of {experiment!r}, not {exp.name!r}")
        values = settings(exp, values, str(path))
    return experiment, name, values


def load_dir(folder: Path, exp) -> dict[str, dict[str, Any]]:
    """The recipes of a phenomenon's `recipes/` folder as presets {label: settings}, in file
    name order (none when the folder does not exist)."""
    if not folder.is_dir():
        return {}
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.toml")):
        _, name, values = read(path, exp)
        out[name or path.stem] = values
    return out


def of_module(module: str, exp) -> dict[str, dict[str, Any]]:
    """The recipes of a phenomenon's package: `recipes/*.toml` in the folder of `module` (the
    module defining its `run`) when that module is the package itself or the folder is named
    after the phenomenon (`lazy_training/train.py`); none for a lone module such as a plugin
    file among others."""
    import sys

    mod = sys.modules.get(module)
    where = getattr(mod, "__file__", None)
    if not where:
        return {}
    folder = Path(where).resolve().parent
    if not (hasattr(mod, "__path__") or folder.name == exp.name):
        return {}
    return load_dir(folder / "recipes", exp)
