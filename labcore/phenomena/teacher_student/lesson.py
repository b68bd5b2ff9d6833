"""The teacher-student lesson: student nodes align with teacher nodes, lowest layer first."""
from labcore.core.lessons import Lesson, Step

LESSON = Lesson(
    title="Students that find their teacher",
    summary="A wide student network trained to copy a fixed teacher network ends up with nodes that copy "
            "individual teacher nodes.",
    steps=(
        Step("Train a student",
             "A random teacher network labels Gaussian inputs; a student ten times wider learns to copy its "
             "outputs. For each teacher node the charts show how well the best-matching student node "
             "correlates with it (1 = a perfect copy).",
             question="Which layer do you expect to be copied first: the lowest or the one above it?",
             claims=("lowest_layer_leads",)),
        Step("Shrink the inputs",
             "The same run with inputs ten times smaller (data_std 1). Most inputs then land where every "
             "teacher ReLU behaves almost linearly.",
             question="Will the student still find the teacher's nodes?",
             preset="data_std 1", claims=("data_std_control",)),
        Step("How wide must the student be?",
             "Sweep the student's width: 1, 2, 5 and 10 student nodes per teacher node.",
             question="Does a wider student copy the teacher better, even though it has more nodes to waste?",
             action="sweep"),
        Step("The original budget",
             "The original code trains 40 epochs over 100,000 samples (62,520 steps; a few minutes on the "
             "CPU). Its README reports 0.999 for the lowest layer and about 0.95 for the second.",
             question="Is the second layer's lower score a limit of the method, or just of training time?",
             settings={"data_std": 10.0, "node_multi": 10, "lr": 0.05, "d_output": 100, "seed": 124,
                       "teacher": (10, 15, 20, 25), "n_train": 100_000, "steps": 62_520, "batch_size": 64,
                       "eval_size": 192, "eval_redraw": True, "eval_every": 1_563},
             claims=("paper_budget",)),
    ),
)
