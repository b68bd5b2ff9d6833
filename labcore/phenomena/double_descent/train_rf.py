"""The random-features family (imports torch; called by `run`): every width of the curve in
one run, since an exact min-norm fit costs one SVD.

train_loop's step s is the s-th feature count N_s of the grid: the measurement at step s fits
N_s features (to the noisy labels and, when there is noise, to the clean ones) and the step
moves on to the next width, returning the training loss of the fit it leaves. Rows are filed
under N_s (`ByWidth`), so the run's curves are drawn against the number of features.
"""
from __future__ import annotations

import torch
from torch.nn.functional import one_hot

from labcore.core.loop import every
from labcore.core.rng import torch_generator
from labcore.phenomena.double_descent import data, fit
from labcore.phenomena.double_descent.grid import width_grid


class ByWidth:
    """A Recorder view that files the row of loop step s under the s-th width."""

    def __init__(self, recorder, widths: list[int]) -> None:
        self._recorder, self._widths = recorder, widths

    def log(self, step: int, **metrics: float) -> None:
        """recorder.log under the width of loop step `step`."""
        self._recorder.log(self._widths[min(step, len(self._widths) - 1)], **metrics)

    def __getattr__(self, name: str):
        return getattr(self._recorder, name)


def plan_widths(cfg, recorder):
    """The loop over the width grid (see module doc): (recorder, steps, step_fn, schedules)
    for the phenomenon's one `train_loop` call; one row per width."""
    d = data.load(cfg.dataset, cfg.n_train, cfg.n_test, cfg.seed, cfg.label_noise)
    widths = width_grid(cfg.n_train, cfg.min_ratio, cfg.max_ratio, cfg.n_widths)
    gen = torch_generator(cfg.seed, "init")
    phi = fit.random_features(torch.cat([d.x_train, d.x_test]), widths[-1], cfg.features, gen)  # (n + n_test, N_max)
    n = len(d.y_train)
    targets = {"": d.y_train}
    if cfg.label_noise > 0:  # the clean labels alongside: the peak's growth with noise in one run
        targets["_clean"] = d.y_clean
    y = torch.cat([one_hot(t, d.n_classes).double() for t in targets.values()], 1)  # (n, k·variants)
    y_test = one_hot(d.y_test, d.n_classes).double()  # (n_test, k)
    recorder.meta(widths=len(widths), n_max=widths[-1], data=d.source)
    fits: dict[int, dict] = {}

    def measure(step: int) -> dict:
        width = widths[step]
        feats = fit.scaled(phi, width)  # (n + n_test, N)
        coef = fit.min_norm_fit(feats[:n], y, cfg.ridge)  # (N, k·variants)
        pred_tr, pred_te = feats[:n] @ coef, feats[n:] @ coef  # (n, k·v), (n_test, k·v)
        row, k = {}, d.n_classes
        for i, (suffix, labels) in enumerate(targets.items()):
            cols = slice(i * k, (i + 1) * k)
            row[f"rf_train_error{suffix}"] = fit.error(pred_tr[:, cols], labels)
            row[f"rf_test_error{suffix}"] = fit.error(pred_te[:, cols], d.y_test)
            row[f"rf_train_mse{suffix}"] = fit.mse(pred_tr[:, cols], y[:, cols])
            row[f"rf_test_mse{suffix}"] = fit.mse(pred_te[:, cols], y_test)
            row[f"rf_norm{suffix}"] = float(coef[:, cols].norm())
        fits[step] = row
        return row

    def next_width(step: int) -> float:
        return fits.pop(step)["rf_train_mse"]  # the training loss of the fit this step leaves

    return ByWidth(recorder, widths), len(widths) - 1, next_width, [(every(1), measure)]
