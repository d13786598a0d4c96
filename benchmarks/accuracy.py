"""Imputation accuracy against the peers, under the protocol of docs/benchmarks.md.

For each tabular data set (numeric columns, target dropped, at most --max-rows rows drawn with seed
0), the columns are min-max scaled on their observed values, observed cells are hidden under each
mechanism, rate and seed (the mask depends only on those, so every method sees the same cells),
and each method fills them. RMSE and MAE are measured on the hidden cells in the scaled space,
with the wall time of fit plus transform and the peak resident memory of the process that ran it.

Each run happens in a forked child process, so that its peak memory is its own and a run over
--timeout seconds can be stopped (it is recorded as "timeout", as in BENCHMARK.md's peer table).
Every run is appended to OUT.json as soon as it ends, and runs already there are skipped, so an
interrupted benchmark resumes where it stopped. OUT.md gets, per scenario, the mean RMSE per data
set and method, the mean over data sets, the mean rank and the median time and memory.

    OMP_NUM_THREADS=2 python benchmarks/accuracy.py                      # everything: hours on 2
    cores
    OMP_NUM_THREADS=1 python benchmarks/accuracy.py --methods dynamic static mean \\
        --mechanisms MAR --rates 0.3 --seeds 0 --out /tmp/lever --set max_epochs=300
    OMP_NUM_THREADS=1 hyperimpute-venv/bin/python benchmarks/accuracy.py --methods hyperimpute \\
        --rates 0.3 --seeds 0 --out /tmp/hyperimpute     # in a venv where HyperImpute is installed
"""

import argparse
import contextlib
import importlib.util
import itertools
import json
import multiprocessing
import os
import resource
import signal
import sys
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
from harness import add_data_options, add_set_option, load_numeric_tables
from sklearn.base import BaseEstimator

from impute import MeanImputer, TransformerImputer
from impute.evaluation import evaluate, minmax_scale
from impute.io import atomic_output

DEFAULT_OUT = Path(__file__).parent / "results" / "accuracy"
PEERS = ("knn", "mice", "missforest")
EXTRAS = ("hyperimpute",)  # not a dependency of the package: run only when named in --methods
EXIT_SECONDS = 10  # how long a child that has sent its scores may take to exit before it is killed


class HyperImpute(BaseEstimator):
    """HyperImpute's default "hyperimpute" plugin (its own model search per column) behind
    ``fit_transform``, so that ``evaluate`` can clone it like the scikit-learn peers.

    It is an optional extra installed beside the package, never by it (docs/benchmarks.md
    says how); under pandas 3 its writes are silently dropped and it returns plain mean
    imputation, so that is refused rather than reported as its accuracy.
    """

    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit_transform(self, X, y=None):
        if int(pd.__version__.split(".")[0]) >= 3:
            raise RuntimeError(
                f"HyperImpute needs pandas<3 (found {pd.__version__}): it returns mean imputation "
                "under 3"
            )
        from hyperimpute.plugins.imputers import Imputers

        plugin = Imputers().get("hyperimpute", random_state=self.random_state)
        return plugin.fit_transform(pd.DataFrame(X)).to_numpy(dtype=np.float64)


def make_method(name, params):
    """A fresh imputer for a method name; ``params`` change TransformerImputer's defaults."""
    if name in ("dynamic", "static"):
        return TransformerImputer(masking=name, random_state=0, **params)
    if name == "mean":
        return MeanImputer()
    if name == "hyperimpute":
        return HyperImpute(random_state=0)
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer, KNNImputer

    if name == "knn":
        return KNNImputer(n_neighbors=5)
    if name == "mice":
        return IterativeImputer(max_iter=10, random_state=0)
    if name == "missforest":
        forest = RandomForestRegressor(n_estimators=100, n_jobs=1, random_state=0)
        return IterativeImputer(forest, max_iter=10, random_state=0)
    raise ValueError(f"unknown method {name!r}")


