"""The Transformer block both networks are built of: pre-norm attention and feed-forward (GPT-2).

The table network stacks these across the columns of a row; the time-series network alternates
them over the steps of each feature and over the features of each step. One block can finish
only some of its tokens (``only``): every token is still a key and value of its attention, but
queries, the output projection and the feed-forward part run for the tokens whose prediction is
used.

Shapes: B sequences, T tokens each, D = ``d_model``, H heads, W tokens finished, at most Q of
them in one sequence.
"""

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class NetworkConfig:
    """The size of a network: tokens per sequence (``n_features``), their width, heads, blocks."""

    n_features: int
    d_model: int = 48
    n_heads: int = 4
    n_layers: int = 1
    d_ff: int = 192
    dropout: float = 0.0


def pick(x, sequences, tokens):
    """``x[sequences, tokens]`` for x (B, T, D) and distinct (sequence, token) pairs (W,):
    (W, D). Taken as rows of the flattened x, whose gradient torch adds back row by row
    (``index_add``) instead of cell by cell, as it does for a pair of index tensors."""
    b, t, d = x.shape
    return x.reshape(b * t, d).index_select(0, sequences * t + tokens)


def place(rows, sequences, tokens, b, t):
    """The inverse of ``pick``: a (B, T, ...) tensor of zeros with ``rows`` (W, ...) at the
    distinct (sequence, token) pairs (W,), written as rows of the flattened tensor."""
    flat = rows.new_zeros(b * t, *rows.shape[1:])  # (B x T, ...)
    return flat.index_copy(0, sequences * t + tokens, rows).view(b, t, *rows.shape[1:])


class SelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_heads = config.n_heads
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)
        self.dropout = config.dropout

    def forward(self, x, keep=None, only=None):
        """x: (B, T, D); keep: (B, T) tokens that may be attended to, or None for all; only:
        ``(sequences, tokens)``, each (W,), sorted by sequence, the tokens whose output is
        wanted, or None for all. Returns (B, T, D), or (W, D) with ``only``."""
        b, _, d = x.shape
        heads = (b, -1, self.n_heads, d // self.n_heads)
        if only is None:
            q, k, v = self.qkv(x).split(d, dim=2)  # 3 x (B, T, D)
        else:
            q, slots = self._queries(x, only)  # (B, Q, D), (W,)
            weight, bias = self.qkv.weight[d:], self.qkv.bias[d:]  # keys and values only
            k, v = F.linear(x, weight, bias).split(d, dim=2)  # 2 x (B, T, D)
        q, k, v = (z.view(heads).transpose(1, 2) for z in (q, k, v))  # (B, H, T or Q, D/H)
        attend = None if keep is None else keep[:, None, None, :]  # (B, 1, 1, T)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attend, dropout_p=p)  # (B, H, ., D/H)
        y = y.transpose(1, 2).reshape(b, -1, d)  # (B, T or Q, D)
        if only is not None:
            y = pick(y, only[0], slots)  # (W, D)
        return self.out(y)  # (B, T, D) or (W, D)

    def _queries(self, x, only):
        """The queries of the wanted tokens only, packed to the left of each sequence and padded
        with zeros to the longest: (B, Q, D), and each wanted token's slot (W,)."""
        sequences, tokens = only
        b, _, d = x.shape
        counts = sequences.bincount(minlength=b)  # (B,)
        first = counts.cumsum(0) - counts  # (B,) index in ``only`` of each sequence's first token
        slots = torch.arange(len(sequences), device=x.device) - first[sequences]  # (W,)
        wanted = F.linear(pick(x, sequences, tokens), self.qkv.weight[:d], self.qkv.bias[:d])
        width = int(counts.max()) if len(sequences) else 0
        return place(wanted, sequences, slots, b, width), slots  # (B, Q, D), (W,)


class FeedForward(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.up = nn.Linear(config.d_model, config.d_ff)
        self.down = nn.Linear(config.d_ff, config.d_model)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):  # x: (B, T, D) or (W, D)
        return self.dropout(self.down(F.gelu(self.up(x))))  # same shape


class Block(nn.Module):
    """Pre-norm Transformer block, as in GPT-2."""

    def __init__(self, config):
        super().__init__()
        self.norm_attention = nn.LayerNorm(config.d_model)
        self.attention = SelfAttention(config)
        self.norm_ff = nn.LayerNorm(config.d_model)
        self.ff = FeedForward(config)

    def forward(self, x, keep=None, only=None):  # x: (B, T, D); keep, only: see SelfAttention
        mixed = self.attention(self.norm_attention(x), keep, only)  # (B, T, D) or (W, D)
        x = (x if only is None else pick(x, *only)) + mixed
        return x + self.ff(self.norm_ff(x))  # (B, T, D) or (W, D)
