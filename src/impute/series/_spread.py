"""How unsure each filled step is: the predictive distribution behind series draws and intervals.

A gap's fill is a best guess, and how good it is depends mostly on how far the step lies from
the nearest observed value of its feature: a single missing point between two observed ones is
filled far better than the middle of a long block. ``SeriesSpread`` measures it on the held-out
cells (observed cells the network never saw, hidden as points and blocks, filled exactly as gaps
are): the root mean square of their errors at each distance follows a power law, ``a x
distance^b``, fitted by least squares on the logarithms of both (weighted by the cells at each
distance), so that distances the held-out cells rarely reach still get a spread; each error
divided by it is one sample of the *standardised error*, whose quantiles (centred, so the draws'
mean is the fill) give the shape. Errors along a gap are not independent: a block's fill is off
in the same direction for many steps. The held-out cells also give the correlation of the
standardised errors of neighbouring steps, and draws correlate their deviations along time as
an autoregressive process of order one with that correlation, mapped through the quantiles (a
Gaussian copula).

Shapes: N flat rows (every series end to end) plus one padding row, F features, L quantile
levels, D draws.
"""

import math

import numpy as np
import torch
from scipy.signal import lfilter

from ._windows import gather_windows

QUANTILE_LEVELS = 201  # every half percent
MIN_CELLS = 30  # held-out cells needed to measure anything
MAX_POWER = (
    1.5  # the spread grows at most as distance^1.5 (a smooth curve interpolated linearly: 2)
)
BURN_IN = 64  # steps drawn before the first, so that it starts from the process' own spread


def _levels(device):
    return torch.linspace(0.0, 1.0, QUANTILE_LEVELS, device=device, dtype=torch.float64)


def step_distances(data, visible):
    """Steps (N + 1, F) from each row to the nearest ``visible`` row of its feature in its own
    series (0 on visible rows, a large number where the series shows none)."""
    n = data.padding
    rows = torch.arange(n, device=visible.device)
    series = torch.repeat_interleave(
        torch.arange(len(data.lengths), device=visible.device), data.lengths
    )  # (N,)
    first, last = data.offsets[series], data.offsets[series] + data.lengths[series] - 1  # (N,)
    shown = visible[:n]  # (N, F)
    before = torch.where(shown, rows[:, None], -1).cummax(0).values  # (N, F)
    after = torch.where(shown, rows[:, None], n).flip(0).cummin(0).values.flip(0)  # (N, F)
    far = float(2 * n + 1)
    back = torch.where(before >= first[:, None], rows[:, None] - before, far)
    ahead = torch.where(after <= last[:, None], after - rows[:, None], far)
    distance = torch.minimum(back, ahead).float()  # (N, F)
    return torch.cat([distance, distance.new_zeros(1, distance.shape[1])])


