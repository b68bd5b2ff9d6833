"""Double descent: the min-norm fit against the pseudo-inverse, the threshold located exactly,
the peak at N = n_train on a tiny sweep, the MLP family, the claims on hand-made frames, and
the page."""

import pandas as pd
import pytest
import torch

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET, Evidence, evaluate, runs_for
from labcore.core.params import ParamError
from labcore.core.recorder import Recorder
from labcore.core.registry import REGISTRY
from labcore.phenomena.double_descent import Config, claims, data, fit
from labcore.phenomena.double_descent.grid import width_grid

EXP = REGISTRY["double_descent"]
TINY = dict(n_train=60, n_test=300, n_widths=12)  # digits: 60 train, N from 3 to 600 features


def frame(rows):
    return pd.DataFrame(rows)


def test_min_norm_fit_equals_the_pseudo_inverse_solution():
    gen = torch.Generator().manual_seed(0)
    for n, width in ((8, 5), (8, 8), (5, 12)):  # under-, exactly and over-parameterised
        a = torch.randn(n, width, generator=gen, dtype=torch.float64)
        y = torch.randn(n, 3, generator=gen, dtype=torch.float64)
        coef = fit.min_norm_fit(a, y)
        assert torch.allclose(coef, torch.linalg.pinv(a) @ y, atol=1e-9)
    # over-parameterised: it interpolates, and with the smallest norm (orthogonal to a's null space)
    assert torch.allclose(a @ coef, y, atol=1e-9)
    null = torch.linalg.svd(a).Vh[n:]  # (width - n, width): directions that leave a·c unchanged
    assert torch.allclose(null @ coef, torch.zeros(width - n, 3, dtype=torch.float64), atol=1e-9)
    lam = 0.3  # ridge: (aᵀa + λI)⁻¹ aᵀ y
    ridge = torch.linalg.solve(a.T @ a + lam * torch.eye(width, dtype=torch.float64), a.T @ y)
    assert torch.allclose(fit.min_norm_fit(a, y, ridge=lam), ridge, atol=1e-9)


def test_interpolation_threshold_is_located_exactly_on_a_synthetic_case():
    gen = torch.Generator().manual_seed(1)
    n = 12
    x = torch.randn(n, 5, generator=gen, dtype=torch.float64)
    y = torch.nn.functional.one_hot(torch.randint(0, 3, (n,), generator=gen), 3).double()
    phi = fit.random_features(x, 3 * n, "relu", gen)  # (n, 3n), nested features
    widths = list(range(1, 3 * n + 1))
    losses = []
    for width in widths:
        a = fit.scaled(phi, width)
        losses.append(fit.mse(a @ fit.min_norm_fit(a, y), y))
    fitted = [0.0 if loss < 1e-12 else 1.0 for loss in losses]
    assert claims.interpolation_threshold(widths, fitted) == n  # generic features fit n points from N = n
    assert claims.interpolation_threshold([4, 16, 61, 300], [0.3, 0.05, 0.0, 0.0]) == 61
    assert claims.interpolation_threshold([4, 16], [0.3, 0.05]) is None


def test_width_grid_holds_the_reported_points_log_spaced():
    grid = width_grid(400, 0.05, 10.0, 24)
    assert grid[0] == 20 and grid[-1] == 4000 and {100, 400, 4000} <= set(grid)
    assert grid == sorted(set(grid)) and len(grid) >= 16
    assert width_grid(10, 0.05, 10.0, 4)[0] == 1  # never below one feature


@pytest.mark.slow
def test_label_noise_replaces_exactly_that_fraction_and_keeps_the_clean_labels():
    d = data.load("digits", 400, 100, seed=3, label_noise=0.2)
    changed = int((d.y_train != d.y_clean).sum())
    assert 0.2 * 400 * 0.8 <= changed <= 0.2 * 400  # 80 drawn, ~1/10 of them keep their class
    assert abs(float(d.x_train.mean())) < 1e-5  # standardised with the training statistics
    clean = data.load("digits", 400, 100, seed=3, label_noise=0.0)
    assert torch.equal(clean.y_train, clean.y_clean) and torch.equal(clean.y_clean, d.y_clean)


def rf_rows(**over):
    rec = Recorder()
    EXP.run(EXP.make_config(**{**TINY, **over}), rec)
    return frame(rec.rows).set_index("step")


def test_a_tiny_sweep_peaks_at_n_train_and_descends_again():
    runs = [rf_rows(seed=s) for s in (0, 1)]
    grid = width_grid(60, 0.05, 10.0, 12)
    assert list(runs[0].index) == grid  # one row per feature count, keyed by N
    mean = sum(r["rf_test_error"] for r in runs) / 2
    norm = sum(r["rf_norm"] for r in runs) / 2
    assert mean.idxmax() == 60 and norm.idxmax() == 60  # the peak sits exactly at N = n_train
    assert mean.loc[600] < mean.loc[60] - 0.3  # the second descent
    train = runs[0]["rf_train_error"]
    assert train.loc[60:].max() == 0.0 and train.loc[:30].min() > 0  # interpolation from N = n on


