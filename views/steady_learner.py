"""Steady learner (Benevolent Training Hypothesis): bias trajectories vs function complexity."""
from labcore.ui.phenomenon import Chart, SweepView, render

render(
    "steady_learner",
    charts=[
        Chart("Trajectory length per epoch", ("traj_len",)),
        Chart("Cumulative trajectory length", ("traj_len_total",)),
        Chart("Bias variance per epoch (/η²)", ("bias_var", "bias_var_avg"), log_y=True),
        Chart("Distance of the bias from init", ("dist_init",)),
        Chart("Training loss (MSE/2)", ("loss",), log_y=True),
        Chart("Activation regions hit on the [-1, 1]² grid", ("regions",)),
    ],
    sweep_view=SweepView(metric="traj_len_total", more_metrics=("bias_var_avg", "dist_init")),
)
