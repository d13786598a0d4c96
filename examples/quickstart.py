"""Hide 30% of the bundled breast-cancer table, fill the gaps, and compare with the mean.

python examples/quickstart.py
"""

import numpy as np

from impute import MeanImputer, TransformerImputer, ampute, datasets, minmax_scale, rmse

features, _ = datasets.load("breast_cancer", return_target=True)
X = minmax_scale(features.to_numpy())
hidden = ampute(X, "MCAR", 0.3, random_state=0)
X_missing = np.where(hidden, np.nan, X)
print(f"{len(X)} rows x {X.shape[1]} columns, {hidden.sum()} cells hidden at random")

for name, imputer in [("mean", MeanImputer()), ("transformer", TransformerImputer(random_state=0))]:
    filled = imputer.fit_transform(X_missing)
    assert np.array_equal(filled[~hidden], X[~hidden]), "observed cells must come back unchanged"
    print(
        f"{name:12s} RMSE on the hidden cells: {rmse(X, filled, hidden):.4f} (min-max scaled units)"
    )
