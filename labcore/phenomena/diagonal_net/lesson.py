"""The diagonal-network lesson: the init scale alone chooses the sparse or the minimum-ℓ2 solution."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="Small or large init: rich or lazy",
    summary="The same model, data and optimiser find a sparse or a dense solution depending only on the init scale.",
    steps=(
        Step("Start small",
             "A linear model written as β = u⊙u − v⊙v learns from 40 examples in 100 dimensions; only 5 "
             "coordinates of the true β* are non-zero. Every parameter starts at α = 0.0001.",
             question="Many β fit 40 equations in 100 unknowns. Will gradient descent find the true one?",
             action="seeds", n_seeds=3, settings={"alpha": 0.0001}, claims=("sparse_at_small_alpha",)),
        Step("Start large",
             "Same data, α = 10. The dashed line is (1 − n/d)‖β*‖², the error of the minimum-ℓ2 fit on average.",
             question="Will the training loss still reach zero? Will the test error?",
             action="seeds", n_seeds=3, settings={"alpha": 10.0}, claims=("l2_at_large_alpha",)),
        Step("Sweep the scale",
             "Train α from 0.0001 to 10. The summary chart shows each run's final test error against the two "
             "reference fits.",
             question="Is the change from sparse to dense sudden or gradual in α?",
             action="sweep", claims=("error_rises_with_alpha",)),
    ),
)
