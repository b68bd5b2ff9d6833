"""Feature diversity (ConstNet / LeakyNet): correlations per layer, symmetry breakers side by side."""
from labcore.ui.phenomenon import Arms, Chart, SweepView, render

render(
    "feature_diversity",
    charts=[
        Chart("Mean correlations (1 = all channels identical)", ("fwd_corr", "bwd_corr", "feat_corr")),
        Chart("Accuracy", ("train_acc", "test_acc"), hlines=lambda cfg: {"chance": 0.1}),
        Chart("Training loss", ("loss",), log_y=True),
        Chart("Feature correlation per layer", ("feat_corr_l*",)),
    ],
    layer_heatmap="feat_corr_l*",
    arms=Arms(variants={"ConstNet, deterministic": dict(init="constant", breaker="none"),
                        "ConstNet + dropout": dict(init="constant", breaker="dropout"),
                        "ConstNet + gradient noise": dict(init="constant", breaker="noise"),
                        "random init": dict(init="random", breaker="none")},
              metrics=("test_acc", "feat_corr")),
    sweep_view=SweepView(metric="test_acc", more_metrics=("feat_corr",)),
)
