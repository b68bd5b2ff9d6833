"""The double-descent claims, judged on the random-features curve (pure: pandas only).

A random-features run holds the whole curve over the number of features N (its rows are
keyed by N), so every claim reads the seed mean of one setting: the defaults' 3 seeds
(3-5 s of CPU each, data loading included) serve all four claims, so `labcore check` trains 3 runs in all.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from labcore.core.claims import FAILS, HOLDS, NOT_APPLICABLE, NOT_YET, Claim, Evidence, Verdict

if TYPE_CHECKING:  # pandas is imported by the frames' owner, not at registry load
    import pandas as pd

# Belkin et al. 2019 (Fig. 2, random Fourier features on MNIST) and the measurement
# on digits (peak at N = n_train = 400 exactly): "the test error peaks within a factor 1.5 of
# the interpolation threshold" (the issue).
PEAK_FACTOR = 1.5
# The notebook's MLP with 15 % noise falls 8.55 points from its peak (54.05 % at h 47) to the
# largest width (45.5 % at h 300); the random features on digits fall 73 points (87 -> 14 %).
# A drop of at least 5 points is a second descent, not seed noise (seed std at N = 10n: < 1 point).
DESCENT_MARGIN = 0.05
# Label noise makes the peak taller and wider (Nakkiran et al. 2020, Sec. 5; the notebook: clean
# labels fall monotonically 68.5 -> 37.3 % while 15 % noise peaks at 54 %). Which ratio: not the
# spike at N = n_train itself, where the min-norm fit of the square system blows up whatever the
# labels (DESIGN.md §5, digits RF: 87 % with 20 % noise vs 80 % clean, 1.09x), nor the floor at
# N = 10n (14 vs 2.4 %); the claim is about the peak's extent: the median error over the threshold
# window n/2 <= N <= 2n above the error of the largest model, with noise against clean labels in
# the same runs. The source's figure for that ratio: the mnist1d notebook's MLP stands 8.55 points
# above its largest width at the noisy peak (54.05 % at h 47 vs 45.5 % at h 300) with 15 % noise,
# 3.7 points with clean labels (41.0 vs 37.3 %): 2.3x. We ask for 1.5x, two-thirds of it, so one
# fit's spread does not decide the verdict (2x was met at 2.0x by seed 9). Measured per
# seed at the defaults (one run each, 20 % noise): seeds 0-9 2.0-4.3x (1.99x at seed 9), unseen
# seeds 100-109 2.0-4.2x (10 of 10 clear 1.5x); the 3-seed mean of seeds 0-2 ~3.6x.
WINDOW = (0.5, 2.0)
NOISE_RATIO = 1.5


def peak(curve: pd.Series) -> tuple[float, float]:
    """(N, value) of the curve's maximum (the first one on ties); curve: value by N."""
    n = curve.idxmax()
    return float(n), float(curve.loc[n])


def interpolation_threshold(widths, train_errors, tol: float = 0.0):
    """The smallest width whose train error is <= tol: where the model first fits the training
    set (None when no width does). widths and train_errors are aligned sequences."""
    fitted = [w for w, e in sorted(zip(widths, train_errors)) if e is not None and e <= tol]
    return fitted[0] if fitted else None


def threshold_line(frame: pd.DataFrame, axis: str) -> dict[str, float]:
    """The MLP sweep's interpolation threshold as a labelled x value: the smallest width whose
    final train error (mean over seeds) is 0; {} for another axis or when no width fits yet.
    frame: the long frame of the sweep's finished runs (cfg_width, step, train_error)."""
    if axis != "width" or "train_error" not in frame or "cfg_width" not in frame:
        return {}
    finals = frame.dropna(subset=["train_error"]).sort_values("step").groupby("run_id").last()
    per_width = finals.groupby(finals["cfg_width"].astype(float))["train_error"].mean()
    width = interpolation_threshold(list(per_width.index), list(per_width.to_numpy()))
    return {} if width is None else {f"train error 0 from h = {width:g}": float(width)}


