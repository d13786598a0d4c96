"""Series stored end to end, and the windows cut from them for training and for filling.

All series are stored end to end in flat tensors with one extra row of padding at the end, so a
window of any series is a gather by row index (B, L) and a short series is padded with that row.
Training draws windows at random starts; filling covers each series with windows overlapping by
half, and each step is filled from the window whose centre is nearest, so every gap is filled
exactly once and always from a window with context on both sides where the series allows it.
"""

from dataclasses import dataclass

import torch


@dataclass
class SeriesData:
    """Every series end to end, plus a padding row at index N.

    values : FloatTensor (N + 1, F) scaled, 0 where not observed
    observed : BoolTensor (N + 1, F)
    times : FloatTensor (N + 1,) in typical steps
    offsets, lengths : LongTensor (S,) first flat row and number of steps of each series
    """

    values: torch.Tensor
    observed: torch.Tensor
    times: torch.Tensor
    offsets: torch.Tensor
    lengths: torch.Tensor

    @property
    def padding(self):
        return len(self.values) - 1


def gather_windows(data, series, starts, window):
    """Row indices (B, L) of windows of ``window`` steps from ``starts`` (B,) of ``series`` (B,),
    the steps that exist (B, L), and their positions in typical steps from the window's start
    (B, L)."""
    steps = torch.arange(window, device=starts.device)  # (L,)
    present = (starts[:, None] + steps) < data.lengths[series][:, None]  # (B, L)
    index = torch.where(
        present, data.offsets[series][:, None] + starts[:, None] + steps, data.padding
    )  # (B, L)
    positions = (data.times[index] - data.times[index[:, :1]]) * present  # (B, L)
    return index, present, positions


def tile_windows(data, window):
    """Series and start of non-overlapping windows covering every series: ``(series, starts)``,
    each (W,)."""
    counts = (data.lengths + window - 1) // window  # (S,)
    # (W,)
    series = torch.repeat_interleave(torch.arange(len(counts), device=counts.device), counts)
    first = torch.cumsum(counts, 0) - counts
    starts = (torch.arange(len(series), device=counts.device) - first[series]) * window
    return series, starts


def window_starts(lengths, window):
    """Distinct start steps of a training window in each series of ``lengths`` (a tensor or an
    array): one for a series no longer than the window, which is padded."""
    return (lengths - window + 1).clip(min=1)


def sample_windows(data, count, window, generator):
    """``count`` windows at uniform random starts, series chosen in proportion to their starts."""
    choices = window_starts(data.lengths, window).float()  # (S,)
    series = torch.multinomial(choices, count, replacement=True, generator=generator)  # (B,)
    starts = (
        torch.rand(count, device=choices.device, generator=generator) * choices[series]
    ).long()
    return series, starts


def stitching_plan(length, window):
    """Windows that cover a series of ``length`` steps, overlapping by half, and the steps each
    one fills.

    Returns ``(starts, own_from, own_to)``, LongTensors (K,): window k spans
    ``[starts[k], starts[k] + window)`` and fills ``[own_from[k], own_to[k])``. The filled ranges
    partition ``[0, length)``; each step is filled by the window whose centre is nearest to it,
    which always contains it because centres are at most ``window / 2`` apart.

    Examples
    --------
    >>> from impute.series._windows import stitching_plan
    >>> [t.tolist() for t in stitching_plan(10, 4)]
    [[0, 2, 4, 6], [0, 3, 5, 7], [3, 5, 7, 10]]
    """
    if length <= window:
        return torch.tensor([0]), torch.tensor([0]), torch.tensor([length])
    stride = max(1, window // 2)
    starts = list(range(0, length - window + 1, stride))
    if starts[-1] != length - window:
        starts.append(length - window)
    starts = torch.tensor(starts)
    centres = starts.double() + window / 2
    boundaries = torch.ceil((centres[:-1] + centres[1:]) / 2).long()
    return (
        starts,
        torch.cat([torch.tensor([0]), boundaries]),
        torch.cat([boundaries, torch.tensor([length])]),
    )


def stitching_windows(data, window):
    """The windows that fill every series and the steps each fills.

    Returns ``(series (K,), starts (K,), index (K, L), owned (K, L))``: ``index[owned]`` lists
    every row of every series exactly once (see ``stitching_plan``).
    """
    parts = [
        (torch.full_like(plan[0], s), *plan)
        for s, plan in enumerate(stitching_plan(length, window) for length in data.lengths.tolist())
    ]
    device = data.values.device
    series, starts, own_from, own_to = (torch.cat(column).to(device) for column in zip(*parts))
    index, present, _ = gather_windows(data, series, starts, window)
    steps = starts[:, None] + torch.arange(window, device=device)  # (K, L) step within the series
    owned = present & (steps >= own_from[:, None]) & (steps < own_to[:, None])  # (K, L)
    return series, starts, index, owned
