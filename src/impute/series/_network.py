"""The time-series network and its loss: one token per (time step, feature), attention over time
and over features.

A window of L steps of F features becomes an L x F grid of tokens, each the sum of its feature's
embedding, an embedding of its value (or the learned mask embedding when the value is not
shown), and a sinusoidal encoding of its time. Each layer alternates two Transformer blocks: one
in which every feature attends over the time steps of its own series (the shape of the signal),
one in which every time step attends over its features (how they move together). This is the
two-axis layout of CSDI; it was chosen over SAITS's one-token-per-step design because a token per
cell lets the network see exactly which values of a step are missing, the way the table model
does.

The network predicts a correction to linear interpolation rather than the value itself: every
cell not shown is first interpolated in time between the nearest shown values of its feature in
the window, that estimate is embedded into its token, and the read-out is added to it. With the
read-out initialised at zero, training starts from the strong baseline (on smooth sensor data
interpolation is hard to beat) and early stopping never keeps anything that validates worse than
it.

Time enters as a continuous position, in units of the data's typical step, measured from the
window's first step: irregular sampling and gaps in time change the positions, so the network
sees how far apart two observations are. Steps past the end of a short series are padding:
attention over time never reads them and they are never scored.

The loss is the absolute error on the hidden cells, as in SAITS: sensor series have heavy tails
(pollution spikes), and a squared loss pulls every correction towards them.

Shapes: B windows, L steps, F features, D = ``d_model``, W cells whose prediction is wanted.
"""

import math

import torch
from torch import nn

from ..core import Block


def time_encoding(positions, d_model):
    """Sinusoids of continuous positions (B, L) -> (B, L, D), wavelengths 2 pi to 10,000 steps."""
    half = d_model // 2
    steps = torch.arange(half, device=positions.device)  # (D/2,)
    frequencies = torch.exp(-math.log(10_000.0) * steps / half)  # (D/2,)
    angles = positions[..., None] * frequencies  # (B, L, D/2)
    encoding = torch.cat([angles.sin(), angles.cos()], dim=-1)  # (B, L, 2 * (D/2))
    return nn.functional.pad(encoding, (0, d_model - 2 * half))  # (B, L, D)


def interpolate(values, visible, positions):
    """Linear interpolation in time of every cell (B, L, F) from the visible cells of its feature
    in the same window; the nearest visible value beyond either end; 0 (the mean) with none."""
    b, steps, f = values.shape
    index = torch.arange(steps, device=values.device).view(1, steps, 1)  # (1, L, 1)
    before = torch.where(visible, index, -1).cummax(dim=1).values  # (B, L, F) last visible step
    after = torch.where(visible, index, steps).flip(1).cummin(dim=1).values.flip(1)  # next one
    has_before, has_after = before >= 0, after < steps
    before, after = before.clamp(min=0), after.clamp(max=steps - 1)
    times = positions[..., None].expand(b, steps, f)  # (B, L, F)
    t_before, t_after = times.gather(1, before), times.gather(1, after)
    v_before, v_after = values.gather(1, before), values.gather(1, after)
    share = ((times - t_before) / (t_after - t_before).clamp(min=1e-6)).clamp(0.0, 1.0)
    between = v_before + share * (v_after - v_before)
    outside = torch.where(has_before, v_before, v_after * has_after)  # (B, L, F)
    return torch.where(has_before & has_after, between, outside)  # (B, L, F)


