"""M completed tables from miceforest's kernel, for benchmarks/draws.py (run in the venv where
miceforest is installed; it is not a dependency of the package).

    miceforest-venv/bin/python benchmarks/miceforest_draws.py GAPPY.npy OUT.npy M SEED

GAPPY.npy: a float matrix, NaN where missing. OUT.npy gets the draws (M, rows, columns) and
OUT.npy.seconds the wall seconds of the fit and the completions.
"""

import sys
import time
from pathlib import Path

import miceforest as mf
import numpy as np
import pandas as pd

ITERATIONS = 5  # miceforest's documented starting point: its chains settle within a few

gappy_path, out_path, n_draws, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
gappy = np.load(gappy_path)
frame = pd.DataFrame(gappy, columns=[f"x{j}" for j in range(gappy.shape[1])])
start = time.perf_counter()
kernel = mf.ImputationKernel(
    frame, num_datasets=n_draws, save_all_iterations_data=False, random_state=seed
)
kernel.mice(ITERATIONS)
draws = np.stack([kernel.complete_data(dataset=m).to_numpy(np.float64) for m in range(n_draws)])
seconds = time.perf_counter() - start
np.save(out_path, draws)
Path(f"{out_path}.seconds").write_text(f"{seconds}\n")
