"""A multivariate normal fitted to incomplete rows, and the conditional mean of each row's gaps.

Some tables are close to linear (breast_cancer's radius, perimeter and area are near-exact
functions of each other). The network learns such relations slowly from a few hundred rows; a
normal distribution fitted to the same rows states them exactly, and its conditional mean is the
best linear fill of any pattern of gaps at once, with no model per column.

The mean and covariance are fitted by expectation-maximisation on the observed cells (the
classic treatment of a normal sample with values missing at random): each iteration fills every
row's gaps with their conditional mean and adds their conditional covariance back, so the
estimate is not shrunk towards the filled values.

Shapes: N rows, F columns.
"""

import torch

MAX_ITERATIONS = 50  # EM iterations at most (docs/experiments.md: why 50)
# stop once no covariance entry moves by more than this share of the largest variance
TOLERANCE = 1e-4
RIDGE = 1e-3  # added to the covariance's diagonal, relative to it: keeps collinear columns solvable
FLOOR = 1e-6  # absolute: a constant column still has a solvable variance
SOLVE_CELLS = 2**22  # rows x F x F per batched solve: 32 MB in float64


def _chunks(n_rows, n_features):
    size = max(1, SOLVE_CELLS // (n_features * n_features))
    return [slice(start, start + size) for start in range(0, n_rows, size)]


def _regularised(covariance):
    diagonal = covariance.diagonal()
    return covariance + torch.diag(RIDGE * diagonal + FLOOR)


def conditional(values, visible, mean, covariance, with_spread=False):
    """Conditional mean of every cell given the ``visible`` cells of its row.

    Parameters
    ----------
    values : Tensor (N, F)
        Entries where ``visible`` is False are ignored.
    visible : BoolTensor (N, F)
    mean : Tensor (F,)
    covariance : Tensor (F, F)
        Regularised, so that every block of it can be solved. The solves run in float64.
    with_spread : bool
        Also return the rows' conditional covariances (zero on their visible cells) summed over
        the rows, which is all EM needs: kept per row they would take N x F x F.

    Returns
    -------
    filled : Tensor (N, F)
        Visible cells unchanged, the others their conditional mean.
    spread : Tensor (F, F), only with ``with_spread``
    """
    n, f = values.shape
    work = torch.float32 if covariance.device.type == "mps" else torch.float64  # MPS has no float64
    mean, covariance = mean.to(work), covariance.to(work)
    filled, spread = [], torch.zeros_like(covariance)
    for rows in _chunks(n, f):
        shown = visible[rows].to(work)  # (B, F)
        centred = (values[rows].to(work) - mean).nan_to_num() * shown  # (B, F)
        # Σ restricted to the visible cells, with the identity standing in for the hidden ones,
        # so that one batched solve handles every row's own pattern.
        block = shown[:, :, None] * shown[:, None, :] * covariance  # (B, F, F)
        block.diagonal(dim1=1, dim2=2).add_(1 - shown)
        factor = torch.linalg.cholesky(block)  # (B, F, F)
        # (B, F), 0 on the hidden cells
        weights = torch.cholesky_solve(centred[..., None], factor).squeeze(-1)
        # (B, F): Σ[:, visible] Σ[visible, visible]⁻¹ (x - μ)[visible]
        estimate = mean + weights @ covariance
        filled.append(torch.where(visible[rows], values[rows].to(work), estimate))
        if with_spread:
            across = covariance * shown[:, None, :]  # (B, F, F): Σ[:, visible]
            spread += (
                covariance - across @ torch.cholesky_solve(across.transpose(1, 2), factor)
            ).sum(0)  # (F, F)
    filled = torch.cat(filled).to(values.dtype)
    return (filled, spread) if with_spread else filled


def fit_normal(values, observed, max_iterations=MAX_ITERATIONS):
    """Mean (F,) and regularised covariance (F, F), in float64, of the rows' observed cells by EM.

    EM converges slowly where columns are nearly collinear and many cells are missing, so it runs
    until no covariance entry moves by more than ``TOLERANCE`` of the largest variance, or for
    ``max_iterations``. A column observed nowhere keeps mean 0 and variance 1 (of the scaled
    space).
    """
    x = values.double().nan_to_num()
    shown = observed.double()
    counts = shown.sum(0)  # (F,)
    mean = (x * shown).sum(0) / counts.clamp(min=1)  # (F,)
    variance = ((x - mean) * shown).square().sum(0) / counts.clamp(min=1)  # (F,)
    covariance = _regularised(
        torch.diag(torch.where(counts > 0, variance, torch.ones_like(variance)))
    )
    for _ in range(max_iterations):
        # (N, F), (F, F)
        filled, spread = conditional(x, observed, mean, covariance, with_spread=True)
        mean = filled.mean(0)
        deviation = filled - mean  # (N, F)
        previous, covariance = covariance, _regularised((deviation.T @ deviation + spread) / len(x))
        if (covariance - previous).abs().max() <= TOLERANCE * covariance.diagonal().max():
            break
    return mean, covariance
