"""The Transformer block both networks are built of: pre-norm attention and feed-forward (GPT-2).

The table network stacks these across the columns of a row; the time-series network alternates
them over the steps of each feature and over the features of each step. One block can finish
only some of its tokens (``only``): every token is still a key and value of its attention, but
the output projection and feed-forward part run for the tokens whose prediction is used.

Shapes: B sequences, T tokens each, D = ``d_model``, H heads, W tokens finished.
"""

from dataclasses import dataclass

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


class SelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_heads = config.n_heads
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)
        self.dropout = config.dropout

    def forward(self, x, keep=None, only=None):
        """x: (B, T, D); keep: (B, T) tokens that may be attended to, or None for all; only:
        ``(sequences, tokens)``, each (W,), the tokens whose output is wanted, or None for all.
        Returns (B, T, D), or (W, D) with ``only``."""
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)  # 3 x (B, T, D)
        heads = (b, t, self.n_heads, d // self.n_heads)
        q, k, v = (z.view(heads).transpose(1, 2) for z in (q, k, v))  # (B, H, T, D/H)
        attend = None if keep is None else keep[:, None, None, :]  # (B, 1, 1, T)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attend, dropout_p=p)  # (B, H, T, D/H)
        y = y.transpose(1, 2).reshape(b, t, d)  # (B, T, D)
        return self.out(y if only is None else y[only])  # (B, T, D) or (W, D)


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
        x = (x if only is None else x[only]) + mixed
        return x + self.ff(self.norm_ff(x))  # (B, T, D) or (W, D)