def window_excess(curve: pd.Series, n_train: float) -> float:
    """Median of the curve over n/2 <= N <= 2n minus its value at the largest N."""
    lo, hi = WINDOW[0] * n_train, WINDOW[1] * n_train
    inside = curve[(curve.index >= lo) & (curve.index <= hi)]
    return float(inside.median() - curve.iloc[-1])


def _setting(ev: Evidence, key: str, default=None):
    """A config value of the judged runs (from the frame, else the base config)."""
    col = f"cfg_{key}"
    if col in ev.frame and len(ev.frame):
        return ev.frame[col].iloc[0]
    return getattr(ev.config, key, default)


def _rf_curve(ev: Evidence, metric: str) -> tuple[pd.Series | None, float, Verdict | None]:
    """The seed-mean curve of `metric` over N, n_train, or the verdict when it cannot be judged
    yet (runs still going, the curve not past 2n) or not at all (the MLP family, a grid that
    does not surround the threshold)."""
    if str(_setting(ev, "model", "random_features")) != "random_features":
        return None, 0.0, Verdict(NOT_APPLICABLE, "judged on the random-features curve (model=random_features)")
    n = float(_setting(ev, "n_train"))
    lo, hi = float(_setting(ev, "min_ratio")), float(_setting(ev, "max_ratio"))
    if lo > WINDOW[0] or hi < 2 * WINDOW[1]:
        return None, n, Verdict(NOT_APPLICABLE, f"the grid N/n_train = {lo:g}..{hi:g} does not surround the "
                                                f"threshold (needs min_ratio <= {WINDOW[0]} and max_ratio >= "
                                                f"{2 * WINDOW[1]:g})")
    curve = ev.curve(metric)
    curve.index = curve.index.astype(float)
    if not ev.complete:
        status = NOT_YET if ev.active or not ev.statuses else FAILS
        got = f"{int(curve.index.max())}" if len(curve) else "none"
        return None, n, Verdict(status, f"runs not finished (largest N so far: {got})")
    if len(curve) < 3:
        return None, n, Verdict(NOT_YET, f"{len(curve)} widths measured")
    return curve, n, None


def _seeds(ev: Evidence) -> str:
    k = ev.n_runs()
    return f"{k} seed{'s' if k != 1 else ''}"


def judge_peak(ev: Evidence) -> Verdict:
    """The seed-mean test error's maximum over N lies within a factor PEAK_FACTOR of n_train."""
    curve, n, early = _rf_curve(ev, "rf_test_error")
    if early:
        return early
    at, top = peak(curve)
    ok = n / PEAK_FACTOR <= at <= n * PEAK_FACTOR
    return Verdict(HOLDS if ok else FAILS,
                   f"test error peaks at N = {at:g} ({100 * top:.1f} %), n_train = {n:g}: ratio {at / n:.2f} "
                   f"(needs 1/{PEAK_FACTOR:g}..{PEAK_FACTOR:g}; {_seeds(ev)})")


def judge_descent(ev: Evidence) -> Verdict:
    """The test error at the largest N is at least DESCENT_MARGIN below its maximum from the
    threshold region on (N >= n/PEAK_FACTOR): a fall past the threshold, not the classical one."""
    curve, n, early = _rf_curve(ev, "rf_test_error")
    if early:
        return early
    at, top = peak(curve[curve.index >= n / PEAK_FACTOR])
    last_n, last = float(curve.index[-1]), float(curve.iloc[-1])
    drop = top - last
    ok = at < last_n and drop >= DESCENT_MARGIN
    return Verdict(HOLDS if ok else FAILS,
                   f"largest error from N = n/{PEAK_FACTOR:g} on: {100 * top:.1f} % at N = {at:g}; "
                   f"{100 * last:.1f} % at N = {last_n:g} "
                   f"({last_n / n:.3g}·n): {100 * drop:.1f} points lower "
                   f"(needs >= {100 * DESCENT_MARGIN:g}; {_seeds(ev)})")


