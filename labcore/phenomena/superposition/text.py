"""Page text, presets and the lesson of the superposition phenomenon."""
from __future__ import annotations

from labcore.core.lessons import Lesson, Step

REFERENCE = ("Elhage, Hume, Olsson, Schiefer, Henighan, Kravec, Hatfield-Dodds, Lasenby, Drain, Chen, Grosse, "
             "McCandlish, Kaplan, Amodei, Wattenberg & Olah 2022, *Toy Models of Superposition*, Transformer "
             "Circuits Thread (its notebook: toy_models.ipynb).")

SUMMARY = "Superposition: a small network stores more sparse features than it has dimensions, in regular polytopes."

PAGE_TEXT = (
    "n features pass through m < n hidden dimensions and back: x′ = ReLU(WᵀWx + b), each feature weighted by "
    "its importance. Dense features get a dimension each, only the m most important; as features get sparser "
    "the model packs more of them in, at angles that interfere little: five features in two dimensions form a "
    "regular pentagon. One run trains every sparsity at once.")

CLAIM = (
    "**The claim.** With dense inputs the model behaves like PCA: the m most important features get "
    "orthogonal directions, the rest are dropped (‖Wᵢ‖ ≈ 0). With sparse inputs, interference between features "
    "is rare, so the ReLU and bias can filter it: the model represents more features than dimensions "
    "(**superposition**), in regular geometric arrangements. Each feature's *dimensionality* "
    "Dᵢ = ‖Wᵢ‖² / Σⱼ (Ŵᵢ·Wⱼ)² (the share of a dimension it gets) sticks at fractions: 1 (its own "
    "dimension), ¾ (tetrahedron), ⅔ (triangle), ½ (antipodal pair), ⅖ (pentagon), ⅜ (square antiprism).")

HOW = (
    "**Reading the page.** Instance sK is the K-th sparsity, s0 dense. The geometry panel draws each column Wᵢ "
    "as an arrow (m = 2; darker = more important), WᵀW as a heat map (off-diagonal: interference), ‖Wᵢ‖ and "
    "each feature's superposition Σⱼ≠ᵢ (Ŵᵢ·Wⱼ)² as bars, and every feature's Dᵢ against 1/(1 − S).")

MEASURED = (
    "**What the defaults show** (n 5, m 2, 10 instances, S from 0 to 0.95, importance 0.9ⁱ, batch 1024, "
    "Adam 1e-3, 10,000 steps as the paper's notebook; ~28 s of CPU time on one core, ~2.8 ms a step, "
    "measured on a loaded 2-core machine, so an upper bound). The dense instance (seeds 0-6): the two "
    "most important features at ‖Wᵢ‖ 0.99-1.00, the other three ≤ 0.01 (seed 3: 0.18). In between "
    "(S 0.5-0.8) features pair up antipodally: four at 90°. At S ≥ 0.9 (three instances a seed) seed 0 "
    "draws three pentagons with neighbouring angles 70.4°-73.7°, seed 1 one (70.8°-73.3°), seed 2 two "
    "(69.8°-74.2°); the other three instances stayed in the four-feature square, a local minimum (seeds "
    "3-6: 3 of 12 sparse instances). With n 20, m 5 (the preset), 82-84 % of the represented features of "
    "the instances with S ≥ 0.5 lie within 0.05 of 1, ¾, ⅔, ½, ⅖ or ⅜ (seeds 0-2; by chance 51 %); the "
    "median Dᵢ is 0.41-0.43, near ⅖. At 5,000 steps (the quick preset) the pictures are the same, but the "
    "dense instance of seed 3 had not settled (a dropped feature at 0.82).")

DETAILS = "\n\n".join((CLAIM, HOW, MEASURED))

PRESETS = {
    "dimensionality (n 20, m 5)": dict(n_features=20, n_hidden=5),
    "quick (5,000 steps)": dict(steps=5000),
    "equal importance": dict(importance=1.0),
}

LESSON = Lesson(
    title="Superposition: more features than dimensions",
    summary="Watch a toy model drop features when they are dense and pack them into a pentagon when they are sparse.",
    steps=(
        Step("Dense features: one per dimension",
             "Run the defaults on three seeds and open the geometry panel. Look at the dense instance (S = 0): "
             "how many "
             "arrows have any length?",
             "With two dimensions and five dense features, which features would you keep?",
             action="seeds", n_seeds=3, claims=("dense_top_m",)),
        Step("Sparse features: a pentagon",
             "Move along the arrows to the sparse instances (S ≥ 0.9). All five features are there now, "
             "evenly spread around the circle. Press N seeds (3): is it the same shape every time?",
             "Why can five directions in a plane work when features are rarely active together?",
             action="seeds", n_seeds=3, claims=("pentagon",)),
        Step("Where the features go in between",
             "Watch the chart of features represented per instance and the WᵀW heat map: in between, "
             "features pair up as antipodal pairs (4 features at 90°) before the pentagon appears.",
             "What does a negative entry of WᵀW mean for two features?",
             action="run"),
        Step("Fractions of a dimension",
             "Pick the n 20, m 5 preset and press N seeds (3). The dimensionality chart plots each feature's "
             "share of a dimension against 1/(1 − S): the points stick at ½, ⅖ and other fractions.",
             "Why would a feature's share of a dimension be ⅖ rather than anything in between?",
             preset="dimensionality (n 20, m 5)", action="seeds", n_seeds=3, claims=("dimensionality_clusters",)),
    ),
)
