"""Induction heads and in-context learning (Olsson et al. 2022): a small attention-only
transformer trained on repeated random tokens learns, in an abrupt phase change, a two-layer
circuit that finds the previous occurrence of the current token and copies what came next; its
loss on the repeated half falls from ln V towards 0 and late tokens become cheaper than early
ones (the in-context-learning score turns negative). A one-layer net is the control.

torch is imported inside `run` so the registry (and the pages) load without it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from labcore.core import param_groups
from labcore.core.experiment import Arms, Chart, Experiment, PageSpec
from labcore.core.params import BaseConfig, ParamError, param
from labcore.phenomena.induction_heads.claims import CLAIMS
from labcore.phenomena.induction_heads.text import DETAILS, LESSON, PAGE_TEXT, PRESETS, REFERENCE, SUMMARY


@dataclass(frozen=True)
class Config(BaseConfig):
    """Settings of an induction-heads run (the recipe: vocab 64, 32 random tokens repeated, d 64,
    4 heads, learned positions, batch 32, Adam 1e-3); each field's `help` documents it.

    Defaults (text.MEASURED): context 32 (the repeat 8-16 tokens long, varying), lr 1e-2,
    1,000 steps: the drop comes at ~400 steps; the recipe's fixed first-half/second-half layout
    lets a one-layer net copy by position (measured: its repeated-half loss fell to 0.09 by step
    750, before the 2-layer net's), so the control needs the varying offset."""
    n_layers: int = param(2, lo=1, hi=4, help="attention layers: 2 can form induction heads, 1 is the control")
    vocab: int = param(64, lo=4, hi=4096, log=True, help="V: tokens drawn uniformly (the recipe: 64)")
    seq_len: int = param(32, lo=4, hi=1024, log=True,
                         help="T: the context, ending in a random segment and its copy (the recipe: 64, 32 repeated)")
    vary_offset: bool = param(True, help="the repeated segment's length varies from T/4 to T/2 per sequence (false: "
                                          "always T/2); a fixed offset lets one layer copy by position alone")
    d_model: int = param(64, lo=4, hi=1024, log=True, help="residual stream width (the recipe: 64)")
    n_heads: int = param(4, lo=1, hi=32, help="heads per layer (d_model must be a multiple)")
    batch_size: int = param_groups.batch_size(32, help="sequences per step (the recipe: 32)")
    lr: float = param_groups.lr(1e-2, help="Adam learning rate (the recipe: 1e-3; at 1e-3 and 3e-3 the circuit had not "
                                            "formed within 750-1,500 steps here)")
    steps: int = param_groups.steps(7000, help="Adam steps at most (the recipe: ~2,000; see stop_after)")
    stop_after: int = param(300, lo=0, hi=100_000,
                            help="stop once the repeated-half loss has stayed below 0.3 ln V for this many steps "
                                 "(0: run every step)")
    eval_every: int = param_groups.eval_every(25)
    snapshot_every: int = param(250, lo=1, hi=1_000_000, log=True, advanced=True,
                                help="store every head's attention pattern on one repeated sequence every N steps")
    seed: int = param_groups.seed()

    def check(self) -> None:
        """Heads divide d_model; the context holds a repeat."""
        if self.d_model % self.n_heads:
            raise ParamError(f"n_heads={self.n_heads} is out of range for d_model={self.d_model}; "
                             f"allowed: a divisor of d_model")


def n_params(cfg: Config) -> int:
    """Weights of the network."""
    return (cfg.vocab + cfg.seq_len) * cfg.d_model + 4 * cfg.n_layers * cfg.d_model ** 2 + cfg.d_model * cfg.vocab


def cost(cfg: Config) -> tuple[float, float]:
    """(peak bytes, flops): weights ×4 (params, grads, Adam moments); activations of a batch
    (residual streams, attention patterns and logits, ×3 for the backward); flops ~6 per
    weight per token plus the attention."""
    t, b = cfg.seq_len, max(cfg.batch_size, 64)
    acts = b * t * (cfg.n_layers * (4 * cfg.d_model + cfg.n_heads * t) + cfg.vocab) * 3
    per_token = 6 * n_params(cfg) + 6 * cfg.n_layers * t * cfg.d_model
    return float(4 * (4 * n_params(cfg) + acts)), float(per_token * cfg.batch_size * t * cfg.steps)


def run(cfg: Config, recorder) -> None:
    """Train one run (labcore.phenomena.induction_heads.train)."""
    from labcore.phenomena.induction_heads.train import train

    train(cfg, recorder)


def _ln_v(cfg: Config) -> dict[str, float]:
    return {"ln V (uniform guess)": math.log(cfg.vocab), "½ ln V": 0.5 * math.log(cfg.vocab)}


EXPERIMENT = Experiment(
    name="induction_heads",
    title="Induction heads: in-context learning",
    config=Config,
    run=run,
    metrics=("loss", "rep_loss", "icl_score", "prefix_l{l}h{h}"),
    artifacts=("attn_l{l}h{h}",),
    icon=":material/repeat:",
    cost=cost,
    claims=CLAIMS,
    lesson=LESSON,
    smoke=dict(vocab=8, seq_len=8, d_model=8, n_heads=2, batch_size=4, steps=6, eval_every=2, snapshot_every=3),
    page=PageSpec(
        what_to_look_for=PAGE_TEXT,
        details=DETAILS,
        summary=SUMMARY,
        reference=REFERENCE,
        charts=(
            Chart("Loss on the repeated half (nats)", ("rep_loss",), hlines=_ln_v,
                  note="Flat near ln V, then an abrupt drop towards 0 with two layers: the phase change."),
            Chart("In-context-learning score: late-token loss − early-token loss", ("icl_score",),
                  hlines=lambda cfg: {"0": 0.0, "−½ ln V": -0.5 * math.log(cfg.vocab)},
                  note="≈ 0 while the model cannot use its context; negative once late tokens are predicted from "
                       "earlier ones."),
            Chart("Prefix-matching score per head (l = layer, h = head)", ("prefix_l*h*",),
                  note="Attention from a repeated token to the token after its first occurrence; an induction "
                       "head scores near 1."),
            Chart("Loss, all tokens (nats)", ("loss",), hlines=lambda cfg: {"ln V": math.log(cfg.vocab)},
                  note="The first half is random: at best the loss falls to about ½ ln V."),
        ),
        arms=Arms(variants={"2 layers": {"n_layers": 2}, "1 layer (control)": {"n_layers": 1}},
                  metrics=("rep_loss", "icl_score")),
        presets=PRESETS,
        artifact_view="artifacts",
    ),
)
