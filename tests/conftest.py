"""Fixtures shared by the tests."""

import os

import pytest
from hypothesis import settings
from support import hide, structured_table

# CI must give the same verdict on the same commit; locally, property tests keep exploring.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def table_with_gaps():
    X = structured_table()
    X_missing, hidden = hide(X, 0.25)
    return X, X_missing, hidden
