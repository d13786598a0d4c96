"""The network: one token per column, attention across the columns of a row.

Each cell becomes a token: its column's embedding plus an embedding of its value. A numeric value
is embedded linearly (one weight and bias vector per column); a category by a lookup in one table
shared by all categorical columns (each column owns a slice of it). Cells the network may not see
(really missing, or hidden for training) carry a learned mask embedding in place of the value, so
every row has the same number of tokens and a batch is one dense tensor. Attention lets each column
read every other column of the same row; rows never interact, so a row's imputation does not
depend on which other rows share its batch.

Rows like a row carry evidence that its own columns do not (what nearest-neighbour imputers use).
The model keeps up to ``reference_rows`` training rows, with the network's error on each of their
numeric cells, and after training corrects each numeric gap's prediction by the network's mean
error in that column over the row's nearest reference rows (``neighbour_hint``). It also blends
in the gap's conditional mean under a normal distribution fitted to the training rows, which
states linear relations between columns exactly (``gaussian_hint``). Shares per column, measured
on held-out cells, say how much of each (``hint_share``, ``gaussian_share``).

Numeric columns are read out by a per-column linear head; categorical columns score every
category of their slice against the token, with read-out vectors of their own (tying them to the
input embeddings measured worse: baseball's league was recovered 53% of the time tied, 85% untied).

Shapes: B rows, F columns, C categorical columns, K categories over all of them, D = ``d_model``,
H heads.
"""

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .gaussian import conditional, fit_normal

DISTANCE_CHUNK_CELLS = 2**20  # query rows x reference rows per distance matrix: 4 MB, about 1.6x faster than 16 MB
NORMAL_ROWS = 4096  # training rows the normal distribution is fitted to: EM solves one system per row
CANDIDATES_PER_NEIGHBOR = 4  # nearest rows searched per neighbour wanted, so most columns find k that observe them


@dataclass
class ModelConfig:
    n_features: int
    d_model: int = 48
    n_heads: int = 4
    n_layers: int = 1
    d_ff: int = 192
    dropout: float = 0.0
    cardinalities: tuple = ()  # categories per column, 0 for numeric columns; empty: all numeric
    n_neighbors: int = 0  # reference rows averaged into each numeric gap's hint; 0: no hint
    reference_rows: int = 0  # training rows kept to search for neighbours
    gaussian_hint: bool = False  # blend each numeric gap's conditional mean under a normal fitted to the training rows


class SelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_heads = config.n_heads
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)
        self.dropout = config.dropout

    def forward(self, x, keep=None, only=None):
        """x: (B, F, D); keep: (B, F) tokens that may be attended to, or None for all; only:
        ``(rows, columns)``, each (W,), the tokens whose output is wanted, or None for all.
        Returns (B, F, D), or (W, D) with ``only``."""
        b, f, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)  # 3 x (B, F, D)
        q, k, v = (t.view(b, f, self.n_heads, d // self.n_heads).transpose(1, 2) for t in (q, k, v))  # (B, H, F, D/H)
        attend = None if keep is None else keep[:, None, None, :]  # (B, 1, 1, F)
        y = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attend, dropout_p=self.dropout if self.training else 0.0
        )  # (B, H, F, D/H)
        y = y.transpose(1, 2).reshape(b, f, d)  # (B, F, D)
        return self.out(y if only is None else y[only])  # (B, F, D) or (W, D)


class FeedForward(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.up = nn.Linear(config.d_model, config.d_ff)
        self.down = nn.Linear(config.d_ff, config.d_model)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):  # x: (B, F, D)
        return self.dropout(self.down(F.gelu(self.up(x))))  # (B, F, D)


class Block(nn.Module):
    """Pre-norm Transformer block, as in GPT-2."""

    def __init__(self, config):
        super().__init__()
        self.norm_attention = nn.LayerNorm(config.d_model)
        self.attention = SelfAttention(config)
        self.norm_ff = nn.LayerNorm(config.d_model)
        self.ff = FeedForward(config)

    def forward(self, x, keep=None, only=None):  # x: (B, F, D); keep, only: see SelfAttention
        mixed = self.attention(self.norm_attention(x), keep, only)  # (B, F, D) or (W, D)
        x = (x if only is None else x[only]) + mixed
        return x + self.ff(self.norm_ff(x))  # (B, F, D) or (W, D)


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
        # Created last, so that an all-numeric model draws exactly the weights it drew before.
        cardinalities = torch.tensor(config.cardinalities or [0] * f, dtype=torch.long)  # (F,)
        n_categories = int(cardinalities.sum())
        starts = torch.cumsum(cardinalities, 0) - cardinalities  # (F,) first row of each column's slice
        self.register_buffer("categorical", cardinalities > 0, persistent=False)  # (F,)
        self.register_buffer("starts", starts, persistent=False)
        self.register_buffer("categorical_columns", self.categorical.nonzero().squeeze(1), persistent=False)  # (C,)
        columns = torch.repeat_interleave(torch.arange(f), cardinalities)  # (K,) owner of each category
        self.register_buffer("allowed", columns[None, :] == self.categorical_columns[:, None], persistent=False)  # (C, K)
        self.category = nn.Parameter(0.02 * torch.randn(n_categories, d))  # (K, D) input embeddings
        self.category_head = nn.Parameter(torch.randn(n_categories, d) / d**0.5)  # (K, D) read-out
        self.category_bias = nn.Parameter(torch.zeros(n_categories))  # (K,)
        if config.n_neighbors:
            self.register_buffer("reference_values", torch.zeros(config.reference_rows, f))  # (R, F)
            self.register_buffer("reference_observed", torch.zeros(config.reference_rows, f, dtype=torch.bool))  # (R, F)
            self.register_buffer("reference_error", torch.zeros(config.reference_rows, f))  # (R, F) value - network's fill
            self.register_buffer("hint_share", torch.zeros(f))  # (F,) share of the neighbours' correction in each column's fill
        if config.gaussian_hint:
            self.register_buffer("normal_mean", torch.zeros(f))  # (F,) of the numeric columns, scaled
            self.register_buffer("normal_covariance", torch.eye(f))  # (F, F)
            self.register_buffer("gaussian_share", torch.zeros(f))  # (F,) weight of the conditional mean in each column's fill

    def remember(self, values, observed, generator):
        """Keep up to ``reference_rows`` training rows to search for neighbours.

        Returns (N,) each training row's position among the kept rows, -1 for rows not kept, so
        that a held-out row is never its own neighbour (its held-out cells are in the reference).
        """
        n = len(values)
        kept = torch.arange(n, device=values.device)
        if n > self.config.reference_rows:
            kept = torch.randperm(n, device=values.device, generator=generator)[: self.config.reference_rows].sort().values
        self.reference_values.copy_(values[kept])
        self.reference_observed.copy_(observed[kept])
        positions = torch.full((n,), -1, dtype=torch.long, device=values.device)
        return positions.index_copy_(0, kept, torch.arange(len(kept), device=values.device))

    def neighbour_hint(self, values, visible, exclude=None):
        """Per numeric cell, the mean ``reference_error`` of the ``n_neighbors`` nearest reference
        rows that observe it, 0 where none does; ``exclude`` (B,) is each row's own position
        among them (-1: none), never a neighbour. Returns (B, F).

        Distance is the mean squared difference over the numeric columns both rows show, as in
        ``KNNImputer``. Attention reads one row at a time; the hint brings in the rows like it,
        and ``hint_share`` (set after training, on the held-out cells) says how much of it each
        column's fill takes. The rows' errors, not their values, are averaged: the neighbours of
        a row beyond the observed range (the largest stones of a table whose large carats went
        missing) are all smaller, and their mean would pull its fill back inside; their errors
        carry what the network gets wrong near the row without that pull
        (benchmarks/EXPERIMENTS.md). Showing the hint to the network as an input instead
        measured worse: the network leant on it early and stopped at a higher validation error.
        """
        numeric = ~self.categorical  # (F,)
        seen = (self.reference_observed & numeric).float()  # (R, F)
        r = self.reference_values * seen  # (R, F)
        # x² + r² - 2xr summed over the shared columns comes out of one product with this: each
        # extra pass over a (B, R) matrix costs about as much as the product itself.
        reference = torch.cat([seen, r.square(), -2 * r], 1).T  # (3F, R)
        size = max(1, DISTANCE_CHUNK_CELLS // len(r))  # rows per chunk, so that its (rows, R) matrices stay in cache
        chunks = [slice(start, start + size) for start in range(0, len(values), size)]
        parts = [
            self._chunk_hint(values[rows], visible[rows], seen, reference, None if exclude is None else exclude[rows])
            for rows in chunks
        ]
        return torch.cat(parts)

    def _chunk_hint(self, values, visible, seen, reference, exclude):
        """``neighbour_hint`` for a few rows (B, F), given ``seen`` (R, F) and ``reference`` (3F, R)."""
        k = self.config.n_neighbors
        numeric = ~self.categorical  # (F,)
        query = (visible & numeric).float()  # (B, F)
        x = values * query  # (B, F)
        squares = torch.cat([x.square(), query, x], 1) @ reference  # (B, R)
        distance = (squares / (query @ seen.T)).nan_to_num_(nan=float("inf"))  # (B, R); 0 / 0 where nothing is shared
        if exclude is not None:
            own = torch.arange(distance.shape[1], device=values.device) == exclude[:, None]  # (B, R)
            distance = distance.masked_fill(own, float("inf"))
        near, rows = distance.topk(min(CANDIDATES_PER_NEIGHBOR * k, distance.shape[1]), dim=1, largest=False)  # (B, M)
        present = self.reference_observed[rows] & numeric & near.isfinite()[..., None]  # (B, M, F)
        use = present & (present.cumsum(1) <= k)  # the first k candidates observing each column
        count = use.sum(1)  # (B, F)
        return (use * self.reference_error[rows]).sum(1) / count.clamp(min=1)  # (B, F)

    def fit_normal(self, values, observed, generator):
        """Fit the normal distribution of ``gaussian_hint`` to the numeric ``observed`` cells of up
        to ``NORMAL_ROWS`` training rows (drawn with ``generator`` when there are more)."""
        rows = torch.arange(len(values), device=values.device)
        if len(rows) > NORMAL_ROWS:
            rows = torch.randperm(len(rows), device=values.device, generator=generator)[:NORMAL_ROWS]
        mean, covariance = fit_normal(values[rows], observed[rows] & ~self.categorical)
        self.normal_mean.copy_(mean)
        self.normal_covariance.copy_(covariance)

    def gaussian_hint(self, values, visible):
        """Per cell (B, F), its conditional mean given the numeric cells its row shows, under the
        normal distribution fitted to the training rows (``impute.gaussian``)."""
        return conditional(values, visible & ~self.categorical, self.normal_mean, self.normal_covariance)

    def blend(self, numeric, values, visible):
        """Correct the network's numeric fills (B, F) by the neighbours' errors and mix them with
        the conditional means, in each column's measured shares (all 0 until they are set after
        training, so training sees the network alone)."""
        mixed = numeric
        if self.config.n_neighbors and self.hint_share.any():
            mixed = mixed + self.hint_share * self.neighbour_hint(values, visible)  # (B, F)
        if self.config.gaussian_hint and self.gaussian_share.any():
            mixed = mixed + self.gaussian_share * (self.gaussian_hint(values, visible) - numeric)
        return mixed  # (B, F)

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
            gaps to fill, held-out cells to score); the others come back as 0 and as equal
            category scores. The last block then finishes only these: every token is still a
            key and value of its attention, but its output projection, feed-forward part and
            read-out run for the wanted cells alone (about a fifth of them in a training batch
            of a table with 30% gaps), with the same results as a full pass.

        Returns
        -------
        numeric : FloatTensor (B, F)
            A prediction for every cell in scaled units (meaningful for numeric columns).
        logits : FloatTensor (B, C, K)
            Scores of every category for each categorical column; categories of other columns
            score -inf.
        """
        values = values.masked_fill(~visible, 0.0)  # hidden values must not leak, NaN included
        shown = values[..., None] * self.value_weight + self.value_bias  # (B, F, D)
        if len(self.category):
            codes = (values.long() + self.starts).clamp(0, len(self.category) - 1)  # (B, F)
            shown = torch.where(self.categorical[:, None], F.embedding(codes, self.category), shown)  # (B, F, D)
        x = torch.where(visible[..., None], shown, self.mask) + self.column  # (B, F, D)
        *early, last = self.blocks
        for block in early:
            x = block(x)  # (B, F, D)
        if wanted is None:
            x = self.norm(last(x))  # (B, F, D)
        else:
            rows, columns = wanted.nonzero(as_tuple=True)  # (W,), (W,)
            finished = self.norm(last(x, only=(rows, columns)))  # (W, D)
            x = x.new_zeros(x.shape).index_put_((rows, columns), finished)  # (B, F, D), 0 where not wanted
        numeric = (x * self.head_weight).sum(-1) + self.head_bias  # (B, F)
        logits = x[:, self.categorical_columns] @ self.category_head.T + self.category_bias  # (B, C, K)
        if not self.training:
            numeric = self.blend(numeric, values, visible)  # (B, F)
        return numeric, logits.masked_fill(~self.allowed, float("-inf"))

    def cell_loss(self, outputs, values):
        """Per-cell loss (B, F): squared error for numeric cells, cross-entropy for categorical ones."""
        numeric, logits = outputs
        loss = (numeric - values).square()  # (B, F)
        if logits.shape[1]:
            targets = values[:, self.categorical_columns].long() + self.starts[self.categorical_columns]  # (B, C)
            entropy = F.cross_entropy(logits.transpose(1, 2), targets.clamp(0, len(self.category) - 1), reduction="none")
            loss = loss.index_copy(1, self.categorical_columns, entropy)  # (B, F)
        return loss

    def decode(self, outputs):
        """Point predictions (B, F): numeric values, and each categorical column's likeliest code."""
        numeric, logits = outputs
        if not logits.shape[1]:
            return numeric
        codes = logits.argmax(-1) - self.starts[self.categorical_columns]  # (B, C)
        return numeric.index_copy(1, self.categorical_columns, codes.to(numeric.dtype))
