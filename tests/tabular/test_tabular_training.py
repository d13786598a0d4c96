"""Training the table network: only hidden cells are finished; the best averaged weights kept;
passes without gradients batch rows in cache-sized pieces without changing any row's fill."""

import numpy as np
import pytest
import torch
from support import hide, structured_table

from impute.core import TrainingConfig, masked_mean
from impute.tabular._hints import PREDICT_BATCH_CELLS, PREDICT_BATCH_ROWS, row_batches
from impute.tabular._network import CellConfig, CellTransformer
from impute.tabular._training import hold_out_cells, predict, train, validation_loss


def test_a_training_step_on_the_hidden_cells_alone_matches_the_full_pass():
    """Finishing only the hidden cells in the last block changes neither loss nor gradients."""
    generator = torch.Generator().manual_seed(0)
    values = torch.randn(24, 5, generator=generator)
    values[:, 2] = torch.randint(0, 3, (24,), generator=generator).float()  # a categorical column
    hidden = torch.rand(24, 5, generator=generator) < 0.3
    torch.manual_seed(0)
    model = CellTransformer(
        CellConfig(
            n_features=5, d_model=16, n_heads=2, n_layers=2, d_ff=32, cardinalities=(0, 0, 3, 0, 0)
        )
    )
    losses, gradients = [], []
    for wanted in (None, hidden):
        model.zero_grad()
        loss = masked_mean(model.cell_loss(model(values, ~hidden, wanted), values), hidden)
        loss.backward()
        losses.append(loss.item())
        gradients.append([p.grad.clone() for p in model.parameters()])
    assert losses[1] == pytest.approx(losses[0], rel=1e-6)
    for full, pruned in zip(*gradients):
        torch.testing.assert_close(pruned, full, rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        numeric, logits = model(values, ~hidden, hidden)
    assert (numeric[~hidden] == 0).all()  # cells not wanted are not computed
    assert torch.equal(
        logits[~hidden[:, 2], 0], model.category_bias.expand(int((~hidden[:, 2]).sum()), 3)
    )


def test_trained_model_holds_the_averaged_weights_that_scored_best():
    X_missing, _ = hide(structured_table(n_rows=300, seed=0), 0.2, seed=0)
    observed = torch.as_tensor(~np.isnan(X_missing))
    values = torch.as_tensor(X_missing, dtype=torch.float32).nan_to_num(0.0)
    config = TrainingConfig(
        max_epochs=200,
        steps_per_epoch=10,
        batch_size=32,
        learning_rate=1e-2,
        masking="dynamic",
        mask_rate=0.3,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=3,
    )
    torch.manual_seed(0)
    model = CellTransformer(CellConfig(n_features=values.shape[1], d_model=16, n_heads=2, d_ff=32))
    history = train(model, values, observed, config, torch.Generator().manual_seed(0))

    _, validation, rows = hold_out_cells(observed, config, torch.Generator().manual_seed(0))
    visible = (observed & ~validation)[rows]
    score = validation_loss(
        model, values[rows], visible, validation[rows], torch.ones(values.shape[1])
    )
    assert history.best_epoch < len(history.validation_scores) - 1  # a later epoch was not kept
    assert score == pytest.approx(history.validation_scores[history.best_epoch], rel=1e-5)


@pytest.mark.parametrize("n_rows, n_features", [(0, 5), (1, 5), (2500, 20), (700, 100), (3, 40000)])
def test_passes_without_gradients_take_every_row_once_in_cache_sized_batches(n_rows, n_features):
    batches = row_batches(n_rows, n_features)
    rows = [row for part in batches for row in range(n_rows)[part]]
    assert rows == list(range(n_rows))
    assert all(len(range(n_rows)[part]) <= PREDICT_BATCH_ROWS for part in batches)
    assert all(
        len(range(n_rows)[part]) * n_features <= max(PREDICT_BATCH_CELLS, n_features)
        for part in batches
    )


def test_a_wide_tables_fills_do_not_depend_on_how_its_rows_are_batched():
    """Rows never interact: predicting 700 rows of 100 columns at once (in several batches)
    gives each row what predicting it alone gives, at the batches' edges too."""
    generator = torch.Generator().manual_seed(0)
    values = torch.randn(700, 100, generator=generator)
    visible = torch.rand(700, 100, generator=generator) > 0.3
    torch.manual_seed(0)
    model = CellTransformer(CellConfig(n_features=100, d_model=16, n_heads=2, d_ff=32))
    together = predict(model, values, visible)
    for row in (0, 326, 327, 699):
        alone = predict(model, values[row : row + 1], visible[row : row + 1])
        torch.testing.assert_close(together[row][~visible[row]], alone[0][~visible[row]])
