"""The μP page's text: what to look for, the recipe and the numbers, the references."""

PAGE_TEXT = (
    "Train the same MLP at several widths over a grid of learning rates and plot the training loss "
    "against the learning rate, one curve per width (the transfer plot, below). In μP the minima line up, so "
    "the rate tuned on the narrow net is right for the wide one; in the standard parametrisation (SP) they move "
    "to smaller rates as the width grows. The coordinate check shows why: over the first Adam steps every layer's "
    "activations stay the same size in μP, while under SP they grow with the width.")

REFERENCE = (
    "Yang & Hu 2021, *Feature Learning in Infinite-Width Neural Networks* (ICML); Yang, Hu, Babuschkin, Sidor, "
    "Liu, Farhi, Ryder, Pachocki, Chen & Gao 2022, *Tensor Programs V: Tuning Large Neural Networks via "
    "Zero-Shot Hyperparameter Transfer*. Original code: microsoft/mup (`examples/MLP`, `coord_check`).")

DETAILS = (
    "**The recipe.** MLP 784 → n → n → 10, ReLU, no biases, Adam (β = 0.9, 0.999), minibatches of MNIST "
    "(MNIST-5k offline), the same initial network and the same batches for every learning rate of a width; "
    "a point's loss is the mean minibatch loss over its last epoch, as the original code's `train_loss` "
    "(a single final iterate at a large rate is noisy). "
    "Parametrisations, with m = n / base_width: **μP** input N(0, 1/784) at rate η; hidden N(0, 1/n) at η/m; "
    "readout zero, logits divided by m, rate η. **SP** every layer N(0, 1/fan_in), rate η. **NTK** N(0, 1) "
    "weights times 1/√fan_in, rate η (with Adam its optimum lies far above this grid). "
    "The defaults are reduced to fit a minute of CPU: widths 64, 256, 1024, rates 2⁻¹¹..2⁻⁴, 150 steps of "
    "batch 32 on 1,024 images, cross-entropy; the *paper recipe* preset is the full grid (widths 64-1024, "
    "rates 2⁻¹⁴..2⁻⁴, 600 steps of batch 64 on 4,096 images). "
    "**Which loss.** With cross-entropy (the defaults; 3-seed means, seeds 0-2) μP's optimum is 2⁻⁷ at width "
    "64 and 2⁻⁶ at 256 and 1024, and the rate tuned at 64 loses 2.4 % at 1024; SP's moves 2⁻⁷ → 2⁻⁹ → 2⁻¹⁰ "
    "and the rate tuned at 64 loses 215 % at 1024. With MSE to one-hot targets SP's optimum moves 2 grid "
    "points (2⁻⁸ → 2⁻¹⁰, in every seed), less than with cross-entropy here, while μP's widest curve turns flat "
    "from 2⁻⁸ to 2⁻⁵ (within 13 %) and its argmin wanders over that plateau (the rate tuned at 64 still loses "
    "only 8.5 % there; SP's 60 %). Haas et al. 2025 analyse SP with cross-entropy at large width. "
    "**Where transfer is only approximate.** The alignment of the minima improves with the base width: from a "
    "base of 64 it holds to a grid point with cross-entropy, only to a plateau with MSE (microsoft/mup#30, "
    "the authors: \"the alignment is only "
    "approximate, improving with width of the base model\"). A coordinate check that looks right does not "
    "guarantee transfer (microsoft/mup#22: a GPT learning rate tuned at 350M gave NaN at 1.3B; "
    "microsoft/mup#23: a Conv1D model; see also microsoft/mup#66). μP says nothing about batch size, training "
    "length, learning-rate schedules or weight "
    "decay: the paper transfers them empirically and with caveats (Tensor Programs V, Sec. 6.1, App. G), and "
    "the best rate shifts with the number of steps (microsoft/mup#64). The grid is over training loss at a fixed "
    "step budget, as the paper's Fig. 3.")
