"""User-facing text of every phenomenon: "seed" means only a random seed (the code a
phenomenon was ported from is "the original code"), pages open with a short intro (recipes
and numbers in the details expander) and Home cards say in one sentence what the phenomenon is."""
import re

import pytest

from labcore.core.params import specs
from labcore.core.registry import REGISTRY

# "seed" as the source repository: "the seed's recipe", "Seed: LuckMatters", "as the seed feeds".
# A random seed is always "seed 0", "seeds", "the seed mean", "N seeds", "seed bands", ...
SOURCE_SEED = re.compile(r"\bthe seed(?:'s)?\b(?! (?:mean|spread|axis|bands?|streams?)\b)|\bseed (?:repo|code)"
                         r"|(?<!\bone )(?<!\beach )(?<!\bevery )\bseed's\b"
                         r"|(?-i:\bSeed:)", re.IGNORECASE)


def user_texts(exp) -> list[tuple[str, str]]:
    """(where, text) for every string of `exp` that a user reads."""
    page = exp.page
    out = [("what_to_look_for", page.what_to_look_for), ("details", page.details),
           ("reference", page.reference), ("summary", page.summary)]
    out += [(f"chart {c.title}", f"{c.title} {c.note or ''}") for c in page.charts]
    out += [(f"preset {label}", label) for label in page.presets]
    out += [(f"param {s.name}", s.help or "") for s in specs(exp.config)]
    out += [(f"claim {c.key}", f"{c.statement} {c.paper} {c.source} {getattr(c, 'reason', '') or ''}")
            for c in exp.claims]
    if exp.lesson is not None:
        out.append(("lesson", f"{exp.lesson.title} {exp.lesson.summary}"))
        out += [(f"lesson step {s.title}", f"{s.title} {s.text} {s.question}") for s in exp.lesson.steps]
    return out


BUILT_IN = sorted(n for n, e in REGISTRY.items() if e.module.startswith("labcore.phenomena."))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*(])", text.strip()) if s]


@pytest.mark.parametrize("name", BUILT_IN)
def test_seed_means_only_a_random_seed_in_user_text(name):
    bad = [(where, m.group(0)) for where, text in user_texts(REGISTRY[name]) for m in SOURCE_SEED.finditer(text)]
    assert not bad, bad


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
