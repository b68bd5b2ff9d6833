"""User-facing text of every phenomenon: "seed" means only a random seed (the code a
phenomenon was ported from is "the original code"), pages open with a short intro (recipes
and numbers in the details expander), Home cards say in one sentence what the phenomenon is,
and no text cites the lab's own issue tracker or design notes ("issue #30", "DESIGN.md"):
a user has neither, so a source is the paper, its figure, the original code or "this lab's runs"."""
import ast
import re
from pathlib import Path

import pytest

from labcore.core.params import specs
from labcore.core.registry import REGISTRY

# "seed" as the source repository: "the seed's recipe", "Seed: LuckMatters", "as the seed feeds".
# A random seed is always "seed 0", "seeds", "the seed mean", "N seeds", "seed bands", ...
SOURCE_SEED = re.compile(r"\bthe seed(?:'s)?\b(?! (?:mean|spread|axis|bands?|streams?)\b)|\bseed (?:repo|code)"
                         r"|(?<!\bone )(?<!\beach )(?<!\bevery )\bseed's\b"
                         r"|(?-i:\bSeed:)", re.IGNORECASE)


# The lab's own tracker and notes, which a user of the dashboard never sees.
INTERNAL = re.compile(r"\bissues?\s*#?\s*\d+|\bDESIGN\.md\b", re.IGNORECASE)
ROOT = Path(__file__).resolve().parents[2]


def user_texts(exp) -> list[tuple[str, str]]:
    """(where, text) for every string of `exp` that a user reads."""
    page = exp.page
    out = [("title", exp.title), ("what_to_look_for", page.what_to_look_for), ("details", page.details),
           ("reference", page.reference), ("summary", page.summary)]
    default = exp.config()
    for c in page.charts:
        lines = {**(c.hlines(default) if c.hlines else {}), **(c.marks(default) if c.marks else {})}
        out.append((f"chart {c.title}", " ".join([c.title, c.note or "", c.x_label, *map(str, lines)])))
    out += [(f"preset {label}", label) for label in page.presets]
    out += [(f"variant {label}", label) for label in (page.arms.variants if page.arms else {})]
    out += [(f"param {s.name}", s.help or "") for s in specs(exp.config)]
    out += [(f"claim {c.key}", f"{c.statement} {c.paper} {c.source} {c.reason or ''} {c.needs or ''}")
            for c in exp.claims]
    if exp.lesson is not None:
        out.append(("lesson", f"{exp.lesson.title} {exp.lesson.summary}"))
        out += [(f"lesson step {s.title}", f"{s.title} {s.text} {s.question} {s.preset or ''}")
                for s in exp.lesson.steps]
    return out


def string_constants(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal in a module that is not a docstring (f-strings'
    literal parts included): what its code can show or write for a user."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


# the built-in phenomena and the user folder's ($LAB_EXPERIMENTS), not the test plugins
BUILT_IN = sorted(n for n, e in REGISTRY.items() if not e.module.startswith("tests."))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*(])", text.strip()) if s]


@pytest.mark.parametrize("name", BUILT_IN)
def test_seed_means_only_a_random_seed_in_user_text(name):
    bad = [(where, m.group(0)) for where, text in user_texts(REGISTRY[name]) for m in SOURCE_SEED.finditer(text)]
    assert not bad, bad


@pytest.mark.parametrize("name", BUILT_IN)
def test_no_user_text_cites_the_labs_issues_or_design_notes(name):
    bad = [(where, m.group(0)) for where, text in user_texts(REGISTRY[name]) for m in INTERNAL.finditer(text)]
    assert not bad, bad


def test_no_string_the_dashboard_can_show_cites_the_labs_issues():
    """Every string literal (not docstrings, not comments) of the phenomena, the ui, the views
    and the claim report: page text in a phenomenon's ui.py, a verdict's words, a message."""
    files = [*(ROOT / "labcore" / "phenomena").rglob("*.py"), *(ROOT / "labcore" / "ui").rglob("*.py"),
             *(ROOT / "views").glob("*.py"), ROOT / "app.py", ROOT / "labcore" / "check.py",
             ROOT / "labcore" / "runs" / "verdicts.py"]
    assert len(files) > 50
    bad = [(str(f.relative_to(ROOT)), line, text[:80]) for f in files
           for line, text in string_constants(f) if INTERNAL.search(text)]
    assert not bad, bad


def test_the_internal_pattern_catches_every_spelling():
    for text in ("issue #30's recipe", "(issue 28)", "Issue #29 on digits", "issues 26 and 27", "DESIGN.md §5"):
        assert INTERNAL.search(text), text
    for text in ("no issue with the lr", "Fig. 6", "issued 3 runs", "this lab's CPU runs"):
        assert not INTERNAL.search(text), text


@pytest.mark.parametrize("name", BUILT_IN)
def test_intro_is_two_or_three_sentences_and_the_card_one(name):
    page = REGISTRY[name].page
    intro = sentences(page.what_to_look_for)
    assert 1 <= len(intro) <= 3 and len(page.what_to_look_for) <= 600, intro
    assert not re.search(r"\d+\.\d+.*\d+\.\d+.*\d+\.\d+", page.what_to_look_for), "numbers belong in details"
    assert len(sentences(page.summary)) == 1 and len(page.summary) <= 200, page.summary


def test_the_pattern_tells_the_two_meanings_apart():
    for source in ("The defaults are the seed's recipe", "Seed: LuckMatters", "as the seed feeds MNIST",
                   "the seed ran 2 epochs", "seed's result.txt"):
        assert SOURCE_SEED.search(source), source
    for random in ("seed 0 gives 0.698", "means of seeds 0-1", "N seeds draws bands", "the seed mean of one setting",
                   "one seed's noise", "seed 0's init"):
        assert not SOURCE_SEED.search(random), random


@pytest.mark.parametrize("name", BUILT_IN)
def test_the_sidebar_label_is_short_and_names_the_page(name):
    """About 30 characters fit the sidebar at 1280 px (the browser test measures them); the
    label is the title's head, so the sidebar and the heading name the same page."""
    exp = REGISTRY[name]
    assert len(exp.nav_label) <= 30 and exp.title.startswith(exp.nav_label), exp.nav_label


# A formula written as code: a caret power ("width^-1/2") or an underscore subscript ("Σ_W").
# Claims are escaped Markdown and chart titles Plotly text, so neither renders it: they use
# Unicode (1/√width, ‖W‖, ⁻⁰·⁶) or Plotly's <sub>/<sup>; page text uses KaTeX ($...$).
RAW_FORMULA = re.compile(r"\^[-−(\d]|[Α-Ωα-ω‖]_")


@pytest.mark.parametrize("name", BUILT_IN)
def test_claims_and_chart_titles_write_no_formula_as_code(name):
    exp = REGISTRY[name]
    texts = [(f"claim {c.key}", f"{c.statement} {c.paper}") for c in exp.claims]
    texts += [(f"chart {c.title}", c.title) for c in exp.page.charts]
    bad = [(where, text[max(0, m.start() - 20):m.end() + 10]) for where, text in texts
           for m in RAW_FORMULA.finditer(text)]
    assert not bad, bad
    assert RAW_FORMULA.search("rel_change ∝ width^-1/2") and RAW_FORMULA.search("Tr(Σ_W Σ_B⁺)")
