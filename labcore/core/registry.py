"""Registry of phenomena: discovered, not listed.

Every package under `labcore/phenomena/` that defines `EXPERIMENT` is registered, in
alphabetical order; then the user's own phenomena, the packages (or modules) in the user
folder (`$LAB_EXPERIMENTS`, else `./experiments/` when it exists), imported as
`lab_experiments.<name>`; then modules named in $LAB_PLUGINS (comma-separated). A plugin
or user module defines `EXPERIMENT`. Worker processes inherit the variables (the engine
passes the user folder's absolute path), so such a phenomenon trains in the background like a
built-in one. A user phenomenon that fails to import is skipped with one line in `ERRORS`
(`labcore list` prints it on stderr, Home shows it): the rest of the lab still loads.
Importing the registry imports no torch: phenomena import it inside `run`.

A package's checked-in recipes (`<package>/recipes/*.toml`) join its page's presets when its
`Experiment` is built (`labcore.core.recipes`), so a phenomenon needs no code to offer them.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import types
from pathlib import Path

from labcore.core.experiment import Experiment

REGISTRY: dict[str, Experiment] = {}
USER: dict[str, Path] = {}     # the user's phenomena: name -> its file or package folder
ERRORS: dict[str, str] = {}    # a user phenomenon that could not be loaded: its name -> one line
USER_PACKAGE = "lab_experiments"  # the import name of the user folder


def register(exp: Experiment) -> Experiment:
    """Add an experiment to the registry (names must be unique)."""
    if exp.name in REGISTRY and REGISTRY[exp.name] is not exp:
        raise ValueError(f"experiment {exp.name!r} is already registered")
    REGISTRY[exp.name] = exp
    return exp


def get(name: str) -> Experiment:
    """The experiment called `name`; a LookupError listing the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        if name in ERRORS:
            why = f" ({ERRORS[name]})"
        else:
            mine = user_dir()
            why = (f" (your phenomena are loaded from {mine})" if mine is not None else
                   " (your phenomena load from $LAB_EXPERIMENTS, else ./experiments: neither is here)")
        raise UnknownExperiment(f"unknown experiment {name!r}{why}; known: {', '.join(REGISTRY)}") from None


class UnknownExperiment(LookupError):
    """A name that is not in the registry (a usage error, not a bug)."""


def user_dir() -> Path | None:
    """The user folder: `$LAB_EXPERIMENTS` (whether or not it exists yet), else the folder
    named `$LAB_EXPERIMENTS_MODULE` on sys.path (where a Ray job ships it: py_modules), else
    `./experiments` when that folder exists, else None. Always absolute."""
    given = os.environ.get("LAB_EXPERIMENTS", "").strip()
    if given:
        return Path(given).expanduser().resolve()
    shipped = os.environ.get("LAB_EXPERIMENTS_MODULE", "").strip()
    for entry in sys.path if shipped else ():
        if entry and (Path(entry) / shipped).is_dir():
            return (Path(entry) / shipped).resolve()
    here = Path("experiments")
    return here.resolve() if here.is_dir() else None


def is_user(name: str) -> bool:
    """True for a phenomenon from the user folder."""
    return name in USER


def _discover() -> None:
    import labcore.phenomena as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.ispkg:
            _register_module(f"{pkg.__name__}.{info.name}")
    _discover_user(user_dir())
    for name in filter(None, (m.strip() for m in os.environ.get("LAB_PLUGINS", "").split(","))):
        _register_module(name)


def _discover_user(folder: Path | None) -> None:
    """Register every package (a folder with `__init__.py`) and module (`*.py`, not `test_*`)
    of the user folder; one that fails is one line in ERRORS, never a crash of the lab."""
    if folder is None or not folder.is_dir():
        return
    parent = sys.modules.get(USER_PACKAGE)
    if parent is None:  # a package whose __path__ is the user folder: `from .claims import ...` works
        parent = types.ModuleType(USER_PACKAGE, "the user's phenomena ($LAB_EXPERIMENTS)")
        parent.__path__ = [str(folder)]
        sys.modules[USER_PACKAGE] = parent
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_", "test_")):
            continue
        if path.is_dir() and (path / "__init__.py").is_file():
            name = path.name
        elif path.is_file() and path.suffix == ".py":
            name = path.stem
        else:
            continue
        if not name.isidentifier():
            ERRORS[name] = f"{path}: the name {name!r} is not a Python identifier (use letters, digits and _)"
            continue
        try:
            exp = _register_module(f"{USER_PACKAGE}.{name}")
        except Exception as exc:  # noqa: BLE001 - any error of the user's code: one line, the lab goes on
            sys.modules.pop(f"{USER_PACKAGE}.{name}", None)
            ERRORS[name] = f"{path}: {_one_line(exc, folder)}"
            continue
        if exp is None:
            ERRORS[name] = f"{path}: defines no EXPERIMENT"
        else:
            USER[exp.name] = path


def _one_line(exc: BaseException, folder: Path) -> str:
    """`Type: message` of an exception, with the user's file and line where it was raised."""
    import traceback

    where = ""
    mine = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(str(folder))]
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" ({Path(exc.filename).name}, line {exc.lineno})"
    elif mine:
        where = f" ({Path(mine[-1].filename).name}, line {mine[-1].lineno})"
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg[:200]}{where}"


def _register_module(name: str) -> Experiment | None:
    module = importlib.import_module(name)
    exp = getattr(module, "EXPERIMENT", None)
    if exp is not None:
        if not isinstance(exp, Experiment):
            raise TypeError(f"EXPERIMENT is a {type(exp).__name__}, not a labcore Experiment")
        register(exp)
    return exp


_discover()
