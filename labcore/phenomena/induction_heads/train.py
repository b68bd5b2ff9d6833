"""One induction-heads run: an attention-only transformer trained with Adam on repeated random
tokens (next-token cross-entropy at every position)."""
from __future__ import annotations

import math

import torch

from labcore.core.loop import Schedule, train_loop
from labcore.core.rng import seed_everything, torch_generator
from labcore.phenomena.induction_heads import data, measures
from labcore.phenomena.induction_heads.claims import LOW
from labcore.phenomena.induction_heads.nets import AttnOnly

EVAL_BATCH = 64     # sequences of the training distribution for the losses (fixed for the run)
PROBE_BATCH = 32    # sequences with ℓ = T/2 (first half random, second half its copy) for the heads


def train(cfg, recorder) -> None:
    """Train and log the loss, the repeated-half loss, the ICL score and every head's
    prefix-matching score every eval_every steps; the attention patterns on one repeated
    sequence (artifacts attn_l{l}h{h}) every snapshot_every steps."""
    seed_everything(cfg.seed)
    model = AttnOnly(cfg.vocab, cfg.seq_len, cfg.d_model, cfg.n_heads, cfg.n_layers, torch_generator(cfg.seed, "init"))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gen = torch_generator(cfg.seed, "data")
    x_eval, ell_eval = data.repeated(EVAL_BATCH, cfg.seq_len, cfg.vocab, cfg.vary_offset,
                                     torch_generator(cfg.seed, "eval"))
    rep_eval = data.repeat_mask(ell_eval, cfg.seq_len)
    x_probe, ell_probe = data.repeated(PROBE_BATCH, cfg.seq_len, cfg.vocab, False, torch_generator(cfg.seed, "noise"))

    held: dict[str, int] = {}  # "since": the step the repeated-half loss last got below LOW · ln V

    def evaluate(step: int) -> dict:
        with torch.no_grad():
            losses = measures.token_losses(model(x_eval), x_eval)            # (B, T − 1)
            model(x_probe)
            row = {"loss": float(losses.mean()), "rep_loss": measures.masked_mean(losses, rep_eval),
                   "icl_score": measures.icl_score(losses)}
            for layer, pattern in enumerate(model.patterns, start=1):
                for h, score in enumerate(measures.prefix_matching(pattern, ell_probe).tolist()):
                    row[f"prefix_l{layer}h{h}"] = score
        if row["rep_loss"] < LOW * math.log(cfg.vocab):
            held.setdefault("since", step)
        else:
            held.pop("since", None)
        held["now"] = step
        return row

    def dropped_and_held(row: dict) -> str | None:
        """The stop rule: once the repeated-half loss has stayed below LOW · ln V for `stop_after`
        steps (0: off), the phase change is over; the budget only matters for slow seeds."""
        since = held.get("since")
        if cfg.stop_after and since is not None and "rep_loss" in row and held["now"] - since >= cfg.stop_after:
            snapshot(held["now"])  # the patterns at the last step
            return (f"the repeated-half loss stayed below {LOW:g} ln V from step {since} for {cfg.stop_after} steps "
                    "(stop_after; 0 runs every step)")
        return None

    def snapshot(step: int) -> dict:
        with torch.no_grad():
            model(x_probe[:1])
        for layer, pattern in enumerate(model.patterns, start=1):
            for h in range(cfg.n_heads):
                recorder.artifact(f"attn_l{layer}h{h}", pattern[0, h].numpy())
        return {}

    def step_fn(step: int) -> torch.Tensor:
        x, _ = data.repeated(cfg.batch_size, cfg.seq_len, cfg.vocab, cfg.vary_offset, gen)
        loss = measures.token_losses(model(x), x).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.detach()

    recorder.meta(device="cpu", n_params=sum(p.numel() for p in model.parameters()))
    plan = [(Schedule(every=cfg.eval_every), evaluate), (Schedule(every=cfg.snapshot_every), snapshot)]
    train_loop(recorder, cfg.steps, step_fn, schedules=plan, until=dropped_and_held)
