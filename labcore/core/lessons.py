"""Lessons: a guided walk through a phenomenon, declared in its package.

A Lesson is 3-6 Steps; each says in plain words what to do and look at, which settings to
apply (a preset name and/or a delta from the defaults), what to press, a question to think
about before looking, and the claim(s) whose verdict closes the step.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ACTIONS = ("run", "seeds", "sweep", "arms")  # Run, N seeds, Sweep the key axis, the variants side by side


@dataclass(frozen=True)
class Step:
    """One lesson step: text, settings (preset and/or delta), action, question, closing claims."""

    title: str
    text: str
    question: str
    action: str = "run"
    settings: dict = field(default_factory=dict)
    preset: str | None = None
    n_seeds: int = 1
    claims: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"lesson step {self.title!r}: action {self.action!r} is not one of {ACTIONS}")


@dataclass(frozen=True)
class Lesson:
    """A guided lesson: a title, one line of what it teaches, and 3-6 steps."""

    title: str
    summary: str
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        if not 3 <= len(self.steps) <= 6:
            raise ValueError(f"lesson {self.title!r} has {len(self.steps)} steps; a lesson has 3-6")