METHODS = ("dynamic", "static", "mean", *PEERS)
ALL_METHODS = (*METHODS, *EXTRAS)


HOLDOUT = (
    "diabetes",
    "wine",
)  # bundled with scikit-learn, outside the development data: checks that defaults generalise


def load_holdout(names):
    """Yield (name, scaled numeric matrix) for scikit-learn's bundled tables (no download)."""
    from sklearn import datasets

    for name in names:
        yield name, minmax_scale(getattr(datasets, f"load_{name}")().data)


def _child(connection, method, params, X, mechanism, rate, seed):
    # a group of its own, so that stopping it also stops any worker processes it starts
    os.setpgrp()
    try:
        scores = evaluate(make_method(method, params), X, mechanism, rate, seed)
        scores["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        connection.send(("ok", scores))
    except Exception:  # reported in the results, so one failing method does not stop the others
        connection.send(("error", traceback.format_exc(limit=3)))


def _stop(child):
    """Kill ``child`` and every process of its group (the child itself too, if it has not made
    its group yet)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.kill()
    child.join()


def run_one(method, params, X, mechanism, rate, seed, timeout):
    """Evaluate one method in a forked child; returns (status, scores or None)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, method, params, X, mechanism, rate, seed))
    child.start()
    sender.close()
    try:
        finished = receiver.poll(timeout)
    except KeyboardInterrupt:  # the child is in a group of its own, out of the terminal's reach
        _stop(child)
        raise
    if not finished:
        _stop(child)
        return "timeout", None
    status, payload = receiver.recv()
    child.join(EXIT_SECONDS)
    if (
        child.is_alive()
    ):  # a finished child that hangs on exit: HyperImpute's joblib workers wait forever
        _stop(child)
    if status == "error":
        print(payload, file=sys.stderr)
        return "error", None
    return "ok", payload


def _key(run):
    return run["dataset"], run["mechanism"], run["rate"], run["seed"], run["method"]


def save_text(path, text):
    """Replace ``path`` with ``text`` atomically: a benchmark stopped mid-write keeps its runs."""
    with atomic_output(path) as handle:
        handle.write(text.encode())


