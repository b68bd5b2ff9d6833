"""`python -m labcore check` on the test plugin (GD on a quadratic): it trains what the claims
need, prints the table, writes reproduction.md and claims.csv, and exits 0 only when every claim
expected to hold holds."""
import csv
import dataclasses

import pytest

from labcore import cli
from labcore.core.claims import Claim, Verdict
from labcore.core.registry import REGISTRY
from tests.plugins import QUADRATIC

pytestmark = pytest.mark.plugins(QUADRATIC)  # every test here uses the test plugin


def rows(out):
    with open(out / "claims.csv") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_check_passes_at_defaults_and_writes_both_files(store, tmp_path, capsys):
    out = tmp_path / "report"
    assert cli.main(["check", "quadratic", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "converges" in printed and "✓ holds" in printed and "2 of 2 claims pass" in printed
    got = {r["claim"]: r for r in rows(out)}
    assert got["converges"]["status"] == "holds" and got["faster_with_larger_lr"]["status"] == "holds"
    assert got["faster_with_larger_lr"]["runs"] == "2"
    report = (out / "reproduction.md").read_text()
    assert "| quadratic | converges |" in report and "CPU time" in report
    # a second check is all cache hits and gives the same verdicts
    assert cli.main(["check", "quadratic", "--out", str(out)]) == 0


@pytest.mark.slow
def test_check_fails_when_a_claim_expected_to_hold_fails(store, tmp_path):
    out = tmp_path / "report"
    assert cli.main(["check", "quadratic", "--preset", "tiny lr", "--out", str(out)]) == 1
    got = {r["claim"]: r["status"] for r in rows(out)}
    assert got == {"converges": "fails", "faster_with_larger_lr": "holds"}


@pytest.mark.slow
def test_a_claim_not_expected_to_hold_is_reported_but_does_not_fail(store, tmp_path, monkeypatch):
    exp = REGISTRY["quadratic"]
    known = Claim("known_gap", "Not reproduced here yet", "x", "test", ("loss",),
                  lambda ev: Verdict("fails", "as known"), expected=False, reason="a stated reason")
    monkeypatch.setitem(REGISTRY, "quadratic", dataclasses.replace(exp, claims=exp.claims + (known,)))
    out = tmp_path / "report"
    assert cli.main(["check", "quadratic", "--out", str(out)]) == 0
    assert {r["claim"]: r["status"] for r in rows(out)}["known_gap"] == "fails"
    assert "known_gap: a stated reason" in (out / "reproduction.md").read_text()


def test_check_arguments_are_one_line_errors(store, capsys):
    assert cli.main(["check"]) == 2
    assert cli.main(["check", "quadratic", "--all"]) == 2
    assert cli.main(["check", "nope"]) == 2
    assert cli.main(["check", "quadratic", "--preset", "none such"]) == 2
    assert cli.main(["check", "quadratic", "--seeds", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 5 and all(line.startswith("error: ") for line in err)
    assert cli.main(["check", "quadratic", "--threads", "0"]) == 2
    assert "--threads=0 is out of range; allowed: 1..256" in capsys.readouterr().err
    assert "--preset 'none such' is not a preset of quadratic; allowed: 'tiny lr'" in err[3]


def test_robustness_counts_on_how_many_seed_bases_each_claim_holds(store, tmp_path, capsys):
    exp = REGISTRY["quadratic"]
    # a claim that holds from every base seed but 11: 2 of 3 is under 9 in 10, so the check fails
    picky = Claim("picky", "Holds unless the seed is 11", "x", "test", ("loss",),
                  lambda ev: Verdict("fails" if ev.config.seed == 11 else "holds", f"seed {ev.config.seed}"))
    REGISTRY["quadratic"] = dataclasses.replace(exp, claims=exp.claims + (picky,))
    try:
        out = tmp_path / "report"
        assert cli.main(["check", "quadratic", "--seeds", "3", "--seed-base", "10", "--threads", "1",
                         "--out", str(out)]) == 1
    finally:
        REGISTRY["quadratic"] = exp
    got = {r["claim"]: r for r in rows(out)}
    assert got["converges"]["holding"] == "3" and got["converges"]["of"] == "3"
    assert got["converges"]["measured"] == "holds on 3 of 3 seeds (from seed 10)"
    assert got["picky"]["status"] == "fails" and got["picky"]["holding"] == "2"
    assert "seed 11: fails: seed 11" in got["picky"]["measured"]
    with open(out / "claims_by_seed.csv") as fh:
        per_seed = [(r["claim"], r["seed"], r["status"]) for r in csv.DictReader(fh)]
    assert ("picky", "11", "fails") in per_seed and ("converges", "12", "holds") in per_seed
    assert len(per_seed) == 3 * 3
    # the runs recorded the thread count they trained with
    recs = [r for r in store.runs() if r["experiment"] == "quadratic"]
    assert recs and all(r["versions"]["threads"] == 1 for r in recs)
    assert "1 torch thread(s) per worker" in (out / "reproduction.md").read_text()
