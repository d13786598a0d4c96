"""Multiple imputation: how honest the draws are, against the peers, and what pooling them buys.

Two parts (docs/benchmarks.md, "Draws"):

- ``tables``: on each development table (numeric columns, at most 2,000 rows, min-max scaled),
  30% of the observed cells hidden under each mechanism and seed; 20 draws from one fit of
  ``TransformerImputer`` against 20 fits of ``IterativeImputer(sample_posterior=True)`` (seeds
  0-19) and, given ``--miceforest-python``, miceforest's kernel with 20 data sets (run in its
  own virtual environment by benchmarks/miceforest_draws.py). Per hidden cell: the coverage
  and width of the draws' central 90% interval (``impute.evaluation.draw_interval``) and the
  CRPS; the seconds of the fit and of the draws.
- ``inference``: y = 1 + 2 x1 - x2 + e, x2 = 0.6 x1 + 0.8 u (x1, u, e standard normal),
  n = 400, x1 hidden with probability 0.5 sigmoid(y - 1); per replicate, the slope of x1 from
  OLS on 10 draws pooled by Rubin's rules, on 10 draws of scikit-learn's
  ``IterativeImputer(sample_posterior=True)`` pooled the same way, from one filled table (the
  best fills), and from the complete cases: how often each 95% interval covers 2. Two
  references say what these replicates allow: 10 draws of the correctly specified model (a
  Bayesian linear regression of x1 on y and x2, R mice's ``norm``) pooled the same way, and the
  OLS interval on the whole table before x1 was hidden.

Every run is appended to OUT.json as it ends, and runs already there are skipped, so an
interrupted benchmark resumes; OUT.md gets the tables.

    OMP_NUM_THREADS=1 python benchmarks/draws.py --part tables --data DATA \\
        --out benchmarks/results/draws --miceforest-python miceforest-venv/bin/python
    OMP_NUM_THREADS=1 python benchmarks/draws.py --part inference \\
        --out benchmarks/results/draws_inference

DATA is the folder of the data sets and their manifest (docs/benchmarks.md#data-sets).
miceforest is not a dependency: install it in a virtual environment of its own
(``pip install miceforest==6.0.5 lightgbm==4.5.0``: with lightgbm 4.7, miceforest 6.0.5 fails
inside ``Booster.__inner_predict``).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from harness import add_data_options, add_set_option, load_numeric_tables
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer

from impute import TransformerImputer, pool
from impute.evaluation import ampute, draws_timed, rmse, score_draws
from impute.io import atomic_output

DEFAULT_OUT = Path(__file__).parent / "results" / "draws"
MICEFOREST_SCRIPT = Path(__file__).with_name("miceforest_draws.py")
LEVEL = 0.9
SIMULATION_ROWS = 400
SLOPE = 2.0


def ours(params):
    return TransformerImputer(random_state=0, **params)


def mice():
    return IterativeImputer(max_iter=10, random_state=0)


def run_table(method, X, mechanism, seed, n_draws, params, miceforest_python, timeout):
    """One method's draws on one table: the scores of ``score_draws`` with ``rmse`` of the
    point fills (or of the draws' mean, for the peers that only draw) and seconds; miceforest
    stopped after ``timeout`` seconds gives ``{"status": "timeout"}``."""
    hidden = ampute(X, mechanism, 0.3, random_state=seed)
    gappy = np.where(hidden, np.nan, X)
    if method == "dynamic":
        imputer = ours(params)
        start = time.perf_counter()
        filled = imputer.fit_transform(gappy)
        fit_seconds = time.perf_counter() - start
        draws, cost = draws_timed(imputer, imputer, gappy, n_draws, seed)
        draw_seconds = cost["draw_seconds"]
    elif method == "mice":
        draws, cost = draws_timed(mice(), None, gappy, n_draws, seed)
        filled, fit_seconds, draw_seconds = np.mean(draws, 0), cost["draw_seconds"], 0.0
    else:
        try:
            draws, fit_seconds = miceforest_draws(miceforest_python, gappy, n_draws, seed, timeout)
        except subprocess.TimeoutExpired:
            return {"status": "timeout"}
        filled, draw_seconds = draws.mean(0), 0.0
    return {
        "rmse": rmse(X, filled, hidden),
        **score_draws(X, np.stack(draws), hidden, LEVEL),
        "fit_seconds": fit_seconds,
        "draw_seconds": draw_seconds,
        "status": "ok",
    }


def miceforest_draws(python, gappy, n_draws, seed, timeout):
    """miceforest's draws, from its own virtual environment; and its seconds."""
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder, "gappy.npy"), Path(folder, "draws.npy")
        np.save(source, gappy)
        subprocess.run(
            [python, str(MICEFOREST_SCRIPT), source, out, str(n_draws), str(seed)],
            check=True,
            timeout=timeout,
        )
        return np.load(out), float(Path(f"{out}.seconds").read_text())


