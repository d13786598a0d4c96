"""The table network: one token per column, attention across the columns of a row, and its loss.

Each cell becomes a token: its column's embedding plus an embedding of its value. A numeric value
is embedded linearly (one weight and bias vector per column); a category by a lookup in one table
shared by all categorical columns (each column owns a slice of it). Cells the network may not see
(really missing, or hidden for training) carry a learned mask embedding in place of the value, so
every row has the same number of tokens and a batch is one dense tensor. Attention lets each column
read every other column of the same row; rows never interact, so a row's imputation does not
depend on which other rows share its batch.

Numeric columns are read out by a per-column linear head; categorical columns score every
category of their slice against the token, with read-out vectors of their own, untied from the
input embeddings. The loss is the squared error on hidden numeric cells and the cross-entropy on
hidden categorical ones.

Shapes: B rows, F columns, C categorical columns, K categories over all of them, D = ``d_model``,
W cells whose prediction is wanted.
"""

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from ..core import Block, NetworkConfig, place


@dataclass
class CellConfig(NetworkConfig):
    """A table network's size, and the categories of each column (0 for a numeric column; empty
    when all are numeric)."""

    cardinalities: tuple = ()


class CellTransformer(nn.Module):
    """Predicts every cell of a row from the cells it is allowed to see."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        f, d = config.n_features, config.d_model
        self.column = nn.Parameter(0.02 * torch.randn(f, d))  # which column a token belongs to
        self.value_weight = nn.Parameter(torch.randn(f, d) / d**0.5)  # per-column value embedding
        self.value_bias = nn.Parameter(torch.zeros(f, d))
        self.mask = nn.Parameter(0.02 * torch.randn(d))  # stands in for any value not shown
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.norm = nn.LayerNorm(d)
        self.head_weight = nn.Parameter(torch.randn(f, d) / d**0.5)  # per-column read-out
        self.head_bias = nn.Parameter(torch.zeros(f))
        # Created last, so that an all-numeric network draws the same weights as one without them.
        cardinalities = torch.tensor(config.cardinalities or [0] * f, dtype=torch.long)  # (F,)
        n_categories = int(cardinalities.sum())
        starts = torch.cumsum(cardinalities, 0) - cardinalities  # (F,) each column's first category
        categorical = cardinalities > 0  # (F,)
        categorical_columns = categorical.nonzero().squeeze(1)  # (C,)
        owners = torch.repeat_interleave(torch.arange(f), cardinalities)  # (K,) column of each
        allowed = owners[None, :] == categorical_columns[:, None]  # (C, K)
        slots = torch.full((f,), -1, dtype=torch.long)  # (F,) place among the categorical columns
        slots[categorical_columns] = torch.arange(len(categorical_columns))
        self.register_buffer("categorical", categorical, persistent=False)
        self.register_buffer("starts", starts, persistent=False)
        self.register_buffer("categorical_columns", categorical_columns, persistent=False)
        self.register_buffer("allowed", allowed, persistent=False)
        self.register_buffer("slots", slots, persistent=False)
        self.category = nn.Parameter(0.02 * torch.randn(n_categories, d))  # (K, D) input embeddings
        self.category_head = nn.Parameter(torch.randn(n_categories, d) / d**0.5)  # (K, D) read-out
        self.category_bias = nn.Parameter(torch.zeros(n_categories))  # (K,)

    def forward(self, values, visible, wanted=None):
        """Predict all cells, or the ``wanted`` ones.

        Parameters
        ----------
        values : FloatTensor (B, F)
            Scaled numeric values and category codes; entries where ``visible`` is False are
            ignored.
        visible : BoolTensor (B, F)
            Cells the network may read.
        wanted : BoolTensor (B, F), optional
            The cells whose predictions will be used (the hidden cells of a training batch,
            gaps to fill, held-out cells to score); the others come back as 0 and as the
            category biases. The last block and the read-out then run for these only, with the
            same results as a full pass.

        Returns
        -------
        numeric : FloatTensor (B, F)
            A prediction for every cell in scaled units (meaningful for numeric columns).
        logits : FloatTensor (B, C, K)
            Scores of every category for each categorical column; categories of other columns
            score -inf.
        """
        values = values.masked_fill(~visible, 0.0)  # hidden values must not leak, NaN included
        # (B, F, D): value embedding plus column embedding
        shown = torch.addcmul(self.value_bias + self.column, values[..., None], self.value_weight)
        if len(self.category):
            codes = (values.long() + self.starts).clamp(0, len(self.category) - 1)  # (B, F)
            looked_up = F.embedding(codes, self.category) + self.column  # (B, F, D)
            shown = torch.where(self.categorical[:, None], looked_up, shown)  # (B, F, D)
        x = torch.where(visible[..., None], shown, self.mask + self.column)  # (B, F, D)
        *early, last = self.blocks
        for block in early:
            x = block(x)  # (B, F, D)
        if wanted is None:
            x = self.norm(last(x))  # (B, F, D)
            numeric = (x * self.head_weight).sum(-1) + self.head_bias  # (B, F)
            categories = x[:, self.categorical_columns]  # (B, C, D)
        else:
            rows, columns = wanted.nonzero(as_tuple=True)  # (W,), (W,)
            finished = self.norm(last(x, only=(rows, columns)))  # (W, D)
            head = self.head_weight.index_select(0, columns)  # (W, D)
            read = (finished * head).sum(-1) + self.head_bias.index_select(0, columns)  # (W,)
            b, f = values.shape
            numeric = place(read, rows, columns, b, f)  # (B, F)
            slots = self.slots[columns]  # (W,)
            chosen = slots >= 0  # (W,) the wanted cells of categorical columns
            c = len(self.categorical_columns)
            categories = place(finished[chosen], rows[chosen], slots[chosen], b, c)  # (B, C, D)
        logits = categories @ self.category_head.T + self.category_bias  # (B, C, K)
        return numeric, logits.masked_fill(~self.allowed, float("-inf"))

    def cell_loss(self, outputs, values):
        """Per-cell loss (B, F): squared error of numeric cells, cross-entropy of categories."""
        numeric, logits = outputs
        loss = (numeric - values).square()  # (B, F)
        if logits.shape[1]:
            columns = self.categorical_columns  # (C,)
            targets = values[:, columns].long() + self.starts[columns]  # (B, C)
            targets = targets.clamp(0, len(self.category) - 1)
            entropy = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")  # (B, C)
            loss = loss.index_copy(1, columns, entropy)  # (B, F)
        return loss

    def decode(self, numeric, logits):
        """Point predictions (B, F): numbers, and each categorical column's likeliest code."""
        if not logits.shape[1]:
            return numeric
        codes = logits.argmax(-1) - self.starts[self.categorical_columns]  # (B, C)
        return numeric.index_copy(1, self.categorical_columns, codes.to(numeric.dtype))
