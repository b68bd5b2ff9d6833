"""Neural-collapse measures (Papyan, Han & Donoho 2020) of penultimate features.

Notation: h the penultimate features of the N training points, y their labels, μ_c the
class means, μ_G the mean of the class means, M̄ the centred means (rows μ_c − μ_G), W the
last layer's weight (one row per class), C the number of classes present.

- NC1 = Tr(Σ_W Σ_B⁺) / C with Σ_W = (1/N) Σ (h − μ_y)(h − μ_y)ᵀ and Σ_B = M̄ᵀM̄ / C; Σ_B⁺ from
  its top C−1 singular directions. The /C is the paper's (Fig. 6) and tding1/Neural-Collapse's
  `validate_NC.py`; the authors' Colab logs Tr(Σ_W Σ_B⁺) without it (C times ours).
- NC2 equinorm = std/mean of ‖μ_c − μ_G‖ (and of ‖w_c‖), std with ddof 1 as torch.std in the
  Colab; equiangularity = mean over c ≠ c′ of |cos(μ̄_c, μ̄_c′) + 1/(C−1)| (and of the w_c).
- NC3 = ‖W/‖W‖_F − M̄/‖M̄‖_F‖²_F (self-duality).
- NC4 = the fraction of points whose net argmax differs from the nearest (uncentred) class mean.

Pure torch functions on given tensors; a phenomenon's `run` calls them in eval mode.
"""
from __future__ import annotations

import torch

REL_CUTOFF = 1e-9  # singular values of M̄ below this × the largest are dropped from Σ_B⁺ (no inf)


def class_means(h: torch.Tensor, y: torch.Tensor, n_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(means (K, d), present (K,) class ids) over the classes that have points. h: (N, d), y: (N,)."""
    present = torch.unique(y)  # (K,) sorted
    onehot = (y[:, None] == present[None, :]).to(h.dtype)  # (N, K)
    means = onehot.T @ h / onehot.sum(0)[:, None]  # (K, d)
    return means, present


def cosines(rows: torch.Tensor) -> torch.Tensor:
    """Pairwise cosines of the rows: (K, d) -> (K, K)."""
    unit = rows / rows.norm(dim=1, keepdim=True).clamp_min(1e-30)  # (K, d)
    return unit @ unit.T


def equinorm(rows: torch.Tensor) -> float:
    """std/mean of the row norms (ddof 1): 0 when every row has the same length."""
    norms = rows.norm(dim=1)  # (K,)
    return float(norms.std() / norms.mean())


def equiangularity(rows: torch.Tensor) -> float:
    """Mean over pairs c ≠ c′ of |cos(row_c, row_c′) + 1/(K−1)|: 0 for a simplex ETF."""
    k = rows.shape[0]
    off = ~torch.eye(k, dtype=torch.bool, device=rows.device)  # (K, K)
    return float((cosines(rows) + 1.0 / (k - 1))[off].abs().mean())


def nc1(h: torch.Tensor, y: torch.Tensor, means: torch.Tensor, present: torch.Tensor) -> float:
    """Tr(Σ_W Σ_B⁺)/K without forming d×d matrices: project the within-class deviations on
    the top K−1 right singular vectors of M̄ (Σ_B = V S² Vᵀ / K)."""
    k = means.shape[0]
    centred = means - means.mean(0, keepdim=True)  # (K, d) M̄
    _, s, vt = torch.linalg.svd(centred, full_matrices=False)  # s: (K,), vt: (K, d)
    keep = s[: k - 1] > REL_CUTOFF * s[0]
    s, vt = s[: k - 1][keep], vt[: k - 1][keep]  # (r,), (r, d)
    index = torch.searchsorted(present, y)  # (N,) row of each point's class in `means`
    z = (h - means[index]) @ vt.T  # (N, r) deviations in Σ_B's range
    sw_diag = (z * z).sum(0) / h.shape[0]  # (r,) diagonal of Vᵀ Σ_W V
    return float((sw_diag * k / s**2).sum() / k)


def self_duality(w: torch.Tensor, means: torch.Tensor) -> float:
    """NC3: ‖W/‖W‖_F − M̄/‖M̄‖_F‖²_F. w: (K, d) the classifier rows of the present classes."""
    centred = means - means.mean(0, keepdim=True)  # (K, d)
    return float(((w / w.norm() - centred / centred.norm()) ** 2).sum())


def ncc_mismatch(h: torch.Tensor, logits: torch.Tensor, means: torch.Tensor, present: torch.Tensor) -> float:
    """NC4: fraction of points where argmax of the logits ≠ the nearest uncentred class mean."""
    nearest = present[torch.cdist(h, means).argmin(1)]  # (N,)
    return float((nearest != logits.argmax(1)).float().mean())


def mean_cosines(h: torch.Tensor, y: torch.Tensor, n_classes: int):
    """Pairwise cosines of the centred class means as a (K, K) numpy array (None below two
    classes): −1/(K−1) off the diagonal at a simplex ETF."""
    means, present = class_means(h.double(), y, n_classes)
    if len(present) < 2:
        return None
    return cosines(means - means.mean(0, keepdim=True)).cpu().numpy()


def collapse(h: torch.Tensor, y: torch.Tensor, logits: torch.Tensor, w: torch.Tensor, n_classes: int) -> dict:
    """Every NC measure of features h (N, d) with labels y (N,), logits (N, C) and classifier
    weight w (C, d); empty when fewer than two classes have points (nothing to collapse)."""
    h, logits, w = h.double(), logits.double(), w.double()  # float64: NC1 reaches 1e-4 and below
    means, present = class_means(h, y, n_classes)
    if len(present) < 2:
        return {}
    w = w[present]  # (K, d) rows of the classes present
    centred = means - means.mean(0, keepdim=True)
    return {
        "nc1": nc1(h, y, means, present),
        "nc2_equinorm_means": equinorm(centred),
        "nc2_equinorm_classifier": equinorm(w),
        "nc2_equiangular_means": equiangularity(centred),
        "nc2_equiangular_classifier": equiangularity(w),
        "nc3": self_duality(w, means),
        "nc4": ncc_mismatch(h, logits, means, present),
    }