def simulate(seed):
    """One replicate of the inference simulation: the complete table and its gaps."""
    rng = np.random.default_rng(seed)
    x1, u, e = rng.normal(size=(3, SIMULATION_ROWS))
    x2 = 0.6 * x1 + 0.8 * u
    y = 1 + SLOPE * x1 - x2 + e
    hidden = rng.random(SIMULATION_ROWS) < 0.5 / (1 + np.exp(-(y - 1)))
    table = np.column_stack([y, x1, x2])
    gappy = table.copy()
    gappy[hidden, 1] = np.nan
    return table, gappy


def ols_slope(table):
    """OLS of y on x1 and x2 with an intercept: the slope of x1 and its variance."""
    design = np.column_stack([np.ones(len(table)), table[:, 1], table[:, 2]])
    coefficients, residuals, *_ = np.linalg.lstsq(design, table[:, 0], rcond=None)
    sigma2 = float(residuals[0]) / (len(table) - design.shape[1])
    covariance = sigma2 * np.linalg.inv(design.T @ design)
    return coefficients[1], covariance[1, 1]


def linear_model_draws(gappy, n_draws, rng):
    """Tables whose missing x1 are drawn from a Bayesian linear regression of x1 on y and x2
    (flat prior; R mice's ``norm``): the regression's variance from its scaled inverse chi-squared
    posterior, its coefficients given the variance, then each x1 given both. Under this
    simulation that model is the true one, so it shows what proper imputation covers."""
    missing = np.isnan(gappy[:, 1])
    design = np.column_stack([np.ones(len(gappy)), gappy[:, 0], gappy[:, 2]])
    known, target = design[~missing], gappy[~missing, 1]
    inverse = np.linalg.inv(known.T @ known)
    centre = inverse @ known.T @ target
    residuals = target - known @ centre
    dof = len(target) - design.shape[1]
    tables = []
    for _ in range(n_draws):
        variance = residuals @ residuals / rng.chisquare(dof)
        coefficients = rng.multivariate_normal(centre, variance * inverse)
        table = gappy.copy()
        noise = rng.normal(0.0, np.sqrt(variance), missing.sum())
        table[missing, 1] = design[missing] @ coefficients + noise
        tables.append(table)
    return tables