class SeriesSpread:
    """The errors' spread as a power of the distance from observed steps, the quantiles of the
    standardised errors, and their correlation between neighbouring steps, fitted on held-out
    cells."""

    STATE = (
        "series_spread_quantiles",
        "series_spread_power_law",
        "series_spread_correlation",
    )  # names in model files

    def __init__(self, device="cpu"):
        normal = torch.distributions.Normal(0.0, 1.0)
        inner = _levels(device).clamp(0.5 / QUANTILE_LEVELS, 1 - 0.5 / QUANTILE_LEVELS)
        self.quantiles = normal.icdf(inner.float())  # (L,) until fitted: a standard normal's
        self.power_law = torch.tensor([1.0, 0.0], device=device)  # (2,) a, b of a x distance^b
        self.correlation = torch.zeros(1, device=device)  # (1,)

    def fit(self, network_predictions, data, train_observed, windows, window):
        """Fit on the held-out cells of the validation ``windows`` (series, starts):
        ``network_predictions`` (V, W, F) are their fills from ``train_observed`` (N + 1, F)."""
        index, _, _ = gather_windows(data, *windows, window)  # (V, W)
        cells = data.observed[index] & ~train_observed[index]  # (V, W, F)
        if cells.sum() < MIN_CELLS:
            return self
        errors = (data.values[index] - network_predictions).double()  # (V, W, F)
        distance = step_distances(data, train_observed)[index].double()  # (V, W, F)
        d, e = distance[cells], errors[cells]
        values, counts = d.unique(return_counts=True)
        rms = torch.stack([e[d == v].square().mean().sqrt() for v in values])
        usable = rms > 0
        x, y, w = values[usable].log(), rms[usable].log(), counts[usable].double()
        power = 0.0
        if len(x) > 1 and (x.max() - x.min()) > 0:
            centre = (w * x).sum() / w.sum()
            slope = (w * (x - centre) * (y - (w * y).sum() / w.sum())).sum()
            power = float(slope / (w * (x - centre).square()).sum())
        power = min(max(power, 0.0), MAX_POWER)
        scale = float(((w * (y - power * x)).sum() / w.sum()).exp()) if len(x) else 1.0
        self.power_law.copy_(torch.tensor([scale, power]))
        z = errors / self._scale(distance)  # (V, W, F)
        quantiles = torch.quantile(z[cells], _levels(errors.device))
        self.quantiles.copy_((quantiles - (quantiles[1:] + quantiles[:-1]).mean() / 2).float())
        self.correlation.fill_(_neighbour_correlation(z, cells))
        return self

    def _scale(self, distance):
        """The spread at each ``distance`` (any shape, in steps; at least 1)."""
        scale, power = self.power_law.tolist()
        return scale * distance.clamp(min=1).pow(power)

    def quantile(self, probabilities):
        """The standardised error at ``probabilities``, interpolated linearly between the stored
        levels; same shape."""
        position = probabilities.clamp(0, 1) * (QUANTILE_LEVELS - 1)
        low = position.floor().long().clamp(max=QUANTILE_LEVELS - 2)
        share = position - low
        return self.quantiles[low] + share * (self.quantiles[low + 1] - self.quantiles[low])

    def deviations(self, distance, n_draws, generator):
        """Draws' deviations (D, N + 1, F) from the fills at steps ``distance`` (N + 1, F) from
        the observed ones: each feature's scores an autoregressive process of order one along
        the rows, mapped through the quantiles and scaled by the spread at the distance."""
        rows, features = distance.shape
        shape = (n_draws, BURN_IN + rows, features)
        noise = torch.randn(shape, generator=generator, device=distance.device, dtype=torch.float64)
        rho = float(self.correlation)
        scores = lfilter([math.sqrt(1 - rho**2)], [1, -rho], noise.cpu().numpy(), axis=1)
        scores = torch.as_tensor(np.ascontiguousarray(scores[:, BURN_IN:]), device=distance.device)
        standardised = self.quantile(torch.special.ndtr(scores).float())  # (D, N + 1, F)
        return standardised * self._scale(distance)

    def bounds(self, distance, level):
        """Offsets (N + 1, F) of the central interval at ``level``: lower, upper."""
        tail = torch.full(distance.shape, (1 - level) / 2, device=distance.device)
        scale = self._scale(distance)
        return scale * self.quantile(tail), scale * self.quantile(1 - tail)

    def state(self):
        """The arrays as NumPy arrays, by name."""
        arrays = (self.quantiles, self.power_law, self.correlation)
        return {name: array.cpu().numpy() for name, array in zip(self.STATE, arrays)}

    @classmethod
    def from_state(cls, state, device="cpu"):
        """Rebuild what ``state()`` returned."""
        spread = cls(device)
        for array, name in zip((spread.quantiles, spread.power_law, spread.correlation), cls.STATE):
            array.copy_(torch.as_tensor(state[name]))
        return spread


def _neighbour_correlation(z, cells):
    """Correlation of the standardised errors ``z`` (V, W, F) of held-out ``cells`` one step
    apart, held within 0 and 0.99 (0 with too few pairs)."""
    pairs = cells[:, 1:] & cells[:, :-1]  # (V, W - 1, F)
    if pairs.sum() < MIN_CELLS:
        return 0.0
    a, b = z[:, 1:][pairs], z[:, :-1][pairs]
    a, b = a - a.mean(), b - b.mean()
    correlation = float((a * b).sum() / (a.square().sum() * b.square().sum()).sqrt())
    return min(max(correlation, 0.0), 0.99)
