"""Training the time-series network on masked windows, and filling every series with it.

Training draws windows at random starts. In each window observed cells are hidden as single
points or as blocks of consecutive steps of one feature (``impute.core.draw_window_mask``).
``"dynamic"`` draws those masks afresh for every batch; ``"static"`` draws them once over the
whole data and every window reads its slice, so a cell is hidden in every epoch or never. Before
training starts, a share of the observed cells of up to 256 windows is held out for early
stopping (``hold_out_windows``); the epochs, the weight averaging and the early stopping are the
shared loop's (``impute.core``).
"""

from dataclasses import dataclass

import torch

from ..core import AdamW, TrainingConfig, draw_window_mask, masked_mean, train_epochs
from ._windows import gather_windows, sample_windows, stitching_windows, tile_windows

MAX_VALIDATION_WINDOWS = 256
PREDICT_BATCH_TOKENS = 16_384  # tokens per pass without gradients: its activations stay in cache


@dataclass
class SeriesTrainingConfig(TrainingConfig):
    """The shared settings, with ``batch_size`` counted in windows, plus the window length and
    how many windows make an epoch."""

    window: int
    windows_per_epoch: int


def draw_once(data, observed, window, rate, generator, windows=None):
    """A mask over the flat rows (N + 1, F), drawn once on tiled windows (all, or ``windows``)."""
    series, starts = tile_windows(data, window) if windows is None else windows
    index, present, _ = gather_windows(data, series, starts, window)
    hidden = draw_window_mask(observed[index] & present[..., None], rate, generator)  # (W, L, F)
    flat = torch.zeros_like(observed)
    flat[index[present]] = hidden[present]
    return flat


def hold_out_windows(data, config, generator):
    """Hold out observed cells, as points or blocks, in up to ``MAX_VALIDATION_WINDOWS`` windows.

    Returns ``(train_observed (N + 1, F), validation windows (series, starts) or None)``; without
    early stopping nothing is held out.
    """
    if not config.early_stopping:
        return data.observed, None
    series, starts = tile_windows(data, config.window)
    keep = torch.randperm(len(series), device=series.device, generator=generator)[
        :MAX_VALIDATION_WINDOWS
    ]
    windows = (series[keep], starts[keep])
    held_out = draw_once(
        data, data.observed, config.window, config.validation_fraction, generator, windows
    )
    return data.observed & ~held_out, windows


def predict_windows(network, data, visible, series, starts, window):
    """Predictions (W, L, F) for windows, in batches, without gradients: of the cells not
    ``visible``; the visible ones come back as they are."""
    network.eval()
    batch = max(1, PREDICT_BATCH_TOKENS // (window * data.values.shape[1]))
    outputs = []
    with torch.inference_mode():
        for first in range(0, len(series), batch):
            chosen = series[first : first + batch], starts[first : first + batch]
            index, present, positions = gather_windows(data, *chosen, window)
            shown = visible[index]  # (B, L, F)
            wanted = ~shown & present[..., None]  # (B, L, F): every cell not shown is predicted
            outputs.append(network(data.values[index], shown, positions, present, wanted))
    return (
        torch.cat(outputs) if outputs else data.values.new_zeros((0, window, data.values.shape[1]))
    )


def validation_mae(network, data, train_observed, windows, window):
    """Mean absolute error on the held-out cells of the validation ``windows`` (series, starts):
    the observed cells that ``train_observed`` (N + 1, F) leaves out, predicted from the rest."""
    index, _, _ = gather_windows(data, *windows, window)
    cells = data.observed[index] & ~train_observed[index]  # (V, L, F)
    predicted = predict_windows(network, data, train_observed, *windows, window)  # (V, L, F)
    return masked_mean(network.cell_loss(predicted, data.values[index]), cells).item()


def train_series(network, data, config, generator, on_epoch=None, spread=None):
    """Fit ``network`` to recover hidden cells of windows; keep the best epoch's averaged weights,
    then fit ``spread`` (a ``SeriesSpread``, optional) on the held-out cells.

    The untrained network (whose read-out is zero) is linear interpolation, and it is scored on
    the held-out cells before training too: where no epoch beats it, the interpolation is kept
    and ``best_epoch`` is -1.

    Returns the ``TrainingHistory``; ``generator`` drives every random choice.
    """
    train_observed, validation_windows = hold_out_windows(data, config, generator)
    static = None
    if config.masking == "static":
        static = draw_once(data, train_observed, config.window, config.mask_rate, generator)

    def batches():
        for first in range(0, config.windows_per_epoch, config.batch_size):
            count = min(config.batch_size, config.windows_per_epoch - first)
            chosen = sample_windows(data, count, config.window, generator)
            index, present, positions = gather_windows(data, *chosen, config.window)
            observed = train_observed[index]  # (B, L, F); padding rows are never observed
            if static is None:
                hidden = draw_window_mask(observed, config.mask_rate, generator)
            else:
                hidden = static[index] & observed
            values = data.values[index]  # (B, L, F)
            predicted = network(values, observed & ~hidden, positions, present, hidden)
            yield masked_mean(network.cell_loss(predicted, values), hidden), count

    score = None
    if validation_windows is not None:

        def score(averaged):
            return validation_mae(averaged, data, train_observed, validation_windows, config.window)

    optimizer = AdamW(network.parameters(), config.learning_rate)
    history = train_epochs(
        network, optimizer, config, batches, score, on_epoch, score_untrained=True
    )
    if spread is not None and validation_windows is not None:
        predicted = predict_windows(
            network, data, train_observed, *validation_windows, config.window
        )
        spread.fit(predicted, data, train_observed, validation_windows, config.window)
    return history


def fill_series(network, data, window):
    """Predictions (N + 1, F) for every step of every series, each step from exactly one window.

    Only windows whose own steps hold a gap are run; other rows keep their (scaled) values.
    """
    series, starts, index, owned = stitching_windows(data, window)
    needed = (owned[..., None] & ~data.observed[index]).flatten(1).any(dim=1)  # (K,)
    filled = data.values.clone()
    predicted = predict_windows(
        network, data, data.observed, series[needed], starts[needed], window
    )  # (K', L, F)
    filled[index[needed][owned[needed]]] = predicted[owned[needed]]
    return filled