class SeriesTransformer(nn.Module):
    """Predicts every cell of a window of a multivariate series from the cells it may see."""

    def __init__(self, config):
        """``config`` is a ``NetworkConfig``; ``n_features`` is the number of features."""
        super().__init__()
        self.config = config
        f, d = config.n_features, config.d_model
        self.feature = nn.Parameter(0.02 * torch.randn(f, d))  # which feature a token belongs to
        self.value_weight = nn.Parameter(torch.randn(f, d) / d**0.5)  # per-feature value embedding
        self.value_bias = nn.Parameter(torch.zeros(f, d))
        self.mask = nn.Parameter(0.02 * torch.randn(d))  # marks a value not shown
        self.guess_weight = nn.Parameter(torch.randn(f, d) / d**0.5)  # embeds the interpolation
        self.time_blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.feature_blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.norm = nn.LayerNorm(d)
        self.head_weight = nn.Parameter(torch.zeros(f, d))  # per-feature read-out of the correction
        self.head_bias = nn.Parameter(torch.zeros(f))

    def forward(self, values, visible, positions, present, wanted=None):
        """Predict every cell of every window, or the ``wanted`` ones.

        Parameters
        ----------
        values : FloatTensor (B, L, F)
            Scaled values; entries where ``visible`` is False are ignored.
        visible : BoolTensor (B, L, F)
            Cells the network may read.
        positions : FloatTensor (B, L)
            Time of each step since the window's first step, in typical steps.
        present : BoolTensor (B, L)
            Steps that belong to the series (False for padding after a short series).
        wanted : BoolTensor (B, L, F), optional
            The cells whose predictions will be used (the hidden cells of a training batch,
            held-out cells, gaps); the others come back as their interpolation (their value
            where visible). The last block then finishes only these, with the same results as
            a full pass.

        Returns
        -------
        FloatTensor (B, L, F)
            A prediction for every cell, in scaled units.
        """
        b, steps, f = values.shape
        d = self.config.d_model
        values = values.masked_fill(~visible, 0.0)  # hidden values must not leak, NaN included
        guess = interpolate(values, visible, positions)  # (B, L, F); equals the value where visible
        embedded = guess[..., None] * self.value_weight + self.value_bias  # (B, L, F, D)
        hidden = self.mask + guess[..., None] * self.guess_weight  # (B, L, F, D)
        x = torch.where(visible[..., None], embedded, hidden) + self.feature  # (B, L, F, D)
        x = x + time_encoding(positions, d)[:, :, None, :]  # (B, L, F, D)
        keep = present.repeat_interleave(f, dim=0)  # (B * F, L), matching the layout below
        *early, (over_time, over_features) = zip(self.time_blocks, self.feature_blocks)
        for early_over_time, early_over_features in early:
            x = early_over_features(self._steps(early_over_time(self._features(x), keep), b))
            x = x.view(b, steps, f, d)  # (B, L, F, D)
        x = self._steps(over_time(self._features(x), keep), b)  # (B * L, F, D)
        if wanted is None:
            x = self.norm(over_features(x)).view(b, steps, f, d)  # (B, L, F, D)
            return guess + (x * self.head_weight).sum(-1) + self.head_bias  # (B, L, F)
        sequences, features = wanted.reshape(b * steps, f).nonzero(as_tuple=True)  # (W,), (W,)
        finished = self.norm(over_features(x, only=(sequences, features)))  # (W, D)
        head = self.head_weight.index_select(0, features)  # (W, D)
        correction = (finished * head).sum(-1) + self.head_bias.index_select(0, features)  # (W,)
        flat = guess.reshape(-1)  # (B * L * F,)
        cells = sequences * f + features  # (W,)
        corrected = flat.index_select(0, cells) + correction  # (W,)
        return flat.index_copy(0, cells, corrected).view(b, steps, f)  # (B, L, F)

    @staticmethod
    def _features(x):
        """(B, L, F, D) -> (B * F, L, D): a sequence over time per feature of each window."""
        b, steps, f, d = x.shape
        return x.transpose(1, 2).reshape(b * f, steps, d)

    @staticmethod
    def _steps(x, b):
        """(B * F, L, D) -> (B * L, F, D): a sequence over features per step of each window."""
        _, steps, d = x.shape
        return x.view(b, -1, steps, d).transpose(1, 2).reshape(-1, x.shape[0] // b, d)

    def cell_loss(self, predicted, values):
        """Per-cell loss (B, L, F): the absolute error."""
        return (predicted - values).abs()
