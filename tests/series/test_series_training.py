"""Training the time-series network keeps the running average of the weights at its best epoch."""

import numpy as np
import pytest
import torch
from support import coupled_series

from impute.core import NetworkConfig
from impute.series._network import SeriesTransformer
from impute.series._training import (
    SeriesTrainingConfig,
    hold_out_windows,
    train_series,
    validation_mae,
)
from impute.series._windows import SeriesData


def test_trained_series_model_holds_the_averaged_weights_that_scored_best():
    table = coupled_series(600)  # (N, F)
    n = len(table)
    data = SeriesData(
        values=torch.as_tensor(np.vstack([table, np.zeros((1, 3))]), dtype=torch.float32),
        observed=torch.cat(
            [torch.ones(n, 3, dtype=torch.bool), torch.zeros(1, 3, dtype=torch.bool)]
        ),
        times=torch.as_tensor(np.append(np.arange(n), 0.0), dtype=torch.float32),
        offsets=torch.tensor([0]),
        lengths=torch.tensor([n]),
    )
    config = SeriesTrainingConfig(
        max_epochs=200,
        batch_size=8,
        learning_rate=1e-2,
        masking="dynamic",
        mask_rate=0.2,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=5,
        window=24,
        windows_per_epoch=64,
    )
    torch.manual_seed(0)
    model = SeriesTransformer(NetworkConfig(n_features=3, d_model=16, n_heads=2, d_ff=32))
    history = train_series(model, data, config, torch.Generator().manual_seed(0))

    train_observed, windows = hold_out_windows(data, config, torch.Generator().manual_seed(0))
    score = validation_mae(model, data, train_observed, windows, config.window)
    assert (
        0 <= history.best_epoch < len(history.validation_scores) - 1
    )  # trained, and a later epoch was not kept
    assert score == pytest.approx(history.validation_scores[history.best_epoch], rel=1e-5)
