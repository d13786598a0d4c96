"""Encoding of numeric columns into the model's space and back.

The network sees each column on a common scale, so that no column dominates the loss by its units.
The encoding must be invertible, because imputed values go back to the user in the original units.
Two encodings are offered and measured against each other in ``benchmarks/accuracy.py``:

- ``"robust"``: subtract the median and divide by the interquartile range (the standard deviation
  where the IQR is under a tenth of it). Linear, so a squared
  error in model space is a squared error in the user's units, column by column.
- ``"quantile"``: map each column through its empirical CDF onto a standard normal. Tames heavy
  tails and skew, at the price of a non-linear inverse.
"""

import numpy as np
from sklearn.preprocessing import QuantileTransformer

SCALINGS = ("robust", "quantile")
MIN_IQR_SHARE_OF_STD = 0.1


class NumericScaler:
    """Invertible per-column scaling of a float matrix whose missing cells are NaN.

    Parameters
    ----------
    method : {"robust", "quantile"}
        Which encoding to learn; see the module docstring.
    random_state : int
        Seed for the subsample the quantile encoding draws on very tall tables.
    """

    def __init__(self, method, random_state):
        if method not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {method!r}")
        self.method = method
        self.random_state = random_state

    def fit(self, X):
        if self.method == "quantile":
            n_observed = int(np.min(np.sum(~np.isnan(X), axis=0), initial=len(X)))
            self.quantiles_ = QuantileTransformer(
                n_quantiles=max(2, min(1000, n_observed)),
                output_distribution="normal",
                random_state=self.random_state,
            ).fit(X)
            return self
        q25, median, q75 = np.nanpercentile(X, [25, 50, 75], axis=0)
        scale = q75 - q25
        spread = np.nanstd(X, axis=0)
        # A column piled up on one value has an IQR near 0 however wide its tails; dividing by it
        # would blow the tails up past float32 range, so such columns use their standard deviation.
        scale = np.where(scale > MIN_IQR_SHARE_OF_STD * spread, scale, np.where(spread > 0, spread, 1.0))
        self.center_, self.scale_ = median, scale
        return self

    def transform(self, X):
        if self.method == "quantile":
            return self.quantiles_.transform(X)
        return (X - self.center_) / self.scale_

    def inverse_transform(self, Z):
        if self.method == "quantile":
            return self.quantiles_.inverse_transform(Z)
        return Z * self.scale_ + self.center_
