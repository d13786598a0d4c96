"""Which observed cells the network must predict during training.

Training hides cells that ARE observed and scores the network on recovering them. How the hidden
cells are chosen is the subject of this package:

- ``DynamicMask`` draws a fresh mask for every batch, so across epochs the network is asked to
  recover every observed cell from many different contexts (the RoBERTa idea, applied to cells).
- ``StaticMask`` draws one mask per row when training starts and reuses it every epoch (the
  classic BERT set-up). It is kept as a baseline so the value of dynamic masking can be measured
  with everything else equal.

Both draw rows of a table from ``draw_mask``. Each row gets its own hidden fraction, uniform on
``[0.5 * rate, 1.5 * rate]``, so the network sees rows with few and with many gaps. Half of the
rows also borrow the real missingness pattern of another training row, so the network sees gaps
shaped like the ones it will fill. Windows of a time series are drawn from ``draw_window_mask``:
half of them hide single points, half blocks of consecutive steps of one feature, since real
gaps in sensor data come in blocks. Masks are drawn vectorised, on the device that trains.
"""

import torch

BORROW_PROBABILITY = 0.5
BLOCKS_PER_LANE = 2  # candidate blocks per (window, feature); enough to reach a 45% hidden share


def draw_mask(observed, missing_patterns, rate, generator):
    """Draw hidden cells for a batch.

    Parameters
    ----------
    observed : BoolTensor of shape (B, F)
        Cells that may be hidden.
    missing_patterns : BoolTensor of shape (N, F) or None
        Real missingness of the training rows, from which rows borrow a pattern; None when no
        training cell is missing, and then nothing is borrowed.
    rate : float
        Mean fraction of observed cells to hide.
    generator : torch.Generator
        Source of randomness, on the same device as ``observed``.

    Returns
    -------
    hidden : BoolTensor of shape (B, F)
        A subset of ``observed``.
    """
    n_rows, n_features = observed.shape
    device = observed.device
    row_rate = rate * (0.5 + torch.rand(n_rows, 1, device=device, generator=generator))  # (B, 1)
    hidden = torch.rand(n_rows, n_features, device=device, generator=generator) < row_rate
    if missing_patterns is not None:
        donors = torch.randint(len(missing_patterns), (n_rows,), device=device, generator=generator)
        borrows = torch.rand(n_rows, 1, device=device, generator=generator) < BORROW_PROBABILITY
        hidden |= missing_patterns[donors] & borrows  # (B, F)
    return hidden & observed


def borrowable(missing_patterns):
    """``missing_patterns`` (N, F) if any training cell is missing, else None: what
    ``draw_mask`` takes."""
    return missing_patterns if bool(missing_patterns.any()) else None


class DynamicMask:
    """A fresh mask for every batch."""

    def __init__(self, missing_patterns, rate, generator):
        # checked once here, not per batch: a pass over every training cell costs more than a
        # step on a large table
        self.missing_patterns = borrowable(missing_patterns)
        self.rate = rate
        self.generator = generator

    def __call__(self, rows, observed):
        """Hidden cells for the training rows ``rows`` (LongTensor (B,)) whose observed cells
        are ``observed`` (B, F)."""
        return draw_mask(observed, self.missing_patterns, self.rate, self.generator)


class StaticMask:
    """One mask per training row, drawn once and reused every epoch."""

    def __init__(self, observed, missing_patterns, rate, generator):
        self.hidden = draw_mask(observed, borrowable(missing_patterns), rate, generator)  # (N, F)

    def __call__(self, rows, observed):
        """Hidden cells for the training rows ``rows`` (LongTensor (B,)); ``observed`` is
        already folded in."""
        return self.hidden[rows]


def make_mask(kind, observed, missing_patterns, rate, generator):
    """Build the sampler named by the estimator's ``masking`` parameter."""
    if kind == "dynamic":
        return DynamicMask(missing_patterns, rate, generator)
    return StaticMask(observed, missing_patterns, rate, generator)


def draw_window_mask(observed, rate, generator):
    """Hidden cells (B, L, F) of windows of a time series, a subset of ``observed`` (B, L, F).

    Each window hides a share drawn uniformly in ``[0.5 * rate, 1.5 * rate]``; half the windows
    as independent points, half as blocks of 1 to L / 2 consecutive steps of one feature.
    """
    b, steps, f = observed.shape
    device = observed.device
    # (B, 1, 1)
    window_rate = rate * (0.5 + torch.rand(b, 1, 1, device=device, generator=generator))
    points = torch.rand(b, steps, f, device=device, generator=generator) < window_rate  # (B, L, F)
    longest = max(1, steps // 2)
    lengths = torch.randint(
        1, longest + 1, (b, BLOCKS_PER_LANE, f), device=device, generator=generator
    )
    starts = torch.randint(0, steps, (b, BLOCKS_PER_LANE, f), device=device, generator=generator)
    # (B, 1, 1)
    chance = (window_rate * steps / (BLOCKS_PER_LANE * (1 + longest) / 2)).clamp(max=1.0)
    # (B, K, F)
    used = torch.rand(b, BLOCKS_PER_LANE, f, device=device, generator=generator) < chance
    t = torch.arange(steps, device=device)[None, :, None, None]  # (1, L, 1, 1)
    within = (t >= starts[:, None]) & (t < (starts + lengths)[:, None])  # (B, L, K, F)
    blocks = (within & used[:, None]).any(dim=2)  # (B, L, F)
    as_blocks = torch.rand(b, 1, 1, device=device, generator=generator) < 0.5
    return torch.where(as_blocks, blocks, points) & observed