def run_inference(seed, n_draws, params):
    """Cover or miss the slope with pooled draws, one filled table, and complete cases."""
    from scipy import stats

    table, gappy = simulate(seed)
    imputer = ours(params).set_params(random_state=seed)
    start = time.perf_counter()
    filled = imputer.fit_transform(gappy)
    seconds = time.perf_counter() - start
    fits = [ols_slope(table) for table in imputer.sample(gappy, n_draws, random_state=seed)]
    pooled = pool(*zip(*fits), n_obs=SIMULATION_ROWS, n_params=3)
    low, high = pooled.confidence_interval(0.95)
    critical = stats.t.ppf(0.975, SIMULATION_ROWS - 3)
    mice_fits = [
        ols_slope(mice().set_params(sample_posterior=True, random_state=i).fit_transform(gappy))
        for i in range(n_draws)
    ]
    mice_pooled = pool(*zip(*mice_fits), n_obs=SIMULATION_ROWS, n_params=3)
    mice_low, mice_high = mice_pooled.confidence_interval(0.95)
    model_fits = [
        ols_slope(draw)
        for draw in linear_model_draws(gappy, n_draws, np.random.default_rng([seed, 1]))
    ]
    model_pooled = pool(*zip(*model_fits), n_obs=SIMULATION_ROWS, n_params=3)
    model_low, model_high = model_pooled.confidence_interval(0.95)
    whole, whole_var = ols_slope(table)
    single, single_var = ols_slope(filled)
    complete = gappy[~np.isnan(gappy).any(axis=1)]
    case, case_var = ols_slope(complete)
    case_critical = stats.t.ppf(0.975, len(complete) - 3)
    return {
        "pooled_estimate": pooled.estimate,
        "pooled_covers": bool(low <= SLOPE <= high),
        "pooled_width": high - low,
        "fmi": pooled.fmi,
        "mice_estimate": mice_pooled.estimate,
        "mice_covers": bool(mice_low <= SLOPE <= mice_high),
        "mice_width": mice_high - mice_low,
        "model_estimate": model_pooled.estimate,
        "model_covers": bool(model_low <= SLOPE <= model_high),
        "model_width": model_high - model_low,
        "whole_estimate": float(whole),
        "whole_covers": bool(abs(whole - SLOPE) <= critical * np.sqrt(whole_var)),
        "whole_width": 2 * critical * float(np.sqrt(whole_var)),
        "single_estimate": float(single),
        "single_covers": bool(abs(single - SLOPE) <= critical * np.sqrt(single_var)),
        "single_width": 2 * critical * float(np.sqrt(single_var)),
        "complete_estimate": float(case),
        "complete_covers": bool(abs(case - SLOPE) <= case_critical * np.sqrt(case_var)),
        "complete_width": 2 * case_critical * float(np.sqrt(case_var)),
        "seconds": seconds,
    }


def markdown(runs):
    """The tables of OUT.md."""
    lines = []
    tables = pd.DataFrame([r for r in runs if r["part"] == "tables" and r["status"] == "ok"])
    stopped = [r for r in runs if r["part"] == "tables" and r["status"] != "ok"]
    if len(tables):
        for mechanism, scenario in tables.groupby("mechanism", sort=False):
            seeds = sorted(scenario["seed"].unique())
            lines += [
                f"## {mechanism} 0.3, {scenario['n_draws'].iloc[0]} draws, seeds "
                f"{', '.join(map(str, seeds))} (mean over seeds)",
                "",
                "| data set | method | coverage of 90% | width | CRPS | RMSE | fit s | draws s |",
                "|---|---|---|---|---|---|---|---|",
            ]
            grouped = scenario.groupby(["dataset", "method"], sort=False)[
                ["coverage", "width", "crps", "rmse", "fit_seconds", "draw_seconds"]
            ].mean()
            for (dataset, method), row in grouped.iterrows():
                lines.append(
                    f"| {dataset} | {method} | {row.coverage:.3f} | {row.width:.4f} | "
                    f"{row.crps:.4f} | {row.rmse:.4f} | {row.fit_seconds:.1f} | "
                    f"{row.draw_seconds:.2f} |"
                )
            crps = grouped["crps"].unstack()
            if "mice" in crps and "dynamic" in crps:
                ratio = crps["dynamic"] / crps["mice"]
                lines += [
                    "",
                    f"CRPS of dynamic / MICE: median {ratio.median():.3f}, worst {ratio.max():.3f}"
                    f" ({ratio.idxmax()})",
                ]
            lines.append("")
    if stopped:
        lines += [
            "Stopped after --timeout seconds (not in the tables above): "
            + ", ".join(
                f"{r['method']} on {r['dataset']} {r['mechanism']} seed {r['seed']}"
                for r in stopped
            ),
            "",
        ]
    inference = pd.DataFrame([r for r in runs if r["part"] == "inference"])
    if len(inference):
        lines += [
            f"## Inference: slope of x1 (true {SLOPE}), {len(inference)} replicates, "
            f"{inference['n_draws'].iloc[0]} draws",
            "",
            "| analysis | coverage of 95% | mean width | mean estimate |",
            "|---|---|---|---|",
        ]
        for name, label in (
            ("pooled", "Rubin's rules on the draws"),
            ("mice", "Rubin's rules on IterativeImputer(sample_posterior=True), one fit per draw"),
            ("single", "one filled table"),
            ("complete", "complete cases"),
            (
                "model",
                "reference: Rubin's rules on draws of the true model (Bayesian linear)",
            ),
            ("whole", "reference: the whole table before x1 was hidden"),
        ):
            if f"{name}_covers" not in inference:
                continue
            lines.append(
                f"| {label} | {inference[f'{name}_covers'].mean():.3f} | "
                f"{inference[f'{name}_width'].mean():.3f} | "
                f"{inference[f'{name}_estimate'].mean():.3f} |"
            )
        lines += ["", f"mean fraction of missing information: {inference['fmi'].mean():.3f}", ""]
    return "\n".join(lines)