def test_a_ridge_flattens_the_peak():
    flat = rf_rows(ridge=0.1)["rf_test_error"]
    sharp = rf_rows()["rf_test_error"]
    assert flat.loc[60] < sharp.loc[60] - 0.3


@pytest.mark.slow
def test_the_mlp_family_logs_errors_per_epoch():
    rec = Recorder()
    cfg = EXP.make_config(model="mlp", dataset="digits", n_train=200, n_test=100, width=16, epochs=6,
                          eval_every=2, batch_size=50)
    EXP.run(cfg, rec)
    rows = frame(rec.rows)
    assert list(rows["step"]) == [0, 2, 4, 6]
    assert set(claims_metrics := ("train_error", "test_error", "train_loss", "test_loss", "weight_norm")) <= set(rows)
    assert rows["train_loss"].iloc[-1] < rows["train_loss"].iloc[0]
    assert all(EXP.declares_metric(m) for m in claims_metrics)


def test_config_errors_name_the_parameter_and_range():
    with pytest.raises(ParamError, match=r"n_train \+ n_test = 1900 is out of range for dataset=digits"):
        Config(n_train=900, n_test=1000)
    with pytest.raises(ParamError, match="n_train=4001 is out of range for dataset=mnist1d; allowed: 10..4000"):
        Config(dataset="mnist1d", n_train=4001, n_test=12_000)
    with pytest.raises(ParamError, match="min_ratio=1 is out of range; allowed: below max_ratio"):
        Config(min_ratio=1.0, max_ratio=1.0)
    assert Config(dataset="mnist1d", n_train=4000, n_test=12_000, model="mlp").n_test == 12_000


# ---- claims on hand-made frames -------------------------------------------------------------


def rf_frame(test, clean=None, norm=None, n=100, seeds=2, **cfg):
    """A long frame of `seeds` runs whose rf curves are the given {N: value} dicts."""
    settings = dict(model="random_features", n_train=n, min_ratio=0.05, max_ratio=10.0, label_noise=0.2, **cfg)
    rows = []
    for s in range(seeds):
        for width, value in test.items():
            row = {"run_id": f"r{s}", "step": width, "rf_test_error": value,
                   **{f"cfg_{k}": v for k, v in settings.items()}}
            if clean is not None:
                row["rf_test_error_clean"] = clean[width]
            if norm is not None:
                row["rf_norm"] = norm[width]
            rows.append(row)
    return frame(rows)


def ev(fr, status="done"):
    return Evidence(fr, {rid: status for rid in fr["run_id"].unique()}, Config())


WIDTHS = (5, 25, 50, 80, 100, 125, 200, 500, 1000)
NOISY = dict(zip(WIDTHS, (0.3, 0.2, 0.3, 0.5, 0.9, 0.55, 0.35, 0.25, 0.2)))
CLEAN = dict(zip(WIDTHS, (0.2, 0.1, 0.1, 0.15, 0.8, 0.12, 0.08, 0.05, 0.04)))
NORM = dict(zip(WIDTHS, (1, 3, 8, 20, 900, 30, 10, 6, 5)))
CLAIM = {c.key: c for c in claims.CLAIMS}


def test_claims_hold_on_a_double_descent_curve():
    fr = rf_frame(NOISY, CLEAN, NORM)
    for key in ("peak_at_threshold", "second_descent", "noise_grows_peak", "norm_peaks"):
        verdict = evaluate(CLAIM[key], ev(fr))
        assert verdict.status == HOLDS, (key, verdict.measured)
    assert "N = 100" in evaluate(CLAIM["peak_at_threshold"], ev(fr)).measured


def test_claims_fail_on_a_classical_curve():
    u_curve = dict(zip(WIDTHS, (0.3, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)))  # no second descent
    fr = rf_frame(u_curve, u_curve, dict(zip(WIDTHS, (1, 2, 3, 4, 5, 6, 7, 8, 9))))
    for key in ("peak_at_threshold", "second_descent", "noise_grows_peak", "norm_peaks"):
        assert evaluate(CLAIM[key], ev(fr)).status == FAILS, key


def test_the_noise_claim_asks_for_1_5x_the_clean_excess():
    """The window n/2..2n's median above the largest model, noisy against clean: NOISY stands 0.3
    above, a clean curve scaled to 0.3 / r stands 0.3 / r above (1.99x: seed 9 at the defaults)."""
    def clean_excess(ratio):
        base = dict(zip(WIDTHS, (0.2, 0.1, 0.1, 0.15, 0.8, 0.12, 0.1, 0.05, 0.04)))
        return {w: 0.04 + (v - 0.04) * (0.3 / ratio) / 0.08 if 50 <= w <= 200 else v for w, v in base.items()}
    for ratio, want in ((1.99, HOLDS), (1.6, HOLDS), (1.4, FAILS), (0.8, FAILS)):
        verdict = evaluate(CLAIM["noise_grows_peak"], ev(rf_frame(NOISY, clean_excess(ratio), NORM)))
        assert verdict.status == want, (ratio, verdict.measured)
        assert f"{ratio:.1f}x" in verdict.measured
    diverged = Evidence(rf_frame(NOISY, CLEAN, NORM), {"r0": "done", "r1": "diverged"}, Config())
    assert evaluate(CLAIM["noise_grows_peak"], diverged).status == FAILS


