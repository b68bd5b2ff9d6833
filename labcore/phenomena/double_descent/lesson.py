"""The double-descent lesson: the peak, its cause (the norm), noise, ridge, then a trained MLP."""
from __future__ import annotations

from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="Double descent in five steps",
    summary="Test error against model size falls, peaks where the model first fits the training set "
            "exactly, and falls again; label noise makes the peak tall, a ridge removes it.",
    steps=(
        Step("The peak",
             "Random ReLU features of 400 digits, 20 % of whose training labels were replaced by a random "
             "class, fitted by minimum-norm least squares. One run fits every N from 20 to 4,000 features "
             "in a couple of seconds; 3 seeds give the bands.",
             "Classical wisdom says test error is U-shaped in model size. Where do you expect the worst "
             "test error, and what happens beyond it?",
             action="seeds", n_seeds=3, claims=("peak_at_threshold", "second_descent")),
        Step("Why there: the norm",
             "At N = n_train the feature matrix is square: the only function that fits every (noisy) label "
             "needs huge coefficients. Look at the norm chart beside the test error.",
             "Past the threshold there are many interpolating solutions. Which one does the pseudo-inverse "
             "pick, and why would it generalise better as N grows?",
             action="seeds", n_seeds=3, claims=("norm_peaks",)),
        Step("Label noise makes it tall",
             "Each run also fits the clean labels with the same features (the _clean curves). Compare the "
             "two around N = n_train, then try label_noise 0.4.",
             "The clean curve spikes at N = n too. Is its peak as tall and as wide as the noisy one?",
             action="seeds", n_seeds=3, settings={"label_noise": 0.2}, claims=("noise_grows_peak",)),
        Step("A ridge flattens it",
             "Set ridge to 0.01: the fit no longer interpolates, and the peak disappears (the claims above "
             "now fail: they hold for the ridgeless fit only).",
             "Why does regularisation remove the peak, and what does it cost at N = 10n?",
             action="seeds", n_seeds=3, settings={"ridge": 0.01}),
        Step("A trained network",
             "The same story with an MLP trained by SGD on MNIST-1D (15 % noise): sweep the hidden width. "
             "Each width is one run; the test error peaks near the width where the training error first "
             "reaches 0 (the dotted line). Open one width's curves: over epochs the test error falls, then "
             "rises while the noisy labels are memorised.",
             "Is the interpolation threshold of a trained network as sharp as that of the min-norm fit?",
             action="sweep", preset="MLP quick (MNIST-1D, 15 % noise, 200 epochs)"),
    ),
)
