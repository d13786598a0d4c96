"""Training the table network on masked rows, and filling gaps with it.

Before training starts, a share of the observed cells of up to 2,048 rows is held out
(``hold_out_cells``). Each batch then hides cells of its rows with the sampler ``masking`` names,
and the loss is each hidden cell's squared error or cross-entropy, weighted per column
(``column_weights``). Batches draw every row once per pass, and an epoch is
``steps_per_epoch`` of them (a thirtieth of the fit by default, ``impute.core.table_budget``).
The epochs, the weight averaging and the early stopping are the shared loop's; after it the
hints are fitted beside the network (``fit_hints``).
"""

import torch

from ..core import AdamW, make_mask, masked_mean, rows_for_width, train_epochs
from ._hints import NORMAL_ROWS, blend, fit_hints, row_batches
from ._spread import fit_spread, gap_odds

MAX_VALIDATION_ROWS = 2048
MIN_ENTROPY = 0.1  # nats; a column that is nearly constant is not weighted up without bound


def column_weights(network, values, observed):
    """Per-column loss weights (F,): 1 for numeric columns, 1 / (entropy of the observed
    categories) for categorical ones, floored at ``MIN_ENTROPY``.

    Cross-entropy is measured in nats and grows with the number of categories, while the squared
    error of a robust-scaled number is about 0.5 when guessing the median; dividing each
    cross-entropy by what guessing from the column's frequencies would cost puts both on the
    scale of "share of the column's uncertainty left", so neither kind drowns the other.
    """
    weights = torch.ones(values.shape[1], device=values.device)
    for j, cardinality in enumerate(network.config.cardinalities or ()):
        if cardinality:
            counts = torch.bincount(values[observed[:, j], j].long(), minlength=cardinality).float()
            shares = counts[counts > 0] / counts.sum()
            weights[j] = 1.0 / max(float(-(shares * shares.log()).sum()), MIN_ENTROPY)
    return weights


def validation_loss(network, values, visible, cells, weights):
    """Mean weighted loss on ``cells`` (N, F), predicted from ``visible`` without gradients."""
    network.eval()
    total, count = 0.0, 0
    with torch.inference_mode():
        for part in row_batches(*values.shape):
            loss = (
                network.cell_loss(network(values[part], visible[part], cells[part]), values[part])
                * weights
            )
            total += (loss * cells[part]).sum().item()
            count += cells[part].sum().item()
    return total / max(count, 1)


def hold_out_cells(observed, config, generator):
    """Choose the held-out cells and the rows that carry them: each observed cell with
    probability ``validation_fraction``, in at most ``MAX_VALIDATION_ROWS`` rows (fewer beyond
    64 columns, ``impute.core.rows_for_width``).

    Returns ``(train_observed (N, F), held_out (N, F), rows (V,))``; without early stopping
    nothing is held out.
    """
    if not config.early_stopping:
        empty = torch.zeros_like(observed)
        return observed, empty, torch.empty(0, dtype=torch.long, device=observed.device)
    draw = torch.rand(observed.shape, device=observed.device, generator=generator)
    held_out = observed & (draw < config.validation_fraction)
    rows = held_out.any(dim=1).nonzero().squeeze(1)
    kept = rows_for_width(MAX_VALIDATION_ROWS, observed.shape[1])
    if len(rows) > kept:
        keep = torch.randperm(len(rows), device=rows.device, generator=generator)[:kept]
        rows = rows[keep].sort().values
    held_out &= torch.zeros_like(held_out).index_fill_(0, rows, True)
    return observed & ~held_out, held_out, rows


def row_batches_forever(n_rows, batch_size, generator, device):
    """Batches of row positions: every row once per pass over the table, each pass in a fresh
    random order."""
    while True:
        order = torch.randperm(n_rows, device=device, generator=generator)
        yield from (order[start : start + batch_size] for start in range(0, n_rows, batch_size))


def train(
    network,
    values,
    observed,
    config,
    generator,
    on_epoch=None,
    neighbours=None,
    gaussian=None,
    spread=None,
):
    """Fit ``network`` to recover hidden observed cells; keep the best epoch's averaged weights,
    then fit the hints (``neighbours``, ``gaussian``) and the predictive ``spread`` on the
    held-out cells (any of the three may be None; none is fitted without held-out cells).

    Parameters
    ----------
    network : CellTransformer
        On the training device.
    values : FloatTensor (N, F)
        Scaled values and category codes, 0 where not observed.
    observed : BoolTensor (N, F)
        Observed cells.
    config : TrainingConfig
    generator : torch.Generator
        Drives every random choice of the loop (held-out cells, row order, masks, kept rows).
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, train_loss, validation_score)`` after each epoch.
    neighbours : NeighbourHint, optional
    gaussian : GaussianHint, optional
    spread : PredictiveSpread, optional

    Returns
    -------
    TrainingHistory
    """
    n_rows = len(values)
    train_observed, held_out, rows = hold_out_cells(observed, config, generator)
    mask = make_mask(config.masking, train_observed, ~observed, config.mask_rate, generator)
    weights = column_weights(network, values, train_observed)  # (F,)

    stream = row_batches_forever(n_rows, config.batch_size, generator, values.device)

    def batches():
        for _ in range(config.steps_per_epoch):
            batch = next(stream)  # (B,)
            batch_values, batch_observed = values[batch], train_observed[batch]  # (B, F) each
            hidden = mask(batch, batch_observed)  # (B, F)
            # only the hidden cells are scored
            outputs = network(batch_values, batch_observed & ~hidden, hidden)
            yield (
                masked_mean(network.cell_loss(outputs, batch_values) * weights, hidden),
                len(batch),
            )

    score = None
    if len(rows):
        validation = values[rows], train_observed[rows], held_out[rows]

        def score(averaged):
            return validation_loss(averaged, *validation, weights)

    optimizer = AdamW(network.parameters(), config.learning_rate, fused=True)
    history = train_epochs(network, optimizer, config, batches, score, on_epoch)
    if not len(rows):
        return history
    positions = fit_hints(
        network, values, observed, train_observed, held_out, generator, neighbours, gaussian
    )
    if spread is not None:
        cells = values[rows], train_observed[rows], held_out[rows], positions[rows]
        weights = gap_odds(values, observed, ~network.categorical, rows)
        gaps = (~observed).sum(0)  # (F,) each column's gaps in the training rows
        fit_spread(network, *cells, spread, neighbours, gaussian, weights, gaps)
        if gaussian is not None:
            spread.count_normal_rows(observed, rows_for_width(NORMAL_ROWS, values.shape[1]))
    if gaussian is not None:
        gaussian.fit(values, observed, generator, warm_start=True)
    return history


def predict(network, values, visible, neighbours=None, gaussian=None):
    """Predict the cells that are not visible, in batches, without tracking gradients.

    ``values`` (N, F) and ``visible`` (N, F) are tensors on the network's device; returns (N, F):
    scaled numeric values, blended with the hints, and category codes, meaningful where
    ``visible`` is False.
    """
    network.eval()
    parts = []
    with torch.inference_mode():
        for part in row_batches(*values.shape):
            shown, seen = values[part], visible[part]
            numeric, logits = network(shown, seen, ~seen)
            numeric = blend(numeric, shown.masked_fill(~seen, 0.0), seen, neighbours, gaussian)
            parts.append(network.decode(numeric, logits))
    return torch.cat(parts)
