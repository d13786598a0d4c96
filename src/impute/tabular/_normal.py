"""A multivariate normal fitted to incomplete rows, and the conditional distribution of each
row's gaps (its mean, its spread, and joint draws of it).

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

import numpy as np
import torch

MAX_ITERATIONS = 50  # EM iterations at most (docs/experiments.md: why 50)
# stop once no covariance entry moves by more than this share of the largest variance
TOLERANCE = 1e-4
RIDGE = 1e-3  # added to the covariance's diagonal, relative to it: keeps collinear columns solvable
FLOOR = 1e-6  # absolute: a constant column still has a solvable variance
STEP_GROWTH = 4  # SQUAREM's longest step grows by this factor each time a step reaches it
SOLVE_CELLS = 2**18  # rows x hidden x hidden per batched solve: 2 MiB in float64, held in cache


def _batches(rows, counts, copies=1):
    """``rows`` (in ascending order of their ``counts`` of gaps) cut into batches of at most
    ``SOLVE_CELLS`` cells: ``copies`` x rows x K x K, K the batch's largest count."""
    counts = counts.cpu().numpy()
    budget = max(1, SOLVE_CELLS // copies)
    start = 0
    while start < len(rows):
        cells = np.arange(1, len(rows) - start + 1) * counts[start:].astype(np.int64) ** 2
        end = start + max(1, int(np.searchsorted(cells, budget, side="right")))
        yield rows[start:end]
        start = end


def _regularised(covariance):
    diagonal = covariance.diagonal()
    return covariance + torch.diag(RIDGE * diagonal + FLOOR)


def precision_of(covariance):
    """The inverse (F, F) of a regularised covariance, in float64 (float32 on MPS, which has no
    float64)."""
    work = torch.float32 if covariance.device.type == "mps" else torch.float64
    return torch.cholesky_inverse(torch.linalg.cholesky(covariance.to(work)))


def _gap_blocks(visible, precision):
    """Each batch of rows' precision block over its hidden cells, factorised.

    ``precision`` is one matrix (F, F) or a stack of them (D, F, F), whose blocks are then
    factorised together, the rows' gaps being the same in all.

    Yields ``(rows (B,), columns (B, K), factor (B, K, K) or (D, B, K, K))``: the rows (taken in
    order of their number of hidden cells), each row's hidden columns and then F as padding up
    to the batch's largest count K, and the Cholesky factor L of P_mm (L Lᵀ = P_mm). The
    padding reads a row and column F of zeros with a 1 put on its diagonal, so its block is an
    identity beside P_mm, whose factor is exactly L beside an identity, and nothing of it
    reaches the real cells; callers give the padding a column F of their own to read and write.
    """
    hidden = ~visible  # (N, F)
    counts = hidden.sum(1)  # (N,)
    order = counts.argsort(stable=True)  # (N,) rows by their number of gaps
    order = order[counts[order] > 0]
    if not len(order):
        return
    f = precision.shape[-1]
    copies = precision.shape[:-2].numel()  # D, or 1
    padded = torch.nn.functional.pad(precision, (0, 1, 0, 1))  # (..., F + 1, F + 1)
    hidden_first = hidden.to(torch.int8).argsort(dim=1, descending=True, stable=True)  # (N, F)
    for rows in _batches(order, counts[order], copies):
        k = int(counts[rows[-1]])  # K, this batch's largest number of gaps
        slots = torch.arange(k, device=visible.device)  # (K,)
        used = slots < counts[rows, None]  # (B, K)
        columns = torch.where(used, hidden_first[rows, :k], f)  # (B, K): the padding reads F
        block = padded[..., columns[:, :, None], columns[:, None, :]]  # (..., B, K, K)
        block.diagonal(dim1=-2, dim2=-1).add_(~used)  # the padding's block: an identity
        yield rows, columns, torch.linalg.cholesky(block)  # (..., B, K, K)


def _lower_inverse(factor):
    """L⁻¹ (B, K, K) of a batch of blocks' Cholesky factors L (B, K, K), by one batched
    triangular solve: P_mm⁻¹ = L⁻ᵀ L⁻¹, which takes about half the time of
    ``torch.cholesky_inverse`` on a batch of small blocks."""
    identity = torch.eye(factor.shape[-1], dtype=factor.dtype, device=factor.device)
    return torch.linalg.solve_triangular(factor, identity, upper=False)  # (B, K, K)


def conditional(values, visible, mean, covariance, with_spread=False, precision=None):
    """Conditional mean of every cell given the ``visible`` cells of its row.

    With the precision matrix P (the inverse of the covariance), a row's hidden cells m given
    its visible ones o have mean μ_m - P_mm⁻¹ P_mo (x - μ)_o and covariance P_mm⁻¹, so each row
    solves a system only as large as its gaps. Rows are taken in order of their number of
    hidden cells and solved in batches padded to the largest gap count of the batch.

    Parameters
    ----------
    values : Tensor (N, F)
        Entries where ``visible`` is False are ignored.
    visible : BoolTensor (N, F)
    mean : Tensor (F,) or (D, F)
        One normal's mean, or the means of D normals, whose conditional means are then
        computed together (each row's gaps are the same under all).
    covariance : Tensor (F, F) or (D, F, F)
        Regularised, so that it and every block of its inverse can be solved. The solves run in
        float64.
    with_spread : bool
        Also return the rows' conditional covariances (zero on their visible cells) summed over
        the rows, which is all EM needs: kept per row they would take N x F x F. One normal
        only.
    precision : Tensor (F, F) or (D, F, F), optional
        ``precision_of(covariance)``, where the caller keeps it: a wide table's inverse costs
        more than a batch of rows' solves.

    Returns
    -------
    filled : Tensor (N, F) or (D, N, F)
        Visible cells unchanged, the others their conditional mean.
    spread : Tensor (F, F), only with ``with_spread``
    """
    if precision is None:
        precision = precision_of(covariance)  # (..., F, F)
    f = precision.shape[-1]
    work = precision.dtype
    x = values.to(work)  # (N, F)
    # one more column, 0, that the padding of every row's gaps reads and writes
    mean = torch.nn.functional.pad(mean.to(work), (0, 1))  # (..., F + 1)
    centre = mean[..., None, :f]  # (..., 1, F)
    centred = ((x - centre) * visible).nan_to_num()  # (..., N, F), 0 on the hidden cells
    pull = torch.nn.functional.pad(centred @ precision, (0, 1))  # (..., N, F + 1): P (x - μ)_o
    filled = torch.nn.functional.pad(torch.where(visible, x, centre), (0, 1))  # (..., N, F + 1)
    spread = precision.new_zeros(f + 1, f + 1)  # row-major
    for rows, at, factor in _gap_blocks(visible, precision):
        wanted = pull[..., rows[:, None], at][..., None]  # (..., B, K, 1)
        solved = torch.cholesky_solve(wanted, factor).squeeze(-1)  # (..., B, K)
        filled[..., rows[:, None], at] = mean[..., at] - solved
        if with_spread:
            lower_inverse = _lower_inverse(factor)  # (B, K, K)
            inverse = lower_inverse.mT @ lower_inverse  # (B, K, K): P_mm⁻¹, then identity
            cells = (at[:, :, None] * (f + 1) + at[:, None, :]).flatten()  # (B K K,)
            spread.view(-1).index_add_(0, cells, inverse.flatten())  # (F + 1, F + 1)
    filled = filled[..., :f].to(values.dtype)
    return (filled, spread[:f, :f]) if with_spread else filled


def gap_scores(visible, covariance, generator, n_draws=0, precision=None):
    """The conditional spread of every row's hidden cells, and joint draws of it.

    A row's hidden cells given its visible ones have covariance P_mm⁻¹; with L Lᵀ = P_mm,
    ``L⁻ᵀ z`` for a standard normal z has exactly that covariance, so one triangular solve per
    draw gives the gaps of a row jointly, correlated as the normal says.

    Parameters
    ----------
    visible : BoolTensor (N, F)
    covariance : Tensor (F, F)
        Regularised, as for ``conditional``.
    generator : torch.Generator or None
        Drives the draws (on the device of ``visible``); unused without draws.
    n_draws : int
        D, the number of draws.
    precision : Tensor (F, F), optional
        ``precision_of(covariance)``, as for ``conditional``.

    Returns
    -------
    std : Tensor (N, F)
        Each hidden cell's conditional standard deviation; 0 on visible cells.
    scores : Tensor (D, N, F)
        Each draw's deviations divided by ``std``: standard normal per cell, correlated within a
        row as its gaps are; 0 on visible cells.
    """
    if precision is None:
        precision = precision_of(covariance)  # (F, F)
    n, f = visible.shape
    # one more column, where the padding of every row's gaps writes
    std = torch.zeros(n, f + 1, dtype=precision.dtype, device=visible.device)
    scores = torch.zeros(n_draws, n, f + 1, dtype=precision.dtype, device=visible.device)
    for rows, at, factor in _gap_blocks(visible, precision):
        # (B, K): the diagonal of P_mm⁻¹ = L⁻ᵀ L⁻¹, the squares of L⁻¹'s columns summed
        deviation = _lower_inverse(factor).square().sum(-2).sqrt()
        std[rows[:, None], at] = deviation
        if n_draws:
            z = torch.randn(
                (n_draws, *at.shape),
                generator=generator,
                dtype=precision.dtype,
                device=visible.device,
            )  # (D, B, K)
            # each row's D draws are one solve's right-hand sides
            drawn = torch.linalg.solve_triangular(factor.mT, z.permute(1, 2, 0), upper=True)
            scores[:, rows[:, None], at] = drawn.permute(2, 0, 1) / deviation  # (D, B, K)
    return std[:, :f].float(), scores[..., :f].float()


def resampled(mean, covariance, columns, n_rows, generator, n_draws):
    """``n_draws`` pairs ``(mean, covariance)``, each estimated from ``n_rows`` rows simulated
    from the normal over ``columns`` (LongTensor): a parametric bootstrap of the fit, so that
    draws built on it carry how unsure the fit itself is (the other columns keep their mean
    and variance).

    Returns a mean (D, F) and a regularised covariance (D, F, F), in the input's precision.
    """
    k = len(columns)
    factor = torch.linalg.cholesky(covariance[columns[:, None], columns].double())  # (k, k)
    shape = (n_draws, n_rows, k)
    z = torch.randn(shape, generator=generator, dtype=factor.dtype, device=covariance.device)
    rows = z @ factor.T + mean[columns].double()  # (D, n, k)
    centre = rows.mean(1)  # (D, k)
    deviation = rows - centre[:, None]  # (D, n, k)
    spread = deviation.mT @ deviation / n_rows  # (D, k, k)
    means = mean.double().repeat(n_draws, 1)  # (D, F)
    covariances = covariance.double().repeat(n_draws, 1, 1)  # (D, F, F)
    means[:, columns] = centre
    covariances[:, columns[:, None], columns] = spread
    regularised = torch.stack([_regularised(c) for c in covariances])
    return means.to(mean.dtype), regularised.to(covariance.dtype)


def _em_step(x, observed, mean, covariance):
    """One EM iteration: the mean (F,) and regularised covariance (F, F) of the rows with their
    gaps filled by their conditional means, their conditional covariances added back."""
    filled, spread = conditional(x, observed, mean, covariance, with_spread=True)  # (N, F), (F, F)
    mean = filled.mean(0)
    deviation = filled - mean  # (N, F)
    return mean, _regularised((deviation.T @ deviation + spread) / len(x))


def _settled(estimate, previous):
    """Whether no covariance entry moved by more than ``TOLERANCE`` of the largest variance."""
    moved = (estimate[1] - previous[1]).abs().max()
    return bool(moved <= TOLERANCE * estimate[1].diagonal().max())


def _extrapolated(start, first, second, longest):
    """SQUAREM's step (Varadhan and Roland, 2008) from ``start`` along two EM iterations
    (``first``, then ``second``), each a ``(mean, covariance)``: ``start - 2a r + a² v`` with
    r the first move, v the change between the two moves and a = -|r| / |v|, at least one and
    at most ``longest`` in size (a = -1 is ``second`` itself). Returns the estimate and a, or
    ``second`` and -1 where the step leaves the positive definite covariances."""
    r = [b - a for a, b in zip(start, first)]
    v = [c - 2 * b + a for a, b, c in zip(start, first, second)]
    length = float(sum(d.square().sum() for d in v).sqrt())
    if length == 0.0:
        return second, -1.0
    step = -min(max(float(sum(d.square().sum() for d in r).sqrt()) / length, 1.0), longest)
    jumped = tuple(a - 2 * step * d + step**2 * w for a, d, w in zip(start, r, v))
    if torch.linalg.cholesky_ex(jumped[1]).info.item():
        return second, -1.0
    return jumped, step


def fit_normal(values, observed, max_iterations=MAX_ITERATIONS, start=None):
    """Mean (F,) and regularised covariance (F, F), in float64, of the rows' observed cells by EM.

    EM converges slowly where columns are nearly collinear and many cells are missing, so its
    iterations are accelerated by SQUAREM: two EM iterations, a step along the line they
    trace (``_extrapolated``, longer as long as that pays), then one EM iteration from there.
    It runs until an iteration moves no covariance entry by more than ``TOLERANCE`` of the
    largest variance, or for ``max_iterations`` EM iterations. It starts from ``start``, a
    ``(mean, covariance)`` fitted before to nearly the same cells, or else from the observed
    means and variances, uncorrelated. A column observed nowhere keeps mean 0 and variance 1
    (of the scaled space).
    """
    x = values.double().nan_to_num()
    if start is not None:
        estimate = tuple(part.to(x) for part in start)
    else:
        shown = observed.double()
        counts = shown.sum(0)  # (F,)
        mean = (x * shown).sum(0) / counts.clamp(min=1)  # (F,)
        variance = ((x - mean) * shown).square().sum(0) / counts.clamp(min=1)  # (F,)
        covariance = _regularised(
            torch.diag(torch.where(counts > 0, variance, torch.ones_like(variance)))
        )
        estimate = mean, covariance
    longest, iterations = 1.0, 0
    while iterations < max_iterations:
        first = _em_step(x, observed, *estimate)
        iterations += 1
        if _settled(first, estimate) or iterations == max_iterations:
            return first
        second = _em_step(x, observed, *first)
        iterations += 1
        if _settled(second, first) or iterations == max_iterations:
            return second
        jumped, step = _extrapolated(estimate, first, second, longest)
        if step == -longest:
            longest *= STEP_GROWTH
        estimate = _em_step(x, observed, *jumped)
        iterations += 1
        if _settled(estimate, jumped):
            break
    return estimate