def save(path, text):
    with atomic_output(path) as handle:
        handle.write(text.encode())


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=("tables", "inference"), required=True)
    add_data_options(parser)
    parser.add_argument("--methods", nargs="*", default=["dynamic", "mice"])
    parser.add_argument("--mechanisms", nargs="*", default=["MCAR", "MAR"])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--draws", type=int, default=None, help="20 for tables, 10 for inference")
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument(
        "--first-replicate",
        type=int,
        default=0,
        help="seed of the first replicate (to split replicates between processes)",
    )
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument(
        "--miceforest-python",
        help="the Python of a virtual environment with miceforest; adds it to --methods",
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds before a miceforest run is stopped"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="writes OUT.json, OUT.md")
    add_set_option(parser, "TransformerImputer", "budget=thorough")
    args = parser.parse_args()
    params = dict(args.set)
    methods = [*args.methods, *(["miceforest"] if args.miceforest_python else [])]
    json_path, md_path = (args.out.with_name(f"{args.out.name}.{s}") for s in ("json", "md"))
    json_path.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(json_path.read_text()) if json_path.exists() else []
    done = {tuple(r["key"]) for r in runs}

    def record(key, run):
        runs.append({"key": list(key), **run})
        save(json_path, json.dumps(runs, indent=1))
        save(md_path, markdown(runs))
        print(json.dumps(runs[-1]), file=sys.stderr)

    if args.part == "tables":
        n_draws = args.draws or 20
        for name, X in load_numeric_tables(args.data, args.datasets, args.max_rows):
            for mechanism in args.mechanisms:
                for seed in args.seeds:
                    for method in methods:
                        key = ("tables", name, mechanism, seed, method, n_draws)
                        if key in done:
                            continue
                        scores = run_table(
                            method,
                            X,
                            mechanism,
                            seed,
                            n_draws,
                            params,
                            args.miceforest_python,
                            args.timeout,
                        )
                        record(
                            key,
                            {
                                "part": "tables",
                                "dataset": name,
                                "mechanism": mechanism,
                                "seed": seed,
                                "method": method,
                                "n_draws": n_draws,
                                **scores,
                            },
                        )
    else:
        n_draws = args.draws or 10
        for seed in range(args.first_replicate, args.first_replicate + args.replicates):
            key = ("inference", seed, n_draws)
            if key not in done:
                run = run_inference(seed, n_draws, params)
                record(key, {"part": "inference", "seed": seed, "n_draws": n_draws, **run})


if __name__ == "__main__":
    main()
