"""Imports written against the flat layout before the subpackages keep working, with a warning
that names the new place."""

import importlib
import sys

import pytest

import impute

OLD_PATHS = {
    "impute.amputation": ["MECHANISMS", "ampute"],
    "impute.errors": ["DataError", "ModelFileError"],
    "impute.jobs": ["describe_file", "evaluate_file", "fill_file", "fit_file"],
    "impute.series_baselines": ["SeriesBaselineImputer"],
    "impute.series_estimator": ["TimeSeriesImputer"],
    "impute.series_evaluation": ["PATTERNS", "evaluate_series", "hide", "mre", "zscore"],
    "impute.series_jobs": [
        "SERIES_METHODS",
        "evaluate_series_file",
        "fill_series_file",
        "fit_series_file",
    ],
}


@pytest.mark.parametrize("path", OLD_PATHS)
def test_an_old_module_path_still_gives_its_public_names_with_a_future_warning(path, monkeypatch):
    monkeypatch.delitem(sys.modules, path, raising=False)
    with pytest.warns(FutureWarning, match=f"{path} moved to impute"):
        module = importlib.import_module(path)
    for name in OLD_PATHS[path]:
        assert hasattr(module, name), f"{path}.{name}"


def test_modules_that_are_now_packages_keep_their_names():
    from impute.evaluation import evaluate, evaluate_frame, mae, minmax_scale, rmse
    from impute.series import BaseSeriesImputer, SeriesLayout, series_layout

    assert evaluate is impute.evaluate and series_layout is impute.series_layout
    assert all(
        callable(item)
        for item in (evaluate_frame, mae, minmax_scale, rmse, BaseSeriesImputer, SeriesLayout)
    )
