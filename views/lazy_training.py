"""Lazy training vs width: loss, accuracy, weight and kernel movement; width sweep."""
from labcore.ui.phenomenon import Chart, SweepView, render

render(
    "lazy_training",
    charts=[
        Chart("Training loss", ("loss",)),
        Chart("Accuracy", ("train_acc", "test_acc")),
        Chart("Relative weight change ‖θ−θ₀‖/‖θ₀‖", ("rel_change", "rel_change_l2"), log_y=True),
        Chart("Kernel change ‖K−K₀‖/‖K₀‖ (empirical NTK)", ("kernel_change",), log_y=True),
    ],
    sweep_view=SweepView(metric="rel_change", loglog=True, reference_exponent=-0.5),
)