def markdown(runs, methods):
    """Per scenario: mean RMSE over seeds per data set and method, mean, mean rank, time, memory."""
    frame = pd.DataFrame(runs)
    frame = frame[frame["method"].isin(methods)]
    lines = []
    for (mechanism, rate), scenario in frame.groupby(["mechanism", "rate"], sort=False):
        methods_run = [m for m in methods if m in set(scenario["method"])]
        seeds = sorted(scenario["seed"].unique())
        ok = scenario[scenario["status"] == "ok"]
        table = (
            ok.groupby(["dataset", "method"])["rmse"].mean().unstack().reindex(columns=methods_run)
        )
        failed = scenario[scenario["status"] != "ok"].groupby(["dataset", "method"]).size()
        for dataset, method in failed.index:
            table.loc[dataset, method] = np.nan
        complete = table.dropna()
        ranks = (
            ok.pivot_table(index=["dataset", "seed"], columns="method", values="rmse")
            .dropna(axis=1, how="all")
            .dropna()
            .rank(axis=1)
            .mean()
            .reindex(methods_run)
        )
        lines += [
            f"### {mechanism} {rate:g}",
            "",
            (
                f"RMSE in min-max scaled units, mean over seeds {', '.join(map(str, seeds))}; "
                "lowest in bold; "
                "a dash: the run did not finish."
            ),
            "",
            "| data set | " + " | ".join(methods_run) + " |",
            "|---|" + "---|" * len(methods_run),
        ]
        for dataset, row in table.iterrows():
            best = row.min()
            cells = [
                "–" if np.isnan(v) else (f"**{v:.4f}**" if v == best else f"{v:.4f}") for v in row
            ]
            lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
        seconds = ok.groupby("method")["seconds"].median().reindex(methods_run)
        memory = ok.groupby("method")["peak_mib"].median().reindex(methods_run)
        for label, values, fmt in [
            (f"mean of {len(complete)} (all finished)", complete.mean(), "{:.4f}"),
            ("mean rank", ranks, "{:.2f}"),
            ("median seconds", seconds, "{:.1f}"),
            ("median peak MiB", memory, "{:.0f}"),
        ]:
            lines.append(
                f"| {label} | "
                + " | ".join("–" if pd.isna(v) else fmt.format(v) for v in values)
                + " |"
            )
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_data_options(parser)
    parser.add_argument(
        "--holdout",
        nargs="*",
        default=[],
        choices=HOLDOUT,
        help="scikit-learn's bundled tables, outside the development data; with --holdout and "
        "no --datasets, only these are run",
    )
    parser.add_argument(
        "--methods",
        nargs="*",
        default=list(METHODS),
        choices=ALL_METHODS,
        help="default: all but hyperimpute, which must be installed beside the package first",
    )
    parser.add_argument("--mechanisms", nargs="*", default=["MCAR", "MAR", "MNAR"])
    parser.add_argument("--rates", nargs="*", type=float, default=[0.1, 0.3, 0.5])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds before a run is stopped"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="writes OUT.json and OUT.md")
    parser.add_argument(
        "--merge",
        nargs="*",
        type=Path,
        default=[],
        metavar="JSON",
        help="run nothing: add the runs of these files (benchmarks run in parallel) to OUT.json "
        "and write OUT.md",
    )
    add_set_option(parser, "TransformerImputer", "budget=thorough learning_rate=3e-4")
    args = parser.parse_args()
    params = dict(args.set)
    if (
        "hyperimpute" in args.methods
        and not args.merge
        and importlib.util.find_spec("hyperimpute") is None
    ):
        parser.error(
            "--methods hyperimpute: HyperImpute is not installed in this environment; "
            "docs/benchmarks.md says how to install it beside the package"
        )

    json_path, md_path = (
        args.out.with_name(f"{args.out.name}.{suffix}") for suffix in ("json", "md")
    )
    json_path.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(json_path.read_text()) if json_path.exists() else []
    for path in args.merge:
        keys = {_key(r) for r in runs}
        runs += [r for r in json.loads(path.read_text()) if _key(r) not in keys]
    if args.merge:
        save_text(json_path, json.dumps(runs, indent=1))
        save_text(md_path, markdown(runs, args.methods))
        return
    if any(r["params"] != params for r in runs if r["method"] in ("dynamic", "static")):
        parser.error(f"{json_path} holds runs with other --set parameters; choose another --out")
    done = {_key(r) for r in runs}
    tables = load_holdout(args.holdout)
    if args.datasets or not args.holdout:
        tables = itertools.chain(
            load_numeric_tables(args.data, args.datasets, args.max_rows), tables
        )
    for name, X in tables:
        for mechanism in args.mechanisms:
            for rate in args.rates:
                for seed in args.seeds:
                    for method in args.methods:
                        if (name, mechanism, rate, seed, method) in done:
                            continue
                        status, scores = run_one(
                            method, params, X, mechanism, rate, seed, args.timeout
                        )
                        runs.append(
                            {
                                "dataset": name,
                                "mechanism": mechanism,
                                "rate": rate,
                                "seed": seed,
                                "method": method,
                                "params": params if method in ("dynamic", "static") else {},
                                "status": status,
                                **(scores or {}),
                            }
                        )
                        save_text(json_path, json.dumps(runs, indent=1))
                        shown = (
                            f"rmse {scores['rmse']:.4f} {scores['seconds']:.1f}s"
                            if scores
                            else status
                        )
                        print(
                            f"{name:20s} {mechanism} {rate} seed {seed} {method:12s} {shown}",
                            file=sys.stderr,
                            flush=True,
                        )
    report = markdown(runs, args.methods)
    save_text(md_path, report)
    print(report)


if __name__ == "__main__":
    main()
