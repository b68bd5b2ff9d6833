"""Teacher-student (Luck Matters): per-layer best correlations, matrices, fan-out, luck."""
from labcore.ui.phenomenon import Chart, SweepView, render

render(
    "teacher_student",
    charts=[
        Chart("Mean best correlation per teacher node, by layer", ("corr_l*_mean",),
              hlines=lambda cfg: {"1.0": 1.0}),
        Chart("Worst teacher node's best correlation, by layer", ("corr_l*_min",)),
        Chart("Student loss (MSE to teacher)", ("loss",), log_y=True),
        Chart("Gradient noise ratio (per-sample gradients)", ("grad_noise",), log_y=True),
    ],
    sweep_view=SweepView(metric="corr_l1_mean"),
)