def test_claims_wait_while_runs_train_and_step_aside_outside_their_regime():
    partial = rf_frame({w: v for w, v in NOISY.items() if w <= 100}, CLEAN, NORM)
    assert evaluate(CLAIM["peak_at_threshold"], ev(partial, "running")).status == NOT_YET
    assert evaluate(CLAIM["peak_at_threshold"], ev(partial.iloc[0:0])).status == NOT_YET
    clean_only = rf_frame(NOISY, CLEAN, NORM).assign(cfg_label_noise=0.0)
    assert evaluate(CLAIM["noise_grows_peak"], ev(clean_only)).status == NOT_APPLICABLE
    mlp = rf_frame(NOISY, CLEAN, NORM).assign(cfg_model="mlp")
    assert evaluate(CLAIM["second_descent"], ev(mlp)).status == NOT_APPLICABLE
    narrow = rf_frame(NOISY, CLEAN, NORM).assign(cfg_max_ratio=1.5)  # the grid stops before the descent
    assert evaluate(CLAIM["norm_peaks"], ev(narrow)).status == NOT_APPLICABLE


def test_every_claim_concerns_the_same_three_default_runs():
    configs = {tuple(runs_for(c, Config())) for c in claims.CLAIMS}
    assert len(configs) == 1 and [c.seed for c in next(iter(configs))] == [0, 1, 2]


# ---- the page -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_page_draws_the_curve_over_n_with_the_threshold_line(store):
    from tests.ui.test_pages import app, figures, title, train

    small = {"n_train": 60, "n_test": 300, "n_widths": 12}
    train("double_descent", [{**small, "seed": s} for s in (0, 1)], store)
    at = app("double_descent", query={k: str(v) for k, v in {**small, "n_seeds": 2}.items()})
    figs = {title(f): f for f in figures(at)}
    test = figs["Test error vs random features N (min-norm fit)"]
    assert test["layout"]["xaxis"]["type"] == "log"
    assert [s["x0"] for s in test["layout"]["shapes"]] == [pytest.approx(60)]  # shapes take data x on a log axis
    names = [t["name"] for t in test["data"]]
    assert any("rf_test_error_clean (mean)" in n for n in names) and any("±1 std" in n for n in names)
    assert not any(t.startswith("MLP") for t in figs)  # the MLP charts stay away from a random-features run


def test_the_sweep_marks_the_smallest_width_with_zero_train_error():
    rows = [{"run_id": f"w{w}s{s}", "cfg_width": w, "step": step, "train_error": err if step else 0.9}
            for w, err in ((16, 0.2), (47, 0.01), (61, 0.0), (104, 0.0)) for s in (0, 1) for step in (0, 500)]
    assert claims.threshold_line(frame(rows), "width") == {"train error 0 from h = 61": 61.0}
    assert claims.threshold_line(frame(rows), "label_noise") == {}
    assert claims.threshold_line(frame(rows[:8]), "width") == {}  # no width fits the training set yet


@pytest.mark.slow
def test_the_mlp_sweep_is_drawn_on_a_log_width_axis_with_the_threshold(store):
    from tests.ui.test_pages import app, arr, figures, title, train

    small = {"model": "mlp", "n_train": 100, "n_test": 100, "epochs": 40, "eval_every": 20, "batch_size": 20,
             "lr": 0.1, "label_noise": 0.0}
    train("double_descent", [{**small, "width": w} for w in (2, 300)], store)
    at = app("double_descent", query={k: str(v) for k, v in small.items()})
    figs = {title(f): f for f in figures(at)}
    sweep = figs["final test_error vs width"]
    assert sweep["layout"]["xaxis"]["type"] == "log" and arr(sweep["data"][0]["x"]) == [2, 300]
    train_error = figs["final train_error vs width"]
    fitted = [w for w, e in zip(arr(train_error["data"][0]["x"]), arr(train_error["data"][0]["y"])) if e == 0]
    assert fitted == [300]  # the wide net fits the 100 digits, the width-2 net cannot
    assert [s["x0"] for s in sweep["layout"].get("shapes", [])] == [pytest.approx(min(fitted))]  # data x on a log axis


def test_a_classical_fall_is_not_a_second_descent():
    falling = dict(zip(WIDTHS, (0.9, 0.5, 0.3, 0.2, 0.19, 0.185, 0.18, 0.17, 0.165)))  # a ridge's curve: no peak
    assert evaluate(CLAIM["second_descent"], ev(rf_frame(falling, falling, NORM))).status == FAILS