def judge_noise(ev: Evidence) -> Verdict:
    """With label noise the peak (window median above the largest model) is >= NOISE_RATIO x
    the clean labels' one, both fitted in the same runs."""
    noise = float(_setting(ev, "label_noise", 0.0))
    if noise <= 0:
        return Verdict(NOT_APPLICABLE, "label_noise = 0: no noisy curve to compare with the clean one")
    curve, n, early = _rf_curve(ev, "rf_test_error")
    if early:
        return early
    clean = ev.curve("rf_test_error_clean")
    clean.index = clean.index.astype(float)
    noisy_x, clean_x = window_excess(curve, n), window_excess(clean, n)
    ok = noisy_x > 0 and noisy_x >= NOISE_RATIO * max(clean_x, 0.0)
    ratio = f"{noisy_x / clean_x:.1f}x" if clean_x > 0 else "clean: no excess"
    return Verdict(HOLDS if ok else FAILS,
                   f"median test error over N = n/2..2n above the largest model: {100 * noisy_x:.1f} points with "
                   f"{100 * noise:g} % noise, {100 * clean_x:.1f} with clean labels ({ratio}; needs >= "
                   f"{NOISE_RATIO:g}x; {_seeds(ev)})")


def judge_norm(ev: Evidence) -> Verdict:
    """The norm of the fitted coefficients peaks within a factor PEAK_FACTOR of n_train."""
    curve, n, early = _rf_curve(ev, "rf_norm")
    if early:
        return early
    at, top = peak(curve)
    ok = n / PEAK_FACTOR <= at <= n * PEAK_FACTOR
    return Verdict(HOLDS if ok else FAILS,
                   f"‖a‖ peaks at N = {at:g} ({top:.3g}; {curve.iloc[-1]:.3g} at N = {curve.index[-1]:g}), "
                   f"n_train = {n:g} (needs within {PEAK_FACTOR:g}x; {_seeds(ev)})")


NEEDS = "press Run with N seeds = 3 (random features: seconds)"

CLAIMS = (
    Claim("peak_at_threshold",
          "The test error peaks where the model first fits the training set exactly: at N = n_train "
          "random features (within a factor 1.5).",
          "Belkin et al. 2019, Fig. 2: RFF on MNIST peak at N = n = 10⁴; measured here on digits (n 400): "
          "80 % (clean) / 87 % (20 % noise) at N = 400",
          "Belkin, Hsu, Ma & Mandal 2019, PNAS, Fig. 2", ("rf_test_error",), judge_peak,
          scope="seeds", seeds=3, needs=NEEDS),
    Claim("second_descent",
          "Past the threshold the test error falls again: the largest model is well below the peak.",
          "mnist1d notebook (MLP, 15 % noise): 54.05 % at h 47 -> 45.5 % at h 300; measured here (digits RF, "
          "20 % noise): 87 % at N = n -> 14 % at N = 10n",
          "greydanus/mnist1d deep-double-descent.ipynb; Belkin et al. 2019 Fig. 2",
          ("rf_test_error",), judge_descent, scope="seeds", seeds=3, needs=NEEDS),
    Claim("noise_grows_peak",
          "Label noise makes the peak tall and wide: around the threshold (N = n/2..2n) the test error stands "
          "above the largest model's at least 1.5x as far as with clean labels, whose error spikes only at "
          "N = n itself.",
          "mnist1d notebook: 15 % noise peaks 8.55 points above the largest width (54.05 % at h 47 vs 45.5 %), "
          "clean labels 3.7 points (41.0 vs 37.3 %, falling monotonically): 2.3x; Nakkiran et al. 2020 Fig. 4 "
          "(label noise 0 / 10 / 20 %)",
          "greydanus/mnist1d deep-double-descent.ipynb; Nakkiran et al. 2020, Deep Double Descent, Sec. 5",
          ("rf_test_error", "rf_test_error_clean"),
          judge_noise, scope="seeds", seeds=3, needs=NEEDS),
    Claim("norm_peaks",
          "The norm of the fitted solution peaks at the interpolation threshold too (the min-norm "
          "interpolant is smooth again past it).",
          "Belkin et al. 2019, Fig. 2 (bottom): the RKHS norm of the fit peaks at N = n",
          "Belkin, Hsu, Ma & Mandal 2019, PNAS, Fig. 2", ("rf_norm",), judge_norm,
          scope="seeds", seeds=3, needs=NEEDS),
)
