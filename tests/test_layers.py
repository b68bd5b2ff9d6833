"""The layers of docs/architecture.md ("Layers", "Rules") and DESIGN.md §1, checked on the source:
every import statement of every module of labcore (inside functions too: a lazy import is still a
dependency), and of the pages (app.py, views/), parsed with ast, nothing imported.

- core imports nothing of labcore outside core (the registry's discovery of the phenomena
  package is the one exception), and no torch at import time;
- nn imports only core; runs imports only core (it knows no engine and no screen);
- charts imports only core and runs, never the store, torch or Streamlit;
- the engine never imports ui, charts or a phenomenon (it knows no phenomenon);
- a phenomenon never imports labcore.runs.store, labcore.engine or labcore.ui.state, and only
  its ui.py imports labcore.ui;
- only labcore/ui and a phenomenon's ui.py import streamlit;
- the pages and labcore/ui never import torch.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABCORE = ROOT / "labcore"

# (module, imported name): imports a rule would refuse that the architecture means, with why.
ALLOWED = {
    # the registry discovers labcore/phenomena/* by package walk (pkgutil); no phenomenon is named
    ("labcore.core.registry", "labcore.phenomena"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(source: str, module: str, is_package: bool = False) -> list[tuple[str, int, bool]]:
    """(imported name, line, at import time) for every import in `source`: `import a.b` gives
    a.b, `from a import b` gives a.b (b may be a submodule or a name in a: a prefix check covers
    both), relative imports resolved against `module`. At import time: not inside a function."""
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    package = package[: len(package) - (child.level - 1)]
                    base = ".".join(package + ([base] if base else []))
                found.extend((f"{base}.{a.name}", child.lineno, top) for a in child.names)
            visit(child, inner)

    visit(ast.parse(source), True)
    return found


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(module: str, found: list[tuple[str, int, bool]], path: str = "") -> list[str]:
    """The layer rules broken by a module's imports, one line each."""
    out = []
    rel = path or module.replace(".", "/") + ".py"
    is_phenomenon_ui = _under(module, "labcore.phenomena") and module.endswith(".ui")
    for name, line, top in found:
        if (module, name) in ALLOWED:
            continue
        own = _under(name, "labcore") and name.count(".") >= 1
        why = None
        if _under(module, "labcore.core"):
            if own and not _under(name, "labcore.core"):
                why = "core imports nothing of labcore outside core"
            elif _under(name, "torch") and top:
                why = "core imports no torch at import time"
        elif _under(module, "labcore.nn"):
            if own and not _under(name, "labcore.core", "labcore.nn"):
                why = "nn imports only core"
        elif _under(module, "labcore.runs"):
            if own and not _under(name, "labcore.core", "labcore.runs"):
                why = "runs imports only core (no engine, no screen)"
        elif _under(module, "labcore.charts"):
            if own and not _under(name, "labcore.core", "labcore.runs", "labcore.charts") \
                    or _under(name, "labcore.runs.store", "torch"):
                why = "charts imports only core and runs, never the store or torch"
        elif _under(module, "labcore.engine"):
            if _under(name, "labcore.ui", "labcore.charts", "labcore.phenomena"):
                why = "the engine imports no ui, charts or phenomenon"
        elif _under(module, "labcore.phenomena"):
            if _under(name, "labcore.runs.store", "labcore.engine", "labcore.ui.state"):
                why = "a phenomenon never imports the store, the engine or the session state"
            elif _under(name, "labcore.ui") and not is_phenomenon_ui:
                why = "only a phenomenon's ui.py imports labcore.ui"
        if why is None and _under(name, "streamlit") and not (_under(module, "labcore.ui") or is_phenomenon_ui
                                                             or not _under(module, "labcore")):
            why = "only labcore/ui and a phenomenon's ui.py import streamlit"
        if why is None and _under(name, "torch") and (_under(module, "labcore.ui") or not _under(module, "labcore")):
            why = "pages (and the ui they run) never import torch"
        if why:
            out.append(f"{rel}:{line}: imports {name}: {why}")
    return out


def _sources() -> list[Path]:
    return sorted(LABCORE.rglob("*.py")) + [ROOT / "app.py"] + sorted((ROOT / "views").glob("*.py"))


def test_no_module_imports_across_the_layers():
    problems = []
    for path in _sources():
        module = _module_name(path)
        found = imports(path.read_text(), module, path.name == "__init__.py")
        problems += violations(module, found, path.relative_to(ROOT).as_posix())
    assert not problems, "layer rules broken (docs/architecture.md, Layers):\n" + "\n".join(problems)


def test_the_check_sees_every_kind_of_upward_import():
    """The rules refuse what they should: each source below breaks one (a lazy import too)."""
    cases = {
        "labcore.core.recorder": "from labcore.runs.disk import is_disk_full",
        "labcore.core.loop": "def f():\n    import labcore.engine.jobs",
        "labcore.core.rng": "import torch",
        "labcore.nn.data": "from labcore.runs import analysis",
        "labcore.runs.tables": "from labcore.engine import jobs",
        "labcore.runs.analysis": "from labcore.ui import state",
        "labcore.charts.plots": "from labcore.runs.store import Store",
        "labcore.engine.pool": "from labcore.ui.state import store",
        "labcore.phenomena.quad.train": "from labcore.runs.store import run_id",
        "labcore.phenomena.quad": "from labcore.engine import jobs",
        "labcore.phenomena.quad.ui": "from labcore.ui.state import store",
        "labcore.phenomena.quad.claims": "from labcore.ui import figure_export",
        "labcore.runs.export": "import streamlit as st",
        "labcore.ui.page": "import torch",
        "views.home": "def f():\n    import torch",
        "labcore.core.params": "from ..runs import disk",
    }
    for module, source in cases.items():
        assert violations(module, imports(source, module)), f"{module}: `{source}` passes the check"
    fine = {
        "labcore.core.rng": "def f():\n    import torch",
        "labcore.nn.data": "from labcore.core.catalogue import DATASETS",
        "labcore.phenomena.quad.ui": "import streamlit as st\nfrom labcore.ui import figure_export",
        "labcore.engine.runner": "from labcore.runs.disk import is_disk_full\nfrom labcore.nn import warm",
        "labcore.core.registry": "import labcore.phenomena as pkg",
    }
    for module, source in fine.items():
        assert not violations(module, imports(source, module)), f"{module}: `{source}` is refused"
