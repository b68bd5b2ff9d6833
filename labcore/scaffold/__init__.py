"""`python -m labcore new NAME [--dir DIR]`: write a working phenomenon package to change.

The files are templates in this folder (`*.py.txt`, `NAME`-free: `__name__` stands for the
package name and `__Title__` for its title). They are also the second worked example of
docs/adding-a-phenomenon.md, whose blocks `tests/test_new.py` checks against them. What
they write passes the contract test, `labcore check NAME` and the page at once.
"""
from __future__ import annotations

import keyword
from pathlib import Path

HERE = Path(__file__).resolve().parent
# package file -> template file
FILES = {"__init__.py": "init.py.txt", "train.py": "train.py.txt", "claims.py": "claims.py.txt",
         "lesson.py": "lesson.py.txt", "test___name__.py": "test.py.txt"}


class ScaffoldError(ValueError):
    """A name or folder `new` refuses: one line."""


def title_of(name: str) -> str:
    """'my_first_lab' -> 'My first lab' (the page's heading and sidebar label)."""
    return name.replace("_", " ").strip().capitalize()


def render(name: str) -> dict[str, str]:
    """{file name: text} of the package `name`."""
    out = {}
    for target, template in FILES.items():
        text = (HERE / template).read_text(encoding="utf-8")
        text = text.replace("__name__", name).replace("__Title__", title_of(name))
        out[target.replace("__name__", name)] = text
    return out


def check_name(name: str, taken: set[str]) -> None:
    """A package name: lowercase identifier, not a keyword, not a phenomenon already known."""
    if not name.isidentifier() or name != name.lower() or keyword.iskeyword(name) or name.startswith("_"):
        raise ScaffoldError(f"NAME {name!r} is not allowed; use lowercase letters, digits and _, "
                            "starting with a letter (e.g. my_first_lab)")
    if name in taken:
        raise ScaffoldError(f"a phenomenon called {name!r} exists already; pick another NAME")
    if len(title_of(name)) > 30:
        raise ScaffoldError(f"NAME {name!r} is too long; at most 30 characters (the sidebar's label)")


def write(name: str, folder: Path, taken: set[str]) -> Path:
    """Write the package `folder/name/`; returns its path. Refuses (one line, nothing written)
    a bad name, a known phenomenon or an existing folder."""
    check_name(name, taken)
    target = folder / name
    if target.exists() or (folder / f"{name}.py").exists():
        raise ScaffoldError(f"{target} exists already; pick another NAME or --dir")
    files = render(name)
    target.mkdir(parents=True)
    for fname, text in files.items():
        (target / fname).write_text(text, encoding="utf-8")
    return target
