"""Seed groups: N seeds of one setting trained as one job (one slot, one process) by the
experiment's `run_seeds`, each keeping its own run id, record, rows and cache hit."""
import os
import time

import pytest

from labcore.core import registry
from labcore.core.recorder import Diverged, Recorder
from labcore.engine import groups, jobs, runner, scheduler
from tests.plugins import QUADRATIC
from tests.waiting import GUARD_S

PLUGIN = "tests.engine.seeded_plugin"
# lr·λ_s = 0.9·(1 + seed): seeds 0 and 1 converge, seeds 2 and 3 blow up (at different steps)
DIVERGING = {"lr": 0.9, "steps": 200}


pytestmark = pytest.mark.plugins(PLUGIN)  # here and in the workers (tests/conftest.py)


def cfgs(seeds, **values):
    exp = registry.get("seeded_quadratic")
    return [exp.make_config(**{**DIVERGING, **values, "seed": s}) for s in seeds]


def solo(cfg):
    """Rows and diverged step of the seed's solo run, in this process."""
    rec = Recorder()
    try:
        registry.get("seeded_quadratic").run(cfg, rec)
        return rec.rows, None
    except Diverged as exc:
        return rec.rows, exc.step


def test_a_group_is_claimed_on_one_slot_and_each_seed_ends_as_its_solo_run(store):
    ids = groups.submit_group(store, "seeded_quadratic", cfgs(range(4)))
    assert len(set(ids)) == 4 and len({store.get(r)["group"] for r in ids}) == 1
    recs = scheduler.claim_next(store, limit=1, pid=os.getpid())
    assert [r["id"] for r in recs] == ids  # the whole group, in one claim
    claims = store.read("claims")
    assert set(claims) == set(ids) and scheduler.slots(claims) == 1
    assert scheduler.claim_next(store, limit=1) is None  # ... which used the one slot
    statuses = runner.execute_group(store, recs)
    assert statuses == ["done", "done", "diverged", "diverged"]
    assert store.read("claims") == {}
    for rid, cfg in zip(ids, cfgs(range(4))):
        rec, (rows, step) = store.get(rid), solo(cfg)
        assert rec["diverged_step"] == step and rec["ensemble"] == 4
        frame = store.metrics(rid)
        assert list(frame["step"]) == [r["step"] for r in rows]
        assert frame["x"].tolist()[:-1] == pytest.approx([r["x"] for r in rows][:-1], rel=1e-6)
    assert store.get(ids[3])["diverged_step"] < store.get(ids[2])["diverged_step"]  # each its own step


def test_seeds_already_in_the_cache_are_not_retrained(store):
    first = groups.submit_group(store, "seeded_quadratic", cfgs([0, 1]))
    runner.execute_group(store, scheduler.claim_next(store, limit=1))
    created = {r: store.get(r)["created"] for r in first}
    ids = groups.submit_group(store, "seeded_quadratic", cfgs([0, 1, 2, 3]))
    assert ids[:2] == first and {r: store.get(r)["created"] for r in first} == created
    recs = scheduler.claim_next(store, limit=1)
    assert [r["id"] for r in recs] == ids[2:]  # only the new seeds were armed
    runner.execute_group(store, recs)
    assert [store.get(r)["status"] for r in ids] == ["done", "done", "diverged", "diverged"]


def test_a_lone_armed_seed_is_a_plain_run(store):
    groups.submit_group(store, "seeded_quadratic", cfgs([0]))
    (rec,) = scheduler.claim_next(store, limit=1)
    assert "group" not in rec


def test_cancel_of_one_member_stops_the_group_in_a_worker(store):
    ids = jobs.submit_group("seeded_quadratic", cfgs(range(3), lr=0.1, steps=100_000, sleep_ms=2), store)
    while not all(len(store.metrics(r)) for r in ids):
        time.sleep(0.05)
    assert len({store.get(r)["pid"] for r in ids}) == 1  # one worker process trains them all
    jobs.cancel(ids[1], store)
    finals = [jobs.wait(r, store, timeout=60) for r in ids]
    assert [f["status"] for f in finals] == ["cancelled"] * 3
    assert all(0 < len(store.metrics(r)) < 100_001 for r in ids)  # rows up to the cancel kept


def test_a_group_in_a_worker_matches_solo_runs_and_reports_the_diverged_step(store):
    ids = jobs.submit_group("seeded_quadratic", cfgs(range(4)), store)
    finals = [jobs.wait(r, store, timeout=GUARD_S) for r in ids]
    assert [f["status"] for f in finals] == ["done", "done", "diverged", "diverged"]
    assert [f["diverged_step"] for f in finals] == [solo(c)[1] for c in cfgs(range(4))]
    assert len({f["pid"] for f in finals}) == 1


def test_submit_many_makes_one_group_per_swept_value(store):
    many = cfgs([0, 1], lr=0.1) + cfgs([0, 1], lr=0.2)
    ids = jobs.submit_many("seeded_quadratic", many, store)
    assert ids == [jobs.run_id_for("seeded_quadratic", c) for c in many]
    gid = [store.get(r).get("group") for r in ids]
    assert gid[0] == gid[1] and gid[2] == gid[3] and gid[0] != gid[2] and None not in gid
    assert [jobs.wait(r, store, timeout=GUARD_S)["status"] for r in ids] == ["done"] * 4


@pytest.mark.plugins(QUADRATIC)
def test_experiments_without_run_seeds_group_their_seeds_and_train_them_one_by_one(store):
    exp = registry.get("quadratic")
    assert groups.partition(exp, [exp.make_config(seed=s) for s in (0, 1)] + [exp.make_config(lr=0.2)]) == [
        [exp.make_config(seed=0), exp.make_config(seed=1)], [exp.make_config(lr=0.2)]]
    ids = groups.submit_group(store, "quadratic", [exp.make_config(seed=s, steps=5) for s in (0, 1)])
    assert runner.execute_group(store, scheduler.claim_next(store, limit=1)) == ["done", "done"]
    assert all(len(store.metrics(r)) == 6 for r in ids)


def test_a_real_phenomenon_group_in_a_worker_gives_each_seed_its_solo_rows(store):
    exp = registry.get("lazy_training")
    small = [exp.make_config(width=16, steps=12, n_train=32, n_test=32, eval_every=3, probe=4, seed=s)
             for s in (0, 1, 2)]
    ids = jobs.submit_many("lazy_training", small, store)
    finals = [jobs.wait(r, store, timeout=180) for r in ids]
    # no stacked copy: one job, one process, each seed's solo run in turn
    assert [f["status"] for f in finals] == ["done"] * 3 and len({f["pid"] for f in finals}) == 1
    assert len({store.get(r).get("group") for r in ids}) == 1
    for rid, cfg in zip(ids, small):
        rec = Recorder()
        exp.run(cfg, rec)
        frame = store.metrics(rid)
        assert list(frame["step"]) == [r["step"] for r in rec.rows]
        assert frame["rel_change"].tolist() == pytest.approx([r["rel_change"] for r in rec.rows], rel=1e-6)
    assert jobs.submit_many("lazy_training", small, store) == ids  # all three are cache hits now
    assert all(store.get(r)["created"] == f["created"] for r, f in zip(ids, finals))
